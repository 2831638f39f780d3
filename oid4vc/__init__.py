"""oid4vc: an OpenID4VCI 1.0 / OpenID4VP 1.0 server for Learning and Employment Records
(Open Badges 3.0, CLR 2.0)."""

from __future__ import annotations

from oid4vc.config import Settings, load_settings
from oid4vc.web.app import create_app

__all__ = ["Settings", "__version__", "create_app", "load_settings"]

__version__ = "0.1.0"
