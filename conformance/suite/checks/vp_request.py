"""The Verifier's Authorization Request, as a wallet receives it (OpenID4VP 1.0 §5, §5.8-§5.10, §6, §8.2, §8.3,
§11.1; RFC 9101): the checks the OpenID Foundation verifier modules run on every request (specs.md §5.6), plus
DID-based Client Identifiers, which the OIDF suite does not cover."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlsplit

from conformance.suite.model import CheckModule, Level, Outcome, Skip, failed, passed, warned
from conformance.suite.signatures import verify_jws
from conformance.suite.vp_context import VerifierContext
from conformance.suite.vp_keys import (
    SignerProblem,
    chain_problems,
    is_self_signed,
    leaf_dns_sans,
    load_x5c,
    x509_hash_of,
)
from conformance.suite.vp_request import (
    REQUEST_OBJECT_MEDIA_TYPE,
    REQUEST_OBJECT_TYP,
    STATIC_AUDIENCE,
    URL_SAFE,
    FetchedRequest,
    client_id_prefix,
    credential_queries,
    dcql_problems,
    estimated_entropy_bits,
)
from conformance.suite.wallet import b64url_decode, jwk_thumbprint

__all__ = ["MODULE"]

MODULE: CheckModule[VerifierContext] = CheckModule("vp-request")
MUST, SHOULD = Level.MUST, Level.SHOULD


def _by_reference(fetched: FetchedRequest) -> FetchedRequest:
    if fetched.token is None:
        raise Skip("the request is passed by value (no Request Object)")
    return fetched


def _prefix(fetched: FetchedRequest) -> tuple[str | None, str]:
    if fetched.client_id is None:
        raise Skip("the request has no client_id")
    return client_id_prefix(fetched.client_id)


@MODULE.check(
    "VP-5.10-request_link",
    section="OpenID4VP 1.0 §5.10, §5.1, §9; RFC 9101 §5.2",
    level=MUST,
    description="The link carries client_id and the request by value or a request_uri (https, no fragment); "
    "request_uri_method only with request_uri, and only get or post",
)
async def request_link(ctx: VerifierContext) -> Outcome:
    pending = await ctx.main_request()
    link = pending.fetched.link
    if not link.parameters:
        return failed(pending.fetched.error or "the link carries no parameters")
    problems: list[str] = []
    warnings: list[str] = []
    if not link.client_id:
        problems.append("client_id is missing (§5.10)")
    method = link.request_uri_method
    if link.request_uri is not None:
        issue = ctx.url_problem(link.request_uri, "request_uri", reveal=False)
        if issue:
            (problems if issue[0] else warnings).append(issue[1])
        if method is not None and method not in ("get", "post"):
            problems.append(f"request_uri_method is {method!r}; only 'get' and 'post' (case-sensitive, §5.1)")
    elif method is not None:
        problems.append("request_uri_method must not be present without request_uri (§5.1)")
    if problems:
        return failed("; ".join(problems))
    how = "by reference" + (f" (request_uri_method={method})" if method else "") if link.by_reference else "by value"
    return warned("; ".join(warnings)) if warnings else passed(f"request {how}")


@MODULE.check(
    "VP-5.10.1-request_uri_response",
    section="OpenID4VP 1.0 §5.10.1, §5.10.2; RFC 9101 §5.2.3",
    level=MUST,
    description="Fetching request_uri answers HTTP 200 with Content-Type application/oauth-authz-req+jwt and "
    "a compact JWS",
)
async def request_uri_response(ctx: VerifierContext) -> Outcome:
    fetched = (await ctx.main_request()).fetched
    if not fetched.link.by_reference:
        raise Skip("the request is passed by value (no request_uri)")
    resp = fetched.response
    if resp is None or fetched.error:
        return failed(fetched.error or "request_uri was not fetched")
    if resp.content_type != REQUEST_OBJECT_MEDIA_TYPE:
        return failed(f"{fetched.method.upper()} request_uri answered Content-Type {resp.content_type or '(none)'}; "
                      f"expected {REQUEST_OBJECT_MEDIA_TYPE}")
    return passed(f"{fetched.method.upper()} -> 200 {resp.content_type}")


@MODULE.check(
    "VP-5-request_object_typ",
    section="OpenID4VP 1.0 §5 (Request Object typ), RFC 9101 §10.8",
    level=MUST,
    description="The Request Object's JOSE header typ is oauth-authz-req+jwt (wallets must not process it "
    "otherwise)",
)
async def request_object_typ(ctx: VerifierContext) -> Outcome:
    fetched = _by_reference(await ctx.main())
    typ = fetched.header.get("typ")
    if typ != REQUEST_OBJECT_TYP:
        return failed(f"typ is {typ!r}; expected {REQUEST_OBJECT_TYP!r}")
    return passed(f"typ {typ}")


@MODULE.check(
    "VP-5.9.3-request_signature",
    section="OpenID4VP 1.0 §5.9.3, §5.10; RFC 9101 §4, §6.2",
    level=MUST,
    description="The Request Object is signed (asymmetric alg, never none) and the signature verifies with the "
    "key the client_id prefix designates",
)
async def request_signature(ctx: VerifierContext) -> Outcome:
    fetched = await ctx.main()
    prefix, _ = _prefix(fetched)
    if prefix == "redirect_uri":
        if fetched.token is None:
            return passed("redirect_uri client: unsigned request by value, as §5.9.3 requires")
        alg = fetched.header.get("alg")
        if alg == "none":
            return passed("redirect_uri client: unsigned Request Object (alg none)")
        return failed(f"redirect_uri requests cannot be signed (§5.9.3), but the Request Object uses alg {alg!r}")
    if fetched.token is None:
        if prefix is None:
            raise Skip("pre-registered client passing its request by value")
        return failed(f"client_id prefix {prefix} requires a signed Request Object, but the request came by value")
    alg = fetched.header.get("alg")
    if not isinstance(alg, str) or alg == "none" or alg.startswith("HS"):
        return failed(f"alg is {alg!r}; a Request Object needs an asymmetric signature")
    try:
        signer = await ctx.signer(fetched)
        ok = verify_jws(fetched.token, signer.key)
    except SignerProblem as exc:
        return failed(str(exc))
    except ValueError as exc:
        return failed(f"the signature cannot be checked: {exc}")
    if not ok:
        return failed(f"the {alg} signature does not verify with the {signer.source}")
    return passed(f"{alg}, verified with the {signer.source}")


@MODULE.check(
    "VP-5.9.3-decentralized_identifier",
    section="OpenID4VP 1.0 §5.9.3 (decentralized_identifier)",
    level=MUST,
    description="decentralized_identifier: the kid is a DID URL of the client_id DID and resolves to a "
    "verification method",
)
async def decentralized_identifier(ctx: VerifierContext) -> Outcome:
    fetched = await ctx.main()
    prefix, did = _prefix(fetched)
    if prefix != "decentralized_identifier":
        raise Skip(f"the verifier uses the {prefix or 'pre-registered'} client_id prefix")
    if not did.startswith("did:") or did.count(":") < 2:
        return failed(f"{did!r} is not a DID")
    _by_reference(fetched)
    try:
        signer = await ctx.signer(fetched)
    except SignerProblem as exc:
        return failed(str(exc))
    return passed(f"kid {fetched.header.get('kid')} from the {signer.source.split(' ')[0]} DID")


def _x509_common(ctx: VerifierContext, fetched: FetchedRequest) -> tuple[list[str], list[str], str]:
    """(problems, warnings, note) shared by both x509 prefixes: chain integrity and the self-signed rule."""
    chain = load_x5c(fetched.header)
    problems = chain_problems(chain)
    warnings: list[str] = []
    note = f"{len(chain)} certificate(s)"
    if is_self_signed(chain[0]):
        if ctx.options.accept_self_signed:
            warnings.append("the leaf is self-signed (accepted with --accept-self-signed; HAIP forbids it)")
        else:
            problems.append("the leaf certificate is self-signed: no trust chain (pass --accept-self-signed for "
                            "development verifiers)")
    elif len(chain) > 1 and is_self_signed(chain[-1]):
        warnings.append("x5c includes the trust anchor (HAIP: it must not)")
    return problems, warnings, note


@MODULE.check(
    "VP-5.9.3-x509_san_dns",
    section="OpenID4VP 1.0 §5.9.3 (x509_san_dns)",
    level=MUST,
    description="x509_san_dns: the client_id is a dNSName SAN of the x5c leaf, the response_uri host equals it, "
    "and the chain holds together (a self-signed leaf only with --accept-self-signed)",
)
async def x509_san_dns(ctx: VerifierContext) -> Outcome:
    fetched = await ctx.main()
    prefix, name = _prefix(fetched)
    if prefix != "x509_san_dns":
        raise Skip(f"the verifier uses the {prefix or 'pre-registered'} client_id prefix")
    _by_reference(fetched)
    try:
        problems, warnings, note = _x509_common(ctx, fetched)
        sans = leaf_dns_sans(load_x5c(fetched.header)[0])
    except SignerProblem as exc:
        return failed(str(exc))
    if name.lower() not in {s.lower() for s in sans}:
        problems.append(f"{name} is not a dNSName SAN of the leaf ({', '.join(sans) or 'none'})")
    host = urlsplit(fetched.response_uri or "").hostname or ""
    if host.lower() != name.lower():
        problems.append(f"the response_uri host {host!r} differs from the client_id {name!r}")
    if problems:
        return failed("; ".join(problems))
    return warned("; ".join(warnings)) if warnings else passed(f"SAN {name}, {note}")


@MODULE.check(
    "VP-5.9.3-x509_hash",
    section="OpenID4VP 1.0 §5.9.3 (x509_hash); HAIP 1.0 §5",
    level=MUST,
    description="x509_hash: the client_id is base64url(SHA-256(DER of the x5c leaf)) and the chain holds together "
    "(a self-signed leaf only with --accept-self-signed)",
)
async def x509_hash(ctx: VerifierContext) -> Outcome:
    fetched = await ctx.main()
    prefix, value = _prefix(fetched)
    if prefix != "x509_hash":
        raise Skip(f"the verifier uses the {prefix or 'pre-registered'} client_id prefix")
    _by_reference(fetched)
    try:
        problems, warnings, note = _x509_common(ctx, fetched)
        digest = x509_hash_of(load_x5c(fetched.header)[0])
    except SignerProblem as exc:
        return failed(str(exc))
    if digest != value:
        problems.append(f"the client_id hash {value} is not the leaf's ({digest})")
    if problems:
        return failed("; ".join(problems))
    return warned("; ".join(warnings)) if warnings else passed(f"hash matches the leaf, {note}")


@MODULE.check(
    "VP-5.9.3-redirect_uri",
    section="OpenID4VP 1.0 §5.9.3 (redirect_uri), §8.2",
    level=MUST,
    description="redirect_uri: the request is unsigned and the client_id is the response_uri",
)
async def redirect_uri_prefix(ctx: VerifierContext) -> Outcome:
    fetched = await ctx.main()
    prefix, value = _prefix(fetched)
    if prefix != "redirect_uri":
        raise Skip(f"the verifier uses the {prefix or 'pre-registered'} client_id prefix")
    problems = []
    if fetched.token is not None and fetched.header.get("alg") != "none":
        problems.append("the request is signed")
    if value != fetched.response_uri:
        problems.append(f"the client_id {value!r} is not the response_uri {fetched.response_uri!r}")
    return failed("; ".join(problems)) if problems else passed("unsigned; client_id = response_uri")


@MODULE.check(
    "VP-5.10.1-client_id_match",
    section="OpenID4VP 1.0 §5.10.1",
    level=MUST,
    description="The client_id in the Request Object equals the one in the link, prefix included",
)
async def client_id_match(ctx: VerifierContext) -> Outcome:
    fetched = await ctx.main()
    in_link, in_request = fetched.link.client_id, fetched.client_id
    if in_request is None:
        return failed("the request has no client_id")
    if fetched.token is None and "request" not in fetched.link.parameters:
        return passed(f"by value: {in_request}")
    if in_link != in_request:
        return failed(f"link client_id {in_link!r} != Request Object client_id {in_request!r}")
    return passed(in_request)


@MODULE.check(
    "VP-5.8-aud",
    section="OpenID4VP 1.0 §5.8; RFC 9101 §4",
    level=SHOULD,
    description="The Request Object aud is https://self-issued.me/v2 (static discovery: the suite sent no "
    "wallet metadata issuer)",
)
async def request_aud(ctx: VerifierContext) -> Outcome:
    fetched = _by_reference(await ctx.main())
    aud = fetched.params.get("aud")
    if aud is None:
        return warned("no aud (RFC 9101 §4: SHOULD)")
    if aud != STATIC_AUDIENCE and aud != [STATIC_AUDIENCE]:
        return failed(f"aud is {aud!r}; with static discovery it is {STATIC_AUDIENCE}")
    return passed(str(aud))


@MODULE.check(
    "RFC7519-4.1.4-request_object_exp",
    section="RFC 7519 §4.1.4, §4.1.6; RFC 9101 §10.2; OpenID4VP 1.0 §5",
    level=MUST,
    description="The Request Object has not expired (exp in the future; exp RECOMMENDED) and iat is not in "
    "the future",
)
async def request_object_exp(ctx: VerifierContext) -> Outcome:
    fetched = _by_reference(await ctx.main())
    now = time.time()
    exp, iat = fetched.params.get("exp"), fetched.params.get("iat")
    for name, value in (("exp", exp), ("iat", iat)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            return failed(f"{name} is not a NumericDate")
    if isinstance(iat, int | float) and iat > now + 60:
        return failed(f"iat is {iat - now:.0f} s in the future")
    if exp is None:
        return warned("no exp: the Request Object never expires (RFC 9101 §10.2 recommends a short lifetime)")
    if exp <= now:
        return failed(f"exp passed {now - exp:.0f} s ago")
    return passed(f"expires in {exp - now:.0f} s")


@MODULE.check(
    "VP-5.2-response_type",
    section="OpenID4VP 1.0 §5.2, §5.4; HAIP 1.0 §5",
    level=MUST,
    description="response_type is vp_token",
)
async def response_type(ctx: VerifierContext) -> Outcome:
    value = (await ctx.main()).params.get("response_type")
    return passed(str(value)) if value == "vp_token" else failed(f"response_type is {value!r}; expected 'vp_token'")


@MODULE.check(
    "VP-5.2-response_mode",
    section="OpenID4VP 1.0 §5.2, §8.2, §8.3",
    level=MUST,
    description="response_mode is present and direct_post or direct_post.jwt (the modes of a cross-device flow "
    "to a response_uri)",
)
async def response_mode(ctx: VerifierContext) -> Outcome:
    value = (await ctx.main()).params.get("response_mode")
    if value in ("direct_post", "direct_post.jwt"):
        return passed(str(value))
    if value in ("fragment", "query", "dc_api", "dc_api.jwt", "form_post"):
        raise Skip(f"response_mode {value}: the suite only answers direct_post and direct_post.jwt")
    return failed(f"response_mode is {value!r}")


@MODULE.check(
    "VP-8.2-response_uri",
    section="OpenID4VP 1.0 §8.2, §5.9.3",
    level=MUST,
    description="direct_post(.jwt): response_uri is present, an absolute https URL without a fragment",
)
async def response_uri(ctx: VerifierContext) -> Outcome:
    fetched = await ctx.main()
    if fetched.response_mode not in ("direct_post", "direct_post.jwt"):
        raise Skip("not a direct_post request")
    issue = ctx.url_problem(fetched.params.get("response_uri"), "response_uri", reveal=False)
    if issue is None:
        return passed()
    return failed(issue[1]) if issue[0] else warned(issue[1])


@MODULE.check(
    "VP-8.2-no_redirect_uri",
    section="OpenID4VP 1.0 §8.2",
    level=MUST,
    description="direct_post(.jwt): redirect_uri is absent (a wallet must refuse the request otherwise)",
)
async def no_redirect_uri(ctx: VerifierContext) -> Outcome:
    fetched = await ctx.main()
    if fetched.response_mode not in ("direct_post", "direct_post.jwt"):
        raise Skip("not a direct_post request")
    if "redirect_uri" in fetched.params:
        return failed("redirect_uri is present together with response_mode direct_post")
    return passed()


@MODULE.check(
    "VP-5.2-nonce",
    section="OpenID4VP 1.0 §5.2, §14.1",
    level=MUST,
    description="nonce is present and uses only the URL-safe characters A-Z a-z 0-9 . _ ~ -",
)
async def nonce(ctx: VerifierContext) -> Outcome:
    value = (await ctx.main()).params.get("nonce")
    if not isinstance(value, str) or not value:
        return failed("nonce is missing")
    if not URL_SAFE.match(value):
        return failed("nonce uses characters outside A-Z a-z 0-9 . _ ~ -")
    return passed(f"{len(value)} characters")


@MODULE.check(
    "VP-5.2-nonce_entropy",
    section="OpenID4VP 1.0 §5.2 (errata: at least 128 bits), §14.1",
    level=SHOULD,
    description="The nonce carries at least 128 bits of entropy (estimated from its length and alphabet)",
)
async def nonce_entropy(ctx: VerifierContext) -> Outcome:
    value = (await ctx.main()).params.get("nonce")
    if not isinstance(value, str) or not value:
        raise Skip("no nonce")
    bits = estimated_entropy_bits(value)
    if bits >= 128:
        return passed(f"about {bits:.0f} bits")
    return failed(f"about {bits:.0f} bits") if bits < 96 else warned(f"about {bits:.0f} bits")


@MODULE.check(
    "VP-14.1.2-nonce_fresh",
    section="OpenID4VP 1.0 §5.2, §14.1.2",
    level=MUST,
    description="Each request carries a fresh nonce (two requests, two different nonces; states differ too)",
)
async def nonce_fresh(ctx: VerifierContext) -> Outcome:
    first = await ctx.main()
    if not ctx.requests.unlimited:
        raise Skip("needs a second request (pass --admin-token or --request-command)")
    second = (await ctx.new_request()).fetched
    if not second.usable:
        raise Skip(f"needs a second readable request: {second.error}")
    if first.nonce is None or first.nonce == second.nonce:
        return failed("two requests carry the same nonce")
    if first.state is not None and first.state == second.state:
        return failed("two requests carry the same state")
    return passed()


@MODULE.check(
    "VP-5.3-state_required",
    section="OpenID4VP 1.0 §5.3",
    level=MUST,
    description="state is present (URL-safe, >= 128 bits) when a Credential Query accepts presentations without "
    "holder binding",
)
async def state_required(ctx: VerifierContext) -> Outcome:
    fetched = await ctx.main()
    unbound = [c.get("id") for c in credential_queries(fetched.dcql_query)
               if c.get("require_cryptographic_holder_binding") is False]
    if not unbound:
        raise Skip("every Credential Query requires holder binding")
    value = fetched.state
    if value is None or not URL_SAFE.match(value) or estimated_entropy_bits(value) < 128:
        return failed(f"queries {unbound} accept unbound presentations but state is {value!r}")
    return passed()


@MODULE.check(
    "VP-5.3-state",
    section="OpenID4VP 1.0 §5.3 (errata: RECOMMENDED), §14.3.2",
    level=SHOULD,
    description="state is present, URL-safe, with at least 128 bits of entropy",
)
async def state(ctx: VerifierContext) -> Outcome:
    value = (await ctx.main()).params.get("state")
    if value is None:
        return warned("no state")
    if not isinstance(value, str) or not URL_SAFE.match(value):
        return failed("state uses characters outside A-Z a-z 0-9 . _ ~ -")
    bits = estimated_entropy_bits(value)
    return passed(f"about {bits:.0f} bits") if bits >= 128 else warned(f"about {bits:.0f} bits")


@MODULE.check(
    "VP-5.1-dcql_query",
    section="OpenID4VP 1.0 §5.1, §6.1-§6.3",
    level=MUST,
    description="dcql_query is present (never together with a scope) and well-formed: unique ids, format, meta "
    "with vct_values / type_values, valid claims paths and claim_sets",
)
async def dcql_query(ctx: VerifierContext) -> Outcome:
    fetched = await ctx.main()
    if "dcql_query" not in fetched.params:
        if "scope" in fetched.params:
            raise Skip("the request uses a scope alias instead of dcql_query (the suite cannot resolve it)")
        return failed("dcql_query is missing")
    if "scope" in fetched.params:
        return failed("both dcql_query and scope are present (§5.1: exactly one)")
    problems = dcql_problems(fetched.params["dcql_query"])
    if problems:
        return failed("; ".join(problems[:6]))
    queries = credential_queries(fetched.dcql_query)
    return passed(", ".join(f"{c.get('id')}: {c.get('format')}" for c in queries))


@MODULE.check(
    "VP-11.1-vp_formats_supported",
    section="OpenID4VP 1.0 §5.1 (client_metadata), §11.1, App. B",
    level=MUST,
    description="client_metadata.vp_formats_supported is an object naming every format the query asks for, "
    "each with an object of format parameters",
)
async def vp_formats_supported(ctx: VerifierContext) -> Outcome:
    fetched = await ctx.main()
    metadata = fetched.params.get("client_metadata")
    if metadata is None:
        return failed("client_metadata is missing (vp_formats_supported is REQUIRED unless known otherwise)")
    if not isinstance(metadata, dict):
        return failed("client_metadata is not a JSON object")
    formats = metadata.get("vp_formats_supported")
    if not isinstance(formats, dict) or not formats:
        return failed("client_metadata.vp_formats_supported is not a non-empty object")
    problems = [f"{name}: parameters are not an object" for name, v in formats.items() if not isinstance(v, dict)]
    for name, params in formats.items():
        for key, value in params.items() if isinstance(params, dict) else []:
            if key.endswith("_values") and (not isinstance(value, list) or not value):
                problems.append(f"{name}.{key} is not a non-empty array")
    asked = {c.get("format") for c in credential_queries(fetched.dcql_query)}
    missing = sorted(str(f) for f in asked - set(formats))
    if missing:
        problems.append(f"formats asked for but not listed: {', '.join(missing)}")
    return failed("; ".join(problems)) if problems else passed(", ".join(sorted(formats)))


async def _jwt_request(ctx: VerifierContext) -> FetchedRequest:
    pending = await ctx.request_with(response_mode="direct_post.jwt", key="jwt_request")
    if not pending.fetched.usable:
        raise Skip(f"needs a readable direct_post.jwt request: {pending.fetched.error}")
    if pending.fetched.response_mode != "direct_post.jwt":
        raise Skip(f"the verifier answered a direct_post.jwt wish with {pending.fetched.response_mode!r}")
    return pending.fetched


@MODULE.check(
    "VP-8.3-encryption_jwks",
    section="OpenID4VP 1.0 §5.1 (client_metadata.jwks), §8.3; HAIP 1.0 §5",
    level=MUST,
    description="direct_post.jwt: client_metadata.jwks holds a public ECDH-ES P-256 key for response encryption; "
    "every key has a kid, an alg and no private members",
)
async def encryption_jwks(ctx: VerifierContext) -> Outcome:
    fetched = await _jwt_request(ctx)
    jwks = fetched.client_metadata.get("jwks")
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not keys:
        return failed("client_metadata.jwks.keys is missing or empty")
    problems = []
    for i, key in enumerate(keys):
        if not isinstance(key, dict):
            problems.append(f"keys[{i}] is not an object")
            continue
        if not isinstance(key.get("kid"), str):
            problems.append(f"keys[{i}] has no kid (§5.1)")
        if not isinstance(key.get("alg"), str):
            problems.append(f"keys[{i}] has no alg (§8.3)")
        if any(m in key for m in ("d", "p", "q", "dp", "dq", "qi", "k")):
            problems.append(f"keys[{i}] carries private key material")
    usable = [k for k in fetched.encryption_keys()
              if k.get("kty") == "EC" and k.get("crv") == "P-256" and k.get("alg") == "ECDH-ES"]
    if not usable:
        problems.append("no key with kty EC, crv P-256, alg ECDH-ES and use enc (or no use)")
    return failed("; ".join(problems)) if problems else passed(f"kid {usable[0].get('kid')}")


@MODULE.check(
    "VP-5.1-encrypted_response_enc_values",
    section="OpenID4VP 1.0 §5.1, §8.3; HAIP 1.0 §5",
    level=MUST,
    description="direct_post.jwt: encrypted_response_enc_values_supported, when present, is a non-empty array of "
    "JWE content encryption algorithms (HAIP: A128GCM and A256GCM)",
)
async def enc_values(ctx: VerifierContext) -> Outcome:
    fetched = await _jwt_request(ctx)
    values = fetched.client_metadata.get("encrypted_response_enc_values_supported")
    if values is None:
        return passed("absent: A128GCM (the default)")
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        return failed(f"encrypted_response_enc_values_supported is {values!r}")
    if not {"A128GCM", "A256GCM"} <= set(values):
        return warned(f"{values} (HAIP 1.0 §5 wants both A128GCM and A256GCM)")
    return passed(", ".join(values))


@MODULE.check(
    "HAIP-5-ephemeral_encryption_key",
    section="HAIP 1.0 §5 (MUST there); OpenID4VP 1.0 §8.3",
    level=SHOULD,
    description="direct_post.jwt: each request carries its own response encryption key",
)
async def ephemeral_encryption_key(ctx: VerifierContext) -> Outcome:
    first = await _jwt_request(ctx)
    if not ctx.requests.unlimited:
        raise Skip("needs a second direct_post.jwt request")
    second = (await ctx.new_request(response_mode="direct_post.jwt")).fetched
    if not second.usable or second.response_mode != "direct_post.jwt":
        raise Skip("needs a second readable direct_post.jwt request")
    try:
        a = {jwk_thumbprint(k) for k in first.encryption_keys()}
        b = {jwk_thumbprint(k) for k in second.encryption_keys()}
    except ValueError as exc:
        return failed(f"an encryption key is malformed: {exc}")
    if a & b:
        return failed("two requests share a response encryption key")
    return passed()


@MODULE.check(
    "VP-5.10-request_uri_method_post",
    section="OpenID4VP 1.0 §5.10, §5.10.1",
    level=MUST,
    description="request_uri_method=post: the Request URI accepts the wallet's form POST (wallet_nonce, "
    "wallet_metadata) and the signed Request Object echoes wallet_nonce",
)
async def request_uri_method_post(ctx: VerifierContext) -> Outcome:
    pending = await ctx.request_with(request_uri_method="post", key="post_request")
    fetched = pending.fetched
    if fetched.link.request_uri_method != "post":
        raise Skip("the verifier did not make a request_uri_method=post request")
    if not fetched.usable:
        return failed(fetched.error or "unreadable")
    problems = []
    if fetched.response is not None and fetched.response.content_type != REQUEST_OBJECT_MEDIA_TYPE:
        problems.append(f"Content-Type {fetched.response.content_type}")
    if fetched.header.get("typ") != REQUEST_OBJECT_TYP:
        problems.append(f"typ {fetched.header.get('typ')!r}")
    if fetched.params.get("wallet_nonce") != fetched.wallet_nonce:
        problems.append(f"wallet_nonce is {fetched.params.get('wallet_nonce')!r}, not the one the suite sent")
    if fetched.token is not None:
        try:
            if not verify_jws(fetched.token, (await ctx.signer(fetched)).key):
                problems.append("the signature does not verify")
        except (SignerProblem, ValueError) as exc:
            problems.append(f"signature: {exc}")
    return failed("; ".join(problems)) if problems else passed("wallet_nonce echoed")


@MODULE.check(
    "VP-5.10-no_wallet_nonce_on_get",
    section="OpenID4VP 1.0 §5.10",
    level=MUST,
    description="A Request Object fetched with GET carries no wallet_nonce",
)
async def no_wallet_nonce_on_get(ctx: VerifierContext) -> Outcome:
    pending = await ctx.main_request()
    fetched = pending.fetched
    if fetched.method != "get":
        if not fetched.link.by_reference:
            raise Skip("the request is passed by value")
        fetched = await ctx.fetch(pending.obtained.link, method="get")
        if not fetched.usable:
            raise Skip(f"a GET of the request_uri was not answered with a Request Object: {fetched.error}")
    if "wallet_nonce" in fetched.params:
        return failed("the Request Object has a wallet_nonce although the wallet sent none")
    return passed()


@MODULE.check(
    "VP-5.10.1-request_uri_refetch",
    section="OpenID4VP 1.0 §5.10.1 (OIDF request-uri-fetched-twice)",
    level=SHOULD,
    description="The Request URI answers a second fetch too (a wallet may retry)",
)
async def request_uri_refetch(ctx: VerifierContext) -> Outcome:
    pending = await ctx.main_request()
    first = _by_reference(await ctx.main())
    again = await ctx.fetch(pending.obtained.link, method=first.method)
    if not again.usable:
        return failed(again.error or "the second fetch did not return a Request Object")
    if again.client_id != first.client_id or again.nonce != first.nonce:
        return failed("the second Request Object has another client_id or nonce")
    return passed()


@MODULE.check(
    "RFC9101-4-no_nested_request",
    section="RFC 9101 §4 (a Request Object MUST NOT contain request or request_uri); OpenID4VP 1.0 §5",
    level=MUST,
    description="The Request Object holds no request or request_uri parameter of its own",
)
async def no_nested_request(ctx: VerifierContext) -> Outcome:
    fetched = _by_reference(await ctx.main())
    nested = [p for p in ("request", "request_uri") if p in fetched.params]
    return failed(f"the Request Object contains {', '.join(nested)}") if nested else passed()


def _transaction_data_problems(value: Any, query_ids: set[str]) -> list[str]:
    if not isinstance(value, list) or not value:
        return ["transaction_data must be a non-empty array"]
    problems = []
    for i, item in enumerate(value):
        try:
            decoded = json.loads(b64url_decode(item)) if isinstance(item, str) else None
        except ValueError:
            decoded = None
        if not isinstance(decoded, dict):
            problems.append(f"transaction_data[{i}] is not a base64url-encoded JSON object")
            continue
        if not isinstance(decoded.get("type"), str):
            problems.append(f"transaction_data[{i}] has no type")
        ids = decoded.get("credential_ids")
        if not isinstance(ids, list) or not ids or not all(isinstance(c, str) and c in query_ids for c in ids):
            problems.append(f"transaction_data[{i}].credential_ids must name credential queries of the request")
    return problems


@MODULE.check(
    "VP-8.4-transaction_data",
    section="OpenID4VP 1.0 §5.1 (transaction_data), §8.4",
    level=MUST,
    description="transaction_data, when present, is a non-empty array of base64url JSON objects with a type and "
    "credential_ids naming the request's credential queries",
)
async def transaction_data(ctx: VerifierContext) -> Outcome:
    fetched = await ctx.main()
    if "transaction_data" not in fetched.params:
        raise Skip("the request carries no transaction_data")
    ids = {str(c.get("id")) for c in credential_queries(fetched.dcql_query)}
    problems = _transaction_data_problems(fetched.params["transaction_data"], ids)
    if problems:
        return failed("; ".join(problems))
    return warned("well-formed; the suite does not sign transaction data, so its presentations may be refused")


@MODULE.check(
    "VP-5-no_removed_parameters",
    section="OpenID4VP 1.0 §5.1 (Presentation Exchange and client_id_scheme were removed in 1.0)",
    level=SHOULD,
    description="The request has no presentation_definition, presentation_definition_uri or client_id_scheme",
)
async def no_removed_parameters(ctx: VerifierContext) -> Outcome:
    fetched = await ctx.main()
    found = [p for p in ("presentation_definition", "presentation_definition_uri", "client_id_scheme")
             if p in fetched.params]
    return failed(f"pre-1.0 parameters present: {', '.join(found)}") if found else passed()
