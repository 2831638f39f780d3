"""Settings: one validated model read from TOML (STYLE rule 15).

Environment overrides follow one rule, applied here only: ``OID4VC_<SECTION>_<FIELD>`` (upper case) replaces a
scalar field of a section, e.g. ``OID4VC_ADMIN_TOKEN``, ``OID4VC_STORE_URL``, ``OID4VC_SERVER_PUBLIC_URL``.
Secrets (the admin token, database URLs with passwords) belong in the environment, not in the file.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from oid4vc.webhooks.retry import DEFAULT_SCHEDULE
from oid4vc.webhooks.signature import secret_key
from oid4vc.webhooks.targets import EVENT_FILTER, check_url, check_url_syntax

__all__ = [
    "AdminSettings",
    "ConfigError",
    "CredentialConfigurationSettings",
    "EventsSettings",
    "IssuanceSettings",
    "IssuerSettings",
    "ServerSettings",
    "Settings",
    "StatusSettings",
    "StoreSettings",
    "VerifierSettings",
    "WebhookSettings",
    "default_credential_configurations",
    "load_settings",
]

Format = Literal["jwt_vc_json", "ldp_vc", "dc+sd-jwt"]


class ConfigError(Exception):
    """The configuration file or environment is invalid; the message names the field."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    public_url: str | None = None  # default http://HOST:PORT
    data_dir: Path = Path("./oid4vc-data")
    dev_mode: bool = False  # allows http public URLs and private-address fetches
    tls_cert: Path | None = None
    tls_key: Path | None = None
    jsonld_workers: int = Field(default=2, ge=0, le=64)  # processes for JSON-LD canonicalization; 0 = inline
    log_format: Literal["text", "json"] = "text"  # json: one object per line with the request id
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, v: str | None) -> str | None:
        if v is not None:
            if not v.startswith(("https://", "http://")) or "?" in v or "#" in v:
                raise ValueError("public_url must be an http(s) URL without query or fragment")
            return v.rstrip("/")
        return v


class StoreSettings(_Section):
    url: str = ""  # empty: sqlite file in data_dir; "memory:" for an in-process store; "sqlite:///path"


class AdminSettings(_Section):
    token: str | None = None  # normally from OID4VC_ADMIN_TOKEN; else generated into data_dir on first start


class IssuerSettings(_Section):
    """The issuer Profile placed in every credential (Open Badges 3.0 Profile) and the metadata ``display``."""

    name: str = "oid4vc development issuer"
    url: str | None = None
    description: str | None = None
    image: str | None = None
    email: str | None = None
    locale: str = "en-US"
    did_method: Literal["key", "jwk", "web"] = "key"


class IssuanceSettings(_Section):
    offer_expires_in: int = Field(default=600, ge=30, le=30 * 24 * 3600)
    max_offer_expires_in: int = Field(default=30 * 24 * 3600, ge=60)
    access_token_expires_in: int = Field(default=300, ge=30, le=3600)
    c_nonce_expires_in: int = Field(default=300, ge=10, le=3600)
    tx_code_max_attempts: int = Field(default=5, ge=1, le=100)
    proof_max_age: int = Field(default=300, ge=10)  # seconds an `iat` may lie in the past
    proof_max_skew: int = Field(default=60, ge=0)  # seconds an `iat` may lie in the future
    batch_size: int = Field(default=10, ge=1, le=100)
    credential_valid_days: int | None = Field(default=None, ge=1)
    deferred_interval: int = Field(default=5, ge=1, le=3600)  # seconds a wallet waits between deferred polls (§9)
    deferred_expires_in: int = Field(default=30 * 24 * 3600, ge=60)  # how long a deferred transaction_id lives
    expired_offer_retention: int = Field(default=7 * 24 * 3600, ge=0)  # seconds an expired offer stays visible


class StatusSettings(_Section):
    """Credential status lists: W3C Bitstring Status List v1.0 (ldp_vc, jwt_vc_json) and IETF Token Status List
    (dc+sd-jwt). Every issued credential gets a random, never reused entry in a list of ``list_size`` entries."""

    enabled: bool = True
    list_size: int = Field(default=131_072, ge=131_072, le=1 << 24)  # Bitstring Status List §6.1: >= 131,072
    ttl: int = Field(default=300, ge=10, le=86400)  # seconds caches and verifiers may keep a list
    validity: int = Field(default=86400, ge=600, le=30 * 86400)  # validUntil / exp of each signed list
    # counters a server process takes from the store at a time (one store write per block instead of one per
    # credential); a restart skips the ones it did not use, which then stay unused, like decoys
    allocation_block: int = Field(default=16, ge=1, le=1024)


