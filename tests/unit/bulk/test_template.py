"""Subject templates: placeholders are filled inside parsed JSON strings, so no value can break the structure."""

from __future__ import annotations

import json

import pytest

from oid4vc.bulk.template import SubjectTemplate, TemplateError

TEMPLATE = json.dumps(
    {
        "name": "{{ learner_name }}'s badge",
        "achievement": {
            "id": "https://example.edu/achievements/{{course}}",
            "type": ["Achievement"],
            "name": "{{course_name}}",
            "criteria": {"narrative": "Completed {{course_name}} ({{course}})."},
            "tags": ["{{course}}", 3, True, None],
        },
        "{{course}}": "keys are not templated",
    }
)


def test_placeholders_are_found_in_nested_strings_only() -> None:
    template = SubjectTemplate.parse(TEMPLATE)
    assert template.placeholders == {"learner_name", "course", "course_name"}


def test_values_with_quotes_backslashes_and_braces_stay_values() -> None:
    template = SubjectTemplate.parse(TEMPLATE)
    hostile = 'O"Brien\\", "x": {"injected": true}, "{{course}}'
    filled = template.fill({"learner_name": hostile, "course": "n101", "course_name": "{{learner_name}} }}{{"})
    assert filled["name"] == hostile + "'s badge"
    assert filled["achievement"]["name"] == "{{learner_name}} }}{{"  # inserted literally, never expanded again
    assert filled["achievement"]["criteria"]["narrative"] == "Completed {{learner_name}} }}{{ (n101)."
    assert filled["achievement"]["tags"] == ["n101", 3, True, None]
    assert filled["{{course}}"] == "keys are not templated"
    assert "injected" not in filled
    assert json.loads(json.dumps(filled)) == filled


def test_fill_returns_a_fresh_document_each_time() -> None:
    template = SubjectTemplate.parse(TEMPLATE)
    a = template.fill({"learner_name": "A", "course": "1", "course_name": "X"})
    b = template.fill({"learner_name": "B", "course": "2", "course_name": "Y"})
    assert (a["name"], b["name"]) == ("A's badge", "B's badge")
    assert template.document["name"] == "{{ learner_name }}'s badge"


def test_unknown_columns_are_named() -> None:
    template = SubjectTemplate.parse(TEMPLATE)
    template.check_columns(["learner_name", "course", "course_name", "email"])
    with pytest.raises(TemplateError, match="lacks: course_name, learner_name"):
        template.check_columns(["course"])


@pytest.mark.parametrize(
    ("text", "message"),
    [("{", "not JSON"), ("[1]", "must be a JSON object"), ('{"a": "{{ }}"}', "empty placeholder")],
)
def test_bad_templates(text: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        SubjectTemplate.parse(text)
