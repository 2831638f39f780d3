"""Roster CSV for bulk issuance (the ``credential_subject`` of OpenID4VCI 1.0 §4.1 offers via the admin API): parsing,
per-row validation and the default Open Badges 3.0 subject (OB 3.0 #achievementsubject, #achievement).

The CSV is UTF-8 (a byte-order mark is tolerated) with a header row. One column (``learner_id`` by default) names
each row: it is required, unique and the resume key of the journal. Without a subject template the achievement
comes from ``achievement_id``, ``achievement_name``, ``achievement_description``, ``criteria`` and the optional
``achievement_type`` (OB 3.0 ``achievementType``) and ``image`` columns. ``email`` is only copied to the output
CSV; ``tx_code`` ("yes"/"no", empty = the command's default) overrides ``--tx-code`` per row.

Structural problems (no header, a missing column, a duplicate or empty id, a ragged row) make the whole roster
unusable (:class:`RosterError`, before anything is sent); a problem inside one row (an empty required value, a bad
``tx_code``) fails that row only (:class:`RowError`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass

from oid4vc.jose import JsonObject

__all__ = [
    "ACHIEVEMENT_COLUMNS",
    "OPTIONAL_ACHIEVEMENT_COLUMNS",
    "Roster",
    "RosterError",
    "RosterRow",
    "RowError",
    "default_subject",
    "parse_roster",
    "row_tx_code",
]

ACHIEVEMENT_COLUMNS = ("achievement_id", "achievement_name", "achievement_description", "criteria")
OPTIONAL_ACHIEVEMENT_COLUMNS = ("achievement_type", "image")
EMAIL_COLUMN = "email"
TX_CODE_COLUMN = "tx_code"
_YES = frozenset({"yes", "y", "true", "1"})
_NO = frozenset({"no", "n", "false", "0"})


class RosterError(ValueError):
    """The roster as a whole cannot be used (a usage error: nothing is sent)."""


class RowError(ValueError):
    """One row cannot become an offer; the others go ahead."""


@dataclass(frozen=True, slots=True)
class RosterRow:
    line: int
    row_id: str
    values: Mapping[str, str]

    @property
    def email(self) -> str:
        return self.values.get(EMAIL_COLUMN, "").strip()


@dataclass(frozen=True, slots=True)
class Roster:
    id_column: str
    columns: tuple[str, ...]
    rows: tuple[RosterRow, ...]

    @property
    def has_email(self) -> bool:
        return EMAIL_COLUMN in self.columns


def parse_roster(text: str, *, id_column: str = "learner_id", need_achievement_columns: bool = True) -> Roster:
    """Parse the whole CSV; raise :class:`RosterError` naming the line of the first structural problem."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise RosterError("the roster has no header row")
        columns = tuple(h.strip() for h in header)
        duplicates = sorted({c for c in columns if columns.count(c) > 1})
        if duplicates:
            raise RosterError(f"duplicate column(s) in the header: {', '.join(duplicates)}")
        if id_column not in columns:
            raise RosterError(f"no {id_column!r} column (the row id; choose another with --id-column)")
        missing = [c for c in ACHIEVEMENT_COLUMNS if c not in columns] if need_achievement_columns else []
        if missing:
            raise RosterError(f"missing column(s) {', '.join(missing)} (or give --subject-template)")
        rows: list[RosterRow] = []
        seen: dict[str, int] = {}
        end = reader.line_num
        for record in reader:
            line, end = end + 1, reader.line_num  # a quoted field may span lines: name the first
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(columns):
                raise RosterError(f"line {line}: {len(record)} fields, the header has {len(columns)}")
            values = dict(zip(columns, record, strict=True))
            row_id = values[id_column].strip()
            if not row_id:
                raise RosterError(f"line {line}: empty {id_column}")
            if row_id in seen:
                raise RosterError(f"line {line}: {id_column} {row_id!r} already used on line {seen[row_id]}")
            seen[row_id] = line
            rows.append(RosterRow(line=line, row_id=row_id, values=values))
    except csv.Error as exc:
        raise RosterError(f"line {reader.line_num}: {exc}") from None
    return Roster(id_column=id_column, columns=columns, rows=tuple(rows))


def row_tx_code(row: RosterRow, *, default: bool) -> bool:
    """The row's ``tx_code`` column ("yes"/"no"; empty or absent = ``default``)."""
    raw = row.values.get(TX_CODE_COLUMN, "").strip().lower()
    if not raw:
        return default
    if raw in _YES:
        return True
    if raw in _NO:
        return False
    raise RowError(f"tx_code: expected yes or no, got {raw[:20]!r}")


def default_subject(row: RosterRow) -> JsonObject:
    """An AchievementSubject with one Achievement from the achievement columns (OB 3.0 #achievement)."""
    values = {c: row.values.get(c, "").strip() for c in (*ACHIEVEMENT_COLUMNS, *OPTIONAL_ACHIEVEMENT_COLUMNS)}
    empty = [c for c in ACHIEVEMENT_COLUMNS if not values[c]]
    if empty:
        raise RowError(f"empty {', '.join(empty)}")
    achievement: JsonObject = {
        "id": values["achievement_id"],
        "type": ["Achievement"],
        "name": values["achievement_name"],
        "description": values["achievement_description"],
        "criteria": {"narrative": values["criteria"]},
    }
    if values["achievement_type"]:
        achievement["achievementType"] = values["achievement_type"]
    if values["image"]:
        achievement["image"] = {"id": values["image"], "type": "Image"}
    return {"achievement": achievement}
