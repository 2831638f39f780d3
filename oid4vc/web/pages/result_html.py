"""A verified presentation as a person reads it: who issued what achievement to whom, when, with which
alignments and results (``oid4vc.ler.summary``, OB 3.0 #achievement, #alignment, #result; CLR 2.0 #clrsubject),
and the outcome of every check the verifier ran (OpenID4VP 1.0 §8.6 plus this verifier's credential checks).

Input is the stored result JSON (``credentials[]`` with ``summary`` and ``checks``), read defensively: a missing or
oddly shaped member is left out, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from oid4vc.web.pages.html import Markup, el, join, safe_url
from oid4vc.web.pages.text import CHECK_LABELS, check_label, date_html

__all__ = ["checks_html", "credential_html", "requested_html"]

_MARKS = {"passed": "\u2713", "failed": "\u2717", "skipped": "\u2013"}
_TYPES = {"ClrCredential": "Comprehensive Learner Record", "OpenBadgeCredential": "Open Badge",
          "AchievementCredential": "Open Badge"}
_FORMATS = {"jwt_vc_json": "VC-JWT", "ldp_vc": "Data Integrity", "dc+sd-jwt": "SD-JWT VC"}
_CLAIM_NAMES = {
    ("credentialSubject", "achievement", "name"): "Achievement name",
    ("credentialSubject", "achievement", "achievementType"): "Achievement type",
    ("credentialSubject", "achievement", "alignment", None, "targetName"): "Aligned to",
    ("issuer",): "Issuer",
}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _maps(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, Sequence) else []


def checks_html(checks: Any) -> Markup:
    """Every check with a mark, a label, its outcome in words and the reason (colour is never the only cue)."""
    if not isinstance(checks, Mapping) or not checks:
        return Markup("")
    items = []
    order = list(CHECK_LABELS)
    ranked = sorted(checks.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
    for name, check in ranked:
        outcome = _str(check.get("outcome")) if isinstance(check, Mapping) else None
        outcome = outcome if outcome in _MARKS else "skipped"
        reason = _str(check.get("reason")) if isinstance(check, Mapping) else None
        items.append(
            el(
                "li",
                el("span", _MARKS[outcome], class_="mark", aria_hidden="true"),
                el("span", check_label(str(name)), class_="check-name"),
                el("span", outcome, class_="outcome"),
                el("span", reason, class_="reason") if reason else None,
                class_=f"check check-{outcome}",
                data_check=str(name),
            )
        )
    return join([el("h3", "Checks"), el("ul", *items, class_="checks")])


def _alignments(alignments: Any) -> Markup | None:
    items = []
    for alignment in _maps(alignments):
        name = _str(alignment.get("target_name")) or _str(alignment.get("target_url"))
        if name is None:
            continue
        url = safe_url(alignment.get("target_url"))
        label = el("a", name, href=url, rel="noopener noreferrer") if url else el("span", name)
        code = _str(alignment.get("target_code"))
        items.append(el("li", label, f" ({code})" if code else None))
    return el("ul", *items, class_="alignments") if items else None


def _results(results: Any) -> Markup | None:
    items = []
    for result in _maps(results):
        what = _str(result.get("result_description")) or "Result"
        parts = [_str(result.get("value")), _str(result.get("achieved_level")), _str(result.get("status"))]
        shown = ", ".join(p for p in parts if p)
        aligned = _alignments(result.get("alignments"))
        items.append(el("li", el("strong", what), f": {shown}" if shown else None, aligned))
    return el("ul", *items, class_="results") if items else None


def _fact(term: str, value: Markup | str | None) -> Markup:
    return join([el("dt", term), el("dd", value)]) if value else Markup("")


def _validity(summary: Mapping[str, Any]) -> Markup | None:
    start, end = date_html(summary.get("valid_from")), date_html(summary.get("valid_until"))
    if start and end:
        return join(["from ", start, " until ", end])
    if start:
        return join(["since ", start])
    return join(["until ", end]) if end else None


def _summary(summary: Mapping[str, Any], *, issuer: str | None, holder: str | None, level: int) -> Markup:
    achievements = _maps(summary.get("achievements"))
    first = achievements[0] if achievements else {}
    title = _str(first.get("name")) or _str(summary.get("name")) or "Credential"
    issuer_id = _str(summary.get("issuer_id")) or issuer
    issuer_name = _str(summary.get("issuer_name"))
    issued_by = join([issuer_name, " " if issuer_name and issuer_id else None,
                      el("code", issuer_id) if issuer_id else None]) if issuer_name or issuer_id else None
    holder_id = _str(summary.get("holder_id")) or holder
    alignments = [a for ach in achievements for a in _maps(ach.get("alignments"))]
    others = [a for a in achievements[1:] if _str(a.get("name"))]
    nested = _maps(summary.get("credentials"))
    heading = "h2" if level == 0 else "h4"
    return join(
        [
            el(heading, title, class_="result-title"),
            el("p", _str(first.get("description")), class_="description") if _str(first.get("description")) else None,
            el(
                "dl",
                _fact("Issued by", issued_by),
                _fact("Issued to", el("code", holder_id) if holder_id else None),
                _fact("Achievement type", _str(first.get("achievement_type"))),
                _fact("Awarded", date_html(summary.get("awarded_date"))),
                _fact("Valid", _validity(summary)),
                class_="facts",
            ),
            join([el("h3", "Skills and alignments"), _alignments(alignments)]) if _alignments(alignments) else None,
            join([el("h3", "Results"), _results(summary.get("results"))]) if _results(summary.get("results")) else None,
            join([el("h3", "Also achieved"), el("ul", *(el("li", a.get("name")) for a in others))]) if others else None,
            join([el("h3", "Included credentials"),
                  *(el("section", _summary(n, issuer=None, holder=None, level=level + 1), class_="nested")
                    for n in nested)]) if nested and level < 3 else None,
        ]
    )


def credential_html(entry: Mapping[str, Any]) -> Markup:
    """One ``credentials[]`` entry of a presentation result."""
    summary = entry.get("summary")
    summary = summary if isinstance(summary, Mapping) else {}
    kind = _TYPES.get(_str(summary.get("credential_type")) or "", _str(summary.get("credential_type")) or "Credential")
    fmt = _str(entry.get("format"))
    return el(
        "article",
        el("p", kind, f" \u00b7 {_FORMATS.get(fmt, fmt)}" if fmt else None, class_="eyebrow"),
        _summary(summary, issuer=_str(entry.get("issuer")), holder=_str(entry.get("holder")), level=0),
        checks_html(entry.get("checks")),
        class_="result",
    )


def requested_html(request: Mapping[str, Any]) -> Markup:
    """What a pending request asks for: the claim values of its DCQL query and its policy, in words."""
    asked: list[Markup] = []
    seen: set[tuple[str, str]] = set()
    query = request.get("dcql_query")
    formats: list[str] = []
    for credential in _maps(query.get("credentials") if isinstance(query, Mapping) else None):
        fmt = _FORMATS.get(str(credential.get("format")), str(credential.get("format")))
        formats += [fmt] if fmt not in formats else []
        for claim in _maps(credential.get("claims")):
            path = claim.get("path")
            values = claim.get("values")
            if not isinstance(path, list) or not isinstance(values, list) or not values:
                continue
            name = _CLAIM_NAMES.get(tuple(path), " \u203a ".join(str(p) for p in path if p is not None))
            text = " or ".join(str(v) for v in values)
            if (name, text) not in seen:
                seen.add((name, text))
                asked.append(el("li", el("strong", f"{name}: "), text))
    policy = request.get("policy")
    policy = policy if isinstance(policy, Mapping) else {}
    issuers = policy.get("trusted_issuers")
    if isinstance(issuers, list) and issuers:
        asked.append(el("li", el("strong", "Issued by: "), join((el("code", i) for i in issuers), " or ")))
    if isinstance(policy.get("max_age_days"), int):
        asked.append(el("li", el("strong", "Issued within: "), f"the last {policy['max_age_days']} days"))
    if formats:
        asked.append(el("li", el("strong", "Accepted formats: "), ", ".join(formats)))
    if not asked:
        return Markup("")
    return join([el("h2", "What is asked"), el("ul", *asked, class_="asked")])
