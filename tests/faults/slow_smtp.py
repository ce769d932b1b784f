"""An SMTP server (aiosmtpd, 127.0.0.1) that holds its answer to DATA, to kill a client mid-send.

Like a real relay, it takes responsibility for a message only when it answers 250: a client
that dies while the answer is held has handed nothing over, and the message is discarded.
"""

from __future__ import annotations

import asyncio
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.faults.processes import free_port

__all__ = ["HoldingSMTPServer"]


class HoldingSMTPServer:
    """Holds each DATA answer for `hold` seconds (while `hold` > 0); keeps what it accepted."""

    def __init__(self, hold: float) -> None:
        self.hold = hold
        self.holding = threading.Event()  # set when a DATA answer is being held
        self.discarded = 0
        self._lock = threading.Lock()
        self._messages: list[EmailMessage] = []
        self.port = free_port()
        self._controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, server_hostname="localhost"
        )

    @property
    def messages(self) -> list[EmailMessage]:
        """The accepted messages, oldest first."""
        with self._lock:
            return list(self._messages)

    def __enter__(self) -> HoldingSMTPServer:
        self._controller.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._controller.stop()

    def _accept(self, message: EmailMessage) -> None:
        with self._lock:
            self._messages.append(message)


class _Handler:
    def __init__(self, owner: HoldingSMTPServer) -> None:
        self.owner = owner

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Hold the answer; accept only if the client is still there to hear it."""
        if self.owner.hold > 0:
            self.owner.holding.set()
            try:
                await asyncio.sleep(self.owner.hold)
            except asyncio.CancelledError:  # aiosmtpd cancels the handler when the client goes
                self.owner.discarded += 1
                raise
        transport: Any = server.transport
        if transport is None or transport.is_closing():
            self.owner.discarded += 1
            return "451 4.4.2 Client went away"
        raw = (envelope.original_content or b"").replace(b"\r\n", b"\n")
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.owner._accept(parsed)
        return "250 2.0.0 OK: queued"
