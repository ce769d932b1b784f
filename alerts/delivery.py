"""Hand emails over: to an SMTP relay (`EXPORTWATCH_SMTP_URL`) or, by default, to the outbox.

`send` either returns (the relay or the outbox accepted the message) or raises a
`DeliveryError` that says what to do next: `TemporaryDeliveryError` (connection refused,
timeout, 4xx reply, bad relay configuration: retry later with the same Message-ID) or
`PermanentDeliveryError` (a 5xx reply in the mail transaction: the message will never be
accepted; a 5xx at RCPT is a hard bounce of that recipient). Error messages and logs name the
relay as `host:port` and never carry its password.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import smtplib
import socket
import ssl
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import default
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from exportwatch.settings import Settings

__all__ = [
    "DeliveryError",
    "OutboxFile",
    "OutboxTransport",
    "PermanentDeliveryError",
    "SmtpTransport",
    "TemporaryDeliveryError",
    "Transport",
    "TransportConfigError",
    "list_outbox",
    "outbox_filename",
    "read_outbox_message",
    "transport_from_settings",
]

log = logging.getLogger(__name__)

Stage = Literal["mail", "rcpt", "data"]
DEFAULT_TIMEOUT = 30.0
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._@+=-]")


class DeliveryError(Exception):
    """A message was not handed over."""


class TemporaryDeliveryError(DeliveryError):
    """Try again later: the relay is down or slow, answered 4xx, or the outbox is unwritable."""


class TransportConfigError(TemporaryDeliveryError):
    """The relay refuses us, not the message (login failed, STARTTLS missing): fix the settings.

    Temporary, because the same message will go through once an operator fixed the
    configuration; it is never a reason to mark a recipient as bounced.
    """


class PermanentDeliveryError(DeliveryError):
    """The relay answered 5xx in the mail transaction: sending the same message again is useless.

    `stage` says where: "rcpt" is a hard bounce of `recipient`; "mail" (sender refused) and
    "data" (content refused) concern this message, not necessarily the recipient.
    """

    def __init__(self, recipient: str, code: int, reply: str = "", *, stage: Stage = "rcpt"):
        self.recipient = recipient
        self.code = code
        self.reply = reply
        self.stage = stage
        super().__init__(f"{code} at {stage.upper()} for {recipient}: {reply}".rstrip(": "))


class Transport(Protocol):
    """Something that takes an email and hands it over, or raises a DeliveryError."""

    def send(self, message: EmailMessage) -> None:
        """Hand `message` over to its recipients (its To, Cc and Bcc headers)."""
        ...


@dataclass(frozen=True)
class _SmtpConfig:
    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    username: str | None
    password: str | None
    timeout: float
    helo: str | None


class SmtpTransport:
    """Send through an SMTP relay given as a URL; one connection per message.

    `smtp://user:pass@host:587?starttls=true` (STARTTLS is required when asked for),
    `smtps://user:pass@host` (TLS from the first byte, port 465), `smtp://host:25` (plain).
    Query options: `timeout` (seconds, default 30) and `helo` (the name we greet with).
    User and password are percent-decoded. `ssl_context` defaults to the system's trust store.
    """

    def __init__(
        self,
        url: str,
        *,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float | None = None,
        local_hostname: str | None = None,
    ) -> None:
        config = _parse_smtp_url(url)
        self._config = config
        self._timeout = timeout if timeout is not None else config.timeout
        self._helo = local_hostname or config.helo
        self._context = ssl_context
        self.relay = f"{config.host}:{config.port}"

    def __repr__(self) -> str:
        user = f"{self._config.username}@" if self._config.username else ""
        scheme = "smtps" if self._config.implicit_tls else "smtp"
        return f"SmtpTransport({scheme}://{user}{self.relay})"

    def send(self, message: EmailMessage) -> None:
        """Deliver `message`; raise Temporary-, Permanent- or TransportConfigError on failure."""
        recipients = _recipients(message)
        if not recipients:
            raise PermanentDeliveryError("", 0, "message has no recipient", stage="rcpt")
        client: smtplib.SMTP | None = None
        try:
            client = self._connect()
            self._start(client)
            refused = client.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            raise self._refused(error.recipients) from None
        except smtplib.SMTPSenderRefused as error:
            raise self._reply_error(error.smtp_code, error.smtp_error, "mail", recipients) from None
        except smtplib.SMTPDataError as error:
            raise self._reply_error(error.smtp_code, error.smtp_error, "data", recipients) from None
        except smtplib.SMTPAuthenticationError as error:
            problem = f"login refused ({error.smtp_code} {_text(error.smtp_error)})"
            raise TransportConfigError(f"{self.relay}: {problem}") from None
        except smtplib.SMTPNotSupportedError as error:
            raise TransportConfigError(f"{self.relay}: {error}") from None
        except smtplib.SMTPResponseException as error:  # greeting, EHLO or STARTTLS refused
            reply = _text(error.smtp_error)
            raise TemporaryDeliveryError(f"{self.relay}: {error.smtp_code} {reply}") from None
        except (smtplib.SMTPException, OSError) as error:  # refused, reset, timeout, TLS failure
            problem = _describe_os_error(error)
            raise TemporaryDeliveryError(f"{self.relay}: {problem}") from None
        finally:
            if client is not None:
                _close_quietly(client)
        if refused:  # some recipients refused, others accepted: report the first refusal
            raise self._refused(refused)
        log.info("sent %s via %s", message.get("Message-ID", "(no Message-ID)"), self.relay)

    def _connect(self) -> smtplib.SMTP:
        config = self._config
        if config.implicit_tls:
            return smtplib.SMTP_SSL(
                config.host,
                config.port,
                local_hostname=self._helo,
                timeout=self._timeout,
                context=self._tls_context(),
            )
        return smtplib.SMTP(
            config.host, config.port, local_hostname=self._helo, timeout=self._timeout
        )

    def _start(self, client: smtplib.SMTP) -> None:
        config = self._config
        client.ehlo_or_helo_if_needed()
        if config.starttls:
            if not client.has_extn("starttls"):
                raise TransportConfigError(f"{self.relay}: STARTTLS asked for but not offered")
            client.starttls(context=self._tls_context())
            client.ehlo()
        if config.username is not None:
            if not client.has_extn("auth"):
                raise TransportConfigError(f"{self.relay}: credentials given but AUTH not offered")
            client.login(config.username, config.password or "")

    def _tls_context(self) -> ssl.SSLContext:
        return self._context or ssl.create_default_context()

    def _refused(self, recipients: dict[str, tuple[int, bytes]]) -> DeliveryError:
        recipient, (code, reply) = next(iter(recipients.items()))
        if 500 <= code < 600:
            return PermanentDeliveryError(recipient, code, _text(reply), stage="rcpt")
        return TemporaryDeliveryError(f"{self.relay}: {code} at RCPT for {recipient}")

    def _reply_error(
        self, code: int, reply: bytes | str, stage: Stage, recipients: list[str]
    ) -> DeliveryError:
        text = _text(reply)
        if code in (530, 534, 535, 538):  # authentication required / too weak / failed
            return TransportConfigError(f"{self.relay}: {code} {text} at {stage.upper()}")
        if 500 <= code < 600:
            return PermanentDeliveryError(", ".join(recipients), code, text, stage=stage)
        return TemporaryDeliveryError(f"{self.relay}: {code} {text} at {stage.upper()}")


class OutboxTransport:
    """Write each message to `<dir>/<Message-ID>.eml`, atomically; the same id overwrites.

    The default transport when no SMTP relay is configured: nothing leaves the machine, and
    the admin UI lists the files (`list_outbox`).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def __repr__(self) -> str:
        return f"OutboxTransport({str(self.directory)!r})"

    def send(self, message: EmailMessage) -> None:
        """Write the message; TemporaryDeliveryError when the directory cannot be written."""
        data = message.as_bytes(policy=default)
        name = outbox_filename(message.get("Message-ID"), data)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            _write_atomically(self.directory / name, data)
        except OSError as error:
            raise TemporaryDeliveryError(f"outbox {self.directory}: {error.strerror}") from None
        log.info("wrote %s to the outbox %s", name, self.directory)


