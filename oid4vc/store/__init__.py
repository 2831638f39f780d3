"""Storage port (``base``) and its adapters: ``memory`` (tests, single process) and ``sqlite`` (aiosqlite, WAL)."""
