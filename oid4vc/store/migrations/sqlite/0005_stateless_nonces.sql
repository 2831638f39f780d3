-- 0005: stateless c_nonces and narrower tables. A c_nonce now carries its own expiry and MAC (oid4vc.issuance.nonce),
-- so the nonces table holds only *used* nonces, written once per credential request by INSERT OR IGNORE and
-- looked up by key only: WITHOUT ROWID (one b-tree), and no expiry index (the periodic purge scans a table that
-- holds at most c_nonce_expires_in worth of used nonces). The old rows are dropped, not copied: they were
-- outstanding random nonces, which no longer verify (a wallet holding one gets invalid_nonce and fetches a new one).
DROP TABLE nonces;
CREATE TABLE nonces (
    nonce TEXT PRIMARY KEY,
    expires_at REAL NOT NULL
) WITHOUT ROWID;
-- issuance_claims is only ever probed by its whole key: WITHOUT ROWID, rows copied.
CREATE TABLE issuance_claims_0005 (
    token_hash TEXT NOT NULL,
    credential_configuration_id TEXT NOT NULL,
    PRIMARY KEY (token_hash, credential_configuration_id)
) WITHOUT ROWID;
INSERT INTO issuance_claims_0005 (token_hash, credential_configuration_id)
    SELECT token_hash, credential_configuration_id FROM issuance_claims;
DROP TABLE issuance_claims;
ALTER TABLE issuance_claims_0005 RENAME TO issuance_claims;
-- Every notification lookup also filters on offer_id, which credentials_offer serves.
DROP INDEX credentials_notification;
-- access_tokens is probed by its key (the hash of the bearer token) and scanned whole only by the purge, which
-- deletes expired tokens and so keeps it to the tokens still live: WITHOUT ROWID and no expiry index, so issuing a
-- token writes one b-tree instead of three. Rows copied.
CREATE TABLE access_tokens_0005 (
    token_hash TEXT PRIMARY KEY,
    offer_id TEXT NOT NULL REFERENCES offers(id),
    credential_configuration_ids TEXT NOT NULL,
    expires_at REAL NOT NULL
) WITHOUT ROWID;
INSERT INTO access_tokens_0005 (token_hash, offer_id, credential_configuration_ids, expires_at)
    SELECT token_hash, offer_id, credential_configuration_ids, expires_at FROM access_tokens;
DROP TABLE access_tokens;
ALTER TABLE access_tokens_0005 RENAME TO access_tokens
