"""Discovery: Credential Issuer Metadata (OpenID4VCI 1.0 §12.2) and Authorization Server Metadata (§12.3,
RFC 8414). Mirrors the OpenID Foundation module ``oid4vci-1_0-issuer-metadata-test``."""

from __future__ import annotations

import re
from typing import Any

from conformance.suite.context import SuiteContext, well_known_url
from conformance.suite.model import CheckModule, Level, Outcome, failed, passed, warned
from conformance.suite.offers import PRE_AUTHORIZED_GRANT

__all__ = ["MODULE"]

MODULE = CheckModule("discovery")
MUST, SHOULD = Level.MUST, Level.SHOULD

_ENDPOINTS = ("credential_endpoint", "nonce_endpoint", "deferred_credential_endpoint", "notification_endpoint")
_SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")  # RFC 6749 §3.3 scope-token
_MAC_OR_NONE = re.compile(r"^(none|HS\d+)$", re.IGNORECASE)


def _url_outcome(ctx: SuiteContext, urls: dict[str, Any]) -> Outcome:
    fatal: list[str] = []
    soft: list[str] = []
    for name, url in urls.items():
        problem = ctx.url_problem(url, name)
        if problem is not None:
            (fatal if problem[0] else soft).append(problem[1])
    if fatal:
        return failed("; ".join(fatal + soft))
    if soft:
        return warned("; ".join(soft) + " (accepted because of --allow-http; production issuers must use https)")
    return passed(", ".join(urls))


@MODULE.check(
    "VCI-12.2.2-metadata_get",
    section="OpenID4VCI 1.0 §12.2.2",
    level=MUST,
    description="GET /.well-known/openid-credential-issuer{path} answers HTTP 200 with a JSON object",
)
async def metadata_get(ctx: SuiteContext) -> Outcome:
    resp = await ctx.metadata_response()
    if resp.status != 200:
        return failed(f"GET {resp.url} answered HTTP {resp.status}")
    if resp.json_object() is None:
        return failed("the body is not a JSON object")
    return passed(f"GET {well_known_url(ctx.issuer_id, 'openid-credential-issuer')} -> 200")


@MODULE.check(
    "VCI-12.2.2-metadata_content_type",
    section="OpenID4VCI 1.0 §12.2.2",
    level=MUST,
    description="Unsigned metadata is served with Content-Type application/json",
)
async def metadata_content_type(ctx: SuiteContext) -> Outcome:
    await ctx.metadata()
    resp = await ctx.metadata_response()
    if resp.content_type != "application/json":
        return failed(f"Content-Type is {resp.headers.get('Content-Type')!r}")
    return passed()


@MODULE.check(
    "VCI-12.2.4-credential_issuer_identical",
    section="OpenID4VCI 1.0 §12.2.4",
    level=MUST,
    description="credential_issuer is identical (simple string comparison) to the identifier the URL was built from",
)
async def credential_issuer_identical(ctx: SuiteContext) -> Outcome:
    value = (await ctx.metadata()).get("credential_issuer")
    if value != ctx.issuer_id:
        return failed(f"credential_issuer is {value!r}, the identifier is {ctx.issuer_id!r}")
    return passed(str(value))


@MODULE.check(
    "VCI-12.2.1-issuer_identifier",
    section="OpenID4VCI 1.0 §12.2.1",
    level=MUST,
    description="The Credential Issuer Identifier is an https URL without query or fragment",
)
async def issuer_identifier(ctx: SuiteContext) -> Outcome:
    value = (await ctx.metadata()).get("credential_issuer")
    if isinstance(value, str) and ("?" in value or "#" in value):
        return failed(f"{value!r} has a query or fragment")
    return _url_outcome(ctx, {"credential_issuer": value})


