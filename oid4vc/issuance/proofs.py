"""Key proofs of type ``jwt`` (OpenID4VCI 1.0 Appendix F.1, verification rules F.4; §8.2 ``proofs``).

Enforced MUSTs, each with a test in tests/unit/issuance/test_proofs.py:
- ``typ`` is ``openid4vci-proof+jwt`` (F.1);
- ``alg`` is an allow-listed asymmetric algorithm, never ``none`` or a MAC (F.1, F.4);
- exactly one of ``kid`` / ``jwk`` / ``x5c`` names the key, and ``jwk`` holds no private key (F.1, F.4);
- the signature verifies with that key (F.4);
- ``aud`` is the Credential Issuer Identifier (F.1, §8.2);
- ``iat`` is present, a NumericDate (RFC 7519 §2: not NaN, not beyond any date), and inside the accepted window
  (F.1, F.4, §13.8);
- ``nonce`` is present because this issuer has a Nonce Endpoint (F.1, §7); whether it is valid is the store's
  decision (single use), reported as ``invalid_nonce``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from oid4vc.crypto.base import JwsVerifier, SignatureError
from oid4vc.dids.jwk import did_jwk_from_jwk
from oid4vc.dids.resolve import did_of, resolve_offline
from oid4vc.errors import InvalidProofError
from oid4vc.jose import Jwk, is_private_jwk, jwk_thumbprint, numeric_date, parse_compact_jws

__all__ = ["PROOF_TYP", "VerifiedProof", "verify_jwt_proof"]

PROOF_TYP = "openid4vci-proof+jwt"


@dataclass(frozen=True, slots=True)
class VerifiedProof:
    holder_jwk: Jwk
    holder_did: str  # the DID from `kid`, or did:jwk of `jwk`
    jkt: str  # RFC 7638 thumbprint, for logs and records
    nonce: str


def _holder_key(header: dict[str, object]) -> tuple[Jwk, str]:
    named = [name for name in ("kid", "jwk", "x5c") if name in header]
    if len(named) != 1:
        raise InvalidProofError("proof header must carry exactly one of kid, jwk, x5c")
    if named[0] == "x5c":
        raise InvalidProofError("x5c key proofs are not supported; use jwk or a did:key / did:jwk kid")
    if named[0] == "jwk":
        jwk = header["jwk"]
        if not isinstance(jwk, dict):
            raise InvalidProofError("proof jwk must be a JSON object")
        if is_private_jwk(jwk):
            raise InvalidProofError("proof jwk must not contain a private key")
        return jwk, did_jwk_from_jwk(jwk)
    kid = header["kid"]
    if not isinstance(kid, str):
        raise InvalidProofError("proof kid must be a string")
    try:
        return resolve_offline(kid), did_of(kid)
    except ValueError:
        raise InvalidProofError("proof kid must be a did:key or did:jwk DID URL") from None


def verify_jwt_proof(
    jwt: str,
    *,
    verifier: JwsVerifier,
    audience: str,
    allowed_algs: frozenset[str],
    now: datetime,
    max_age: int,
    max_skew: int,
) -> VerifiedProof:
    try:
        jws = parse_compact_jws(jwt)
    except ValueError as exc:
        raise InvalidProofError(f"proof is not a compact JWT: {exc}") from None
    header, claims = jws.header, jws.payload
    if header.get("typ") != PROOF_TYP:
        raise InvalidProofError(f"proof typ must be {PROOF_TYP}")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in allowed_algs:
        raise InvalidProofError("proof alg is not supported (see proof_signing_alg_values_supported)")
    jwk, did = _holder_key(header)
    try:
        verifier.verify(jws.signing_input, jws.signature, alg=alg, jwk=jwk)
    except SignatureError as exc:
        raise InvalidProofError(f"proof signature: {exc}") from None
    if claims.get("aud") != audience:
        raise InvalidProofError("proof aud must be the Credential Issuer Identifier")
    iat = numeric_date(claims.get("iat"))  # None also for NaN, infinities and numbers beyond any date
    if iat is None:
        raise InvalidProofError("proof iat is missing or not a NumericDate")
    age = now.timestamp() - iat
    if age > max_age or age < -max_skew:
        raise InvalidProofError("proof iat is outside the accepted window")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise InvalidProofError("proof nonce is missing; get a c_nonce from the nonce endpoint")
    try:
        jkt = jwk_thumbprint(jwk)
    except ValueError:
        raise InvalidProofError("proof key is not a supported JWK") from None
    return VerifiedProof(holder_jwk=jwk, holder_did=did, jkt=jkt, nonce=nonce)
