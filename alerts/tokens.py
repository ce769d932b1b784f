"""Signed, expiring tokens for the links in emails: confirm, unsubscribe and manage.

A token carries only a subscriber id, signed with the service's secret and a salt per purpose,
so a confirmation token can never be replayed as an unsubscribe token (or the reverse).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

__all__ = ["DEFAULT_MAX_AGE", "TokenError", "TokenPurpose", "make_token", "read_token"]


class TokenPurpose(StrEnum):
    """What a link does; each purpose signs with its own salt."""

    CONFIRM = "confirm"
    UNSUBSCRIBE = "unsubscribe"
    MANAGE = "manage"


# How long a link works: a confirmation is answered soon, an unsubscribe link in an old digest
# must keep working (laws ask for at least 30 days; old mail is often read much later).
DEFAULT_MAX_AGE: dict[TokenPurpose, timedelta] = {
    TokenPurpose.CONFIRM: timedelta(days=7),
    TokenPurpose.UNSUBSCRIBE: timedelta(days=365),
    TokenPurpose.MANAGE: timedelta(days=30),
}


class TokenError(ValueError):
    """A token that cannot be used: `reason` is "expired" or "invalid" (tampered, wrong purpose)."""

    def __init__(self, reason: Literal["expired", "invalid"], detail: str) -> None:
        self.reason = reason
        super().__init__(f"{reason} token: {detail}")


def make_token(
    purpose: TokenPurpose | str, subscriber_id: int, secret: str, *, now: datetime | None = None
) -> str:
    """A URL-safe token for `purpose` and `subscriber_id`; `now` is for tests and backfills."""
    if not secret:
        raise ValueError("an empty secret cannot sign tokens")
    if isinstance(subscriber_id, bool) or not isinstance(subscriber_id, int):
        raise ValueError(f"subscriber id must be an int, not {subscriber_id!r}")
    timestamp = None if now is None else int(now.timestamp())
    return _serializer(_purpose(purpose), secret, timestamp).dumps(subscriber_id)


def read_token(
    token: str,
    purpose: TokenPurpose | str,
    secret: str,
    max_age: timedelta | int | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """The subscriber id in `token`; TokenError if it is expired, tampered or for another purpose.

    `max_age` is a timedelta or seconds; None means the purpose's `DEFAULT_MAX_AGE`.
    """
    checked = _purpose(purpose)
    limit = DEFAULT_MAX_AGE[checked] if max_age is None else max_age
    seconds = limit.total_seconds() if isinstance(limit, timedelta) else float(limit)
    if not isinstance(token, str) or not token or len(token) > 512:
        raise TokenError("invalid", "empty or oversized")
    serializer = _serializer(checked, secret, None)
    try:
        # The age is checked below, against `now`, so itsdangerous is not given max_age.
        payload, signed_at = serializer.loads(token, return_timestamp=True)
    except BadSignature:
        raise TokenError("invalid", f"bad signature for {checked.value}") from None
    age = ((now or datetime.now(signed_at.tzinfo)) - signed_at).total_seconds()
    if age > seconds:
        raise TokenError("expired", f"{checked.value} link is {age / 86400:.1f} days old")
    if isinstance(payload, bool) or not isinstance(payload, int):
        raise TokenError("invalid", "payload is not a subscriber id")
    return payload


def _purpose(purpose: TokenPurpose | str) -> TokenPurpose:
    try:
        return TokenPurpose(purpose)
    except ValueError:
        raise ValueError(f"unknown token purpose {purpose!r}") from None


def _serializer(
    purpose: TokenPurpose, secret: str, timestamp: int | None
) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        secret,
        salt=f"exportwatch.{purpose.value}",
        signer=_Signer,
        signer_kwargs={"digest_method": hashlib.sha256, "timestamp": timestamp},
    )


class _Signer(TimestampSigner):
    """itsdangerous' timestamp signer with an optional fixed clock for `make_token(now=...)`."""

    def __init__(self, *args: Any, timestamp: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timestamp = timestamp

    def get_timestamp(self) -> int:
        return super().get_timestamp() if self._timestamp is None else self._timestamp
