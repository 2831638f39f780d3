"""JWT data without crypto: RFC 7519 §2 NumericDate (JSON numbers are unbounded, RFC 8259 §6)."""

from __future__ import annotations

import math

import pytest

from oid4vc.jose import numeric_date


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (0, 0.0),
        (1_795_348_800, 1_795_348_800.0),
        (1_795_348_800.5, 1_795_348_800.5),
        (-86_400, -86_400.0),
        (253_402_300_799, 253_402_300_799.0),  # 9999-12-31T23:59:59Z
        (-62_135_596_800, -62_135_596_800.0),  # 0001-01-01T00:00:00Z
    ],
)
def test_numeric_dates(value: float, seconds: float) -> None:
    assert numeric_date(value) == seconds


@pytest.mark.parametrize(
    "value",
    [None, True, False, "1795348800", [1], {"t": 1}, math.nan, math.inf, -math.inf, 10**400, -(10**400),
     2**63 - 1, 253_402_300_800, -62_135_596_801, 1e20],
)
def test_not_numeric_dates(value: object) -> None:
    """Not a number, NaN, an infinity, or beyond the instants a datetime holds: None, never an exception."""
    assert numeric_date(value) is None
