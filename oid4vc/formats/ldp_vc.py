"""Data Integrity proofs for ``ldp_vc`` (VC Data Integrity 1.0 #add-proof, #verify-proof,
#securing-data-losslessly; vc-di-eddsa 1.0 #eddsa-rdfc-2022 and, legacy, #the-ed25519signature2020-suite).

The only module that imports pyld. JSON-LD contexts come from the bundled ``contexts/`` folder through a
static allow-listed document loader (never the network); every pyld call gets that loader and ``URDNA2015``
(= RDFC-1.0). The loader answers with ``"tag": "static"`` so pyld keeps resolved contexts across calls.

Safe mode (#securing-data-losslessly: an implementation MUST throw when a JSON-LD processor drops data, and
MUST use a null base URL): expansion must not drop a property (an undefined term; VC v2 has no ``@vocab``)
and must not leave a relative IRI (an ``id`` or ``type`` value no context defines). pyld reports the first
through ``on_property_dropped``; relative IRIs are resolved against a reserved ``.invalid`` base and refused
when they show up in the output, which for every accepted document is the same as a null base. Both raise
``DataIntegrityError`` with reason ``dropped_term``, on signing and on verification.

``hash_data`` is the CPU-heavy part (2-50 ms, holds the GIL): a picklable top-level function meant to run in a
``ProcessPoolExecutor``. ``add_proof``/``verify_proof`` run it there and keep keys in the calling process.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import re
from collections.abc import Awaitable, Callable, Collection
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, Literal

from pyld import jsonld

from oid4vc.crypto.base import RawSigner, RawVerifier, SignatureError
from oid4vc.encoding import multibase_decode, multibase_encode
from oid4vc.errors import safe_description
from oid4vc.jose import JsonObject, Jwk

__all__ = [
    "LEGACY_CRYPTOSUITES",
    "SIGNING_CRYPTOSUITES",
    "DataIntegrityError",
    "Reason",
    "VerifiedDataIntegrity",
    "add_proof",
    "canonicalize",
    "hash_data",
    "known_context_urls",
    "prime_context_cache",
    "verify_proof",
]

Reason = Literal[
    "malformed_proof",
    "unknown_cryptosuite",
    "invalid_proof_value",
    "proof_purpose",
    "challenge",
    "domain",
    "expired",
    "dropped_term",
    "jsonld",
    "unresolvable_key",
    "key_type",
    "signature",
]

# ``cryptosuite`` argument values for add_proof. "Ed25519Signature2020" names the legacy proof *type*
# (it has no cryptosuite property); it needs the https://w3id.org/security/suites/ed25519-2020/v1 context.
SIGNING_CRYPTOSUITES = ("eddsa-rdfc-2022", "Ed25519Signature2020")
# Accepted on verification only (1EdTech's validator reports them as warnings): eddsa-2022 is the
# pre-2023 draft name of eddsa-rdfc-2022, with the same algorithm.
LEGACY_CRYPTOSUITES = ("eddsa-2022", "Ed25519Signature2020")

_DI_PROOF = "DataIntegrityProof"
_DI_CRYPTOSUITES = frozenset({"eddsa-rdfc-2022", "eddsa-2022"})
_ED25519_2020 = "Ed25519Signature2020"
# Relative IRIs are resolved against this base so they can be found in the output: ".invalid" is reserved
# (RFC 2606 §2), so no real credential uses it.
_RELATIVE_BASE = "https://relative-iri.invalid/"
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_SIGNATURE_LENGTH = 64


class DataIntegrityError(Exception):
    """A Data Integrity proof could not be created or did not verify.

    ``str(exc)``/``message`` is public and safe to show (printable ASCII); ``reason`` is a short machine code;
    ``detail`` is for logs only. Picklable, so it crosses a ``ProcessPoolExecutor`` intact.
    """

    def __init__(self, message: str, reason: Reason = "malformed_proof", detail: str = "") -> None:
        self.message = safe_description(message)
        self.reason: Reason = reason
        self.detail = detail
        super().__init__(self.message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.reason, self.detail))


@dataclass(frozen=True, slots=True)
class VerifiedDataIntegrity:
    """A proof that verified (the verification result of VC Data Integrity 1.0 #verify-proof)."""

    proof_type: str
    cryptosuite: str  # the proof type for Ed25519Signature2020, which has no cryptosuite property
    verification_method: str
    proof_purpose: str
    created: str | None
    public_jwk: Jwk
    legacy: bool  # eddsa-2022 or Ed25519Signature2020: verifies, but is not what 1EdTech certifies


# --- static document loader -------------------------------------------------------------------------------


@functools.cache
def _context_index() -> dict[str, str]:
    index: dict[str, str] = json.loads(_contexts_dir().joinpath("index.json").read_text("utf-8"))
    return index


def _contexts_dir() -> Traversable:
    return resources.files("oid4vc.formats").joinpath("contexts")


def known_context_urls() -> frozenset[str]:
    """The JSON-LD context URLs the loader serves (everything else is refused)."""
    return frozenset(_context_index())


def _load_document(url: str, options: object = None) -> JsonObject:
    """pyld document loader: bundled contexts only, never the network (VC Data Integrity 1.0
    #network-requests, #context-validation)."""
    filename = _context_index().get(url)
    if filename is None:
        raise DataIntegrityError(f"JSON-LD context is not allowed: {url[:200]}", "jsonld")
    # A fresh parse per call: pyld may rewrite the document it gets, and with the tag it asks once per URL.
    document = json.loads(_contexts_dir().joinpath(filename).read_text("utf-8"))
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": document,
        "tag": "static",
    }


