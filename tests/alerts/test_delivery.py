"""Delivery through a real SMTP server (aiosmtpd) and to the outbox, and how failures surface."""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from pydantic import SecretStr

from exportwatch.alerts.delivery import (
    OutboxTransport,
    PermanentDeliveryError,
    SmtpTransport,
    TemporaryDeliveryError,
    TransportConfigError,
    list_outbox,
    outbox_filename,
    read_outbox_message,
    transport_from_settings,
)
from exportwatch.alerts.digest_model import DigestItem, make_digest
from exportwatch.alerts.messages import digest_message
from exportwatch.model import Document, Kind, Subscriber
from exportwatch.settings import Settings
from tests.mockserver import SMTPServer

USER, PASSWORD = "digest", "p@ss:w/rd%1"
QUOTED_PASSWORD = "p%40ss%3Aw%2Frd%251"
RECIPIENT = "anna@example.test"


def make_message(number: int = 1, *, to: str = RECIPIENT) -> EmailMessage:
    """A small mail with a stable Message-ID, as the digest job hands it over."""
    message = EmailMessage()
    message["From"] = "exportwatch <alerts@example.org>"
    message["To"] = to
    message["Subject"] = f"Digest {number}"
    message["Message-ID"] = f"<digest-7.{number:04d}@alerts.example.org>"
    message.set_content(f"Message {number}\n")
    return message


def transport(
    server: SMTPServer, query: str = "", user: str = "", **kwargs: object
) -> SmtpTransport:
    credentials = f"{user}:{QUOTED_PASSWORD}@" if user else ""
    url = f"smtp://{credentials}{server.host}:{server.port}?helo=localhost{query}"
    return SmtpTransport(url, timeout=5, **kwargs)  # type: ignore[arg-type]


def client_context(server: SMTPServer) -> ssl.SSLContext:
    assert server.tls_cert_pem is not None
    return ssl.create_default_context(cadata=server.tls_cert_pem.decode())


