"""Secrets never reach a log line: SMTP and Elasticsearch passwords, admin token, secret key.

One service is configured with all four; a crawl, a digest sent through an SMTP server that
rejects the login, a search and an index sync against an Elasticsearch URL with credentials
where nothing listens, and the startup lines of `exportwatch run` are all logged at DEBUG
into one capture, together with what went to stderr. No secret may appear in any of it.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from exportwatch import jobs
from exportwatch.alerts.matching_run import match_documents
from exportwatch.cli.run import describe_backends
from exportwatch.model import Document, Frequency, Kind, Subscriber, Subscription, utcnow
from exportwatch.search import Query
from exportwatch.search.sync import sync_outbox
from exportwatch.services import Services, open_services
from exportwatch.settings import Settings
from tests.mockserver import FixtureServer, SMTPServer

SMTP_PASSWORD = "smtp-pw-Zq81x"
ES_PASSWORD = "es-pw-Lm42v"
ADMIN_TOKEN = "admin-token-Hy77k"
SECRET_KEY = "secret-key-Wd93j"
SECRETS = (SMTP_PASSWORD, ES_PASSWORD, ADMIN_TOKEN, SECRET_KEY)
FEED_SOURCE = "id: fairs\nname: fairs\nkind: event\ntype: feed\nurl: {url}\n"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def secret_services(
    settings: Settings,
    tmp_path: Path,
    fixture_server: FixtureServer,
    make_smtp_server: Callable[..., SMTPServer],
) -> Iterator[Services]:
    smtp = make_smtp_server(auth=("mailer", "another-password"))  # refuses our login
    sources = tmp_path / "sources"
    sources.mkdir()
    feed = fixture_server.url("feeds/rss20-ttl.rss")
    (sources / "fairs.yaml").write_text(FEED_SOURCE.format(url=feed), encoding="utf-8")
    configured = settings.model_copy(
        update={
            "smtp_url": f"smtp://mailer:{SMTP_PASSWORD}@127.0.0.1:{smtp.port}?timeout=5",
            "elasticsearch_url": f"http://elastic:{ES_PASSWORD}@127.0.0.1:{closed_port()}",
            "admin_token": ADMIN_TOKEN,
            "secret_key": SECRET_KEY,
            "sources_dir": sources,
        }
    )
    configured = Settings.model_validate(configured.model_dump())  # the secrets as SecretStr
    opened = open_services(configured)
    yield opened
    opened.close()


def test_no_secret_in_any_log_line(
    secret_services: Services, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    services = secret_services
    caplog.set_level(logging.DEBUG)
    logging.getLogger("exportwatch").info(describe_backends(services.settings))  # as `run` does
    jobs.bind(services)
    jobs.crawl_source("fairs")
    assert services.store.count_documents() == 3  # the crawl did run
    sync_outbox(services.store, services.index)  # Elasticsearch is down: logged, kept
    try:
        services.index.search(Query(text="fair"))
    except Exception as error:  # the error text is what the API and the logs would show
        logging.getLogger("test").error("search failed: %s", error, exc_info=True)
    subscriber = Subscriber(id=None, email="sme@example.org")
    immediate = Subscription(id=None, subscriber_id=None, frequency=Frequency.IMMEDIATE)
    services.store.enrol_subscriber(subscriber, [immediate], confirmed=True, now=utcnow())
    fair = Document("fairs:x", Kind.EVENT, "Anuga 2027", "https://example.org/a", "fairs")
    services.store.save_documents([fair])
    match_documents(services.store, services.taxonomy, [fair.id])
    jobs.send_digests()  # the relay refuses the login: logged, retried later
    captured = capfd.readouterr()
    logged = "\n".join(
        [record.getMessage() for record in caplog.records]
        + [caplog.text, captured.out, captured.err]
        + [str(record.exc_info[1]) for record in caplog.records if record.exc_info]
    )
    assert "127.0.0.1" in logged  # something was logged about the backends
    assert any(record.levelno >= logging.WARNING for record in caplog.records)
    leaked = [secret for secret in SECRETS if secret in logged]
    assert leaked == []
