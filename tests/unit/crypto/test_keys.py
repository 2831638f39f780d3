from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from oid4vc.crypto.base import SignatureError
from oid4vc.crypto.keys import CryptoJwsVerifier, SigningKey, generate_key
from oid4vc.crypto.keystore import KeyRing
from oid4vc.encoding import b64url_decode, b64url_encode
from oid4vc.jose import parse_compact_jws

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("kty", ["EC", "OKP"])
def test_sign_and_verify(kty: str) -> None:
    key = SigningKey(generate_key(kty), kid="k")
    jws = parse_compact_jws(key.sign({"typ": "JWT"}, {"a": 1}))
    assert jws.header == {"alg": key.alg, "kid": "k", "typ": "JWT"}
    verifier = CryptoJwsVerifier()
    verifier.verify(jws.signing_input, jws.signature, alg=key.alg, jwk=key.public_jwk)
    with pytest.raises(SignatureError):
        verifier.verify(jws.signing_input + b"x", jws.signature, alg=key.alg, jwk=key.public_jwk)


def test_verifier_refuses_none_hmac_and_mismatched_keys() -> None:
    ec = SigningKey(generate_key("EC"), kid="k")
    jws = parse_compact_jws(ec.sign({}, {}))
    verifier = CryptoJwsVerifier()
    for alg in ("none", "HS256", "RS1"):
        with pytest.raises(SignatureError):
            verifier.verify(jws.signing_input, jws.signature, alg=alg, jwk=ec.public_jwk)
    ed = SigningKey(generate_key("OKP"), kid="k")
    with pytest.raises(SignatureError):
        verifier.verify(jws.signing_input, jws.signature, alg="EdDSA", jwk=ec.public_jwk)
    with pytest.raises(SignatureError):
        verifier.verify(jws.signing_input, jws.signature, alg="ES256", jwk=ed.public_jwk)
    with pytest.raises(SignatureError):
        verifier.verify(
            jws.signing_input, jws.signature, alg="ES256", jwk={"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}
        )


def test_ec_jwk_whose_point_is_not_on_the_curve_is_refused() -> None:
    """An invalid-curve point must never reach ECDSA verification (the key is refused as malformed)."""
    ec = SigningKey(generate_key("EC"), kid="k")
    jws = parse_compact_jws(ec.sign({}, {}))
    y = bytearray(b64url_decode(ec.public_jwk["y"]))
    y[-1] ^= 1  # same x, another y: not a point of P-256
    off_curve = ec.public_jwk | {"y": b64url_encode(bytes(y))}
    with pytest.raises(SignatureError, match="malformed JWK"):
        CryptoJwsVerifier().verify(jws.signing_input, jws.signature, alg="ES256", jwk=off_curve)


def test_keyring_persists_with_safe_permissions_and_rotates(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    ring = KeyRing.load_or_create(folder, now=NOW)
    ec, ed = ring.active("EC"), ring.active("OKP")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for f in folder.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
    again = KeyRing.load_or_create(folder, now=NOW)
    assert again.active("EC").kid == ec.kid and again.active("OKP").kid == ed.kid  # stable ids across restarts
    new = again.rotate("EC", now=NOW)
    reloaded = KeyRing.load_or_create(folder, now=NOW)
    assert reloaded.active("EC").kid == new.kid != ec.kid
    assert {k.key.kid for k in reloaded.all()} == {ec.kid, ed.kid, new.kid}  # old key stays resolvable
    assert [k.active for k in reloaded.all() if k.key.kid == ec.kid] == [False]
    assert all(stat.S_IMODE(os.stat(f).st_mode) == 0o600 for f in folder.iterdir())
