"""Building Presentations the way a wallet does (OpenID4VP 1.0 §8.1, App. B), correct or deliberately broken.

- ``dc+sd-jwt`` (App. B.3; RFC 9901 §4.3, §7.3): ``<issuer JWT>~<selected disclosures>~<KB-JWT>``; the KB-JWT
  (``typ`` ``kb+jwt``, signed by the ``cnf`` key) carries ``iat``, ``aud`` = the full Client Identifier, ``nonce`` =
  the request nonce and ``sd_hash`` = base64url(SHA-256 of everything before it). Disclosures are selected by the
  claims paths the Credential Query asks for (their parents too), nothing else (§6.4).
- ``jwt_vc_json`` (App. B.1.3.1): a VP-JWT in the VC Data Model 1.1 JWT encoding (``vp`` claim holding the VC-JWT),
  ``iss`` = holder DID, ``kid`` = its DID URL, ``aud`` = Client Identifier, ``nonce``.
- ``ldp_vc`` (App. B.1.3.2): an ``ldp_vp`` with a Data Integrity proof (``eddsa-rdfc-2022``), ``challenge`` =
  nonce, ``domain`` = Client Identifier, ``proofPurpose`` ``authentication``, by an Ed25519 ``did:key`` holder.

``Tamper`` names the defect a negative check wants, mirroring the OpenID Foundation verifier modules.
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal

from conformance.suite.data_integrity import proof_value_tampered, sign_eddsa_rdfc_2022
from conformance.suite.wallet import HolderKey, b64url_decode, b64url_encode, compact_jwt, decode_jwt

__all__ = [
    "KB_JWT_TYP",
    "HeldCredential",
    "Tamper",
    "build_presentation",
    "disclosure_paths",
    "flip_jws_signature",
    "requested_paths",
    "split_sd_jwt",
]

JsonObject = dict[str, Any]
KB_JWT_TYP = "kb+jwt"
ClaimPath = tuple[str | int | None, ...]
Tamper = Literal[
    "credential_signature",  # the issuer's signature on the credential no longer verifies
    "holder_signature",  # the KB-JWT / VP-JWT / VP proof is signed by another key
    "sd_hash",  # the KB-JWT sd_hash is over other bytes
    "kb_typ",  # the KB-JWT typ is "JWT"
    "no_kb",  # the SD-JWT without its KB-JWT
    "unreferenced_disclosure",  # an extra Disclosure whose digest the issuer never signed
    "unresolvable_issuer",  # re-issued by the suite under a did:web that has no DID Document
]


@dataclass(frozen=True, slots=True)
class HeldCredential:
    """A credential the suite's wallet holds, with the key it is bound to."""

    format: str
    credential: Any  # str (SD-JWT, VC-JWT) or dict (ldp_vc)
    key: HolderKey
    holder_did: str | None = None  # W3C formats: the DID the credential names as its subject
    label: str = ""  # where it came from, for the report

    @property
    def kid(self) -> str | None:
        """The DID URL naming the holder key (W3C formats)."""
        did = self.holder_did
        if did is None:
            return None
        if did == self.key.did_jwk:
            return self.key.kid("did:jwk")
        if did == self.key.did_key:
            return self.key.kid("did:key")
        return f"{did}#0" if did.startswith("did:jwk:") else f"{did}#{did.rsplit(':', 1)[-1]}"


