"""Retry timing: exponential back-off from the first delay, capped, given up when too old or
refused for good."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from canhgac.watch.delivery import RetryPolicy

T0 = datetime(2027, 2, 5, tzinfo=UTC)


def test_delays_double_and_are_capped() -> None:
    policy = RetryPolicy(first=30, most=600, give_up=86400)
    assert [policy.delay(n) for n in range(1, 8)] == [30, 60, 120, 240, 480, 600, 600]


def test_give_up_when_the_next_attempt_would_be_too_late_or_the_refusal_is_permanent() -> None:
    policy = RetryPolicy(first=30, most=600, give_up=3600)
    assert policy.retry_at(1, T0, T0, permanent=False) == T0 + timedelta(seconds=30)
    assert policy.retry_at(1, T0, T0, permanent=True) is None
    late = T0 + timedelta(seconds=3500)
    assert policy.retry_at(9, T0, late, permanent=False) is None
