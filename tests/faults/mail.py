"""Subscribers and documents for the digest fault tests, set up through the CLI in-process."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from email.message import EmailMessage

from typer.testing import CliRunner

from exportwatch.cli.main import app
from tests.faults.documents import TEMPLATES

__all__ = ["KINDS", "SUBSCRIBERS", "expected_titles", "invoke", "items_per_recipient", "setup"]

# One subscriber per kind: each digest's items are known from the fixture.
KINDS = {"events@sme.example": "event", "finance@sme.example": "finance"}
KINDS["rules@sme.example"] = "regulation"
SUBSCRIBERS = tuple(KINDS)


def invoke(env: dict[str, str], *args: str) -> str:
    """Run a CLI command in this process with `env`; fails the test on a non-zero exit."""
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def setup(env: dict[str, str]) -> None:
    """Three confirmed immediate subscribers, then the fixture documents ingested and matched."""
    for email, kind in KINDS.items():
        invoke(
            env,
            "subscribers",
            "add",
            email,
            "--confirmed",
            "--kind",
            kind,
            "--frequency",
            "immediate",
        )
    invoke(env, "ingest", str(TEMPLATES))


def expected_titles(kind: str) -> set[str]:
    """Titles of the fixture documents of `kind`."""
    documents = [json.loads(line) for line in TEMPLATES.read_text("utf-8").splitlines() if line]
    return {doc["title"] for doc in documents if doc["kind"] == kind}


def items_per_recipient(messages: Iterable[EmailMessage]) -> dict[str, Counter[str]]:
    """For each recipient, how many messages mention each fixture title."""
    documents = [json.loads(line) for line in TEMPLATES.read_text("utf-8").splitlines() if line]
    found: dict[str, Counter[str]] = {}
    for message in messages:
        body = message.get_body(("plain",))
        assert body is not None
        text = str(body.get_content())
        seen = found.setdefault(str(message["To"]).split("<")[-1].rstrip(">"), Counter())
        seen.update(doc["title"] for doc in documents if doc["title"] in text)
    return found
