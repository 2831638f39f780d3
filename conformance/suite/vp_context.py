"""The wallet side of a verifier run: get a request (OpenID4VP 1.0 §5.10), read it, present (§8.1, App. B) and
post the response (§8.2 ``direct_post``, §8.3 ``direct_post.jwt``), with results cached so checks can share
preconditions.

Checks ask the context for what they need (``await ctx.main_request()``, ``await ctx.new_request(...)``,
``await ctx.vp_token(pending, tamper=...)``, ``await ctx.respond(pending, vp_token)``, ``await ctx.happy()``).
When a precondition cannot be met the helper raises :class:`Skip` naming it; cached failures are reused, so one
broken step shows up as one failing check plus skips that say why.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import aiohttp

from conformance.suite.http import HttpClient, HttpResponse
from conformance.suite.jwe import CONTENT_ENCRYPTION, encrypt_ecdh_es
from conformance.suite.model import Skip
from conformance.suite.presenter import HeldCredential, Tamper, build_presentation
from conformance.suite.vp_keys import RequestSigner, SignerProblem, resolve_request_signer
from conformance.suite.vp_request import (
    REQUEST_OBJECT_MEDIA_TYPE,
    FetchedRequest,
    RequestLink,
    decode_by_value,
    parse_request_link,
    query_for_format,
    read_request_object,
)
from conformance.suite.vp_sources import (
    PRESENTABLE_FORMATS,
    CredentialSource,
    ObtainedRequest,
    RequestSource,
    RequestWanted,
    suggested_query,
)

__all__ = ["Answered", "PendingRequest", "VerifierContext", "VerifierOptions"]

JsonObject = dict[str, Any]
T = TypeVar("T")
_SUPPLIED: Any = object()


@dataclass(frozen=True, slots=True)
class VerifierOptions:
    verifier: str  # the Verifier's base URL (admin API default: <verifier>/admin)
    allow_http: bool = False  # http URLs are warnings (development servers)
    accept_self_signed: bool = False  # accept a self-signed x5c leaf for the x509 prefixes (testing only)
    formats: tuple[str, ...] = ()  # formats under test, the first one primary (default: all the suite can hold)

    @property
    def verifier_url(self) -> str:
        return self.verifier.rstrip("/")


@dataclass(frozen=True, slots=True)
class PendingRequest:
    """A request the suite obtained and read, and the format it will present for it."""

    obtained: ObtainedRequest
    fetched: FetchedRequest
    format: str


@dataclass(frozen=True, slots=True)
class Answered:
    """A response the suite posted: the request, what it sent and what came back."""

    pending: PendingRequest
    vp_token: JsonObject
    response: HttpResponse


@dataclass(slots=True)
class _State:
    cache: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class VerifierContext:
    options: VerifierOptions
    http: HttpClient
    requests: RequestSource
    credentials: CredentialSource
    state: _State = field(default_factory=_State)
    config_under_test: str | None = None  # the format, for per-format checks

    def for_configuration(self, name: str) -> VerifierContext:
        return replace(self, config_under_test=name)

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
                raise
        value = cache[key]
        if isinstance(value, Skip):
            raise Skip(str(value))
        return cast(T, value)

    def url_problem(self, url: Any, name: str, *, reveal: bool = True) -> tuple[bool, str] | None:
        """None for an absolute https URL without fragment; else (is_fatal, message); http is not fatal with
        ``--allow-http``."""
        if not isinstance(url, str) or not url:
            return True, f"{name} is not a URL string"
        parts = urlsplit(url)
        shown = f" ({url})" if reveal else ""
        if parts.fragment:
            return True, f"{name} has a fragment{shown}"
        if parts.scheme == "https" and parts.netloc:
            return None
        if parts.scheme == "http" and parts.netloc:
            return (not self.options.allow_http), f"{name} uses http{shown}"
        return True, f"{name} is not an absolute https URL{shown}"

    # -- formats and credentials ------------------------------------------------------------------------

    async def configurations_under_test(self) -> list[str]:
        """The formats under test, the primary one first."""

        async def choose() -> list[str]:
            held = await self.credentials.formats()
            if not held:
                raise Skip(f"needs a credential to present: {self.credentials.description}")
            wanted = list(self.options.formats) or list(PRESENTABLE_FORMATS)
            formats = [f for f in wanted if f in held]
            if not formats:
                raise Skip(f"none of the formats under test ({', '.join(wanted)}) can be had: the credential "
                           f"source offers {', '.join(held)}")
            if not self.requests.unlimited:  # the format the one request asks for
                main = await self.main_request()
                if not main.format:
                    raise Skip(main.fetched.error or "the request asks for no format the suite holds "
                               f"({', '.join(held)})")
                return [main.format]
            return formats

        return await self.once("formats", choose)

    async def format(self) -> str:
        return self.config_under_test or (await self.configurations_under_test())[0]

    async def held(self, fmt: str | None = None) -> HeldCredential:
        name = fmt or await self.format()
        return await self.once(f"held:{name}", lambda: self.credentials.obtain(name))

    # -- requests ---------------------------------------------------------------------------------------

    async def fetch(self, link: str, *, method: str | None = None) -> FetchedRequest:
        """Read the request behind ``link``: by value, or from ``request_uri`` with GET, or POST (with a
        ``wallet_nonce`` and ``wallet_metadata``) when the link says ``request_uri_method=post`` or ``method``
        says so."""
        try:
            parsed = parse_request_link(link)
        except ValueError as exc:
            return FetchedRequest(RequestLink(link, {}), "value", error=f"unusable request link: {exc}")
        if parsed.request_uri is None:
            if "request" in parsed.parameters:
                return read_request_object(parsed, "value", None, parsed.parameters["request"])
            return FetchedRequest(parsed, "value", params=decode_by_value(parsed.parameters))
        how = method or ("post" if parsed.request_uri_method == "post" else "get")
        headers = {"Accept": REQUEST_OBJECT_MEDIA_TYPE}
        wallet_nonce = None
        if how == "post":
            wallet_nonce = secrets.token_urlsafe(24)
            metadata: JsonObject = {"vp_formats_supported": {f: {} for f in PRESENTABLE_FORMATS}}
            resp = await self.http.post_form(parsed.request_uri, {"wallet_nonce": wallet_nonce,
                                                                  "wallet_metadata": json.dumps(metadata)},
                                             headers=headers)
        else:
            resp = await self.http.get(parsed.request_uri, headers=headers)
        if resp.status != 200:
            return FetchedRequest(parsed, how, resp, error=f"{how.upper()} request_uri answered HTTP {resp.status} "
                                  f"{resp.content_type or ''}".rstrip(), wallet_nonce=wallet_nonce)
        return read_request_object(parsed, how, resp, resp.body.decode("utf-8", errors="replace"), wallet_nonce)

    async def _read(self, obtained: ObtainedRequest, fmt: str | None) -> PendingRequest:
        fetched = await self.fetch(obtained.link)
        if not fetched.usable:
            return PendingRequest(obtained, fetched, fmt or "")
        held = await self.credentials.formats()
        order = ([fmt] if fmt else []) + [f for f in held if f != fmt]
        cq = query_for_format(fetched.dcql_query, order)
        if cq is None:
            return PendingRequest(obtained, fetched, fmt or "")
        return PendingRequest(obtained, fetched, str(cq.get("format")))

    async def new_request(self, *, fmt: str | None = None, response_mode: str | None = None,
                          request_uri_method: str | None = None) -> PendingRequest:
        """A fresh request asking for the credential the suite holds in ``fmt`` (default: the format under test),
        read (fetched and decoded). Raises Skip when the source cannot produce one."""
        name = fmt or await self.format()
        held = await self.held(name)
        want = RequestWanted(name, suggested_query(held), response_mode, request_uri_method)
        obtained = await self.requests.obtain(want)
        return await self._read(obtained, name)

    async def main_request(self) -> PendingRequest:
        """The first request of the run (the request checks read it); for a limited source, the only one."""

        async def make() -> PendingRequest:
            if self.requests.unlimited:
                held_formats = await self.credentials.formats()
                wanted = list(self.options.formats) or list(PRESENTABLE_FORMATS)
                primary = next((f for f in wanted if f in held_formats), None)
                if primary is None:
                    raise Skip(f"needs a credential to present: {self.credentials.description}")
                return await self.new_request(fmt=primary)
            return await self._read(await self.requests.obtain(RequestWanted()), None)

        return await self.once("main_request", make)

    async def main(self) -> FetchedRequest:
        """The main request's contents; Skip when it could not be read."""
        pending = await self.main_request()
        if not pending.fetched.usable:
            raise Skip(f"needs a readable request: {pending.fetched.error}")
        return pending.fetched

    async def request_with(self, *, response_mode: str | None = None, request_uri_method: str | None = None,
                           key: str | None = None) -> PendingRequest:
        """The main request if it already has the wanted property, else a new one (cached under ``key``)."""
        main = await self.main_request()
        fits = (response_mode is None or main.fetched.response_mode == response_mode) and (
            request_uri_method is None or main.fetched.link.request_uri_method == request_uri_method
        )
        if fits and main.fetched.usable:
            return main
        if not self.requests.unlimited:
            what = response_mode or f"request_uri_method={request_uri_method}"
            raise Skip(f"the request does not use {what} and the request source cannot ask for it")
        return await self.once(key or f"request:{response_mode}:{request_uri_method}", lambda: self.new_request(
            response_mode=response_mode, request_uri_method=request_uri_method))

    async def signer(self, fetched: FetchedRequest) -> RequestSigner:
        """The key the Request Object must be signed with (cached per Request Object). Raises SignerProblem
        or Skip."""
        key = f"signer:{fetched.token}"
        cache = self.state.cache
        if key not in cache:
            try:
                cache[key] = await resolve_request_signer(self.http, fetched, allow_http=self.options.allow_http)
            except (SignerProblem, Skip) as exc:
                cache[key] = exc
        value = cache[key]
        if isinstance(value, Exception):
            raise value
        return cast(RequestSigner, value)

    # -- presenting -------------------------------------------------------------------------------------

    def usable(self, pending: PendingRequest) -> FetchedRequest:
        fetched = pending.fetched
        if not fetched.usable:
            raise Skip(f"needs a readable request: {fetched.error}")
        if not pending.format:
            raise Skip("the request asks for no credential format the suite holds")
        if fetched.response_mode not in ("direct_post", "direct_post.jwt") or not fetched.response_uri:
            raise Skip(f"the suite answers direct_post and direct_post.jwt requests with a response_uri; this one "
                       f"uses response_mode {fetched.response_mode!r}")
        if not isinstance(fetched.nonce, str) or not isinstance(fetched.client_id, str):
            raise Skip("the request lacks the nonce or client_id a presentation is bound to")
        return fetched

    async def vp_token(self, pending: PendingRequest, *, tamper: Tamper | None = None, nonce: str | None = None,
                       audience: str | None = None, iat: float | None = None,
                       query_id: str | None = None) -> JsonObject:
        """``{credential query id: [presentation]}`` for the request (§8.1), optionally broken."""
        fetched = self.usable(pending)
        held = await self.held(pending.format)
        cq = query_for_format(fetched.dcql_query, [pending.format]) or {}
        try:
            presentation = build_presentation(held, audience=audience or str(fetched.client_id),
                                              nonce=nonce or str(fetched.nonce), credential_query=cq, iat=iat,
                                              tamper=tamper, issuer_did=self.unresolvable_did)
        except ValueError as exc:
            raise Skip(f"cannot build the {pending.format} presentation: {exc}") from None
        return {query_id or str(cq.get("id")): [presentation]}

    @property
    def unresolvable_did(self) -> str:
        """A did:web on the verifier's own host whose DID Document does not exist (a 404 there, no DNS needed)."""
        host = urlsplit(self.options.verifier_url).netloc.replace(":", "%3A")
        return f"did:web:{host}:conformance-suite-unknown-issuer"

    def encryption_key(self, fetched: FetchedRequest) -> JsonObject:
        for jwk in fetched.encryption_keys():
            if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256" and jwk.get("alg", "ECDH-ES") == "ECDH-ES":
                return jwk
        raise Skip("no ECDH-ES P-256 key in client_metadata.jwks to encrypt the response to")

    def enc_for(self, fetched: FetchedRequest) -> str:
        usable = [e for e in fetched.enc_values() if e in CONTENT_ENCRYPTION]
        if not usable:
            raise Skip(f"the suite encrypts with A128GCM or A256GCM; the verifier accepts {fetched.enc_values()}")
        return usable[0]

    async def respond(
        self,
        pending: PendingRequest,
        vp_token: Any = None,
        *,
        state: Any = _SUPPLIED,
        encrypt: bool | None = None,
        enc: str | None = None,
        recipient: JsonObject | None = None,
        extra: JsonObject | None = None,
        form: dict[str, str] | None = None,
    ) -> HttpResponse:
        """POST the Authorization Response to ``response_uri``: encrypted when the request asked for
        ``direct_post.jwt`` (unless ``encrypt`` says otherwise), with the request's ``state`` unless given."""
        fetched = self.usable(pending)
        if form is None:
            params: JsonObject = {} if vp_token is None else {"vp_token": vp_token}
            value = fetched.state if state is _SUPPLIED else state
            if value is not None:
                params["state"] = value
            params |= extra or {}
            if encrypt if encrypt is not None else fetched.response_mode == "direct_post.jwt":
                own = self.encryption_key(fetched)  # its kid goes in the header even for a foreign recipient
                form = {"response": encrypt_ecdh_es(params, recipient or own, enc=enc or self.enc_for(fetched),
                                                    kid=own.get("kid"))}
            else:
                form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        return await self.http.post_form(str(fetched.response_uri), form)

    async def result(self, pending: PendingRequest, *, wait: float = 2.0) -> JsonObject | None:
        """The Verifier's own view of the request, when the request source can tell (admin API); a pending
        request is waited for up to ``wait`` seconds (the verdict may come after the answer)."""
        if not self.requests.has_results:
            return None
        return await self.requests.result(pending.obtained, wait=wait)

    async def happy(self, fmt: str | None = None) -> Answered:
        """One valid presentation per format, posted (cached): the happy path. A limited request source spends
        its one request here."""
        name = fmt or await self.format()

        async def run() -> Answered:
            main = await self.main_request()
            if not self.requests.unlimited:
                if main.format != name:
                    raise Skip(f"the request asks for {main.format or 'no format the suite holds'}, not {name}")
                pending = main
            else:
                pending = await self.new_request(fmt=name)
            vp_token = await self.vp_token(pending)
            return Answered(pending, vp_token, await self.respond(pending, vp_token))

        return await self.once(f"happy:{name}", run)

    async def accepted(self, fmt: str | None = None) -> Answered:
        """The happy path, when the Verifier accepted it; else Skip."""
        answered = await self.happy(fmt)
        if not 200 <= answered.response.status < 300:
            raise Skip(f"needs an accepted presentation: the valid one was answered HTTP {answered.response.status}")
        return answered
