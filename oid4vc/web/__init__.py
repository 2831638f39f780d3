"""The aiohttp shell: the app factory, middlewares, and thin handlers. The only home of ``aiohttp.web``."""
