"""Confirm, unsubscribe and manage links carry signed tokens that expire and cannot be swapped."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from exportwatch.alerts.tokens import (
    DEFAULT_MAX_AGE,
    TokenError,
    TokenPurpose,
    make_token,
    read_token,
)

SECRET = "test-secret-key"
NOW = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize("purpose", list(TokenPurpose))
def test_round_trip_and_url_safe(purpose: TokenPurpose) -> None:
    token = make_token(purpose, 42, SECRET)
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", token)
    assert read_token(token, purpose, SECRET) == 42
    assert read_token(token, purpose.value, SECRET) == 42


def test_a_token_only_works_for_its_purpose() -> None:
    confirm = make_token("confirm", 7, SECRET)
    with pytest.raises(TokenError) as caught:
        read_token(confirm, "unsubscribe", SECRET)
    assert caught.value.reason == "invalid"
    with pytest.raises(TokenError):
        read_token(make_token("manage", 7, SECRET), "confirm", SECRET)


def test_another_secret_or_a_changed_character_is_invalid() -> None:
    token = make_token("unsubscribe", 7, SECRET)
    with pytest.raises(TokenError, match="invalid"):
        read_token(token, "unsubscribe", "another-secret")
    # Not the last character: its low bits are base64 padding and may not change the bytes.
    tampered = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    with pytest.raises(TokenError, match="invalid"):
        read_token(tampered, "unsubscribe", SECRET)
    payload, _, rest = token.partition(".")
    with pytest.raises(TokenError, match="invalid"):
        read_token(
            make_token("unsubscribe", 8, SECRET).split(".")[0] + "." + rest, "unsubscribe", SECRET
        )
    assert payload


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "x" * 600, "NDI.....", "🙂"])
def test_garbage_is_invalid_not_a_crash(garbage: str) -> None:
    with pytest.raises(TokenError) as caught:
        read_token(garbage, "confirm", SECRET)
    assert caught.value.reason == "invalid"


def test_expiry_uses_the_purpose_default_or_the_given_age() -> None:
    issued = NOW - timedelta(days=6, hours=23)
    token = make_token("confirm", 5, SECRET, now=issued)
    assert read_token(token, "confirm", SECRET, now=NOW) == 5
    later = NOW + timedelta(hours=2)
    with pytest.raises(TokenError) as caught:
        read_token(token, "confirm", SECRET, now=later)
    assert caught.value.reason == "expired"
    assert "confirm" in str(caught.value)
    assert read_token(token, "confirm", SECRET, timedelta(days=30), now=later) == 5
    with pytest.raises(TokenError, match="expired"):
        read_token(token, "confirm", SECRET, 3600, now=NOW)


def test_unsubscribe_links_outlive_confirmation_links() -> None:
    assert DEFAULT_MAX_AGE[TokenPurpose.UNSUBSCRIBE] >= timedelta(days=30)
    assert DEFAULT_MAX_AGE[TokenPurpose.CONFIRM] < DEFAULT_MAX_AGE[TokenPurpose.UNSUBSCRIBE]
    token = make_token("unsubscribe", 9, SECRET, now=NOW - timedelta(days=200))
    assert read_token(token, "unsubscribe", SECRET, now=NOW) == 9


def test_expired_and_tampered_reports_invalid() -> None:
    token = make_token("confirm", 5, SECRET, now=NOW - timedelta(days=100))
    with pytest.raises(TokenError) as caught:
        read_token(token + "x", "confirm", SECRET, now=NOW)
    assert caught.value.reason == "invalid"


@pytest.mark.parametrize(
    ("purpose", "subscriber_id", "secret"),
    [
        ("delete", 1, SECRET),
        ("confirm", True, SECRET),
        ("confirm", "1", SECRET),
        ("confirm", 1, ""),
    ],
)
def test_programming_errors_raise_value_error(
    purpose: str, subscriber_id: object, secret: str
) -> None:
    with pytest.raises(ValueError):
        make_token(purpose, subscriber_id, secret)  # type: ignore[arg-type]


def test_unknown_purpose_when_reading_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown token purpose"):
        read_token(make_token("confirm", 1, SECRET), "delete", SECRET)
