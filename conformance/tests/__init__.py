"""Conformance tests: third-party wallet/verifier libraries driven against the real server."""
