"""Versioned schema migrations shared by the SQL adapters: ``migrations/<dialect>/NNNN_name.sql`` files, applied in
order by each adapter under its own lock and tracked by version."""

from __future__ import annotations

from importlib import resources

__all__ = ["migrations"]


def migrations(dialect: str) -> list[tuple[int, str]]:
    """(version, SQL) pairs, in order, from the package's ``migrations/<dialect>/NNNN_*.sql`` files."""
    folder = resources.files("oid4vc.store") / "migrations" / dialect
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [(int(f.name.split("_", 1)[0]), f.read_text(encoding="utf-8")) for f in files]
