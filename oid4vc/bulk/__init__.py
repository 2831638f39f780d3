"""Bulk issuance: one Credential Offer (OpenID4VCI 1.0 §4.1) per row of a roster CSV, created through the admin
API (``POST /admin/offers``), resumable from a journal, with a mail-merge CSV and optional QR PNGs as output.

``roster`` and ``template`` are pure (CSV text and JSON in, credential subjects out); ``journal`` is the
crash-safe state file; ``output`` writes the result files; ``run`` is the concurrent HTTP client.
"""

from __future__ import annotations

__all__: list[str] = []
