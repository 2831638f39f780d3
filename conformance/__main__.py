"""``python -m conformance issuer --issuer URL ...``: the OpenID4VC conformance suite (see docs/conformance.md)."""

from __future__ import annotations

import sys

from conformance.suite.cli import main

if __name__ == "__main__":
    sys.exit(main())
