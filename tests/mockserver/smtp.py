"""A real SMTP server (aiosmtpd) on 127.0.0.1 that captures mail and fails on demand."""

from __future__ import annotations

import asyncio
import ssl
import tempfile
import threading
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from ipaddress import IPv4Address
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

__all__ = ["CapturedMessage", "SMTPServer", "Stage"]

HOST = "127.0.0.1"
Stage = Literal["mail", "rcpt", "data"]
DEFAULT_REPLIES = {4: "4.3.0 Temporary failure, try again later", 5: "5.7.1 Message rejected"}


@dataclass(frozen=True)
class CapturedMessage:
    """One accepted message: envelope, parsed message, and how the client connected."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    raw: bytes
    login: str | None
    tls: bool


@dataclass
class _Fault:
    reply: str
    stage: Stage
    remaining: int | None


class SMTPServer:
    """aiosmtpd on 127.0.0.1 that keeps what it accepts; ``reject`` and ``down`` inject faults.

    With ``auth`` the server offers AUTH PLAIN/LOGIN and answers MAIL with 530 until the client
    logged in. With ``tls`` it offers STARTTLS (self-signed cert in ``tls_cert_pem``, for
    127.0.0.1 and localhost) and then offers AUTH only after STARTTLS, like a real relay.
    """

    def __init__(self, *, auth: tuple[str, str] | None = None, tls: bool = False) -> None:
        self.auth = auth
        self.port = 0
        self.tls_cert_pem: bytes | None = None
        self._tls_context: ssl.SSLContext | None = None
        if tls:
            self._tls_context, self.tls_cert_pem = _self_signed_context()
        self._received = threading.Condition()
        self._messages: list[CapturedMessage] = []
        self._fault: _Fault | None = None
        self._controller: _Controller | None = None

    @property
    def host(self) -> str:
        """The address the server listens on."""
        return HOST

    def start(self) -> SMTPServer:
        """Listen on ``port`` (a free one the first time)."""
        assert self._controller is None, "SMTP server already running"
        self._controller = _Controller(
            _Handler(self),
            hostname=HOST,
            port=self.port,
            server_hostname="localhost",
            ready_timeout=2.0,
            authenticator=self._authenticate,
            auth_require_tls=self._tls_context is not None,
            auth_exclude_mechanism=() if self.auth else ("LOGIN", "PLAIN"),
            tls_context=self._tls_context,
        )
        self._controller.start()
        self.port = self._controller.port
        return self

    def stop(self) -> None:
        """Stop listening; captured messages and faults are kept."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def down(self) -> None:
        """Simulate an outage: connections to ``port`` are refused until ``up``."""
        self.stop()

    def up(self) -> None:
        """End an outage: listen again on the same port."""
        self.start()

    def __enter__(self) -> SMTPServer:
        return self.start()

    def __exit__(
        self, exc: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def reject(
        self, code: int = 451, message: str = "", *, count: int | None = None, stage: Stage = "data"
    ) -> None:
        """Refuse the next ``count`` transactions (all until ``reset`` if None) at ``stage``."""
        if count is not None and count < 1:
            raise ValueError(f"count must be at least 1 or None, not {count}")
        reply = f"{code} {message or DEFAULT_REPLIES.get(code // 100, 'Rejected')}"
        with self._received:
            self._fault = _Fault(reply, stage, count)

    def reset(self) -> None:
        """Forget captured messages and pending faults."""
        with self._received:
            self._messages.clear()
            self._fault = None

    @property
    def messages(self) -> list[CapturedMessage]:
        """A copy of the accepted messages, oldest first."""
        with self._received:
            return list(self._messages)

    def wait_for(self, count: int, timeout: float = 2.0) -> list[CapturedMessage]:
        """Block until at least ``count`` messages arrived; AssertionError after ``timeout``."""
        with self._received:
            if not self._received.wait_for(lambda: len(self._messages) >= count, timeout):
                got = len(self._messages)
                raise AssertionError(f"expected {count} message(s) within {timeout}s, got {got}")
            return list(self._messages)

    def _take_fault(self) -> _Fault | None:
        with self._received:
            fault = self._fault
            if fault is not None and fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._fault = None
            return fault

    def _capture(self, message: CapturedMessage) -> None:
        with self._received:
            self._messages.append(message)
            self._received.notify_all()

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        """aiosmtpd authenticator: compare LOGIN/PLAIN credentials with ``auth``."""
        given = (data.login, data.password) if isinstance(data, LoginPassword) else None
        expected = tuple(s.encode() for s in self.auth) if self.auth else None
        ok = given is not None and given == expected
        # handled=False: aiosmtpd itself answers 535 to a failed attempt.
        return AuthResult(success=ok, handled=False, auth_data=data)


class _Controller(Controller):
    """aiosmtpd's threaded controller that can bind port 0 and cuts connections on stop."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connections: weakref.WeakSet[SMTP] = weakref.WeakSet()

    def factory(self) -> SMTP:
        """Build the per-connection protocol and remember it."""
        smtp: SMTP = super().factory()  # type: ignore[no-untyped-call]
        self.connections.add(smtp)
        return smtp

    def stop(self, no_assert: bool = False) -> None:
        """Abort open connections like a crashed server would, then stop the loop.

        aiosmtpd's own stop leaves STARTTLS sockets unclosed (a ResourceWarning under
        ``filterwarnings = error``), because closing TLS needs loop turns it no longer gets.
        """
        asyncio.run_coroutine_threadsafe(self._abort_connections(), self.loop).result(2.0)
        super().stop(no_assert)

    async def _abort_connections(self) -> None:
        for smtp in list(self.connections):
            raw = smtp._original_transport or smtp.transport
            if isinstance(raw, asyncio.Transport):
                raw.abort()
        while any(smtp.transport is not None for smtp in list(self.connections)):
            await asyncio.sleep(0.001)

    def _trigger_server(self) -> None:
        """Learn the port the OS picked for port 0 before aiosmtpd's start-up probe."""
        if self.port == 0 and isinstance(self.server, asyncio.Server):
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


