"""Benchmark digest emails: render and send N digests of 5 items to a local SMTP server and outbox.

Usage: python bench/digests.py [--digests 10000] [--items 5] [--batch 500]

The items are the realistic documents of tests/fixtures/alerts/documents.jsonl (fairs, export
finance, regulations), 5 per digest in a rotating choice, to subscribers in the 8 catalog
languages and a few time zones. *Rendering* is what a digest run does per email after reading
the store: two signed links, `make_digest`, both templates and the MIME message. *Sending* is
`SmtpTransport.send` (one connection per message, as in production) to the tests' aiosmtpd
server in this process, or `OutboxTransport.send` (one .eml file each, written atomically) to
a temporary directory. The SMTP server keeps what it accepts, so it is emptied after each
batch. Peak RSS is the whole process (the server thread included), reset before each run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the SMTP server lives in tests/mockserver

from exportwatch.alerts.delivery import OutboxTransport, SmtpTransport, Transport  # noqa: E402
from exportwatch.alerts.digest_model import DigestItem, make_digest, make_message_id  # noqa: E402
from exportwatch.alerts.i18n import LANGUAGES  # noqa: E402
from exportwatch.alerts.messages import digest_message  # noqa: E402
from exportwatch.alerts.subscribing import link_url  # noqa: E402
from exportwatch.alerts.tokens import TokenPurpose  # noqa: E402
from exportwatch.model import Document, Subscriber  # noqa: E402
from exportwatch.settings import Settings  # noqa: E402
from tests.mockserver import SMTPServer  # noqa: E402

DOCUMENTS = ROOT / "tests" / "fixtures" / "alerts" / "documents.jsonl"
NOW = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)
ZONES = ("Europe/Berlin", "Europe/Paris", "America/Sao_Paulo", "Asia/Jakarta", "UTC")
REASON = "Sector: Food & beverages · Market: Germany (EU)"
MAIL_FROM = "exportwatch <alerts@example.org>"
SOURCES = {"auma": "AUMA", "jetro": "JETRO"}


@dataclass
class Result:
    """One transport's run."""

    transport: str
    digests: int
    seconds: float
    render_seconds: float
    send_seconds: float
    bytes: int
    peak_rss: int


def load_documents() -> list[Document]:
    with DOCUMENTS.open(encoding="utf-8") as lines:
        return [Document.from_json(json.loads(line)) for line in lines if line.strip()]


def settings() -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        secret_key="bench-secret-key",  # type: ignore[arg-type]
        base_url="https://exportwatch.example.org",
    )


def subscribers(count: int) -> Iterator[Subscriber]:
    for number in range(1, count + 1):
        yield Subscriber(
            id=number,
            email=f"client{number}@agency{number % 97}.example.org",
            name=f"Client {number}",
            language=LANGUAGES[number % len(LANGUAGES)],
            timezone=ZONES[number % len(ZONES)],
        )


def render(
    subscriber: Subscriber, documents: list[Document], items: int, config: Settings
) -> EmailMessage:
    """One digest email, built as a digest run builds it."""
    assert subscriber.id is not None
    start = subscriber.id % len(documents)
    chosen = [documents[(start + k) % len(documents)] for k in range(items)]
    digest = make_digest(
        subscriber,
        [DigestItem(document, REASON) for document in chosen],
        message_id=make_message_id(subscriber.id, [d.id for d in chosen], config.base_url),
        unsubscribe_url=link_url(config, TokenPurpose.UNSUBSCRIBE, subscriber.id, now=NOW),
        manage_url=link_url(config, TokenPurpose.MANAGE, subscriber.id, now=NOW),
        generated_at=NOW,
        source_names=SOURCES,
    )
    return digest_message(digest, mail_from=MAIL_FROM)


def run(
    name: str,
    transport: Transport,
    args: argparse.Namespace,
    documents: list[Document],
    server: SMTPServer | None = None,
) -> Result:
    config = settings()
    reset_peak_rss()
    result = Result(name, args.digests, 0.0, 0.0, 0.0, 0, 0)
    kept = 0  # messages the SMTP server holds
    started = time.perf_counter()
    for number, subscriber in enumerate(subscribers(args.digests), start=1):
        before = time.perf_counter()
        message = render(subscriber, documents, args.items, config)
        rendered = time.perf_counter()
        transport.send(message)
        result.send_seconds += time.perf_counter() - rendered
        result.render_seconds += rendered - before
        result.bytes += len(message.as_bytes()) if number <= 100 else 0
        kept += 1
        if server is not None and (kept == args.batch or number == args.digests):
            server.wait_for(kept, timeout=30)
            server.reset()  # it keeps what it accepts: its memory is not the sender's
            kept = 0
    result.seconds = time.perf_counter() - started
    result.peak_rss = status_kib("VmHWM") * 1024
    return result


def reset_peak_rss() -> None:
    # Not Linux, or not allowed: the peak is then the process's since its start.
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM restarts from the current RSS


def status_kib(field: str) -> int:
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in lines if line.startswith(f"{field}:")), 0)


def print_table(results: list[Result], args: argparse.Namespace) -> None:
    print(
        f"\ndigests={args.digests} items/digest={args.items} languages={len(LANGUAGES)} "
        f"load={os.getloadavg()[0]:.2f} cpus={os.cpu_count()}"
    )
    print(
        f"{'transport':<10}{'digests':>9}{'seconds':>9}{'msgs/s':>9}{'render ms':>11}"
        f"{'send ms':>9}{'KB/msg':>8}{'peak RSS MB':>13}"
    )
    for r in results:
        print(
            f"{r.transport:<10}{r.digests:>9}{r.seconds:>9.1f}{r.digests / r.seconds:>9.0f}"
            f"{r.render_seconds * 1000 / r.digests:>11.2f}"
            f"{r.send_seconds * 1000 / r.digests:>9.2f}"
            f"{r.bytes / min(r.digests, 100) / 1024:>8.1f}{r.peak_rss / 2**20:>13.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--digests", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=5, help="items per digest")
    parser.add_argument("--batch", type=int, default=500, help="SMTP messages kept at most")
    args = parser.parse_args()
    documents = load_documents()
    results = []
    with SMTPServer() as server:
        url = f"smtp://{server.host}:{server.port}?helo=localhost&timeout=30"
        results.append(run("smtp", SmtpTransport(url), args, documents, server))
    with tempfile.TemporaryDirectory(prefix="bench-digests-") as directory:
        results.append(run("outbox", OutboxTransport(Path(directory)), args, documents))
    print_table(results, args)


if __name__ == "__main__":
    main()