def prime_context_cache() -> tuple[str, ...]:
    """Resolve every bundled context once (e.g. as a ``ProcessPoolExecutor`` initializer).

    Returns the URLs that cannot be resolved on their own (credentials/examples/v1 imports ODRL, which is not
    bundled); documents using them fail with reason ``jsonld``.
    """
    failed = []
    for url in sorted(_context_index()):
        try:
            jsonld.expand({"@context": url}, {"documentLoader": _load_document})
        except Exception:  # reported to the caller, not swallowed
            failed.append(url)
    return tuple(failed)


# --- canonicalization (RDFC-1.0 = URDNA2015) --------------------------------------------------------------


def _raise_dropped(expanded_property: str | None) -> None:
    name = expanded_property if expanded_property is not None else "(a term mapped to null)"
    raise DataIntegrityError(f"JSON-LD expansion would drop the term {name[:100]}", "dropped_term")


def canonicalize(document: JsonObject) -> str:
    """RDFC-1.0 canonical N-Quads of ``document``, in safe mode (raises on dropped terms or relative IRIs)."""
    if not isinstance(document, dict) or "@context" not in document:
        raise DataIntegrityError("document must be a JSON object with an @context", "jsonld")
    processor = jsonld.JsonLdProcessor(on_property_dropped=_raise_dropped)
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": _load_document,
        "base": _RELATIVE_BASE,
    }
    try:
        nquads: str = processor.normalize(document, options)
    except DataIntegrityError:
        raise
    except Exception as exc:  # pyld raises JsonLdError, and assorted errors on hostile input
        raise _from_jsonld_error(exc) from None
    start = nquads.find("<" + _RELATIVE_BASE)
    if start >= 0:
        iri = nquads[start + 1 + len(_RELATIVE_BASE) : nquads.find(">", start)]
        raise DataIntegrityError(f"JSON-LD expansion leaves the relative IRI {iri[:100]}", "dropped_term")
    return nquads