@MODULE.check(
    "VCI-12.2.4-required_parameters",
    section="OpenID4VCI 1.0 §12.2.4",
    level=MUST,
    description="credential_issuer, credential_endpoint and credential_configurations_supported are present",
)
async def required_parameters(ctx: SuiteContext) -> Outcome:
    metadata = await ctx.metadata()
    problems = [n for n in ("credential_issuer", "credential_endpoint") if not isinstance(metadata.get(n), str)]
    configs = metadata.get("credential_configurations_supported")
    if not isinstance(configs, dict):
        problems.append("credential_configurations_supported (an object)")
    elif not configs:
        return warned("credential_configurations_supported is empty: nothing can be issued")
    if problems:
        return failed("missing or not of the right type: " + ", ".join(problems))
    return passed(f"{len(configs or {})} credential configuration(s)")


@MODULE.check(
    "VCI-12.2.4-https_endpoints",
    section="OpenID4VCI 1.0 §12.2.4",
    level=MUST,
    description="credential, nonce, deferred and notification endpoints and authorization_servers use https",
)
async def https_endpoints(ctx: SuiteContext) -> Outcome:
    metadata = await ctx.metadata()
    urls = {name: metadata[name] for name in _ENDPOINTS if name in metadata}
    servers = metadata.get("authorization_servers")
    if servers is not None:
        if not isinstance(servers, list) or not servers:
            return failed("authorization_servers must be a non-empty array")
        urls |= {f"authorization_servers[{i}]": s for i, s in enumerate(servers)}
    return _url_outcome(ctx, urls)


@MODULE.check(
    "VCI-12.2.4-binding_and_proof_types",
    section="OpenID4VCI 1.0 §12.2.4",
    level=MUST,
    description="In every configuration, cryptographic_binding_methods_supported and proof_types_supported "
    "are both present or both absent",
)
async def binding_and_proof_types(ctx: SuiteContext) -> Outcome:
    bad = [
        cid
        for cid, conf in (await ctx.configurations()).items()
        if ("cryptographic_binding_methods_supported" in conf) != ("proof_types_supported" in conf)
    ]
    return failed("only one of the two in: " + ", ".join(bad)) if bad else passed()


@MODULE.check(
    "VCI-12.2.4-proof_signing_algs",
    section="OpenID4VCI 1.0 §12.2.4",
    level=MUST,
    description="Every proof type lists a non-empty proof_signing_alg_values_supported array",
)
async def proof_signing_algs(ctx: SuiteContext) -> Outcome:
    bad = []
    for cid, conf in (await ctx.configurations()).items():
        types = conf.get("proof_types_supported")
        if types is None:
            continue
        if not isinstance(types, dict) or not types:
            bad.append(f"{cid}: proof_types_supported is not a non-empty object")
            continue
        for name, spec in types.items():
            algs = spec.get("proof_signing_alg_values_supported") if isinstance(spec, dict) else None
            if not isinstance(algs, list) or not algs or not all(isinstance(a, str) for a in algs):
                bad.append(f"{cid}.{name}")
    return failed("; ".join(bad)) if bad else passed()


@MODULE.check(
    "VCI-F.1-no_none_or_mac_algs",
    section="OpenID4VCI 1.0 App. F.1, §12.2.4",
    level=MUST,
    description="No advertised proof or credential signing algorithm is 'none' or a MAC (HS*)",
)
async def no_none_or_mac_algs(ctx: SuiteContext) -> Outcome:
    bad = []
    for cid, conf in (await ctx.configurations()).items():
        algs: list[Any] = list(conf.get("credential_signing_alg_values_supported") or [])
        for spec in (conf.get("proof_types_supported") or {}).values():
            if isinstance(spec, dict):
                algs += list(spec.get("proof_signing_alg_values_supported") or [])
        bad += [f"{cid}: {a}" for a in algs if isinstance(a, str) and _MAC_OR_NONE.match(a)]
    return failed(", ".join(bad)) if bad else passed()


