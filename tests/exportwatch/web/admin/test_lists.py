"""Run history, subscribers and the outbox: paged, filtered, and inert with hostile text."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from fastapi.testclient import TestClient

from exportwatch.alerts.delivery import OutboxTransport
from exportwatch.model import Document, Frequency, Kind, RunStatus, Subscriber, Subscription, utcnow
from exportwatch.services import Services
from exportwatch.store import RunCounts

DOCUMENTS = Path(__file__).resolve().parents[4] / "tests/fixtures/browser/documents.jsonl"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_run_history_filters_by_source_and_pages(
    admin: TestClient, admin_services: Services
) -> None:
    store = admin_services.store
    for number in range(55):
        source = "fairs" if number % 5 else "other"
        run = store.start_run(source)
        store.finish_run(
            run,
            RunStatus.SUCCESS,
            counts=RunCounts(seen=number, new=1),
            http_statuses={"200": 1},
        )
    page = admin.get("/admin/runs").text
    assert "55 run(s), newest first" in page
    assert "Page 1 of 2" in page and 'href="?page=2"' in page
    assert page.index("54 / 1 / 0 / 0 / 0") < page.index("53 / 1 / 0 / 0 / 0")
    assert "200×1" in page
    second = admin.get("/admin/runs?page=2").text
    assert "4 / 1 / 0" in second and "54 / 1 / 0" not in second
    only = admin.get("/admin/runs?source=other").text
    assert "11 run(s)" in only and ">fairs</a>" not in only
    assert admin.get("/admin/runs?page=0").status_code == 422


def test_subscribers_are_counted_searched_and_summarized(
    admin: TestClient, admin_services: Services
) -> None:
    store = admin_services.store
    anna = store.add_subscriber(Subscriber(None, "anna@molkerei.example", name="Anna"))
    bert = store.add_subscriber(Subscriber(None, "bert@example.org"), confirmed=True)
    carl = store.add_subscriber(Subscriber(None, "carl@example.org"), confirmed=True)
    store.unsubscribe_subscriber(carl.id or 0)
    store.add_subscription(
        Subscription(
            None,
            bert.id,
            sectors=["food.dairy"],
            markets=["DE"],
            kinds=[Kind.EVENT],
            frequency=Frequency.WEEKLY,
        )
    )
    page = admin.get("/admin/subscribers").text
    for count, label in ((1, "pending"), (1, "confirmed"), (1, "unsubscribed")):
        assert f"<strong>{count}</strong> {label}" in page
    assert "weekly · sectors: food.dairy · markets: DE · kinds: event" in page
    found = admin.get("/admin/subscribers?q=MOLKEREI").text
    assert "anna@molkerei.example" in found and "bert@example.org" not in found
    assert anna.id is not None
    none = admin.get("/admin/subscribers?q=%25").text  # a LIKE wildcard is searched literally
    assert "0 subscriber(s)" in none
    assert "token" not in page.lower().replace("csrf_token", "")


def test_subscribers_page(admin: TestClient, admin_services: Services) -> None:
    for number in range(52):
        admin_services.store.add_subscriber(Subscriber(None, f"p{number:02}@example.org"))
    first = admin.get("/admin/subscribers").text
    assert "p00@example.org" in first and "p50@example.org" not in first
    second = admin.get("/admin/subscribers?page=2").text
    assert "p50@example.org" in second and "p51@example.org" in second


def hostile_message() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "exportwatch <alerts@localhost>"
    message["To"] = "anna@molkerei.example"
    message["Subject"] = HOSTILE
    message["Message-ID"] = "<hostile@localhost>"
    message.set_content("Plain text part <script>alert(2)</script>")
    message.add_alternative(
        '<p>Hello <a href="javascript:alert(3)">x</a></p><script>alert(4)</script>',
        subtype="html",
    )
    return message


def test_the_outbox_lists_and_shows_messages_inertly(
    admin: TestClient, admin_services: Services
) -> None:
    OutboxTransport(admin_services.settings.outbox_dir).send(hostile_message())
    listing = admin.get("/admin/outbox").text
    assert "1 message(s)" in listing
    assert "alerts@localhost" in listing and "anna@molkerei.example" in listing
    assert "&lt;script&gt;alert(" in listing and "<script>alert" not in listing
    assert 'href="/admin/outbox/hostile%40localhost.eml"' in listing
    shown = admin.get("/admin/outbox/hostile@localhost.eml")
    assert shown.status_code == 200
    page = shown.text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "Plain text part &lt;script&gt;alert(2)&lt;/script&gt;" in page
    frame = re.search(r'<iframe[^>]*sandbox=""[^>]*srcdoc="([^"]*)"', page)
    assert frame is not None
    assert "script" not in frame.group(1) and "javascript" not in frame.group(1)
    assert "&lt;p&gt;Hello" in frame.group(1)  # sanitized HTML, escaped into the attribute
    assert "None: every digest was delivered." in listing


def test_unknown_or_unsafe_outbox_names_are_404(admin: TestClient) -> None:
    assert admin.get("/admin/outbox/missing.eml").status_code == 404
    assert admin.get("/admin/outbox/..%2Fsecret_key").status_code == 404


def test_undelivered_digests_are_listed_with_their_error(
    admin: TestClient, admin_services: Services
) -> None:
    store = admin_services.store
    first_line = DOCUMENTS.read_text(encoding="utf-8").splitlines()[0]
    document = Document.from_json(json.loads(first_line))
    store.save_documents([document])
    person = store.add_subscriber(Subscriber(None, "anna@molkerei.example"), confirmed=True)
    digest = store.begin_digest(
        person.id or 0, "<d1@localhost>", [document.id], Frequency.DAILY, utcnow()
    )
    assert digest is not None
    store.mark_failed_temporarily(digest.id, f"451 {HOSTILE}", utcnow() + timedelta(hours=1))
    page = admin.get("/admin/outbox").text
    assert "every digest was delivered" not in page
    assert "intent" in page and "451 &lt;script&gt;" in page and "<script>alert" not in page