def flip_jws_signature(token: str) -> str:
    """A compact JWS with one bit of its signature flipped (still well-formed)."""
    head, payload, signature = token.split(".")
    raw = bytearray(b64url_decode(signature))
    raw[len(raw) // 2] ^= 0x01
    return f"{head}.{payload}.{b64url_encode(bytes(raw))}"


def _reissued_jwt(token: str, issuer_did: str, *, vc_claim: bool) -> str:
    """The JWT re-signed by a fresh key of the suite, its issuer (``iss``, ``kid``, the VC's ``issuer``) replaced
    by ``issuer_did``."""
    header, claims = decode_jwt(token)
    header = {k: v for k, v in header.items() if k not in ("x5c", "jwk")} | {"alg": "ES256",
                                                                             "kid": f"{issuer_did}#key-1"}
    claims = claims | {"iss": issuer_did}
    nested = claims.get("vc")
    vc: JsonObject = dict(nested) if vc_claim and isinstance(nested, dict) else claims
    if vc is not claims:
        claims["vc"] = vc
    if vc is not claims or "issuer" in claims:  # VCDM 1.1 `vc` claim, or a VCDM 2.0 claims set with an issuer
        issuer = vc.get("issuer")
        vc["issuer"] = issuer | {"id": issuer_did} if isinstance(issuer, dict) else issuer_did
    return compact_jwt(header, claims, key=HolderKey.generate("ES256"))


def _reissued_ldp(credential: JsonObject, issuer_did: str) -> JsonObject:
    contexts = credential.get("@context")
    if not isinstance(contexts, list) or contexts[:1] != ["https://www.w3.org/ns/credentials/v2"]:
        raise ValueError("the suite re-signs VCDM 2.0 credentials only")
    issuer = credential.get("issuer")
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    unsigned["issuer"] = issuer | {"id": issuer_did} if isinstance(issuer, dict) else issuer_did
    return sign_eddsa_rdfc_2022(unsigned, HolderKey.generate("EdDSA"), verification_method=f"{issuer_did}#key-1",
                                proof_purpose="assertionMethod")


# -- SD-JWT -------------------------------------------------------------------------------------------------


def split_sd_jwt(value: str) -> tuple[str, list[str]]:
    """The issuer-signed JWT and the Disclosures of an issued SD-JWT (any trailing KB-JWT dropped)."""
    parts = value.split("~")
    if len(parts) < 2:
        raise ValueError("an SD-JWT is <issuer JWT>~<disclosures>~")
    return parts[0], [d for d in parts[1:-1] if d]


def _digest(disclosure: str) -> str:
    return b64url_encode(hashlib.sha256(disclosure.encode("ascii")).digest())


def disclosure_paths(issuer_jwt: str, disclosures: list[str]) -> list[tuple[ClaimPath, str]]:
    """(claims path, disclosure) for every Disclosure whose digest the payload (or a disclosed value) references,
    in document order. Array element disclosures get their index."""
    _, payload = decode_jwt(issuer_jwt)
    by_digest = {_digest(d): d for d in disclosures}
    found: list[tuple[ClaimPath, str]] = []

    def walk(value: Any, path: ClaimPath) -> None:
        if isinstance(value, dict):
            for digest in value.get("_sd", []) if isinstance(value.get("_sd"), list) else []:
                disclosure = by_digest.get(digest) if isinstance(digest, str) else None
                if disclosure is None:
                    continue
                decoded = json.loads(b64url_decode(disclosure))
                if isinstance(decoded, list) and len(decoded) == 3:
                    found.append(((*path, str(decoded[1])), disclosure))
                    walk(decoded[2], (*path, str(decoded[1])))
            for name, item in value.items():
                if name not in ("_sd", "_sd_alg"):
                    walk(item, (*path, name))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                digest = item.get("...") if isinstance(item, dict) and len(item) == 1 else None
                disclosure = by_digest.get(digest) if isinstance(digest, str) else None
                if disclosure is not None:
                    decoded = json.loads(b64url_decode(disclosure))
                    found.append(((*path, index), disclosure))
                    if isinstance(decoded, list) and len(decoded) == 2:
                        walk(decoded[1], (*path, index))
                else:
                    walk(item, (*path, index))

    walk(payload, ())
    return found


def _matches(pointer: ClaimPath, path: ClaimPath) -> bool:
    """Whether ``path`` (a disclosure's) is needed for ``pointer`` (requested): one is a prefix of the other,
    ``null`` in the pointer matching any index."""
    return all(p is None or p == q for p, q in zip(pointer, path, strict=False))


def requested_paths(credential_query: JsonObject | None) -> list[ClaimPath]:
    """The claims paths a Credential Query asks for (the first claim set when ``claim_sets`` is given)."""
    claims = credential_query.get("claims") if credential_query else None
    if not isinstance(claims, list):
        return []
    items = [c for c in claims if isinstance(c, dict) and isinstance(c.get("path"), list)]
    sets = credential_query.get("claim_sets") if credential_query else None
    if isinstance(sets, list) and sets and isinstance(sets[0], list):
        items = [c for c in items if c.get("id") in sets[0]]
    return [tuple(c["path"]) for c in items]


def _sd_jwt(held: HeldCredential, *, audience: str, nonce: str, paths: list[ClaimPath], iat: float | None,
            tamper: Tamper | None, issuer_did: str) -> str:
    issuer_jwt, disclosures = split_sd_jwt(str(held.credential))
    if tamper == "unresolvable_issuer":
        issuer_jwt = _reissued_jwt(issuer_jwt, issuer_did, vc_claim=False)
    _, payload = decode_jwt(issuer_jwt)
    if payload.get("_sd_alg", "sha-256") != "sha-256":
        raise ValueError(f"the suite hashes with sha-256 only, the credential uses {payload.get('_sd_alg')}")
    chosen = [d for p, d in disclosure_paths(issuer_jwt, disclosures) if any(_matches(q, p) for q in paths)]
    chosen = list(dict.fromkeys(chosen))
    if tamper == "credential_signature":
        issuer_jwt = flip_jws_signature(issuer_jwt)
    if tamper == "unreferenced_disclosure":
        chosen.append(b64url_encode(json.dumps([secrets.token_urlsafe(16), "conformance_extra", "x"]).encode()))
    presented = issuer_jwt + "~" + "".join(f"{d}~" for d in chosen)
    if tamper == "no_kb":
        return presented
    sd_hash = _digest(presented) if tamper != "sd_hash" else _digest(presented + "tampered~")
    header: JsonObject = {"alg": held.key.alg, "typ": KB_JWT_TYP if tamper != "kb_typ" else "JWT"}
    claims: JsonObject = {"iat": int(time.time() if iat is None else iat), "aud": audience, "nonce": nonce,
                          "sd_hash": sd_hash}
    signer = HolderKey.generate(held.key.alg) if tamper == "holder_signature" else held.key
    return presented + compact_jwt(header, claims, key=signer)


# -- W3C --------------------------------------------------------------------------------------------------


def _vp_jwt(held: HeldCredential, *, audience: str, nonce: str, iat: float | None, tamper: Tamper | None,
            issuer_did: str) -> str:
    credential = str(held.credential)
    if tamper == "credential_signature":
        credential = flip_jws_signature(credential)
    if tamper == "unresolvable_issuer":
        credential = _reissued_jwt(credential, issuer_did, vc_claim=True)
    holder = held.holder_did or held.key.did_jwk
    now = int(time.time() if iat is None else iat)
    claims: JsonObject = {
        "iss": holder,
        "aud": audience,
        "nonce": nonce,
        "iat": now,
        "exp": now + 300,
        "jti": f"urn:uuid:{secrets.token_hex(16)}",
        "vp": {
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "type": ["VerifiablePresentation"],
            "holder": holder,
            "verifiableCredential": [credential],
        },
    }
    header = {"alg": held.key.alg, "typ": "JWT", "kid": held.kid or held.key.kid("did:jwk")}
    signer = HolderKey.generate(held.key.alg) if tamper == "holder_signature" else held.key
    return compact_jwt(header, claims, key=signer)


def _ldp_vp(held: HeldCredential, *, audience: str, nonce: str, tamper: Tamper | None,
            issuer_did: str) -> JsonObject:
    credential = copy.deepcopy(held.credential)
    if not isinstance(credential, dict):
        raise ValueError("an ldp_vc credential is a JSON object")
    if tamper == "credential_signature":
        credential = proof_value_tampered(credential)
    if tamper == "unresolvable_issuer":
        credential = _reissued_ldp(credential, issuer_did)
    contexts = credential.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    context: list[str] = (
        ["https://www.w3.org/ns/credentials/v2"]
        if first == "https://www.w3.org/ns/credentials/v2"
        else ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/security/data-integrity/v2"]
    )
    holder = held.holder_did or held.key.did_key
    vp: JsonObject = {"@context": context, "type": ["VerifiablePresentation"], "holder": holder,
                      "verifiableCredential": [credential]}
    signer = HolderKey.generate("EdDSA") if tamper == "holder_signature" else held.key
    return sign_eddsa_rdfc_2022(vp, signer, verification_method=held.kid or held.key.kid("did:key"),
                                challenge=nonce, domain=audience)


def build_presentation(
    held: HeldCredential,
    *,
    audience: str,
    nonce: str,
    credential_query: JsonObject | None = None,
    iat: float | None = None,
    tamper: Tamper | None = None,
    issuer_did: str = "did:web:unresolvable.invalid",
) -> Any:
    """One Presentation of ``held`` for a request with ``nonce`` and Client Identifier ``audience``. Raises
    ValueError when the credential or the tampering does not fit the format. ``issuer_did`` is the issuer of an
    ``unresolvable_issuer`` re-issue."""
    if held.format == "dc+sd-jwt":
        return _sd_jwt(held, audience=audience, nonce=nonce, paths=requested_paths(credential_query), iat=iat,
                       tamper=tamper, issuer_did=issuer_did)
    if tamper in ("sd_hash", "kb_typ", "no_kb", "unreferenced_disclosure"):
        raise ValueError(f"{tamper} applies to dc+sd-jwt presentations only")
    if held.format == "jwt_vc_json":
        return _vp_jwt(held, audience=audience, nonce=nonce, iat=iat, tamper=tamper, issuer_did=issuer_did)
    if held.format == "ldp_vc":
        return _ldp_vp(held, audience=audience, nonce=nonce, tamper=tamper, issuer_did=issuer_did)
    raise ValueError(f"the suite does not present {held.format} credentials")