@dataclass(frozen=True, slots=True)
class OutboxFile:
    """One message in the outbox, as the admin UI lists it; `problem` when it is unreadable."""

    name: str
    path: Path
    size: int
    written_at: datetime
    message_id: str | None = None
    to: str | None = None
    subject: str | None = None
    date: datetime | None = None
    problem: str | None = None


def transport_from_settings(settings: Settings) -> Transport:
    """SMTP when `EXPORTWATCH_SMTP_URL` is set, else the outbox in the data dir.

    Raises ValueError naming the problem (never the password) for a malformed SMTP URL.
    """
    url = settings.smtp_url.get_secret_value().strip() if settings.smtp_url else ""
    return SmtpTransport(url) if url else OutboxTransport(settings.outbox_dir)


def outbox_filename(message_id: str | None, data: bytes = b"") -> str:
    """`<abc@host>` -> `abc@host.eml`; a message without Message-ID is named by its content."""
    cleaned = _UNSAFE_FILENAME.sub("_", (message_id or "").strip().strip("<>"))[:200]
    if not cleaned.strip("._"):
        cleaned = "no-message-id-" + hashlib.sha256(data).hexdigest()[:24]
    return f"{cleaned}.eml"


def list_outbox(directory: Path, *, limit: int | None = None) -> list[OutboxFile]:
    """The `.eml` files in the outbox, newest first, with their main headers parsed."""
    try:
        paths = [
            path
            for path in Path(directory).glob("*.eml")
            if not path.name.startswith(".") and path.is_file()  # ".tmp-*": still being written
        ]
    except OSError:
        return []
    entries = [_outbox_file(path) for path in paths]
    entries.sort(key=lambda entry: (entry.written_at, entry.name), reverse=True)
    return entries if limit is None else entries[:limit]


