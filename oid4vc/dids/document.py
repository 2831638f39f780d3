"""Finding a verification method's public key in a DID Document or controller document (DID Core §5.2,
Controller Documents §2.2: ``Multikey`` with ``publicKeyMultibase``, ``JsonWebKey`` / ``JsonWebKey2020`` with
``publicKeyJwk``, ``Ed25519VerificationKey2020`` with ``publicKeyMultibase``)."""

from __future__ import annotations

from typing import Any

from oid4vc.dids.key import jwk_from_multikey
from oid4vc.encoding import b58decode, b64url_encode
from oid4vc.jose import Jwk, is_private_jwk

__all__ = ["key_from_document"]


def _method_key(method: dict[str, Any]) -> Jwk:
    if isinstance(method.get("publicKeyJwk"), dict):
        jwk = dict(method["publicKeyJwk"])
        if is_private_jwk(jwk):
            raise ValueError("verification method publishes a private key")
        return jwk
    multibase = method.get("publicKeyMultibase")
    if isinstance(multibase, str):
        if method.get("type") == "Ed25519VerificationKey2020" and not multibase.startswith("z6Mk"):
            raise ValueError("unsupported Ed25519VerificationKey2020 encoding")
        return jwk_from_multikey(multibase)
    base58 = method.get("publicKeyBase58")  # Ed25519VerificationKey2018
    if isinstance(base58, str) and method.get("type") == "Ed25519VerificationKey2018":
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(b58decode(base58))}
    raise ValueError("verification method has no supported public key")


def key_from_document(document: object, method_id: str) -> Jwk:
    """The public JWK of ``method_id`` in ``document`` (a DID Document, a controller document, or the method
    itself). Relative ids (``#frag``) are resolved against the document ``id``. Raises ValueError."""
    if not isinstance(document, dict):
        raise ValueError("the document is not a JSON object")
    if document.get("id") == method_id and ("publicKeyJwk" in document or "publicKeyMultibase" in document):
        return _method_key(document)
    base = document.get("id", "")
    methods = document.get("verificationMethod", [])
    if not isinstance(methods, list):
        raise ValueError("verificationMethod must be a list")
    for method in methods:
        if not isinstance(method, dict):
            continue
        mid = method.get("id", "")
        if isinstance(mid, str) and (mid == method_id or (mid.startswith("#") and base + mid == method_id)):
            return _method_key(method)
    raise ValueError("the document does not list that verification method")
