"""SystemRandomness: ids and tokens have the forms the specs name."""

from __future__ import annotations

import re
import uuid

from oid4vc.services.randomness import SystemRandomness, uuid4_str


def test_uuid4_str_is_a_random_version_4_uuid() -> None:
    seen = {uuid4_str() for _ in range(2000)}
    assert len(seen) == 2000
    for text in seen:
        parsed = uuid.UUID(text)
        assert str(parsed) == text  # canonical lower-case 8-4-4-4-12 form
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122


def test_uuid_urn() -> None:
    urn = SystemRandomness().uuid_urn()
    assert re.fullmatch(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", urn)
