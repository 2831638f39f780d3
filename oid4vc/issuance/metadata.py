"""Credential Issuer Metadata (OpenID4VCI 1.0 §12.2) and OAuth 2.0 Authorization Server Metadata
(RFC 8414 §2 with OpenID4VCI 1.0 §12.3).

- ``credential_issuer`` is identical to the identifier the metadata URL was built from (§12.2.2, §12.2.4);
- ``cryptographic_binding_methods_supported`` and ``proof_types_supported`` are present together (§12.2.4);
- ``nonce_endpoint`` is published because every configuration binds to a holder key (§7, HAIP §4.1);
- ``deferred_credential_endpoint`` (§9) and ``notification_endpoint`` (§11) are always published: any offer may
  require the issuer's approval, and every Credential Response carries a ``notification_id``;
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
from oid4vc.ler import achievement_claims, clr_claims, credential_display

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


def _display(config: CredentialConfigurationSettings, settings: Settings) -> list[JsonObject]:
    """``credential_metadata.display`` (§12.2.4): from the configuration's achievement when it has one (name,
    description, image), else from the configuration's own display settings."""
    if config.achievement is not None:
        return credential_display(config.achievement, locale=settings.issuer.locale,
                                  background_color=config.background_color, text_color=config.text_color)
    display: JsonObject = {
        "name": config.display_name or _DEFAULT_NAMES[config.credential_type],
        "locale": settings.issuer.locale,
    }
    if config.description:
        display["description"] = config.description
    logo = config.logo_uri or settings.issuer.image
    if logo:
        display["logo"] = {"uri": logo, "alt_text": config.display_name or settings.issuer.name}
    if config.background_color:
        display["background_color"] = config.background_color
    if config.text_color:
        display["text_color"] = config.text_color
    return [display]


def _claims(config: CredentialConfigurationSettings, fmt: CredentialFormat, locale: str) -> list[JsonObject] | None:
    """Claims descriptions (App. B.2) whose paths point into the credential as issued: W3C VCs whose credential is
    the document (ldp_vc) or the JWT claims set (jwt_vc_json ``ob3``). SD-JWT VC claims are described by the
    Type Metadata at the ``vct`` instead."""
    if fmt.format == "dc+sd-jwt" or (fmt.format == "jwt_vc_json" and config.jwt_profile == "vcdm11"):
        return None
    vcdm = fmt.vcdm(config)
    if config.credential_type == "ClrCredential":
        return clr_claims(locale=locale, vcdm=vcdm)
    return achievement_claims(locale=locale, vcdm=vcdm)


def _configuration(
    config_id: str, config: CredentialConfigurationSettings, fmt: CredentialFormat, settings: Settings
) -> JsonObject:
    credential_metadata: JsonObject = {"display": _display(config, settings)}
    claims = _claims(config, fmt, settings.issuer.locale)
    if claims:
        credential_metadata["claims"] = claims
    entry: JsonObject = {
        "format": fmt.format,
        "scope": config.scope or config_id,
        "cryptographic_binding_methods_supported": list(BINDING_METHODS),
        "credential_signing_alg_values_supported": fmt.signing_algs(config),
        "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": list(PROOF_SIGNING_ALGS)}},
        "credential_metadata": credential_metadata,
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
        "deferred_credential_endpoint": f"{base}/deferred_credential",
        "notification_endpoint": f"{base}/notification",
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
