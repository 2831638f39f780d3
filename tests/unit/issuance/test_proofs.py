"""Key proof checks of OpenID4VCI 1.0 App. F.1 / F.4 that a web test cannot pin down precisely: ``iat`` must be an
RFC 7519 NumericDate inside the window, and numbers beyond any date are refused, never an exception."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from oid4vc.crypto.keys import CryptoJwsVerifier
from oid4vc.encoding import b64url_encode
from oid4vc.errors import InvalidProofError
from oid4vc.issuance.proofs import PROOF_TYP, verify_jwt_proof
from tests.support.wallet import holder_key

AUD = "https://issuer.example"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
KEY = holder_key()


def _proof(iat: bytes) -> str:
    """A proof signed by KEY whose ``iat`` is this raw JSON text (NaN, 1e999 and 400 digits are JSON to Python)."""
    header = {"alg": KEY.alg, "typ": PROOF_TYP, "jwk": KEY.public_jwk}
    payload = b'{"aud": "' + AUD.encode() + b'", "nonce": "n", "iat": ' + iat + b"}"
    signing_input = f"{b64url_encode(json.dumps(header).encode())}.{b64url_encode(payload)}"
    return f"{signing_input}.{b64url_encode(KEY.sign_bytes(signing_input.encode()))}"


def _verify(token: str) -> object:
    return verify_jwt_proof(token, verifier=CryptoJwsVerifier(), audience=AUD, allowed_algs=frozenset({KEY.alg}),
                            now=NOW, max_age=300, max_skew=60)


def test_iat_inside_the_window_is_accepted() -> None:
    assert _verify(_proof(str(int(NOW.timestamp()) - 10).encode()))


@pytest.mark.parametrize(
    ("iat", "message"),
    [
        (b"NaN", "NumericDate"),  # compares false with everything: it used to pass the window check
        (b"Infinity", "NumericDate"),
        (b"-1e999", "NumericDate"),
        (b"9" * 400, "NumericDate"),  # used to be an OverflowError (a 500)
        (b"-" + b"9" * 400, "NumericDate"),
        (b"true", "NumericDate"),
        (b'"1795348800"', "NumericDate"),
        (b"null", "NumericDate"),
        (str(int(NOW.timestamp()) - 301).encode(), "window"),
        (str(int(NOW.timestamp()) + 61).encode(), "window"),
    ],
)
def test_iat_must_be_a_numeric_date_in_the_window(iat: bytes, message: str) -> None:
    with pytest.raises(InvalidProofError, match=message):
        _verify(_proof(iat))