class VerifierSettings(_Section):
    """The OpenID4VP 1.0 Verifier (``POST /admin/presentations``)."""

    # decentralized_identifier: client_id = the verifier DID (the issuer's ES256 key); x509_san_dns / x509_hash:
    # the certificate below (a self-signed development certificate for the public URL's host when unset);
    # redirect_uri: unsigned requests passed by value
    client_id_prefix: Literal["decentralized_identifier", "x509_san_dns", "x509_hash", "redirect_uri"] = (
        "decentralized_identifier"
    )
    response_mode: Literal["direct_post", "direct_post.jwt"] = "direct_post.jwt"
    request_expires_in: int = Field(default=300, ge=30, le=86400)
    x509_cert: Path | None = None  # PEM chain, leaf first (P-256)
    x509_key: Path | None = None
    trusted_issuers: list[str] | None = None  # issuer DIDs / did:web prefixes; None = no trust list (check skipped)
    redirect_uri_template: str | None = None  # same-device: "https://hr.example/done?response_code={response_code}"
    kb_jwt_max_age: int = Field(default=300, ge=10)

    @model_validator(mode="after")
    def _pair(self) -> VerifierSettings:
        if (self.x509_cert is None) != (self.x509_key is None):
            raise ValueError("x509_cert and x509_key go together")
        return self


class CredentialConfigurationSettings(_Section):
    """One entry of ``credential_configurations_supported`` (OpenID4VCI 1.0 §12.2.4)."""

    format: Format
    credential_type: Literal["OpenBadgeCredential", "ClrCredential"] = "OpenBadgeCredential"
    # jwt_vc_json payload shape: "ob3" = the credential is the JWT claims set (OB 3.0 VC-JWT), "vcdm11" = `vc` claim
    jwt_profile: Literal["ob3", "vcdm11"] = "ob3"
    # ldp_vc suite: eddsa-rdfc-2022 (VCDM 2.0) or Ed25519Signature2020 (VCDM 1.1, older wallets)
    ldp_suite: Literal["eddsa-rdfc-2022", "Ed25519Signature2020"] = "eddsa-rdfc-2022"
    scope: str | None = None
    vct: str | None = None  # dc+sd-jwt; default <public_url>/vct/<credential_type>
    selectively_disclosable: list[list[str | int | None]] = Field(default_factory=list)
    display_name: str | None = None
    description: str | None = None
    logo_uri: str | None = None
    background_color: str | None = None
    text_color: str | None = None
    # When a configuration always issues one achievement, its display (name, description, image) comes from it.
    achievement: dict[str, Any] | None = None
    deferred: bool = False  # every offer of this configuration waits for POST /admin/offers/{id}/approve (§9)

    @model_validator(mode="after")
    def _format_options(self) -> CredentialConfigurationSettings:
        if self.vct is not None and self.format != "dc+sd-jwt":
            raise ValueError("vct applies to dc+sd-jwt only")
        if self.credential_type == "ClrCredential" and (
            self.format == "dc+sd-jwt" or self.ldp_suite != "eddsa-rdfc-2022"
        ):
            raise ValueError("a ClrCredential is issued as ldp_vc (eddsa-rdfc-2022) or jwt_vc_json")
        return self


