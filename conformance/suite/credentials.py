"""Reading issued credentials per format, enough to check encoding, type and holder binding.

- ``jwt_vc_json`` / ``jwt_vc_json-ld`` (OpenID4VCI 1.0 App. A.1.1, A.1.3): a compact JWT, never re-encoded; the
  VC is either the claims set itself (VCDM 2.0 / Open Badges 3.0 VC-JWT) or the ``vc`` claim (VCDM 1.1). The
  holder is ``sub`` and/or ``credentialSubject.id``.
- ``ldp_vc`` (App. A.1.2): a JSON object with a Data Integrity ``proof``; the holder is ``credentialSubject.id``.
- ``dc+sd-jwt`` (App. A.3, SD-JWT VC): ``<issuer-signed JWT>~<disclosure>~...~``; the holder key is ``cnf.jwk``
  (or a DID URL in ``cnf.kid``).

Signatures are not verified here: the checks are about the protocol (what was bound, what was issued).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from conformance.suite.wallet import HolderKey, b64url_decode, decode_jwt, jwk_from_did, jwk_thumbprint

__all__ = [
    "SUPPORTED_FORMATS",
    "CredentialFormatError",
    "InspectedCredential",
    "binding_thumbprints",
    "bound_to",
    "inspect_credential",
]

JsonObject = dict[str, Any]
SUPPORTED_FORMATS = ("jwt_vc_json", "jwt_vc_json-ld", "ldp_vc", "dc+sd-jwt")
# SD-JWT claims that differ between instances of one Credential Dataset (batch comparisons ignore them)
_PER_INSTANCE = frozenset({"_sd", "_sd_alg", "cnf", "iat", "nbf", "exp", "jti", "status"})


class CredentialFormatError(ValueError):
    """The credential is not encoded as its format requires."""


@dataclass(frozen=True, slots=True)
class InspectedCredential:
    format: str
    types: tuple[str, ...] = ()
    vct: str | None = None
    credential_id: str | None = None
    holder_ids: tuple[str, ...] = ()  # DIDs naming the holder (sub, credentialSubject.id)
    cnf: JsonObject | None = None  # SD-JWT VC confirmation claim
    dataset: str = ""  # canonical JSON of the claims minus holder and per-instance data (batch comparisons)
    notes: tuple[str, ...] = field(default=())


def _types(vc: JsonObject) -> tuple[str, ...]:
    value = vc.get("type")
    if isinstance(value, str):
        return (value,)
    return tuple(t for t in value if isinstance(t, str)) if isinstance(value, list) else ()


def _subjects(vc: JsonObject) -> list[JsonObject]:
    subject = vc.get("credentialSubject")
    if isinstance(subject, dict):
        return [subject]
    return [s for s in subject if isinstance(s, dict)] if isinstance(subject, list) else []


def _dataset(subjects: list[JsonObject]) -> str:
    return json.dumps([{k: v for k, v in s.items() if k != "id"} for s in subjects], sort_keys=True)


def _w3c(fmt: str, vc: JsonObject, *, sub: Any = None, jti: Any = None) -> InspectedCredential:
    subjects = _subjects(vc)
    if not subjects:
        raise CredentialFormatError("the VC has no credentialSubject object")
    holder_ids = [s["id"] for s in subjects if isinstance(s.get("id"), str)]
    if isinstance(sub, str) and sub not in holder_ids:
        holder_ids.insert(0, sub)
    credential_id = jti if isinstance(jti, str) else vc.get("id") if isinstance(vc.get("id"), str) else None
    return InspectedCredential(fmt, types=_types(vc), credential_id=credential_id, holder_ids=tuple(holder_ids),
                               dataset=_dataset(subjects))


def _jwt_vc(fmt: str, value: Any) -> InspectedCredential:
    if not isinstance(value, str):
        raise CredentialFormatError(f"a {fmt} credential is a JWT string (App. A.1), got {type(value).__name__}")
    try:
        _, claims = decode_jwt(value)
    except ValueError as exc:
        raise CredentialFormatError(f"not a compact JWT: {exc}") from None
    vc = claims.get("vc")  # VCDM 1.1 JWT encoding; else the claims set is the VC (VCDM 2.0 / OB 3.0 VC-JWT)
    return _w3c(fmt, vc if isinstance(vc, dict) else claims, sub=claims.get("sub"), jti=claims.get("jti"))


def _ldp_vc(value: Any) -> InspectedCredential:
    if not isinstance(value, dict):
        raise CredentialFormatError(f"an ldp_vc credential is a JSON object (App. A.1.2), got {type(value).__name__}")
    if not isinstance(value.get("proof"), dict | list):
        raise CredentialFormatError("an ldp_vc credential carries a Data Integrity proof")
    return _w3c("ldp_vc", value)


def _sd_jwt_vc(value: Any) -> InspectedCredential:
    if not isinstance(value, str) or "~" not in value:
        raise CredentialFormatError("a dc+sd-jwt credential is an SD-JWT string <JWT>~<disclosures>~ (App. A.3)")
    parts = value.split("~")
    try:
        header, claims = decode_jwt(parts[0])
    except ValueError as exc:
        raise CredentialFormatError(f"the issuer-signed JWT is malformed: {exc}") from None
    disclosed: list[tuple[str, str]] = []
    for disclosure in parts[1:]:
        if not disclosure:
            continue
        try:
            decoded = json.loads(b64url_decode(disclosure))
        except (ValueError, UnicodeDecodeError):
            raise CredentialFormatError("a disclosure is not base64url JSON") from None
        if not isinstance(decoded, list) or len(decoded) not in (2, 3):
            raise CredentialFormatError("a disclosure is not a JSON array of 2 or 3 elements")
        name = decoded[1] if len(decoded) == 3 else ""
        disclosed.append((str(name), json.dumps(decoded[-1], sort_keys=True)))
    notes = () if header.get("typ") == "dc+sd-jwt" else (f"JWT typ is {header.get('typ')!r}, expected 'dc+sd-jwt'",)
    cnf = claims.get("cnf")
    plain = {k: v for k, v in claims.items() if k not in _PER_INSTANCE}
    vct = claims.get("vct")
    return InspectedCredential(
        "dc+sd-jwt",
        vct=vct if isinstance(vct, str) else None,
        credential_id=claims["jti"] if isinstance(claims.get("jti"), str) else None,
        cnf=cnf if isinstance(cnf, dict) else None,
        dataset=json.dumps([plain, sorted(disclosed)], sort_keys=True),
        notes=notes,
    )


def inspect_credential(fmt: str, value: Any) -> InspectedCredential:
    """Decode one ``credential`` value of the given format. Raises CredentialFormatError, or ValueError for a
    format the suite does not read."""
    if fmt in ("jwt_vc_json", "jwt_vc_json-ld"):
        return _jwt_vc(fmt, value)
    if fmt == "ldp_vc":
        return _ldp_vc(value)
    if fmt == "dc+sd-jwt":
        return _sd_jwt_vc(value)
    raise ValueError(f"the suite does not read {fmt} credentials")


def _thumbprint_of_did(did: str) -> str | None:
    try:
        return jwk_thumbprint(jwk_from_did(did))
    except ValueError:
        return None


def binding_thumbprints(inspected: InspectedCredential) -> tuple[set[str], list[str]]:
    """Thumbprints of the keys the credential is bound to, and the identifiers that could not be resolved."""
    found: set[str] = set()
    unresolved: list[str] = []
    names: list[str] = list(inspected.holder_ids)
    if inspected.cnf is not None:
        jwk = inspected.cnf.get("jwk")
        if isinstance(jwk, dict):
            try:
                found.add(jwk_thumbprint(jwk))
            except ValueError:
                unresolved.append("cnf.jwk")
        elif isinstance(inspected.cnf.get("kid"), str):
            names.append(inspected.cnf["kid"])
        else:
            unresolved.append("cnf (neither jwk nor kid)")
    for name in names:
        thumbprint = _thumbprint_of_did(name)
        if thumbprint is None:
            unresolved.append(name)
        else:
            found.add(thumbprint)
    return found, unresolved


def bound_to(inspected: InspectedCredential, key: HolderKey) -> bool:
    found, unresolved = binding_thumbprints(inspected)
    return found == {key.thumbprint} and not unresolved
