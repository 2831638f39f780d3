"""Securing an ``ldp_vp`` for OpenID4VP 1.0 App. B.1.3.2 with a Data Integrity proof, cryptosuite
``eddsa-rdfc-2022`` (W3C VC Data Integrity EdDSA Cryptosuites 1.0 §3.2.1-§3.2.6; VC Data Integrity 1.0 §4.2):

- proof configuration = the proof options (``type`` ``DataIntegrityProof``, ``cryptosuite``, ``created``,
  ``verificationMethod``, ``proofPurpose`` ``authentication``, ``challenge`` = the request ``nonce``, ``domain`` =
  the Client Identifier) with the document's ``@context``;
- hashData = SHA-256(RDFC-1.0(proof configuration)) || SHA-256(RDFC-1.0(document without proof));
- ``proofValue`` = multibase base58btc (``z``) of the Ed25519 signature over hashData.

JSON-LD runs on ``pyld`` with a static document loader over ``conformance/interop/contexts`` (``index.json`` maps
each context URL to a file): the suite never fetches a context from the network. Also: expanding a credential's
``type`` values to the IRIs DCQL ``type_values`` compares (App. B.1.1).
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from pyld import jsonld

from conformance.suite.wallet import HolderKey, base58btc_decode, base58btc_encode

__all__ = [
    "CONTEXTS_DIR",
    "ContextNotAvailable",
    "expanded_types",
    "proof_value_tampered",
    "sign_eddsa_rdfc_2022",
]

JsonObject = dict[str, Any]
CONTEXTS_DIR = Path(__file__).resolve().parents[1] / "interop" / "contexts"


class ContextNotAvailable(ValueError):
    """A JSON-LD context the static loader does not hold."""


@cache
def _index() -> dict[str, str]:
    data = json.loads((CONTEXTS_DIR / "index.json").read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.items()}


@cache
def _context(url: str) -> JsonObject:
    name = _index().get(url)
    if name is None:
        raise ContextNotAvailable(f"the suite has no local copy of the JSON-LD context {url}")
    document: JsonObject = json.loads((CONTEXTS_DIR / name).read_text(encoding="utf-8"))
    return document


def _load(url: str, options: Any = None) -> JsonObject:
    # "tag": "static" lets pyld keep the resolved context between calls
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": copy.deepcopy(_context(url)), "tag": "static"}


def _failure(exc: BaseException, what: str) -> ValueError:
    """The ContextNotAvailable behind a pyld error, else a ValueError with pyld's message."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ContextNotAvailable):
            return cause
        cause = cause.__cause__ or cause.__context__
    return ValueError(f"{what}: {exc.args[0] if exc.args else exc}")


def _canonical(document: JsonObject) -> str:
    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": _load}
    try:
        nquads: str = jsonld.normalize(document, options)
    except jsonld.JsonLdError as exc:
        raise _failure(exc, "JSON-LD canonicalization failed") from None
    return nquads


def expanded_types(credential: JsonObject) -> list[str]:
    """The credential's ``type`` values as expanded IRIs (what DCQL ``type_values`` holds, App. B.1.1)."""
    try:
        expanded = jsonld.expand({"@context": credential.get("@context"), "@type": credential.get("type")},
                                 {"documentLoader": _load})
    except jsonld.JsonLdError as exc:
        raise _failure(exc, "cannot expand the credential's types") from None
    types = expanded[0].get("@type", []) if expanded else []
    return [t for t in types if isinstance(t, str)]


def sign_eddsa_rdfc_2022(
    document: JsonObject,
    key: HolderKey,
    *,
    verification_method: str,
    proof_purpose: str = "authentication",
    challenge: str | None = None,
    domain: str | None = None,
    created: datetime | None = None,
) -> JsonObject:
    """``document`` with a ``DataIntegrityProof`` (``eddsa-rdfc-2022``) added. Raises ValueError."""
    if key.alg != "EdDSA":
        raise ValueError("eddsa-rdfc-2022 signs with an Ed25519 key")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    when = (created or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    options: JsonObject = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "created": when,
                           "verificationMethod": verification_method, "proofPurpose": proof_purpose}
    if challenge is not None:
        options["challenge"] = challenge
    if domain is not None:
        options["domain"] = domain
    config = options | {"@context": unsecured["@context"]}
    hash_data = (hashlib.sha256(_canonical(config).encode("utf-8")).digest()
                 + hashlib.sha256(_canonical(unsecured).encode("utf-8")).digest())
    return unsecured | {"proof": options | {"proofValue": "z" + base58btc_encode(key.sign(hash_data))}}


def proof_value_tampered(secured: JsonObject) -> JsonObject:
    """A copy whose (first) proof's ``proofValue`` has one signature bit flipped."""
    out = copy.deepcopy(secured)
    proof = out.get("proof")
    proof = proof[0] if isinstance(proof, list) and proof else proof
    value = proof.get("proofValue") if isinstance(proof, dict) else None
    if not isinstance(proof, dict) or not isinstance(value, str) or not value.startswith("z"):
        raise ValueError("the credential has no multibase proofValue to tamper with")
    raw = bytearray(base58btc_decode(value[1:]))
    raw[len(raw) // 2] ^= 0x01
    proof["proofValue"] = "z" + base58btc_encode(bytes(raw))
    return out