def read_outbox_message(directory: Path, name: str) -> EmailMessage | None:
    """The full message stored as `name` in the outbox, or None (also for unsafe names)."""
    if name != Path(name).name or not name.endswith(".eml") or name.startswith("."):
        return None
    try:
        data = (Path(directory) / name).read_bytes()
    except OSError:
        return None
    parsed = message_from_bytes(data, policy=default)
    return parsed if isinstance(parsed, EmailMessage) else None


def _parse_smtp_url(url: str) -> _SmtpConfig:
    """Parse an SMTP URL; ValueError messages show the URL without its password."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise ValueError(f"SMTP URL {_redact(url)!r}: {error}") from None
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"SMTP URL {_redact(url)!r}: scheme must be smtp or smtps")
    if not parts.hostname:
        raise ValueError(f"SMTP URL {_redact(url)!r}: no host")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    implicit = parts.scheme == "smtps"
    starttls = _flag(query.get("starttls"), url) and not implicit
    try:
        timeout = float(query.get("timeout", DEFAULT_TIMEOUT))
    except ValueError:
        raise ValueError(f"SMTP URL {_redact(url)!r}: timeout must be seconds") from None
    return _SmtpConfig(
        host=parts.hostname,
        port=port or (465 if implicit else 25),
        implicit_tls=implicit,
        starttls=starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        timeout=timeout if timeout > 0 else DEFAULT_TIMEOUT,
        helo=query.get("helo") or None,
    )


def _flag(value: str | None, url: str) -> bool:
    if value is None or value.lower() in _FALSE:
        return False
    if value.lower() in _TRUE:
        return True
    raise ValueError(f"SMTP URL {_redact(url)!r}: starttls must be true or false")


def _redact(url: str) -> str:
    """The URL with any password replaced by `***`."""
    return re.sub(r"(//[^/@:]*:)[^/@]*@", r"\1***@", url)


def _recipients(message: EmailMessage) -> list[str]:
    """Envelope recipients from To, Cc and Bcc (also for messages parsed with `compat32`)."""
    headers = [str(value) for field in ("To", "Cc", "Bcc") for value in message.get_all(field, [])]
    addresses: list[str] = []
    for _, address in getaddresses(headers):
        if address and "@" in address and address not in addresses:
            addresses.append(address)
    return addresses


def _text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())


def _describe_os_error(error: BaseException) -> str:
    if isinstance(error, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(error, ssl.SSLError):
        return f"TLS failed ({error.reason or error})"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def _close_quietly(client: smtplib.SMTP) -> None:
    """QUIT, ignoring failures: once the relay accepted the message, nothing may undo that."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename over `path`."""
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".eml", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o640)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _outbox_file(path: Path) -> OutboxFile:
    try:
        stat = path.stat()
        with path.open("rb") as handle:
            headers = BytesHeaderParser(policy=default).parse(handle)
    except OSError as error:
        return OutboxFile(path.name, path, 0, datetime.fromtimestamp(0, UTC), problem=str(error))
    written = datetime.fromtimestamp(stat.st_mtime, UTC)
    return OutboxFile(
        name=path.name,
        path=path,
        size=stat.st_size,
        written_at=written,
        message_id=_header(headers.get("Message-ID")),
        to=_header(headers.get("To")),
        subject=_header(headers.get("Subject")),
        date=_date(headers.get("Date")),
        problem=None if headers.get("Message-ID") else "no Message-ID header",
    )


def _header(value: object) -> str | None:
    return None if value is None else " ".join(str(value).split())


def _date(value: object) -> datetime | None:
    if value is None:
        return None
    try:
        return parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
