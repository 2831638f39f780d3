from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from oid4vc.clock import FixedClock
from oid4vc.config import Settings, load_settings
from oid4vc.crypto.keystore import KeyRing
from oid4vc.store.memory import MemoryStore
from oid4vc.web.app import create_app

ADMIN_TOKEN = "test-admin-token-0123456789"
PUBLIC_URL = "https://issuer.example"
T0 = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)

ACHIEVEMENT_SUBJECT: dict[str, Any] = {
    "achievement": {
        "id": "https://example.edu/achievements/nursing-101",
        "type": ["Achievement"],
        "name": "Nursing Basics",
        "description": "Foundations of patient care.",
        "criteria": {"narrative": "Completed the 40-hour practicum."},
    }
}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def settings(tmp_path: Any) -> Settings:
    return load_settings(
        overrides={
            "server": {"public_url": PUBLIC_URL, "data_dir": str(tmp_path), "jsonld_workers": 0},
            "admin": {"token": ADMIN_TOKEN},
        },
        environ={},
    )


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def keys() -> KeyRing:
    return KeyRing.ephemeral()


AppClient = TestClient[Any, Any]


@pytest.fixture
async def client(
    aiohttp_client: Callable[..., Awaitable[AppClient]], settings: Settings, store: MemoryStore, keys: KeyRing,
    clock: FixedClock,
) -> AppClient:
    app = create_app(settings, store=store, keys=keys, clock=clock, admin_token=ADMIN_TOKEN)
    return await aiohttp_client(app)


ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
