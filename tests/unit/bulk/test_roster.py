"""Roster CSV parsing: header and id checks (usage errors), per-row errors, the default subject, tx_code."""

from __future__ import annotations

import pytest

from oid4vc.bulk.roster import RosterError, RowError, default_subject, parse_roster, row_tx_code

HEADER = "learner_id,email,achievement_id,achievement_name,achievement_description,criteria"


def test_parses_rows_with_quotes_commas_newlines_and_a_bom() -> None:
    text = (
        "\ufeff" + HEADER + ",tx_code\r\n"
        'L1,a@example.edu,https://example.edu/a,"Nursing, ""Basics""",d,"line one\nline two",yes\r\n'
        "\r\n"
        " L2 ,,https://example.edu/a,N,d,c,\r\n"
    )
    roster = parse_roster(text)
    assert roster.columns[0] == "learner_id" and roster.has_email
    first, second = roster.rows
    assert (first.row_id, first.line, first.email) == ("L1", 2, "a@example.edu")
    assert first.values["achievement_name"] == 'Nursing, "Basics"'
    assert first.values["criteria"] == "line one\nline two"
    assert (second.row_id, second.line) == ("L2", 5)  # the quoted newline spans line 3; line 4 is blank


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no header row"),
        ("learner_id,learner_id\nx,y\n", "duplicate column(s) in the header: learner_id"),
        ("id,achievement_id\n", "no 'learner_id' column"),
        ("learner_id,achievement_id\n", "missing column(s) achievement_name, achievement_description, criteria"),
        (HEADER + "\nL1,,a,n,d,c\nL1,,a,n,d,c\n", "line 3: learner_id 'L1' already used on line 2"),
        (HEADER + "\n ,,a,n,d,c\n", "line 2: empty learner_id"),
        (HEADER + "\nL1,,a,n,d\n", "line 2: 5 fields, the header has 6"),
        (HEADER + '\nL1,,a,"n,d,c\n', "line"),
    ],
)
def test_structural_problems_are_roster_errors(text: str, message: str) -> None:
    with pytest.raises(RosterError) as info:
        parse_roster(text)
    assert message in str(info.value)


def test_template_mode_needs_only_the_id_column_and_a_custom_id_column() -> None:
    roster = parse_roster("student,name\n7,Ada\n", id_column="student", need_achievement_columns=False)
    assert roster.rows[0].row_id == "7" and not roster.has_email
    with pytest.raises(RosterError, match="--id-column"):
        parse_roster("student,name\n7,Ada\n", need_achievement_columns=False)


def test_default_subject_maps_the_achievement_columns() -> None:
    roster = parse_roster(
        HEADER + ",achievement_type,image\nL1,,https://example.edu/a, N ,D,C,Certificate,https://example.edu/i.png\n"
    )
    assert default_subject(roster.rows[0]) == {
        "achievement": {
            "id": "https://example.edu/a",
            "type": ["Achievement"],
            "name": "N",
            "description": "D",
            "criteria": {"narrative": "C"},
            "achievementType": "Certificate",
            "image": {"id": "https://example.edu/i.png", "type": "Image"},
        }
    }
    (minimal,) = parse_roster(HEADER + "\nL1,,a,n,d,c\n").rows
    assert set(default_subject(minimal)["achievement"]) == {"id", "type", "name", "description", "criteria"}


def test_an_empty_required_value_fails_only_that_row() -> None:
    ok, bad = parse_roster(HEADER + "\nL1,,a,n,d,c\nL2,,a,,d,\n").rows
    default_subject(ok)
    with pytest.raises(RowError, match="empty achievement_name, criteria"):
        default_subject(bad)


def test_tx_code_column_overrides_the_default() -> None:
    rows = parse_roster(
        HEADER
        + ",tx_code\n"
        + "\n".join(f"L{i},,a,n,d,c,{v}" for i, v in enumerate(["yes", "NO", "", " True ", "0", "maybe"]))
    ).rows
    assert [row_tx_code(r, default=False) for r in rows[:5]] == [True, False, False, True, False]
    assert row_tx_code(rows[2], default=True) is True
    with pytest.raises(RowError, match="tx_code: expected yes or no"):
        row_tx_code(rows[5], default=False)
    (no_column,) = parse_roster(HEADER + "\nL1,,a,n,d,c\n").rows
    assert row_tx_code(no_column, default=True) is True
