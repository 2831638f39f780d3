"""Output files of bulk issuance: the mail-merge CSV (offer links of OpenID4VCI 1.0 §4.1 and the PINs, ``tx_code``
§4.1.1), the errors CSV and one QR PNG per row.

Files are written to a temporary name and renamed into place, so an interrupted run never leaves a half file; the
offers CSV and the PNGs carry bearer secrets (a link without a PIN is the credential) and are created with mode
0600. QR file names come from row ids through :func:`safe_filename`, which never yields a path, a hidden file, a
reserved device name or two equal names for two different ids.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from oid4vc.bulk.journal import DoneRecord

__all__ = ["ErrorRow", "OfferRow", "atomic_write", "qr_file_names", "safe_filename", "write_errors", "write_offers"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))})
_MAX_STEM = 80


@dataclass(frozen=True, slots=True)
class OfferRow:
    row_id: str
    email: str | None  # None: the roster has no email column
    done: DoneRecord
    qr_file: str | None  # None: no --qr-dir


@dataclass(frozen=True, slots=True)
class ErrorRow:
    row_id: str
    line: int
    status: int | None  # HTTP status, None when the row never reached the server
    error: str
    error_description: str


def safe_filename(row_id: str, suffix: str = ".png") -> str:
    """``<row id><suffix>`` when the id is already a plain ASCII name, else a cleaned stem plus a hash of the id."""
    stem = _UNSAFE.sub("_", row_id).strip("._")[:_MAX_STEM] or "row"
    if stem != row_id or stem.upper().split(".")[0] in _RESERVED:
        stem = f"{stem}-{hashlib.sha256(row_id.encode()).hexdigest()[:10]}"
    return stem + suffix


def qr_file_names(row_ids: Iterable[str]) -> dict[str, str]:
    """File names for all rows; ids that differ only in case also get a hash (case-insensitive file systems)."""
    names = {row_id: safe_filename(row_id) for row_id in row_ids}
    folded: dict[str, int] = {}
    for name in names.values():
        folded[name.lower()] = folded.get(name.lower(), 0) + 1
    for row_id, name in names.items():
        if folded[name.lower()] > 1:
            names[row_id] = f"{name[:-4]}-{hashlib.sha256(row_id.encode()).hexdigest()[:10]}.png"
    return names


def atomic_write(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory, fsync'd, then renamed."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def write_offers(path: Path, rows: Sequence[OfferRow], *, id_column: str, with_email: bool, with_qr: bool) -> None:
    header = [id_column, *(["email"] if with_email else []), "offer_id", "offer_uri", "tx_code", "expires_at"]
    header += ["qr_file"] if with_qr else []

    def cells(row: OfferRow) -> list[object]:
        out: list[object] = [row.row_id, *([row.email or ""] if with_email else [])]
        out += [row.done.offer_id, row.done.offer_uri, row.done.tx_code or "", row.done.expires_at]
        return out + ([row.qr_file or ""] if with_qr else [])

    atomic_write(path, _csv(header, (cells(r) for r in rows)))


def write_errors(path: Path, rows: Sequence[ErrorRow], *, id_column: str) -> None:
    header = [id_column, "line", "status", "error", "error_description"]
    body = ([r.row_id, r.line, "" if r.status is None else r.status, r.error, r.error_description] for r in rows)
    atomic_write(path, _csv(header, body))
