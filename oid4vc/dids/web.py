"""did:web (W3C CCG did:web method): DID from an https origin, the DID Document we serve, and the resolution URL."""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit

from oid4vc.dids.key import multikey_from_jwk
from oid4vc.jose import JsonObject, Jwk, public_jwk

__all__ = ["did_document", "did_web_from_url", "did_web_url"]


def did_web_from_url(url: str) -> str:
    """``https://issuer.example:8443/tenant`` -> ``did:web:issuer.example%3A8443:tenant``."""
    parts = urlsplit(url)
    host = quote(parts.netloc, safe="")
    path = [p for p in parts.path.split("/") if p]
    return ":".join(["did:web", host, *path])


def did_web_url(did: str) -> str:
    """The https URL a resolver fetches for ``did`` (did:web §Read)."""
    if not did.startswith("did:web:"):
        raise ValueError("not a did:web")
    segments = did[len("did:web:"):].split("#")[0].split(":")
    host = unquote(segments[0])
    path = "/".join(segments[1:])
    return f"https://{host}/{path}/did.json" if path else f"https://{host}/.well-known/did.json"


def did_document(did: str, keys: list[tuple[str, Jwk]], *, assertion_kids: list[str]) -> JsonObject:
    """A DID Document listing every key (old ones stay resolvable after rotation).

    Ed25519 keys are published as ``Multikey`` (what eddsa-rdfc-2022 verifiers expect), the others as
    ``JsonWebKey``. ``keys`` holds (fragment, public JWK) pairs.
    """
    methods: list[JsonObject] = []
    for fragment, jwk in keys:
        method: JsonObject = {"id": f"{did}#{fragment}", "controller": did}
        if jwk.get("crv") == "Ed25519":
            method |= {"type": "Multikey", "publicKeyMultibase": multikey_from_jwk(jwk)}
        else:
            method |= {"type": "JsonWebKey", "publicKeyJwk": public_jwk(jwk)}
        methods.append(method)
    refs = [f"{did}#{kid}" for kid in assertion_kids]
    return {
        "@context": [
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/multikey/v1",
            "https://w3id.org/security/jwk/v1",
        ],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": refs,
        "authentication": refs,
    }
