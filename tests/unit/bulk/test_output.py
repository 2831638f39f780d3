"""Output files: safe QR file names, the mail-merge CSV (0600, atomic), the errors CSV."""

from __future__ import annotations

import csv
import stat
from pathlib import Path

import pytest

from oid4vc.bulk.journal import DoneRecord
from oid4vc.bulk.output import (
    ErrorRow,
    OfferRow,
    atomic_write,
    qr_file_names,
    safe_filename,
    write_errors,
    write_offers,
)


@pytest.mark.parametrize("row_id", ["L00001", "ada.lovelace", "A-1_b.2"])
def test_plain_ids_are_kept(row_id: str) -> None:
    assert safe_filename(row_id) == f"{row_id}.png"


@pytest.mark.parametrize(
    ("row_id", "stem"),
    [
        ("../../etc/passwd", "etc_passwd"),
        ("/abs/path", "abs_path"),
        (".hidden", "hidden"),
        ("a b/c\\d:e", "a_b_c_d_e"),
        ("Zoë Ürün", "Zo_r_n"),
        ("学生", "row"),
        ("CON", "CON"),
        ("nul.txt", "nul.txt"),
        ("x" * 300, "x" * 80),
        ("..", "row"),
    ],
)
def test_unsafe_ids_get_a_clean_stem_and_a_hash(row_id: str, stem: str) -> None:
    name = safe_filename(row_id)
    assert name.startswith(stem + "-") and name.endswith(".png")
    assert "/" not in name and "\\" not in name and not name.startswith(".")
    assert len(name) <= 80 + 1 + 10 + 4
    assert safe_filename(row_id) == name  # deterministic: a rerun finds its files


def test_names_never_collide() -> None:
    ids = ["a/b", "a_b", "a:b", "Alice", "alice", "ALICE", "x", "学生", "学校"]
    names = qr_file_names(ids)
    assert len({n.lower() for n in names.values()}) == len(ids)
    assert names["a_b"] == "a_b.png" and names["x"] == "x.png"
    assert names["Alice"] != "Alice.png"  # case-only twins are told apart on case-insensitive file systems


DONE = DoneRecord(
    "L1", "a1", "off1", "openid-credential-offer://?credential_offer_uri=x", "123456", "2026-01-01T00:00:00Z", "d"
)


def _read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_offers_csv_is_private_and_complete(tmp_path: Path) -> None:
    out = tmp_path / "offers.csv"
    out.write_text("old")
    out.chmod(0o644)
    no_pin = DoneRecord("L2", "a2", "off2", "openid-credential-offer://?x", None, "2026-01-01T00:00:00Z", "d")
    rows = [OfferRow("L1", "a@example.edu", DONE, "L1.png"), OfferRow("L2", "", no_pin, "L2.png")]
    write_offers(out, rows, id_column="learner_id", with_email=True, with_qr=True)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert _read(out) == [
        ["learner_id", "email", "offer_id", "offer_uri", "tx_code", "expires_at", "qr_file"],
        ["L1", "a@example.edu", "off1", DONE.offer_uri, "123456", DONE.expires_at, "L1.png"],
        ["L2", "", "off2", no_pin.offer_uri, "", no_pin.expires_at, "L2.png"],
    ]
    write_offers(out, rows[:1], id_column="student", with_email=False, with_qr=False)
    assert _read(out) == [
        ["student", "offer_id", "offer_uri", "tx_code", "expires_at"],
        ["L1", "off1", DONE.offer_uri, "123456", DONE.expires_at],
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["offers.csv"]  # no temporary file left behind


def test_errors_csv(tmp_path: Path) -> None:
    path = tmp_path / "errors.csv"
    write_errors(
        path,
        [ErrorRow("L1", 2, None, "invalid_row", "empty criteria"), ErrorRow("L2", 3, 400, "invalid_request", 'a "b"')],
        id_column="learner_id",
    )
    assert _read(path) == [
        ["learner_id", "line", "status", "error", "error_description"],
        ["L1", "2", "", "invalid_row", "empty criteria"],
        ["L2", "3", "400", "invalid_request", 'a "b"'],
    ]


def test_atomic_write_mode(tmp_path: Path) -> None:
    atomic_write(tmp_path / "f.png", b"\x89PNG", mode=0o640)
    assert (tmp_path / "f.png").read_bytes() == b"\x89PNG"
    assert stat.S_IMODE((tmp_path / "f.png").stat().st_mode) == 0o640
