"""``ldp_vc`` Presentations: a W3C Verifiable Presentation secured with a Data Integrity proof (OpenID4VP 1.0
App. B.1.3.2; VC Data Integrity 1.0 #verify-proof).

Holder Binding (App. B.1.3.2.5): the VP proof's ``proofPurpose`` is ``authentication``, its ``challenge`` is the
request ``nonce`` and its ``domain`` the full ``client_id``; the proof key's controller (the DID before ``#``) is the
holder, and every presented credential's ``credentialSubject.id`` must be that holder. The credentials' own
proofs are checked by the caller (they are ordinary ``ldp_vc`` credentials).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime

from oid4vc.crypto.base import RawVerifier
from oid4vc.formats.ldp_vc import DataIntegrityError, verify_proof
from oid4vc.jose import JsonObject, Jwk
from oid4vc.presentation.errors import InvalidPresentationError

__all__ = ["VerifiedLdpVp", "subject_ids", "verify_ldp_vp"]


@dataclass(frozen=True, slots=True)
class VerifiedLdpVp:
    holder: str  # the DID controlling the VP proof key
    credentials: tuple[JsonObject, ...]


def subject_ids(credential: JsonObject) -> list[str]:
    subjects = credential.get("credentialSubject", [])
    return [
        s["id"]
        for s in (subjects if isinstance(subjects, list) else [subjects])
        if isinstance(s, dict) and isinstance(s.get("id"), str)
    ]


async def verify_ldp_vp(
    vp: JsonObject,
    *,
    nonce: str,
    client_id: str,
    now: datetime,
    resolve_key: Callable[[str], Awaitable[Jwk]],
    verifier: RawVerifier,
    executor: Executor | None,
) -> VerifiedLdpVp:
    """Raises InvalidPresentationError (reasons: malformed, bad_signature, nonce_mismatch, aud_mismatch,
    holder_mismatch)."""
    types = vp.get("type", [])
    if "VerifiablePresentation" not in ([types] if isinstance(types, str) else types):
        raise InvalidPresentationError("malformed", "an ldp_vc presentation must be a VerifiablePresentation")
    credentials = vp.get("verifiableCredential", [])
    credentials = credentials if isinstance(credentials, list) else [credentials]
    if not credentials or not all(isinstance(c, dict) for c in credentials):
        raise InvalidPresentationError("malformed", "verifiableCredential must hold the credentials as objects")
    try:
        proof = await verify_proof(
            vp,
            resolve_key=resolve_key,
            verifier=verifier,
            executor=executor,
            expected_purpose="authentication",
            challenge=nonce,
            domain=client_id,
            now=now,
        )
    except DataIntegrityError as exc:
        reason = {"challenge": "nonce_mismatch", "domain": "aud_mismatch"}.get(exc.reason, "bad_signature")
        raise InvalidPresentationError(reason, f"presentation proof: {exc.message}") from None
    holder = proof.verification_method.split("#", 1)[0]
    declared = vp.get("holder")
    declared_id = declared.get("id") if isinstance(declared, dict) else declared
    if declared_id is not None and declared_id != holder:
        raise InvalidPresentationError("holder_mismatch", "holder is not the controller of the proof key")
    for credential in credentials:
        if holder not in subject_ids(credential):
            raise InvalidPresentationError("holder_mismatch", "a credential's subject is not the presenting holder")
    return VerifiedLdpVp(holder, tuple(credentials))
