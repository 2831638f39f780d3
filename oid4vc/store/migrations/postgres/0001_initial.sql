-- 0001: offers, access tokens, nonces, issuance claims, issued credentials (same semantics as sqlite/0001).
CREATE TABLE offers (
    id text PRIMARY KEY,
    credential_configuration_ids text[] NOT NULL,
    credential_subject json NOT NULL,                -- json, not jsonb: keeps the issuer's key order
    pre_authorized_code_hash text NOT NULL UNIQUE,
    pre_authorized_code text,                        -- cleared once redeemed
    reference text NOT NULL UNIQUE,
    tx_code jsonb,                                   -- the Credential Offer's tx_code object, or NULL
    tx_code_hash text,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    by_reference boolean NOT NULL,
    state text NOT NULL,
    tx_code_attempts integer NOT NULL DEFAULT 0
);
CREATE TABLE access_tokens (
    token_hash text PRIMARY KEY,
    offer_id text NOT NULL REFERENCES offers(id),
    credential_configuration_ids text[] NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX access_tokens_expiry ON access_tokens(expires_at);
CREATE TABLE nonces (
    nonce text PRIMARY KEY,
    expires_at timestamptz NOT NULL
);
CREATE INDEX nonces_expiry ON nonces(expires_at);
CREATE TABLE issuance_claims (
    token_hash text NOT NULL,
    credential_configuration_id text NOT NULL,
    PRIMARY KEY (token_hash, credential_configuration_id)
);
CREATE TABLE credentials (
    seq bigint GENERATED ALWAYS AS IDENTITY,         -- insertion order, like SQLite's rowid
    id text PRIMARY KEY,
    offer_id text NOT NULL REFERENCES offers(id),
    credential_configuration_id text NOT NULL,
    format text NOT NULL,
    holder_jkt text NOT NULL,
    issued_at timestamptz NOT NULL
);
CREATE INDEX credentials_offer ON credentials(offer_id, seq);
