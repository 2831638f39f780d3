"""The wallet side of a run: discovery, offers, tokens, nonces and credential requests, with results cached so
checks can share preconditions.

Checks ask the context for what they need (``await ctx.metadata()``, ``await ctx.fresh_token()``,
``await ctx.issuance(config_id)``). When a precondition cannot be met the helper raises :class:`Skip` naming it,
and the cached failure is reused, so one broken endpoint shows up as one failing check plus skips that say why.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import aiohttp

from conformance.suite.credentials import SUPPORTED_FORMATS
from conformance.suite.flow import (
    Issuance,
    IssuerOptions,
    Redemption,
    ResolvedOffer,
    credential_identifiers,
    well_known_url,
)
from conformance.suite.http import HttpClient, HttpResponse
from conformance.suite.model import CheckFailed, Skip
from conformance.suite.offers import PRE_AUTHORIZED_GRANT, ObtainedOffer, OfferSource, OfferWanted, parse_offer_link
from conformance.suite.wallet import HolderKey, KeyForm, proof_jwt

__all__ = [
    "Issuance",
    "IssuerOptions",
    "Redemption",
    "ResolvedOffer",
    "SuiteContext",
    "random_value",
    "well_known_url",
]

JsonObject = dict[str, Any]
T = TypeVar("T")
W3C_FORMATS = ("jwt_vc_json", "jwt_vc_json-ld", "ldp_vc")
SUITE_ALGS = ("ES256", "EdDSA", "Ed25519")


@dataclass(slots=True)
class _State:
    cache: dict[str, Any] = field(default_factory=dict)
    # credential_identifiers per access token and configuration, from token responses (§6.2)
    identifiers: dict[str, dict[str, list[str]]] = field(default_factory=dict)


_SUPPLIED: Any = object()


@dataclass(frozen=True, slots=True)
class SuiteContext:
    options: IssuerOptions
    http: HttpClient
    offers: OfferSource
    state: _State = field(default_factory=_State)
    config_under_test: str | None = None  # set for per-configuration checks

    def for_configuration(self, config_id: str) -> SuiteContext:
        return replace(self, config_under_test=config_id)

    async def once(self, key: str, factory: Callable[[], Awaitable[T]]) -> T:
        """``factory()`` the first time, the cached value (or the cached Skip) afterwards."""
        cache = self.state.cache
        if key not in cache:
            try:
                cache[key] = await factory()
            except Skip as exc:
                cache[key] = exc
            except (aiohttp.ClientError, TimeoutError) as exc:
                cache[key] = Skip(f"a request this check depends on failed: {type(exc).__name__}: {exc}")
                raise  # the first caller fails with it; later ones skip
        value = cache[key]
        if isinstance(value, Skip):
            raise Skip(str(value))
        return cast(T, value)

    # -- discovery ------------------------------------------------------------------------------------------

    @property
    def issuer_id(self) -> str:
        return self.options.issuer_id

    def url_problem(self, url: Any, name: str, *, reveal: bool = True) -> tuple[bool, str] | None:
        """None if ``url`` is an absolute https URL; else (is_fatal, message). http is not fatal with
        ``--allow-http``. ``reveal=False`` keeps capability URLs out of the message."""
        if not isinstance(url, str) or not url:
            return True, f"{name} is not a URL string"
        parts = urlsplit(url)
        shown = f" ({url})" if reveal else ""
        if parts.scheme == "https" and parts.netloc:
            return None
        if parts.scheme == "http" and parts.netloc:
            return (not self.options.allow_http), f"{name} uses http{shown}"
        return True, f"{name} is not an absolute https URL{shown}"

    async def metadata_response(self) -> HttpResponse:
        async def fetch() -> HttpResponse:
            url = well_known_url(self.issuer_id, "openid-credential-issuer")
            return await self.http.get(url, headers={"Accept": "application/json"})

        return await self.once("metadata_response", fetch)

    async def metadata(self) -> JsonObject:
        async def parse() -> JsonObject:
            resp = await self.metadata_response()
            body = resp.json_object()
            if resp.status != 200 or body is None:
                raise Skip(f"needs the Credential Issuer Metadata (GET answered HTTP {resp.status})")
            return body

        return await self.once("metadata", parse)

    async def configurations(self) -> dict[str, JsonObject]:
        configs = (await self.metadata()).get("credential_configurations_supported")
        if not isinstance(configs, dict) or not configs:
            raise Skip("needs credential_configurations_supported in the metadata")
        return {k: v for k, v in configs.items() if isinstance(v, dict)}

    async def primary_config_id(self) -> str:
        async def choose() -> str:
            configs = await self.configurations()
            if self.options.config_ids:
                wanted = self.options.config_ids[0]
                if wanted not in configs:
                    raise Skip(f"--config-id {wanted} is not in credential_configurations_supported")
                return wanted
            for cid, conf in configs.items():
                if conf.get("format") in SUPPORTED_FORMATS and "jwt" in (conf.get("proof_types_supported") or {}):
                    return cid
            for cid, conf in configs.items():
                if conf.get("format") in SUPPORTED_FORMATS:
                    return cid
            return next(iter(configs))

        return await self.once("primary_config_id", choose)

    async def config_id(self) -> str:
        """The configuration a check works on: its own for per-configuration checks, else the primary one."""
        return self.config_under_test or await self.primary_config_id()

    async def config(self, config_id: str | None = None) -> JsonObject:
        cid = config_id or await self.config_id()
        configs = await self.configurations()
        if cid not in configs:
            raise Skip(f"credential configuration {cid} is not in the metadata")
        return configs[cid]

    async def credential_types(self, config_id: str) -> tuple[str, ...]:
        """What a configuration issues: ``credential_definition.type`` (W3C formats) or ``vct`` / ``doctype``."""
        conf = (await self.configurations()).get(config_id, {})
        definition = conf.get("credential_definition")
        types = definition.get("type") if isinstance(definition, dict) else None
        named = [t for t in types if isinstance(t, str)] if isinstance(types, list) else []
        named += [conf[k] for k in ("vct", "doctype") if isinstance(conf.get(k), str)]
        return tuple(named)

    async def configurations_under_test(self) -> list[str]:
        configs = await self.configurations()
        primary = await self.primary_config_id()
        if self.options.config_ids:
            return [c for c in self.options.config_ids if c in configs] or [primary]
        if not self.offers.unlimited:
            return [primary]
        others = [c for c, conf in configs.items() if c != primary and conf.get("format") in SUPPORTED_FORMATS]
        return [primary, *others]

    async def as_metadata_response(self) -> HttpResponse:
        """RFC 8414 metadata of the Authorization Server (the first of ``authorization_servers``, else the issuer;
        OpenID4VCI 1.0 §12.2.4); falls back to OpenID Connect Discovery when the RFC 8414 location is 404."""

        async def fetch() -> HttpResponse:
            resp = await self.http.get(well_known_url(await self.authorization_server(), "oauth-authorization-server"))
            if resp.status == 404:
                alt = (await self.authorization_server()).rstrip("/") + "/.well-known/openid-configuration"
                fallback = await self.http.get(alt)
                if fallback.status == 200:
                    return fallback
            return resp

        return await self.once("as_metadata_response", fetch)

    async def authorization_server(self) -> str:
        servers = (await self.metadata()).get("authorization_servers")
        if isinstance(servers, list) and servers and isinstance(servers[0], str):
            return servers[0]
        return self.issuer_id

    async def as_metadata(self) -> JsonObject:
        async def parse() -> JsonObject:
            resp = await self.as_metadata_response()
            body = resp.json_object()
            if resp.status != 200 or body is None:
                raise Skip(f"needs the Authorization Server Metadata (GET answered HTTP {resp.status})")
            return body

        return await self.once("as_metadata", parse)

    async def token_endpoint(self) -> str:
        endpoint = (await self.as_metadata()).get("token_endpoint")
        if not isinstance(endpoint, str) or not endpoint:
            raise Skip("needs token_endpoint in the Authorization Server Metadata")
        return endpoint

    async def credential_endpoint(self) -> str:
        endpoint = (await self.metadata()).get("credential_endpoint")
        if not isinstance(endpoint, str) or not endpoint:
            raise Skip("needs credential_endpoint in the Credential Issuer Metadata")
        return endpoint

    async def nonce_endpoint(self) -> str | None:
        endpoint = (await self.metadata()).get("nonce_endpoint")
        return endpoint if isinstance(endpoint, str) and endpoint else None

    # -- offers ---------------------------------------------------------------------------------------------

    async def resolve(self, obtained: ObtainedOffer) -> ResolvedOffer:
        """Parse the link and fetch the offer when by reference. Raises CheckFailed describing the problem."""
        try:
            link = parse_offer_link(obtained.link)
        except ValueError as exc:
            raise CheckFailed(f"unusable offer link: {exc}") from None
        if link.credential_offer is not None:
            return ResolvedOffer(obtained, link, link.credential_offer)
        assert link.credential_offer_uri is not None
        resp = await self.http.get(link.credential_offer_uri, headers={"Accept": "application/json"})
        body = resp.json_object()
        if resp.status != 200 or body is None:
            raise CheckFailed(f"GET credential_offer_uri answered HTTP {resp.status} {resp.content_type}")
        return ResolvedOffer(obtained, link, body, resp)

    async def new_offer(
        self,
        *,
        tx_code: bool | None = None,
        by_reference: bool | None = None,
        config_id: str | None = None,
        need_tx_value: bool = True,
    ) -> ResolvedOffer:
        """A fresh offer with the wanted properties, or Skip. ``need_tx_value``: the Transaction Code itself must
        be known when the offer requires one."""
        cid = config_id or await self.config_id()
        want = OfferWanted(cid, tx_code, by_reference, await self.credential_types(cid))
        while True:
            obtained = await self.offers.obtain(want)
            try:
                offer = await self.resolve(obtained)
            except CheckFailed as exc:
                raise Skip(f"needs a usable Credential Offer: {exc}") from None
            fits = (
                (tx_code is None or offer.tx_code_required == tx_code)
                and (by_reference is None or offer.by_reference == by_reference)
                and cid in offer.config_ids
                and offer.pre_authorized_code is not None
                and not (need_tx_value and offer.tx_code_required and obtained.tx_code is None)
            )
            if fits:
                return offer
            self.offers.release(obtained)
            if self.offers.unlimited:
                raise Skip(f"the offer source did not produce the offer this check needs ({want})")

    # -- token ----------------------------------------------------------------------------------------------

    async def token_request(self, form: dict[str, str] | list[tuple[str, str]]) -> HttpResponse:
        return await self.http.post_form(await self.token_endpoint(), form)

    def token_form(self, offer: ResolvedOffer, *, tx_code: Any = _SUPPLIED, **extra: str) -> dict[str, str]:
        form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": offer.pre_authorized_code or ""}
        value = offer.obtained.tx_code if tx_code is _SUPPLIED else tx_code
        if value is not None and (offer.tx_code_required or tx_code is not _SUPPLIED):
            form["tx_code"] = value
        if self.options.client_id:
            form["client_id"] = self.options.client_id
        return form | extra

    async def redeem(self, offer: ResolvedOffer) -> Redemption:
        """Token request for ``offer`` (with its tx_code when required); Skip unless it yields an access token."""
        resp = await self.token_request(self.token_form(offer))
        body = resp.json_object() or {}
        token = body.get("access_token")
        if resp.status != 200 or not isinstance(token, str) or not token:
            raise Skip(f"needs an access token: the token request answered HTTP {resp.status} {resp.error or ''}")
        self.state.identifiers[token] = credential_identifiers(body)
        return Redemption(offer, resp, token)

    async def main_redemption(self) -> Redemption:
        """The first redemption of the run (the token endpoint's happy path); its token serves the negative
        credential checks when the offer source is limited."""

        async def run() -> Redemption:
            offer = await self.new_offer(tx_code=False if self.offers.unlimited else None,
                                         config_id=await self.primary_config_id())
            return await self.redeem(offer)

        return await self.once("main_redemption", run)

    async def fresh_token(self, config_id: str | None = None) -> str:
        offer = await self.new_offer(tx_code=False if self.offers.unlimited else None, config_id=config_id)
        return (await self.redeem(offer)).access_token

    async def token_for_negative_check(self) -> str:
        """A fresh token per check when offers are unlimited (isolation), else the main one."""
        if self.offers.unlimited:
            return await self.fresh_token()
        return (await self.main_redemption()).access_token

    # -- nonce and proofs -----------------------------------------------------------------------------------

    async def nonce_response(self) -> HttpResponse:
        endpoint = await self.nonce_endpoint()
        if endpoint is None:
            raise Skip("the issuer has no nonce_endpoint")
        return await self.http.request("POST", endpoint)

    async def c_nonce(self) -> str | None:
        """A fresh ``c_nonce``, or None when the issuer has no Nonce Endpoint (§7)."""
        if await self.nonce_endpoint() is None:
            return None
        resp = await self.nonce_response()
        value = (resp.json_object() or {}).get("c_nonce")
        if not (200 <= resp.status < 300) or not isinstance(value, str):
            raise Skip(f"needs a c_nonce: the nonce endpoint answered HTTP {resp.status}")
        return value

    async def proof_alg(self, config_id: str | None = None) -> str:
        jwt_type = ((await self.config(config_id)).get("proof_types_supported") or {}).get("jwt")
        if not isinstance(jwt_type, dict):
            raise Skip("the configuration does not accept jwt key proofs")
        algs = jwt_type.get("proof_signing_alg_values_supported") or []
        for alg in SUITE_ALGS:
            if alg in algs:
                return alg
        raise Skip(f"the suite signs proofs with ES256 or EdDSA only; the issuer accepts {algs}")

    async def key_form(self, config_id: str | None = None) -> KeyForm:
        """How proofs name the holder key: a DID for W3C formats when offered, else ``jwk`` (§12.2.4
        ``cryptographic_binding_methods_supported``)."""
        conf = await self.config(config_id)
        methods = conf.get("cryptographic_binding_methods_supported") or []
        order: tuple[KeyForm, ...] = (
            ("did:jwk", "did:key", "jwk") if conf.get("format") in W3C_FORMATS else ("jwk", "did:jwk", "did:key")
        )
        for form in order:
            if form in methods:
                return form
        return "jwk"

    async def new_key(self, config_id: str | None = None) -> HolderKey:
        return HolderKey.generate(await self.proof_alg(config_id))

    async def proof(self, key: HolderKey, *, nonce: Any = _SUPPLIED, config_id: str | None = None,
                    **mutations: Any) -> str:
        """A key proof for the configuration, with a fresh c_nonce unless ``nonce`` is given; ``mutations`` go
        to :func:`proof_jwt` (``header``, ``claims``, ``drop``, ``signer``, ``iat``, ``audience``...)."""
        value = await self.c_nonce() if nonce is _SUPPLIED else nonce
        mutations.setdefault("audience", self.issuer_id)
        mutations.setdefault("key_form", await self.key_form(config_id))
        return proof_jwt(key, nonce=value, **mutations)

    # -- credential -----------------------------------------------------------------------------------------

    async def credential_request(self, token: str | None, body: Any, *, raw: bytes | None = None,
                                 content_type: str = "application/json") -> HttpResponse:
        """POST to the Credential Endpoint. When the token response issued ``credential_identifiers`` for the
        requested configuration, ``credential_configuration_id`` is replaced by the first identifier, as §8.2
        requires (bodies that already name an identifier are sent as they are)."""
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        issued = self.state.identifiers.get(token or "", {})
        if isinstance(body, dict) and "credential_identifier" not in body:
            ids = issued.get(body.get("credential_configuration_id", ""))
            if ids:
                body = {k: v for k, v in body.items() if k != "credential_configuration_id"}
                body["credential_identifier"] = ids[0]
        endpoint = await self.credential_endpoint()
        if raw is not None:
            return await self.http.request("POST", endpoint, data=raw, headers=headers | {"Content-Type": content_type})
        return await self.http.post_json(endpoint, body, headers=headers)

    async def request_body(self, proofs: list[str] | None, *, config_id: str | None = None, **extra: Any) -> JsonObject:
        body: JsonObject = {"credential_configuration_id": config_id or await self.config_id()}
        if proofs is not None:
            body["proofs"] = {"jwt": proofs}
        return body | extra

    async def issue(self, token: str, *, config_id: str | None = None, keys: int = 1,
                    extra: JsonObject | None = None) -> Issuance:
        """A well-formed credential request with ``keys`` proofs sharing one c_nonce (plus ``extra`` members)."""
        cid = config_id or await self.config_id()
        conf = await self.config(cid)
        holder_keys = tuple([await self.new_key(cid) for _ in range(keys)])
        nonce = await self.c_nonce()
        proofs = [await self.proof(k, nonce=nonce, config_id=cid) for k in holder_keys]
        resp = await self.credential_request(token, await self.request_body(proofs, config_id=cid, **(extra or {})))
        body = resp.json_object() or {}
        items = body.get("credentials")
        values = tuple(c.get("credential") for c in items if isinstance(c, dict)) if isinstance(items, list) else ()
        return Issuance(cid, str(conf.get("format")), holder_keys, nonce, resp, values)

    async def issuance(self, config_id: str | None = None) -> Issuance:
        """One successful-looking issuance per configuration (cached): the happy path of the Credential
        Endpoint. Uses a fresh token, or the main one for the primary configuration of a limited source."""
        cid = config_id or await self.config_id()

        async def run() -> Issuance:
            if not self.offers.unlimited and cid == await self.primary_config_id():
                token = (await self.main_redemption()).access_token
            else:
                token = await self.fresh_token(cid)
            return await self.issue(token, config_id=cid)

        return await self.once(f"issuance:{cid}", run)

    async def successful_issuance(self, config_id: str | None = None) -> Issuance:
        issued = await self.issuance(config_id)
        if issued.response.status == 202:
            raise Skip("the issuer deferred issuance (HTTP 202); deferred credentials are not fetched yet")
        if issued.response.status != 200 or not issued.credentials:
            raise Skip(f"needs an issued credential: the credential request answered HTTP "
                       f"{issued.response.status} {issued.response.error or ''}")
        return issued


def random_value() -> str:
    return secrets.token_urlsafe(16)
