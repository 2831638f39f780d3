"""Retry decisions: success, give up on 410, backoff with bounded jitter, Retry-After, give up at the end."""

from __future__ import annotations

import pytest

from oid4vc.webhooks.retry import DEFAULT_SCHEDULE, Outcome, classify, next_delay, parse_retry_after


@pytest.mark.parametrize(("status", "outcome"), [
    (200, Outcome.DELIVERED), (204, Outcome.DELIVERED), (299, Outcome.DELIVERED), (301, Outcome.RETRY),
    (400, Outcome.RETRY), (410, Outcome.GONE), (429, Outcome.RETRY), (500, Outcome.RETRY), (None, Outcome.RETRY),
])
def test_classify(status: int | None, outcome: Outcome) -> None:
    assert classify(status) is outcome


def test_schedule_with_jitter_then_give_up() -> None:
    assert DEFAULT_SCHEDULE == (5, 30, 120, 600, 3600, 21600)
    for attempts, base in enumerate(DEFAULT_SCHEDULE, start=1):
        assert next_delay(attempts, DEFAULT_SCHEDULE, draw=0.5) == base
        assert next_delay(attempts, DEFAULT_SCHEDULE, draw=0.0) == pytest.approx(base * 0.8)
        assert next_delay(attempts, DEFAULT_SCHEDULE, draw=0.999999) == pytest.approx(base * 1.2, rel=1e-5)
    assert next_delay(len(DEFAULT_SCHEDULE) + 1, DEFAULT_SCHEDULE, draw=0.5) is None
    assert next_delay(0, DEFAULT_SCHEDULE, draw=0.5) is None


def test_retry_after_postpones_never_hastens() -> None:
    assert next_delay(1, (5,), draw=0.5, retry_after=60) == 60
    assert next_delay(1, (600,), draw=0.5, retry_after=60) == 600
    assert parse_retry_after("120") == 120 and parse_retry_after(" 7 ") == 7
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None and parse_retry_after(None) is None
    assert parse_retry_after("999999999") == 86400