@MODULE.check(
    "VCI-12.2.4-batch_size",
    section="OpenID4VCI 1.0 §12.2.4",
    level=MUST,
    description="batch_credential_issuance, when present, has an integer batch_size of 2 or more",
)
async def batch_size(ctx: SuiteContext) -> Outcome:
    batch = (await ctx.metadata()).get("batch_credential_issuance")
    if batch is None:
        return passed("batch_credential_issuance is not advertised")
    size = batch.get("batch_size") if isinstance(batch, dict) else None
    if not isinstance(size, int) or isinstance(size, bool) or size < 2:
        return failed(f"batch_size is {size!r}")
    return passed(f"batch_size {size}")


@MODULE.check(
    "VCI-7-nonce_endpoint_for_binding",
    section="OpenID4VCI 1.0 §7, §13.8 (HAIP 1.0 §4.1: MUST)",
    level=SHOULD,
    description="An issuer with key-bound configurations publishes a nonce_endpoint (proof replay protection)",
)
async def nonce_endpoint_for_binding(ctx: SuiteContext) -> Outcome:
    bound = [c for c, conf in (await ctx.configurations()).items() if "proof_types_supported" in conf]
    if not bound:
        return passed("no configuration requires key binding")
    if await ctx.nonce_endpoint() is None:
        return failed(f"no nonce_endpoint although {', '.join(bound)} bind to a holder key")
    return passed()


@MODULE.check(
    "VCI-A-format_parameters",
    section="OpenID4VCI 1.0 §12.2.4, App. A.1.1-A.3",
    level=MUST,
    description="Every configuration has a format and that format's required parameters "
    "(credential_definition.type / @context, vct, doctype)",
)
async def format_parameters(ctx: SuiteContext) -> Outcome:
    bad, notes = [], []
    for cid, conf in (await ctx.configurations()).items():
        fmt = conf.get("format")
        definition = conf.get("credential_definition")
        definition = definition if isinstance(definition, dict) else {}
        if not isinstance(fmt, str):
            bad.append(f"{cid}: no format")
        elif fmt in ("jwt_vc_json", "jwt_vc_json-ld", "ldp_vc"):
            if not _string_array(definition.get("type")):
                bad.append(f"{cid}: credential_definition.type")
            if fmt != "jwt_vc_json" and not isinstance(definition.get("@context"), list):
                bad.append(f"{cid}: credential_definition.@context")
        elif fmt == "dc+sd-jwt":
            if not isinstance(conf.get("vct"), str):
                bad.append(f"{cid}: vct")
        elif fmt == "mso_mdoc":
            if not isinstance(conf.get("doctype"), str):
                bad.append(f"{cid}: doctype")
        elif fmt == "vc+sd-jwt":
            notes.append(f"{cid} uses the draft format id vc+sd-jwt (1.0 uses dc+sd-jwt)")
        else:
            notes.append(f"{cid}: format {fmt} is not checked by the suite")
    if bad:
        return failed("missing or malformed: " + "; ".join(bad))
    return warned("; ".join(notes)) if notes else passed()


def _string_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


@MODULE.check(
    "VCI-12.2.4-display_locales",
    section="OpenID4VCI 1.0 §12.2.4",
    level=MUST,
    description="display arrays (issuer and credential_metadata) have one object per locale, and logos have a uri",
)
async def display_locales(ctx: SuiteContext) -> Outcome:
    metadata = await ctx.metadata()
    arrays = {"display": metadata.get("display")}
    for cid, conf in (await ctx.configurations()).items():
        meta = conf.get("credential_metadata")
        if isinstance(meta, dict):
            arrays[f"{cid}.credential_metadata.display"] = meta.get("display")
    bad = []
    for name, entries in arrays.items():
        if entries is None:
            continue
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            bad.append(f"{name} is not an array of objects")
            continue
        locales = [e["locale"] for e in entries if "locale" in e]
        if len(locales) != len(set(map(str, locales))):
            bad.append(f"{name} repeats a locale")
        if any(isinstance(e.get("logo"), dict) and not isinstance(e["logo"].get("uri"), str) for e in entries):
            bad.append(f"{name} has a logo without uri")
    return failed("; ".join(bad)) if bad else passed()