class EventsSettings(_Section):
    """The event outbox, webhook delivery and the admin event stream (docs/events.md). The outbox is on when a
    ``[[webhooks]]`` entry exists or ``outbox = true``; then every event is stored before the request that produced it
    is answered. Off, no event touches the store (the admin stream is then live only)."""

    outbox: bool = False  # store events even without [[webhooks]]: Last-Event-ID resume, per-offer webhooks
    retention: int = Field(default=7 * 24 * 3600, ge=3600)  # seconds an event is kept once its deliveries are done
    retry_schedule: tuple[float, ...] = Field(default=DEFAULT_SCHEDULE, min_length=1, max_length=20)
    timeout: float = Field(default=10.0, gt=0, le=60)  # seconds a receiver has to answer
    concurrency: int = Field(default=16, ge=1, le=256)  # deliveries in flight per process
    poll_interval: float = Field(default=1.0, gt=0, le=60)  # seconds between looks for due deliveries

    @field_validator("retry_schedule")
    @classmethod
    def _delays(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if any(not 0 <= d <= 7 * 86400 for d in v):
            raise ValueError("retry delays are seconds between 0 and 604800")
        return v


class WebhookSettings(_Section):
    """One configured webhook receiver (a ``[[webhooks]]`` table): every event whose type matches ``events``."""

    url: str
    secret: str | None = Field(default=None, repr=False)  # or secret_env: the name of an environment variable
    secret_env: str | None = None
    events: list[str] = Field(default_factory=list)  # "credential.issued", "credential.*", "*"; empty = every event
    id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")  # names its deliveries; default from url

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return check_url_syntax(v)

    @field_validator("events")
    @classmethod
    def _filters(cls, v: list[str]) -> list[str]:
        bad = [f for f in v if not EVENT_FILTER.match(f)]
        if bad:
            raise ValueError("events: each is an event type, a prefix ending in .*, or *")
        return v

    @model_validator(mode="after")
    def _secret(self) -> WebhookSettings:
        if self.secret is None:
            named = f"set secret, or the environment variable {self.secret_env}"
            raise ValueError(named if self.secret_env else "secret is required")
        secret_key(self.secret)
        return self

    @property
    def target_id(self) -> str:
        """Stable across restarts while the URL stays (pending deliveries follow it)."""
        return self.id or "cfg-" + hashlib.sha256(self.url.encode()).hexdigest()[:16]


def default_credential_configurations() -> dict[str, CredentialConfigurationSettings]:
    """The dev default: an Open Badge in the formats this build can sign."""
    return {
        "OpenBadgeCredential_jwt_vc_json": CredentialConfigurationSettings(
            format="jwt_vc_json", jwt_profile="ob3", scope="OpenBadgeCredential_jwt_vc_json"
        ),
        "OpenBadgeCredential_jwt_vc_json_vcdm11": CredentialConfigurationSettings(
            format="jwt_vc_json", jwt_profile="vcdm11", scope="OpenBadgeCredential_jwt_vc_json_vcdm11"
        ),
        "OpenBadgeCredential_ldp_vc": CredentialConfigurationSettings(
            format="ldp_vc", ldp_suite="eddsa-rdfc-2022", scope="OpenBadgeCredential_ldp_vc"
        ),
        "OpenBadgeCredential_dc_sd_jwt": CredentialConfigurationSettings(
            format="dc+sd-jwt", scope="OpenBadgeCredential_dc_sd_jwt"
        ),
        "ClrCredential_ldp_vc": CredentialConfigurationSettings(
            format="ldp_vc", credential_type="ClrCredential", scope="ClrCredential_ldp_vc"
        ),
        "ClrCredential_jwt_vc_json": CredentialConfigurationSettings(
            format="jwt_vc_json", credential_type="ClrCredential", scope="ClrCredential_jwt_vc_json"
        ),
        "OpenBadgeCredential_ldp_vc_Ed25519Signature2020": CredentialConfigurationSettings(
            format="ldp_vc", ldp_suite="Ed25519Signature2020", scope="OpenBadgeCredential_ldp_vc_Ed25519Signature2020"
        ),
    }


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    server: ServerSettings = ServerSettings()
    store: StoreSettings = StoreSettings()
    admin: AdminSettings = AdminSettings()
    issuer: IssuerSettings = IssuerSettings()
    issuance: IssuanceSettings = IssuanceSettings()
    status: StatusSettings = StatusSettings()
    verifier: VerifierSettings = VerifierSettings()
    events: EventsSettings = EventsSettings()
    webhooks: list[WebhookSettings] = Field(default_factory=list)
    credential_configurations: dict[str, CredentialConfigurationSettings] = Field(
        default_factory=default_credential_configurations
    )

    @property
    def public_url(self) -> str:
        return self.server.public_url or f"http://{self.server.host}:{self.server.port}"

    @property
    def outbox_enabled(self) -> bool:
        return self.events.outbox or bool(self.webhooks)

    @model_validator(mode="after")
    def _checks(self) -> Settings:
        if not self.credential_configurations:
            raise ValueError("at least one credential configuration is required")
        for hook in self.webhooks:
            check_url(hook.url, allow_http=self.server.dev_mode)
        if len({hook.target_id for hook in self.webhooks}) != len(self.webhooks):
            raise ValueError("webhooks: two entries have the same id (or url)")
        url = self.server.public_url
        if url and url.startswith("http://") and not self.server.dev_mode:
            raise ValueError("server.public_url must be https unless server.dev_mode = true (OpenID4VCI 1.0 §12.2.1)")
        return self


def _env_overrides(data: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in data.items()}
    for section, model in Settings.model_fields.items():
        annotation = model.annotation
        if not (isinstance(annotation, type) and issubclass(annotation, _Section)):
            continue
        for field_name in annotation.model_fields:
            value = environ.get(f"OID4VC_{section}_{field_name}".upper())
            if value is not None:
                out.setdefault(section, {})[field_name] = value
    return out


def _webhook_secrets(data: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """Each ``[[webhooks]]`` entry's ``secret_env`` names the environment variable holding its secret."""
    hooks = data.get("webhooks")
    if not isinstance(hooks, list):
        return data
    resolved: list[Any] = []
    for hook in hooks:
        if isinstance(hook, dict) and hook.get("secret_env") is not None:
            if hook.get("secret") is not None:
                raise ConfigError("webhooks: give secret or secret_env, not both")
            value = environ.get(str(hook["secret_env"]))
            hook = {**hook, "secret": value} if value else hook
        resolved.append(hook)
    return {**data, "webhooks": resolved}


def load_settings(
    path: str | Path | None = None,
    *,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read ``path`` (TOML) if given, apply env overrides, then ``overrides`` (CLI flags), and validate."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from exc
    env = os.environ if environ is None else environ
    data = _env_overrides(data, env)
    data = _webhook_secrets(data, env)
    for section, values in (overrides or {}).items():
        data.setdefault(section, {}).update({k: v for k, v in values.items() if v is not None})
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:10])
        raise ConfigError(problems) from None