class _Handler:
    """aiosmtpd hooks; the decision to fail a transaction is taken once, at MAIL."""

    def __init__(self, owner: SMTPServer) -> None:
        self.owner = owner
        self.doomed: weakref.WeakKeyDictionary[Envelope, _Fault] = weakref.WeakKeyDictionary()

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, lines: list[str]
    ) -> list[str]:
        """Advertise AUTH only when credentials are configured, as a plain relay would."""
        session.host_name = hostname
        return lines if self.owner.auth else [x for x in lines if not x.startswith("250-AUTH")]

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        """Demand AUTH when configured, then apply a pending fault."""
        if self.owner.auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        fault = self.owner._take_fault()
        if fault is not None and fault.stage == "mail":
            return fault.reply
        if fault is not None:
            self.doomed[envelope] = fault
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        """Refuse recipients of a doomed transaction."""
        if (fault := self.doomed.get(envelope)) and fault.stage == "rcpt":
            return fault.reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Refuse a doomed transaction or capture the message."""
        if fault := self.doomed.get(envelope):
            return fault.reply
        raw = envelope.original_content or b""
        auth = session.auth_data if isinstance(session.auth_data, LoginPassword) else None
        self.owner._capture(
            CapturedMessage(
                mail_from=envelope.mail_from or "",
                rcpt_tos=tuple(envelope.rcpt_tos),
                message=message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=policy.default),
                raw=raw,
                login=auth.login.decode() if auth else None,
                tls=session.ssl is not None,
            )
        )
        return "250 2.0.0 OK: queued"


def _self_signed_context() -> tuple[ssl.SSLContext, bytes]:
    """A server context with a fresh EC key and cert for 127.0.0.1/localhost, and its PEM."""
    from cryptography import x509  # only a transitive dependency: imported when TLS is asked
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(IPv4Address(HOST))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "cert.pem").write_bytes(cert_pem)
        (Path(tmp) / "key.pem").write_bytes(key_pem)
        context.load_cert_chain(Path(tmp) / "cert.pem", Path(tmp) / "key.pem")
    return context, cert_pem