@MODULE.check(
    "VCI-12.2.4-scope_syntax",
    section="OpenID4VCI 1.0 §12.2.4, RFC 6749 §3.3",
    level=MUST,
    description="Each configuration scope is a single RFC 6749 scope-token",
)
async def scope_syntax(ctx: SuiteContext) -> Outcome:
    bad = [
        f"{cid}: {conf['scope']!r}"
        for cid, conf in (await ctx.configurations()).items()
        if "scope" in conf and not (isinstance(conf["scope"], str) and _SCOPE_TOKEN.match(conf["scope"]))
    ]
    return failed(", ".join(bad)) if bad else passed()


@MODULE.check(
    "VCI-12.2.4-scope_or_authorization_details",
    section="OpenID4VCI 1.0 §12.2.4",
    level=MUST,
    description="A configuration without scope is requestable: the AS lists openid_credential in "
    "authorization_details_types_supported",
)
async def scope_or_authorization_details(ctx: SuiteContext) -> Outcome:
    without = [cid for cid, conf in (await ctx.configurations()).items() if "scope" not in conf]
    if not without:
        return passed("every configuration has a scope")
    types = (await ctx.as_metadata()).get("authorization_details_types_supported") or []
    if "openid_credential" not in types:
        return failed(f"{', '.join(without)} have no scope and the AS does not list openid_credential")
    return passed()


@MODULE.check(
    "VCI-12.3-as_metadata_get",
    section="OpenID4VCI 1.0 §12.2.4, §12.3; RFC 8414 §3",
    level=MUST,
    description="The Authorization Server Metadata is served (RFC 8414 well-known location) as JSON",
)
async def as_metadata_get(ctx: SuiteContext) -> Outcome:
    await ctx.metadata()
    resp = await ctx.as_metadata_response()
    if resp.status != 200:
        return failed(f"GET {resp.url} answered HTTP {resp.status}")
    if resp.json_object() is None or not resp.is_json:
        return failed(f"not a JSON object ({resp.content_type})")
    if resp.url.endswith("/.well-known/openid-configuration"):
        return warned("served only at the OpenID Connect Discovery location, not at RFC 8414's")
    return passed(resp.url)


@MODULE.check(
    "RFC8414-3.3-issuer_match",
    section="RFC 8414 §3.3; OpenID4VCI 1.0 §12.2.4",
    level=MUST,
    description="The AS metadata issuer equals the Authorization Server identifier it was fetched for",
)
async def as_issuer_match(ctx: SuiteContext) -> Outcome:
    expected = await ctx.authorization_server()
    value = (await ctx.as_metadata()).get("issuer")
    if value != expected:
        return failed(f"issuer is {value!r}, expected {expected!r}")
    return passed(str(value))


@MODULE.check(
    "RFC8414-2-token_endpoint",
    section="RFC 8414 §2; OpenID4VCI 1.0 §6",
    level=MUST,
    description="The AS metadata names a token_endpoint (https)",
)
async def as_token_endpoint(ctx: SuiteContext) -> Outcome:
    value = (await ctx.as_metadata()).get("token_endpoint")
    if value is None:
        return failed("no token_endpoint")
    return _url_outcome(ctx, {"token_endpoint": value})


@MODULE.check(
    "VCI-12.3-pre_authorized_grant_listed",
    section="OpenID4VCI 1.0 §12.3, App. G.1; RFC 8414 §2",
    level=SHOULD,
    description="grant_types_supported lists urn:ietf:params:oauth:grant-type:pre-authorized_code",
)
async def pre_authorized_grant_listed(ctx: SuiteContext) -> Outcome:
    grants = (await ctx.as_metadata()).get("grant_types_supported")
    if grants is None:
        return failed("grant_types_supported is absent (RFC 8414 default: authorization_code, implicit)")
    if PRE_AUTHORIZED_GRANT not in grants:
        return failed(f"grant_types_supported is {grants}")
    return passed()
