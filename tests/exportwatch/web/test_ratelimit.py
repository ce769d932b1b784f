"""Sliding-window rate limits per client address."""

from __future__ import annotations

import pytest

from exportwatch.web.ratelimit import RateLimit, RateLimitedError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limit_applies_per_key_within_the_window() -> None:
    clock = Clock()
    limit = RateLimit(limit=3, window=60, clock=clock)
    assert [limit.hit("a") for _ in range(3)] == [None, None, None]
    assert limit.hit("a") == 60
    assert limit.hit("b") is None
    clock.now += 30
    assert limit.hit("a") == 30
    clock.now += 30.5
    assert limit.hit("a") is None  # the first three hits left the window


def test_refused_hits_do_not_extend_the_wait() -> None:
    clock = Clock()
    limit = RateLimit(limit=1, window=10, clock=clock)
    assert limit.hit("a") is None
    for _ in range(5):
        clock.now += 1
        assert limit.hit("a") is not None
    clock.now += 5
    assert limit.hit("a") is None


def test_the_error_says_when_to_come_back() -> None:
    assert "30 seconds" in str(RateLimitedError("subscribe", 30))
    assert "10 minutes" in str(RateLimitedError("subscribe", 600))
    with pytest.raises(RateLimitedError) as raised:
        raise RateLimitedError("login", 5)
    assert raised.value.retry_after == 5
