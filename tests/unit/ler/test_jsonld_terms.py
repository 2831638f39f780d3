"""Builder output uses only defined JSON-LD terms, so eddsa-rdfc-2022 signing in safe mode accepts it
(VC Data Integrity 1.0 §4: no silently dropped data; VC v2 has no @vocab). Runs the ``ldp_vc`` canonicalizer
when it is available."""

from __future__ import annotations

from typing import Any

import pytest

from oid4vc.ler.offer import check_achievement_offer, check_clr_offer

from ._data import NOW

ldp_vc = pytest.importorskip("oid4vc.formats.ldp_vc")


@pytest.mark.parametrize(("vcdm", "credential_schema"), [("2.0", False), ("2.0", True), ("1.1", False)])
def test_full_badge_and_clr_have_no_undefined_terms(
    full_subject: dict[str, Any],
    minimal_subject: dict[str, Any],
    issuer: dict[str, Any],
    vcdm: str,
    credential_schema: bool,
) -> None:
    del full_subject["achievement"]["x-extension"]  # an undefined term on purpose: see the last test
    badge = check_achievement_offer(
        full_subject,
        issuer=issuer,
        now=NOW,
        vcdm=vcdm,  # type: ignore[arg-type]
        credential_schema=credential_schema,
    ).preview
    assert ldp_vc.canonicalize(badge)
    clr_input = {
        "credential_subjects": [minimal_subject, full_subject],
        "name": "Transcript",
        "description": "All of it",
        "partial": True,
        "achievement": [full_subject["achievement"]],
        "association": [{"associationType": "isParentOf", "sourceId": "urn:uuid:a", "targetId": "urn:uuid:b"}],
        "identifier": full_subject["identifier"],
    }
    clr = check_clr_offer(
        clr_input,
        issuer=issuer,
        now=NOW,
        vcdm=vcdm,  # type: ignore[arg-type]
        credential_schema=credential_schema,
    ).preview
    assert ldp_vc.canonicalize(clr)


def test_the_schema_type_needs_the_extensions_context(minimal_subject: dict[str, Any], issuer: dict[str, Any]) -> None:
    # Why credentialSchema is opt-in and brings its context: VC v2 has no @vocab.
    with_schema = check_achievement_offer(minimal_subject, issuer=issuer, now=NOW, credential_schema=True).preview
    with_schema["@context"] = with_schema["@context"][:2]
    with pytest.raises(ldp_vc.DataIntegrityError, match="1EdTechJsonSchemaValidator2019"):
        ldp_vc.canonicalize(with_schema)


def test_unknown_extension_terms_are_caught_at_signing(minimal_subject: dict[str, Any], issuer: dict[str, Any]) -> None:
    minimal_subject["achievement"]["favouriteColour"] = "green"
    preview = check_achievement_offer(minimal_subject, issuer=issuer, now=NOW).preview
    with pytest.raises(ldp_vc.DataIntegrityError, match="favouriteColour"):
        ldp_vc.canonicalize(preview)
