"""Credential Issuer Metadata (OpenID4VCI 1.0 §12.2) and OAuth 2.0 Authorization Server Metadata
(RFC 8414 §2 with OpenID4VCI 1.0 §12.3).

- ``credential_issuer`` is identical to the identifier the metadata URL was built from (§12.2.2, §12.2.4);
- ``cryptographic_binding_methods_supported`` and ``proof_types_supported`` are present together (§12.2.4);
- ``nonce_endpoint`` is published because every configuration binds to a holder key (§7, HAIP §4.1);
- ``batch_credential_issuance.batch_size`` is >= 2 when present, and omitted otherwise (§12.2.4);
- the issuer is its own Authorization Server, so ``authorization_servers`` is omitted and the AS metadata
  ``issuer`` equals the Credential Issuer Identifier (RFC 8414 §3.3).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from oid4vc.config import CredentialConfigurationSettings, Settings
from oid4vc.formats.base import CredentialFormat
from oid4vc.jose import JsonObject

__all__ = [
    "PROOF_SIGNING_ALGS",
    "authorization_server_metadata",
    "credential_issuer_metadata",
    "well_known_path",
]

# Holder proof algorithms we verify (OpenID4VCI 1.0 App. F.1; HAIP §7 requires ES256).
PROOF_SIGNING_ALGS = ("ES256", "ES384", "EdDSA", "Ed25519")
BINDING_METHODS = ("jwk", "did:key", "did:jwk")
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"

_DEFAULT_NAMES = {"OpenBadgeCredential": "Open Badge", "ClrCredential": "Comprehensive Learner Record"}


def well_known_path(suffix: str, public_url: str) -> str:
    """Path-inserted well-known location (OpenID4VCI 1.0 §12.2.2, RFC 8414 §3.1)."""
    path = urlsplit(public_url).path.rstrip("/")
    return f"/.well-known/{suffix}{path}"


def _configuration(
    config_id: str, config: CredentialConfigurationSettings, fmt: CredentialFormat, settings: Settings
) -> JsonObject:
    display: JsonObject = {
        "name": config.display_name or _DEFAULT_NAMES[config.credential_type],
        "locale": settings.issuer.locale,
    }
    if config.description:
        display["description"] = config.description
    if settings.issuer.image:
        display["logo"] = {"uri": settings.issuer.image, "alt_text": settings.issuer.name}
    entry: JsonObject = {
        "format": fmt.format,
        "scope": config.scope or config_id,
        "cryptographic_binding_methods_supported": list(BINDING_METHODS),
        "credential_signing_alg_values_supported": fmt.signing_algs(config),
        "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": list(PROOF_SIGNING_ALGS)}},
        "credential_metadata": {"display": [display]},
    }
    return entry | fmt.configuration_metadata(config, public_url=settings.public_url)


def credential_issuer_metadata(settings: Settings, formats: Mapping[str, CredentialFormat]) -> JsonObject:
    base = settings.public_url
    issuer_display: JsonObject = {"name": settings.issuer.name, "locale": settings.issuer.locale}
    if settings.issuer.image:
        issuer_display["logo"] = {"uri": settings.issuer.image, "alt_text": settings.issuer.name}
    metadata: JsonObject = {
        "credential_issuer": base,
        "credential_endpoint": f"{base}/credential",
        "nonce_endpoint": f"{base}/nonce",
        "display": [issuer_display],
        "credential_configurations_supported": {
            config_id: _configuration(config_id, config, formats[config.format], settings)
            for config_id, config in settings.credential_configurations.items()
        },
    }
    if settings.issuance.batch_size >= 2:
        metadata["batch_credential_issuance"] = {"batch_size": settings.issuance.batch_size}
    return metadata


def authorization_server_metadata(settings: Settings) -> JsonObject:
    base = settings.public_url
    return {
        "issuer": base,
        "token_endpoint": f"{base}/token",
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "pre-authorized_grant_anonymous_access_supported": True,
        "token_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": sorted(
            {c.scope or cid for cid, c in settings.credential_configurations.items()}
        ),
    }
