"""Conformance and interoperability checks run against a live oid4vc server (never imported by ``oid4vc``)."""
