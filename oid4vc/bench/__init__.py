"""``oid4vc bench``: load generators that play many wallets against any deployment, and an in-process signing
benchmark. Numbers belong in the README's performance section, produced by these commands, never by unit tests."""
