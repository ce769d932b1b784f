"""The SMTP sink captures what real clients send and fails the way real relays do."""

from __future__ import annotations

import smtplib
import ssl
import threading
from collections.abc import Callable
from email.message import EmailMessage

import pytest

from tests.mockserver import SMTPServer

USER, PASSWORD = "digest", "s3cret"


def make_message(subject: str = "Weekly export digest") -> EmailMessage:
    """A small digest mail as the app would send it."""
    message = EmailMessage()
    message["From"] = "ExportWatch <digest@exportwatch.test>"
    message["To"] = "buyer@example.test"
    message["Subject"] = subject
    message.set_content("3 new trade fairs match your sectors.\n")
    return message


def connect(server: SMTPServer) -> smtplib.SMTP:
    """A client connection; a fixed local name spares smtplib's DNS look-up."""
    return smtplib.SMTP(server.host, server.port, local_hostname="localhost", timeout=5)


def test_captures_message(smtp_server: SMTPServer) -> None:
    """A sent message is captured with envelope and parsed headers and body."""
    with connect(smtp_server) as client:
        client.send_message(make_message(), to_addrs=["buyer@example.test", "cc@example.test"])
    [captured] = smtp_server.messages
    assert captured.mail_from == "digest@exportwatch.test"
    assert captured.rcpt_tos == ("buyer@example.test", "cc@example.test")
    assert captured.message["Subject"] == "Weekly export digest"
    assert captured.message.get_content() == "3 new trade fairs match your sectors.\n"
    assert (captured.login, captured.tls) == (None, False)


def test_451_at_data_raises_data_error(smtp_server: SMTPServer) -> None:
    """A temporary rejection at DATA fails that message only; the next one is accepted."""
    smtp_server.reject(451, count=1)
    with connect(smtp_server) as client:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.send_message(make_message("first"))
        assert smtp_server.messages == []
        client.send_message(make_message("second"))
    assert refused.value.smtp_code == 451
    assert [m.message["Subject"] for m in smtp_server.messages] == ["second"]


def test_reject_at_rcpt_and_mail(smtp_server: SMTPServer) -> None:
    """Rejections at RCPT and MAIL raise the matching smtplib errors."""
    smtp_server.reject(550, stage="rcpt", count=1)
    with connect(smtp_server) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as recipients:
            client.send_message(make_message())
        smtp_server.reject(421, "4.7.0 Try later", stage="mail", count=1)
        with pytest.raises(smtplib.SMTPSenderRefused) as sender:
            client.send_message(make_message())
    assert recipients.value.recipients["buyer@example.test"][0] == 550
    assert (sender.value.smtp_code, sender.value.smtp_error) == (421, b"4.7.0 Try later")
    assert smtp_server.messages == []


def test_reject_until_reset(smtp_server: SMTPServer) -> None:
    """Without a count every message is refused until reset()."""
    smtp_server.reject(451)
    with connect(smtp_server) as client:
        for _ in range(3):
            with pytest.raises(smtplib.SMTPDataError):
                client.send_message(make_message())
        smtp_server.reset()
        client.send_message(make_message())
    assert len(smtp_server.messages) == 1


def test_down_then_up_on_same_port(smtp_server: SMTPServer) -> None:
    """During an outage connections are refused; afterwards the same port works again."""
    port = smtp_server.port
    with connect(smtp_server) as client:
        client.send_message(make_message("before"))
    smtp_server.down()
    with pytest.raises(ConnectionRefusedError):
        connect(smtp_server)
    smtp_server.up()
    with connect(smtp_server) as client:
        client.send_message(make_message("after"))
    assert smtp_server.port == port
    assert [m.message["Subject"] for m in smtp_server.messages] == ["before", "after"]


def test_auth_right_and_wrong_password(make_smtp_server: Callable[..., SMTPServer]) -> None:
    """With auth, the right password lets mail through; a wrong one or none is refused."""
    server = make_smtp_server(auth=(USER, PASSWORD))
    with connect(server) as client:
        with pytest.raises(smtplib.SMTPAuthenticationError):
            client.login(USER, "wrong")
        with pytest.raises(smtplib.SMTPSenderRefused) as anonymous:
            client.send_message(make_message())
        client.login(USER, PASSWORD)
        client.send_message(make_message())
    assert anonymous.value.smtp_code == 530
    assert [m.login for m in server.messages] == [USER]


@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
def test_auth_mechanisms(make_smtp_server: Callable[..., SMTPServer], mechanism: str) -> None:
    """Both AUTH LOGIN and AUTH PLAIN are offered and work."""
    server = make_smtp_server(auth=(USER, PASSWORD))
    with connect(server) as client:
        client.ehlo()
        client.esmtp_features["auth"] = mechanism  # make smtplib pick this mechanism
        client.login(USER, PASSWORD)
        client.send_message(make_message())
    assert len(server.messages) == 1


def test_no_auth_offered_without_credentials(smtp_server: SMTPServer) -> None:
    """A server without auth does not advertise AUTH, as a plain relay would."""
    with connect(smtp_server) as client, pytest.raises(smtplib.SMTPNotSupportedError):
        client.login(USER, PASSWORD)


def test_starttls_then_auth(make_smtp_server: Callable[..., SMTPServer]) -> None:
    """With tls, AUTH is offered only after STARTTLS, and the cert verifies for 127.0.0.1."""
    server = make_smtp_server(auth=(USER, PASSWORD), tls=True)
    assert server.tls_cert_pem is not None
    context = ssl.create_default_context(cadata=server.tls_cert_pem.decode())
    with connect(server) as client:
        client.ehlo()
        assert not client.has_extn("auth")
        client.starttls(context=context)
        client.login(USER, PASSWORD)
        client.send_message(make_message())
    [captured] = server.messages
    assert (captured.login, captured.tls) == (USER, True)


def test_wait_for_messages_sent_in_background(smtp_server: SMTPServer) -> None:
    """wait_for returns once enough messages arrived and fails fast otherwise."""

    def send() -> None:
        with connect(smtp_server) as client:
            client.send_message(make_message())

    sender = threading.Thread(target=send)
    sender.start()
    assert len(smtp_server.wait_for(1, timeout=5)) == 1
    sender.join()
    with pytest.raises(AssertionError, match="expected 2 message"):
        smtp_server.wait_for(2, timeout=0.05)


def test_down_cuts_open_connections(make_smtp_server: Callable[..., SMTPServer]) -> None:
    """An outage drops connected clients, even after STARTTLS, without leaking sockets."""
    server = make_smtp_server(tls=True)
    assert server.tls_cert_pem is not None
    client = connect(server)
    client.starttls(context=ssl.create_default_context(cadata=server.tls_cert_pem.decode()))
    server.down()
    with pytest.raises((smtplib.SMTPServerDisconnected, ConnectionError)):
        client.noop()
    client.close()
    server.up()
    with connect(server) as again:
        assert again.noop()[0] == 250