def test_plain_smtp_delivers_a_digest_unchanged(smtp_server: SMTPServer) -> None:
    who = Subscriber(id=7, email=RECIPIENT, name="Anna", language="de")
    document = Document(
        id="d1", kind=Kind.EVENT, title="Anuga 2027", url="https://a.test/", source_id="s"
    )
    digest = make_digest(
        who,
        [DigestItem(document, "Sector: Food")],
        message_id="<digest-7.abc@alerts.example.org>",
        unsubscribe_url="https://alerts.example.org/u?t=1",
        manage_url="https://alerts.example.org/m?t=1",
        generated_at=datetime(2027, 3, 1, 6, tzinfo=UTC),
    )
    message = digest_message(digest, mail_from="exportwatch <alerts@example.org>")
    transport(smtp_server).send(message)
    [captured] = smtp_server.messages
    assert captured.mail_from == "alerts@example.org"
    assert captured.rcpt_tos == (RECIPIENT,)
    assert (captured.login, captured.tls) == (None, False)
    got = captured.message
    assert got["Message-ID"] == "<digest-7.abc@alerts.example.org>"
    assert got["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert got["Subject"] == "1 neue Export-Meldung"
    html = got.get_body(("html",))
    assert html is not None and "Anuga 2027" in html.get_content()


def test_starttls_and_auth(make_smtp_server: Callable[..., SMTPServer]) -> None:
    server = make_smtp_server(auth=(USER, PASSWORD), tls=True)
    smtp = transport(server, "&starttls=true", user=USER, ssl_context=client_context(server))
    smtp.send(make_message())
    [captured] = server.messages
    assert (captured.login, captured.tls) == (USER, True)
    assert captured.message["Subject"] == "Digest 1"


def test_starttls_with_an_untrusted_certificate_is_temporary(
    make_smtp_server: Callable[..., SMTPServer],
) -> None:
    server = make_smtp_server(auth=(USER, PASSWORD), tls=True)
    with pytest.raises(TemporaryDeliveryError, match="TLS failed") as caught:
        transport(server, "&starttls=true", user=USER).send(make_message())
    assert PASSWORD not in str(caught.value) and QUOTED_PASSWORD not in str(caught.value)
    assert server.messages == []


def test_wrong_password_is_a_configuration_error_without_the_password(
    make_smtp_server: Callable[..., SMTPServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = make_smtp_server(auth=(USER, "another"))
    smtp = transport(server, user=USER)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(TransportConfigError, match="login refused") as caught:
        smtp.send(make_message())
    assert isinstance(caught.value, TemporaryDeliveryError)  # retry once the settings are fixed
    for shown in (str(caught.value), repr(smtp), caplog.text):
        assert PASSWORD not in shown and QUOTED_PASSWORD not in shown
    assert f"smtp://{USER}@127.0.0.1:{server.port}" in repr(smtp)


def test_relay_demanding_auth_or_lacking_starttls_is_a_configuration_error(
    make_smtp_server: Callable[..., SMTPServer], smtp_server: SMTPServer
) -> None:
    needs_login = make_smtp_server(auth=(USER, PASSWORD))
    with pytest.raises(TransportConfigError, match="530"):
        transport(needs_login).send(make_message())
    with pytest.raises(TransportConfigError, match="STARTTLS"):
        transport(smtp_server, "&starttls=true").send(make_message())
    with pytest.raises(TransportConfigError, match="AUTH not offered"):
        transport(smtp_server, user=USER).send(make_message())
    assert smtp_server.messages == []


@pytest.mark.parametrize(("code", "stage"), [(451, "data"), (452, "rcpt"), (421, "mail")])
def test_4xx_is_temporary_and_a_retry_goes_through(
    smtp_server: SMTPServer, code: int, stage: str
) -> None:
    smtp_server.reject(code, stage=stage, count=1)  # type: ignore[arg-type]
    smtp = transport(smtp_server)
    with pytest.raises(TemporaryDeliveryError) as caught:
        smtp.send(make_message())
    assert not isinstance(caught.value, TransportConfigError)
    assert str(code) in str(caught.value)
    smtp.send(make_message())
    assert [m.message["Message-ID"] for m in smtp_server.messages] == [
        "<digest-7.0001@alerts.example.org>"
    ]


def test_5xx_at_rcpt_is_a_hard_bounce(smtp_server: SMTPServer) -> None:
    smtp_server.reject(550, "5.1.1 No such user", stage="rcpt", count=1)
    with pytest.raises(PermanentDeliveryError) as caught:
        transport(smtp_server).send(make_message())
    error = caught.value
    assert (error.recipient, error.code, error.stage) == (RECIPIENT, 550, "rcpt")
    assert "No such user" in error.reply
    assert smtp_server.messages == []


@pytest.mark.parametrize(("code", "stage"), [(553, "mail"), (554, "data")])
def test_5xx_at_mail_or_data_is_permanent_for_the_message(
    smtp_server: SMTPServer, code: int, stage: str
) -> None:
    smtp_server.reject(code, stage=stage, count=1)  # type: ignore[arg-type]
    with pytest.raises(PermanentDeliveryError) as caught:
        transport(smtp_server).send(make_message())
    assert (caught.value.code, caught.value.stage, caught.value.recipient) == (
        code,
        stage,
        RECIPIENT,
    )


def test_server_down_is_temporary_and_up_again_delivers(smtp_server: SMTPServer) -> None:
    smtp = transport(smtp_server)
    smtp_server.down()
    with pytest.raises(TemporaryDeliveryError, match=f"127.0.0.1:{smtp_server.port}"):
        smtp.send(make_message())
    smtp_server.up()
    smtp.send(make_message())
    assert len(smtp_server.messages) == 1


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A port that accepts connections but never greets, like a hung relay."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_a_relay_that_never_answers_times_out_as_temporary(silent_listener: int) -> None:
    smtp = SmtpTransport(f"smtp://127.0.0.1:{silent_listener}?timeout=0.3&helo=localhost")
    with pytest.raises(TemporaryDeliveryError, match="timed out"):
        smtp.send(make_message())


def test_recipients_come_from_to_cc_and_bcc(smtp_server: SMTPServer) -> None:
    message = make_message(to="Anna <anna@example.test>, bob@example.test")
    message["Cc"] = "carol@example.test"
    message["Bcc"] = "dave@example.test"
    transport(smtp_server).send(message)
    [captured] = smtp_server.messages
    assert sorted(captured.rcpt_tos) == [
        RECIPIENT,
        "bob@example.test",
        "carol@example.test",
        "dave@example.test",
    ]
    assert captured.message["Bcc"] is None  # smtplib never transmits Bcc


def test_message_without_recipient_is_permanent(smtp_server: SMTPServer) -> None:
    message = make_message()
    del message["To"]
    with pytest.raises(PermanentDeliveryError, match="no recipient"):
        transport(smtp_server).send(message)


@pytest.mark.parametrize(
    ("url", "relay"),
    [
        ("smtp://mail.example.org", "mail.example.org:25"),
        ("smtps://u:secret@mail.example.org", "mail.example.org:465"),
        ("smtp://u:secret@mail.example.org:587?starttls=true", "mail.example.org:587"),
    ],
)
def test_url_defaults(url: str, relay: str) -> None:
    smtp = SmtpTransport(url)
    assert smtp.relay == relay
    assert "secret" not in repr(smtp)


@pytest.mark.parametrize(
    "url",
    [
        "http://u:secret@mail.example.org",
        "smtp://u:secret@",
        "smtp://u:secret@mail.example.org:99999",
        "smtp://u:secret@mail.example.org?starttls=maybe",
        "smtp://u:secret@mail.example.org?timeout=soon",
    ],
)
def test_bad_urls_are_value_errors_without_the_password(url: str) -> None:
    with pytest.raises(ValueError) as caught:
        SmtpTransport(url)
    assert "secret" not in str(caught.value)


def test_outbox_writes_atomically_and_lists(tmp_path: Path) -> None:
    outbox = OutboxTransport(tmp_path / "outbox")
    outbox.send(make_message(1))
    outbox.send(make_message(2, to="Bob <bob@example.test>"))
    outbox.send(make_message(1))  # a retry with the same Message-ID replaces, never doubles
    names = sorted(path.name for path in (tmp_path / "outbox").iterdir())
    assert names == ["digest-7.0001@alerts.example.org.eml", "digest-7.0002@alerts.example.org.eml"]
    listed = list_outbox(tmp_path / "outbox")
    assert {entry.subject for entry in listed} == {"Digest 1", "Digest 2"}
    assert listed[0].written_at >= listed[1].written_at
    bob = next(entry for entry in listed if entry.subject == "Digest 2")
    assert (bob.to, bob.message_id, bob.problem) == (
        "Bob <bob@example.test>",
        "<digest-7.0002@alerts.example.org>",
        None,
    )
    assert bob.size > 0
    stored = read_outbox_message(tmp_path / "outbox", bob.name)
    assert stored is not None and stored.get_content().strip() == "Message 2"
    assert list_outbox(tmp_path / "outbox", limit=1) == listed[:1]


def test_outbox_lists_broken_files_and_rejects_unsafe_names(tmp_path: Path) -> None:
    (tmp_path / "stray.eml").write_bytes(b"not an email at all")
    (tmp_path / ".tmp-abc.eml").write_bytes(b"half written")
    (tmp_path / "notes.txt").write_text("ignored")
    [entry] = list_outbox(tmp_path)  # neither temporary files nor other files are listed
    assert entry.name == "stray.eml" and entry.problem == "no Message-ID header"
    assert read_outbox_message(tmp_path, "../etc/passwd.eml") is None
    assert read_outbox_message(tmp_path, "missing.eml") is None
    assert list_outbox(tmp_path / "absent") == []


def test_outbox_filename_is_safe() -> None:
    assert outbox_filename("<digest-7.ab@host.example>") == "digest-7.ab@host.example.eml"
    assert outbox_filename("<../../x y@h>") == ".._.._x_y@h.eml"
    assert outbox_filename(None, b"data").startswith("no-message-id-")
    assert outbox_filename(None, b"data") == outbox_filename("<>", b"data")


def test_unwritable_outbox_is_temporary(tmp_path: Path) -> None:
    blocked = tmp_path / "outbox"
    blocked.write_text("a file where the directory should be")
    with pytest.raises(TemporaryDeliveryError, match="outbox"):
        OutboxTransport(blocked).send(make_message())


def test_transport_from_settings(settings: Settings, smtp_server: SMTPServer) -> None:
    outbox = transport_from_settings(settings)
    assert isinstance(outbox, OutboxTransport)
    assert outbox.directory == settings.outbox_dir
    url = f"smtp://{USER}:{QUOTED_PASSWORD}@127.0.0.1:{smtp_server.port}?helo=localhost"
    configured = settings.model_copy(update={"smtp_url": SecretStr(url)})
    smtp = transport_from_settings(configured)
    assert isinstance(smtp, SmtpTransport)
    assert QUOTED_PASSWORD not in repr(configured) and QUOTED_PASSWORD not in repr(smtp)
    with pytest.raises(TransportConfigError):  # credentials, but this relay offers no AUTH
        smtp.send(make_message())
