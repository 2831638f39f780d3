from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld

from oid4vc.presentation.w3c_types import CONTEXT_TYPE_TERMS, expanded_types, matches_type_values

VECTORS = Path(__file__).parents[2] / "vectors" / "presentation"
CONTEXTS = resources.files("oid4vc.formats").joinpath("contexts")
INDEX: dict[str, str] = json.loads(CONTEXTS.joinpath("index.json").read_text("utf-8"))
VC2 = "https://www.w3.org/ns/credentials/v2"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def _loader(url: str, options: object = None) -> dict[str, Any]:
    document = json.loads(CONTEXTS.joinpath(INDEX[url]).read_text("utf-8"))
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": document}


def _jsonld_types(contexts: list[str], types: list[str]) -> list[str]:
    expanded = jsonld.expand({"@context": contexts, "@type": types}, {"documentLoader": _loader})
    result: list[str] = expanded[0]["@type"]
    return result


# credentials/examples/v1 imports ODRL, which is not bundled: its table entries come from the spec (App. B.1.1).
PYLD_CHECKABLE = sorted(url for url in CONTEXT_TYPE_TERMS if url != "https://www.w3.org/2018/credentials/examples/v1")


@pytest.mark.parametrize("url", PYLD_CHECKABLE)
def test_table_agrees_with_json_ld_expansion(url: str) -> None:
    terms = sorted(CONTEXT_TYPE_TERMS[url])
    assert expanded_types({"@context": [url], "type": terms}) == tuple(_jsonld_types([url], terms))


def test_vocab_contexts_agree_with_json_ld_expansion() -> None:
    for vocab_context in (
        "https://www.w3.org/ns/credentials/examples/v2",
        "https://www.w3.org/ns/credentials/undefined-terms/v2",
    ):
        contexts = [VC2, vocab_context]
        types = ["VerifiableCredential", "ExampleDegreeCredential"]
        assert expanded_types({"@context": contexts, "type": types}) == tuple(_jsonld_types(contexts, types))


def test_open_badge_types() -> None:
    badge = {"@context": [VC2, OB3], "type": ["VerifiableCredential", "AchievementCredential"]}
    assert expanded_types(badge) == (
        "https://www.w3.org/2018/credentials#VerifiableCredential",
        "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential",
    )
    assert expanded_types({"@context": [VC2], "type": "VerifiableCredential"}) == (
        "https://www.w3.org/2018/credentials#VerifiableCredential",
    )


def test_undefined_types_stay_relative() -> None:
    assert expanded_types({"@context": [VC2], "type": ["VerifiableCredential", "IDCredential"]})[1] == "IDCredential"
    assert expanded_types({"type": ["urn:x:Type", 3]}) == ("urn:x:Type",)


def test_spec_type_values_example() -> None:
    """App. B.1.1: each of the three example credentials matches the example type_values."""
    example = json.loads((VECTORS / "dcql" / "w3c_type_values.json").read_text())
    type_values = example["query"]["credentials"][0]["meta"]["type_values"]
    for credential in example["matching_credentials"]:
        assert matches_type_values(expanded_types(credential), type_values)
    assert not matches_type_values(expanded_types({"@context": [VC2], "type": ["VerifiableCredential"]}), type_values)
    # AlumniCredential alone is not enough: every type of the inner array is required.
    alumni = {
        "@context": example["matching_credentials"][1]["@context"],
        "type": ["VerifiableCredential", "AlumniCredential"],
    }
    assert not matches_type_values(expanded_types(alumni), type_values)
