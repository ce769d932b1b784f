"""Store errors that callers can act on; each message is one line for the CLI to print."""

from __future__ import annotations

from exportwatch.errors import ExportwatchError

__all__ = ["DuplicateSubscriberError", "NotFoundError", "StoreError"]


class StoreError(ExportwatchError):
    """Base for errors raised by `exportwatch.store`."""


class DuplicateSubscriberError(StoreError):
    """A subscriber with this email (compared case-insensitively) already exists."""

    def __init__(self, email: str) -> None:
        self.email = email
        super().__init__(f"a subscriber with email {email} already exists")


class NotFoundError(StoreError):
    """A record the caller named (subscriber, run) does not exist."""

    def __init__(self, what: str, key: object) -> None:
        self.what = what
        self.key = key
        super().__init__(f"no {what} {key!r}")