def _from_jsonld_error(exc: BaseException) -> DataIntegrityError:
    """The first DataIntegrityError in the cause chain (our loader or drop hook), else a generic one."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, DataIntegrityError):
            return cause
        cause = cause.__cause__ or cause.__context__
    # pyld's own message only: its details can quote the document, which is not for logs
    message = exc.args[0] if exc.args and isinstance(exc.args[0], str) else ""
    detail = f"{type(exc).__name__} {getattr(exc, 'type', '')} {getattr(exc, 'code', '')}: {message}"
    return DataIntegrityError("JSON-LD processing failed", "jsonld", detail=detail[:500])


# --- the cryptosuite ----------------------------------------------------------------------------------------


def _suite_of(proof: JsonObject) -> str:
    """The cryptosuite (or legacy proof type) of a proof or proof options; raises for anything else."""
    proof_type = proof.get("type")
    if proof_type == _DI_PROOF and proof.get("cryptosuite") in _DI_CRYPTOSUITES:
        return str(proof["cryptosuite"])
    if proof_type == _ED25519_2020:  # its cryptosuite property is optional (MAY)
        return _ED25519_2020
    raise DataIntegrityError("unsupported proof type or cryptosuite", "unknown_cryptosuite")


def hash_data(document: JsonObject, proof_options: JsonObject) -> bytes:
    """sha256(canon(proofConfig)) || sha256(canon(unsecuredDocument)) (vc-di-eddsa 1.0
    #hashing-eddsa-rdfc-2022; the same for Ed25519Signature2020).

    ``proof_options`` is the proof without ``proofValue``; the proof configuration takes the document's
    ``@context`` (#proof-configuration-eddsa-rdfc-2022 step 4). Any ``proof`` on ``document`` is left out.
    Picklable and synchronous: run it in a process pool.
    """
    _suite_of(proof_options)
    created = proof_options.get("created")
    if created is not None and not (isinstance(created, str) and _DATETIME.match(created)):
        # #proof-configuration-eddsa-rdfc-2022 step 3
        raise DataIntegrityError("proof created is not an XML Schema dateTimeStamp")
    if not isinstance(document, dict) or "@context" not in document:
        raise DataIntegrityError("document must be a JSON object with an @context", "jsonld")
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    config = {key: value for key, value in proof_options.items() if key not in ("proofValue", "@context")}
    config["@context"] = document["@context"]
    proof_hash = hashlib.sha256(canonicalize(config).encode("utf-8")).digest()
    document_hash = hashlib.sha256(canonicalize(unsecured).encode("utf-8")).digest()
    return proof_hash + document_hash


async def _hash_data(executor: Executor | None, document: JsonObject, options: JsonObject) -> bytes:
    if executor is None:
        return hash_data(document, options)
    return await asyncio.get_running_loop().run_in_executor(executor, hash_data, document, options)


def _require_ed25519(jwk: Jwk) -> None:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise DataIntegrityError("the verification method key is not an Ed25519 key", "key_type")


async def add_proof(
    document: JsonObject,
    *,
    signer: RawSigner,
    verification_method: str,
    created: str,
    executor: Executor | None,
    cryptosuite: str = "eddsa-rdfc-2022",
    proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    proof_as_array: bool = False,
) -> JsonObject:
    """A new dict: ``document`` plus a Data Integrity ``proof`` (VC Data Integrity 1.0 #add-proof).

    ``cryptosuite`` is one of ``SIGNING_CRYPTOSUITES``. ``created`` is an XML Schema dateTimeStamp.
    ``executor`` None hashes inline (tests); pass a process pool in a server.
    """
    if "proof" in document:
        raise DataIntegrityError("document already has a proof (proof sets are not supported)")
    if cryptosuite not in SIGNING_CRYPTOSUITES:
        raise DataIntegrityError("unsupported cryptosuite for signing", "unknown_cryptosuite")
    if not _DATETIME.match(created):
        raise DataIntegrityError("created must be an XML Schema dateTimeStamp")
    _require_ed25519(signer.public_jwk)
    options: JsonObject = (
        {"type": _DI_PROOF, "cryptosuite": cryptosuite} if cryptosuite != _ED25519_2020 else {"type": _ED25519_2020}
    )
    options |= {"created": created, "verificationMethod": verification_method, "proofPurpose": proof_purpose}
    if challenge is not None:
        options["challenge"] = challenge
    if domain is not None:
        options["domain"] = domain
    data = await _hash_data(executor, document, options)
    proof = options | {"proofValue": multibase_encode(signer.sign_bytes(data))}
    return document | {"proof": [proof] if proof_as_array else proof}


def _single_proof(document: JsonObject) -> JsonObject:
    proof = document.get("proof") if isinstance(document, dict) else None
    if isinstance(proof, list):
        if len(proof) != 1:
            raise DataIntegrityError("exactly one proof is supported")
        proof = proof[0]
    if not isinstance(proof, dict):
        raise DataIntegrityError("the document has no proof object")
    return proof


def _signature_of(proof: JsonObject) -> bytes:
    # vc-di-eddsa 1.0 #verify-proof-eddsa-rdfc-2022 step 3: base58btc multibase of the 64-byte signature.
    value = proof.get("proofValue")
    try:
        signature = multibase_decode(value) if isinstance(value, str) else b""
    except ValueError:
        signature = b""
    if len(signature) != _SIGNATURE_LENGTH:
        raise DataIntegrityError("proofValue is not a base58btc multibase Ed25519 signature", "invalid_proof_value")
    return signature


def _string_set(value: object) -> frozenset[str] | None:
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(value, list | tuple | set | frozenset) and all(isinstance(item, str) for item in value):
        return frozenset(value)
    return None


def _check_options(
    proof: JsonObject,
    *,
    expected_purpose: str,
    challenge: str | None,
    domain: str | Collection[str] | None,
    now: datetime | None,
) -> None:
    """VC Data Integrity 1.0 #verify-proof steps 3-6 (members, purpose, domain, challenge) and the proof's
    ``expires`` (#proofs)."""
    for member in ("verificationMethod", "proofPurpose"):  # type was checked by _suite_of
        if not isinstance(proof.get(member), str):
            raise DataIntegrityError(f"proof {member} is missing")
    if proof["proofPurpose"] != expected_purpose:
        raise DataIntegrityError(f"proofPurpose must be {expected_purpose}", "proof_purpose")
    # A proof's own @context is not checked: the proof configuration always takes the document's
    # (#proof-configuration-eddsa-rdfc-2022 step 4), so it is never signed or used.
    if domain is not None and _string_set(proof.get("domain")) != _string_set(domain):
        # "does not contain the same strings as proof.domain (treating a single string as a set)"
        raise DataIntegrityError("proof domain does not match", "domain")
    if challenge is not None and proof.get("challenge") != challenge:
        raise DataIntegrityError("proof challenge does not match", "challenge")
    expires = proof.get("expires")
    if now is not None and expires is not None:
        try:
            expired = datetime.fromisoformat(str(expires)) <= now
        except (ValueError, TypeError):  # TypeError: no time zone offset
            raise DataIntegrityError("proof expires is not a dateTimeStamp") from None
        if expired:
            raise DataIntegrityError("proof has expired", "expired")


async def verify_proof(
    document: JsonObject,
    *,
    resolve_key: Callable[[str], Awaitable[Jwk]],
    verifier: RawVerifier,
    executor: Executor | None,
    expected_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | Collection[str] | None = None,
    now: datetime | None = None,
) -> VerifiedDataIntegrity:
    """Verify the one proof of ``document`` (VC Data Integrity 1.0 #verify-proof; vc-di-eddsa 1.0
    #verify-proof-eddsa-rdfc-2022). A ``proof`` array must hold exactly one proof (no proof sets or chains).

    ``resolve_key`` maps the proof's verificationMethod to a public JWK (did:key offline, https through a
    fetcher); ``challenge``/``domain`` are checked when given (presentations); ``expires`` is checked when
    ``now`` is given.
    Raises ``DataIntegrityError``.
    """
    proof = _single_proof(document)
    suite = _suite_of(proof)
    signature = _signature_of(proof)
    _check_options(proof, expected_purpose=expected_purpose, challenge=challenge, domain=domain, now=now)
    verification_method: str = proof["verificationMethod"]
    try:
        jwk = await resolve_key(verification_method)
    except DataIntegrityError:
        raise
    except Exception as exc:  # an injected resolver: whatever it raises means "no key"
        raise DataIntegrityError(
            "the verification method could not be resolved",
            "unresolvable_key",
            detail=f"{type(exc).__name__}: {exc}"[:2000],
        ) from exc
    _require_ed25519(jwk)
    options = {key: value for key, value in proof.items() if key != "proofValue"}
    data = await _hash_data(executor, document, options)
    try:
        verifier.verify_bytes(data, signature, jwk=jwk)
    except SignatureError as exc:
        raise DataIntegrityError("the proof signature does not verify", "signature", detail=str(exc)) from exc
    created = proof.get("created")
    return VerifiedDataIntegrity(
        proof_type=str(proof["type"]),
        cryptosuite=suite,
        verification_method=verification_method,
        proof_purpose=str(proof["proofPurpose"]),
        created=created if isinstance(created, str) else None,
        public_jwk=jwk,
        legacy=suite in LEGACY_CRYPTOSUITES,
    )
