"""``python -m oid4vc`` is the ``oid4vc`` command."""

import sys

from oid4vc.cli import main

sys.exit(main())
