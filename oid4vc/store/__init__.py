"""Storage port (``base``) and its adapters: ``memory`` (tests, single process), ``sqlite`` (WAL; statements inline on
the event loop, checkpoints on an aiosqlite connection) and ``postgres`` (asyncpg pool, several processes and
machines)."""
