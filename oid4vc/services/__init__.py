"""Async use-cases over the pure cores and the ports. They never see aiohttp types."""
