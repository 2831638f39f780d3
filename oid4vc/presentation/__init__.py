"""(reserved layer; see docs/architecture.md)"""
