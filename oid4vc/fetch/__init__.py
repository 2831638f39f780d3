"""Outbound HTTP: the ``Fetcher`` port (``base``) and its aiohttp adapter with the SSRF guard (``aiohttp``)."""
