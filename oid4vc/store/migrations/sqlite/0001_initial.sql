-- 0001: offers, access tokens, nonces, issuance claims, issued credentials.
CREATE TABLE offers (
    id TEXT PRIMARY KEY,
    credential_configuration_ids TEXT NOT NULL,      -- JSON array
    credential_subject TEXT NOT NULL,                -- JSON object
    pre_authorized_code_hash TEXT NOT NULL UNIQUE,
    pre_authorized_code TEXT,                        -- cleared once redeemed
    reference TEXT NOT NULL UNIQUE,
    tx_code TEXT,                                    -- JSON object or NULL
    tx_code_hash TEXT,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    by_reference INTEGER NOT NULL,
    state TEXT NOT NULL,
    tx_code_attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE access_tokens (
    token_hash TEXT PRIMARY KEY,
    offer_id TEXT NOT NULL REFERENCES offers(id),
    credential_configuration_ids TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX access_tokens_expiry ON access_tokens(expires_at);
CREATE TABLE nonces (
    nonce TEXT PRIMARY KEY,
    expires_at REAL NOT NULL
);
CREATE INDEX nonces_expiry ON nonces(expires_at);
CREATE TABLE issuance_claims (
    token_hash TEXT NOT NULL,
    credential_configuration_id TEXT NOT NULL,
    PRIMARY KEY (token_hash, credential_configuration_id)
);
CREATE TABLE credentials (
    id TEXT PRIMARY KEY,
    offer_id TEXT NOT NULL REFERENCES offers(id),
    credential_configuration_id TEXT NOT NULL,
    format TEXT NOT NULL,
    holder_jkt TEXT NOT NULL,
    issued_at REAL NOT NULL
);
CREATE INDEX credentials_offer ON credentials(offer_id);
