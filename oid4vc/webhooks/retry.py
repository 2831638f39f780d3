"""When to try a webhook again (Standard Webhooks 1.0 "Deliverability and reliability", "Delivery success and
failure"): exponential backoff with random jitter, then give up.

- ``2xx`` is success; anything else, and no answer at all (timeout, refused, reset), is a failure;
- ``410 Gone`` means the receiver wants no more: the delivery is given up at once;
- a ``Retry-After`` (seconds) on ``429`` / ``503`` and the like postpones the next attempt, never brings it forward;
- redirects are not followed (a ``3xx`` is a failure: the URL should be updated).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

__all__ = ["DEFAULT_SCHEDULE", "MAX_RETRY_AFTER", "Outcome", "classify", "next_delay", "parse_retry_after"]

# Seconds to wait before each retry after the first attempt: 5 s, 30 s, 2 min, 10 min, 1 h, 6 h, then give up
# (7 attempts over about 7 hours).
DEFAULT_SCHEDULE: tuple[float, ...] = (5, 30, 120, 600, 3600, 21600)
MAX_RETRY_AFTER = 86400.0
JITTER = 0.2  # each delay is moved by up to +-20 %, so receivers recovering from an outage are not hit in lockstep


class Outcome(enum.Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    GONE = "gone"  # 410: stop


def classify(status: int | None) -> Outcome:
    """``status`` is the receiver's HTTP status, or None when it did not answer."""
    if status is not None and 200 <= status < 300:
        return Outcome.DELIVERED
    if status == 410:
        return Outcome.GONE
    return Outcome.RETRY


def parse_retry_after(value: str | None) -> float | None:
    """The delay-seconds form of ``Retry-After`` (RFC 9110 §10.2.3); an HTTP date is ignored."""
    if value is None or not value.strip().isdigit():
        return None
    return min(float(value.strip()), MAX_RETRY_AFTER)


def next_delay(
    attempts: int, schedule: Sequence[float], *, draw: float, retry_after: float | None = None
) -> float | None:
    """Seconds until the next attempt after ``attempts`` failed ones, or None to give up. ``draw`` is a uniform
    random number in [0, 1) (injected randomness) that sets the jitter."""
    if attempts < 1 or attempts > len(schedule):
        return None
    base = schedule[attempts - 1]
    delay = base * (1 + JITTER * (2 * draw - 1))
    return max(delay, retry_after or 0.0)
