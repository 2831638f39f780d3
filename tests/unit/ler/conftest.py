"""Fixtures for the oid4vc.ler tests."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ._data import FULL_SUBJECT, ISSUER, MINIMAL_SUBJECT


@pytest.fixture
def minimal_subject() -> dict[str, Any]:
    return copy.deepcopy(MINIMAL_SUBJECT)


@pytest.fixture
def full_subject() -> dict[str, Any]:
    return copy.deepcopy(FULL_SUBJECT)


@pytest.fixture
def issuer() -> dict[str, Any]:
    return copy.deepcopy(ISSUER)
