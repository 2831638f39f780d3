"""Issuer keys on disk: generated on first start, persisted with safe permissions, stable ids, rotation.

Layout: ``<data_dir>/keys/<kid>.json`` (mode 0600, folder 0700), one private JWK each, with ``kid`` = the RFC 7638
thumbprint (stable across restarts) and ``active`` / ``created`` metadata. Rotation adds a new active key and
keeps the old ones, so credentials they signed stay resolvable (did:web documents list every key).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from oid4vc.crypto.keys import SigningKey, generate_key, private_jwk
from oid4vc.jose import jwk_thumbprint

__all__ = ["KeyRing", "KeyType", "StoredKey"]

KeyType = Literal["EC", "OKP"]


@dataclass(frozen=True, slots=True)
class StoredKey:
    key: SigningKey
    active: bool
    created: str


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


class KeyRing:
    """All issuer keys, by type; the newest active key of each type signs."""

    def __init__(self, keys: list[StoredKey], folder: Path | None = None) -> None:
        self._keys = keys
        self._folder = folder

    @classmethod
    def ephemeral(cls) -> KeyRing:
        """In-memory keys (tests)."""
        keys = []
        for kty in ("EC", "OKP"):
            key = generate_key(kty)
            kid = jwk_thumbprint(private_jwk(key))
            keys.append(StoredKey(SigningKey(key, kid), True, "1970-01-01T00:00:00Z"))
        return cls(keys)

    @classmethod
    def load_or_create(cls, folder: Path, *, now: datetime) -> KeyRing:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(folder, 0o700)
        keys = []
        for path in sorted(folder.glob("*.json")):
            if path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)
            data = json.loads(path.read_text(encoding="utf-8"))
            keys.append(StoredKey(SigningKey.from_jwk(data["jwk"], kid=data["kid"]), data["active"], data["created"]))
        ring = cls(keys, folder)
        for kty in ("EC", "OKP"):
            if not any(k.active and k.key.public_jwk["kty"] == kty for k in keys):
                ring.rotate(kty, now=now)
        return ring

    def rotate(self, kty: KeyType, *, now: datetime) -> SigningKey:
        """Create a new active key of ``kty``; older ones stay (inactive) for resolution."""
        key = generate_key(kty)
        kid = jwk_thumbprint(private_jwk(key))
        created = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        signing = SigningKey(key, kid)
        if self._folder is not None:
            for old in self._keys:
                if old.active and old.key.public_jwk["kty"] == kty:
                    self._save(StoredKey(old.key, False, old.created), replace=True)
            self._save(StoredKey(signing, True, created))
        self._keys = [StoredKey(k.key, False, k.created) if k.key.public_jwk["kty"] == kty else k for k in self._keys]
        self._keys.append(StoredKey(signing, True, created))
        return signing

    def _save(self, stored: StoredKey, *, replace: bool = False) -> None:
        assert self._folder is not None
        path = self._folder / f"{stored.key.kid}.json"
        text = json.dumps(
            {
                "kid": stored.key.kid,
                "alg": stored.key.alg,
                "active": stored.active,
                "created": stored.created,
                "jwk": private_jwk(stored.key.key),
            }
        )
        if replace and path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.unlink(missing_ok=True)
            _write_private(tmp, text)
            tmp.replace(path)
        else:
            _write_private(path, text)

    def active(self, kty: KeyType) -> SigningKey:
        for stored in reversed(self._keys):
            if stored.active and stored.key.public_jwk["kty"] == kty:
                return stored.key
        raise LookupError(f"no active {kty} key")

    def all(self) -> list[StoredKey]:
        return list(self._keys)
