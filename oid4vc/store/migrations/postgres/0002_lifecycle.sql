-- 0002: credential lifecycle (same semantics as sqlite/0002). Status lists and their allocation counters,
-- credential status and notification state, the status audit trail, deferred transactions, offer approval.
CREATE TABLE status_lists (
    id text PRIMARY KEY,
    kind text NOT NULL,                              -- bitstring | token
    scope text NOT NULL,                             -- allocation group: kind and signing key ids
    size integer NOT NULL,
    permutation_key bytea NOT NULL,                  -- keyed index permutation (never leaves the server)
    counter integer NOT NULL DEFAULT 0,              -- slots handed out
    version bigint NOT NULL DEFAULT 0,               -- bumped by every status change
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX status_lists_scope ON status_lists(scope, created_at);
ALTER TABLE credentials
    ADD COLUMN status_list_id text REFERENCES status_lists(id),
    ADD COLUMN status_idx integer,
    ADD COLUMN status_kind text,
    ADD COLUMN state text NOT NULL DEFAULT 'valid',
    ADD COLUMN notification_id text,
    ADD COLUMN notification_event text,
    ADD COLUMN notification_at timestamptz;
CREATE UNIQUE INDEX credentials_status_entry ON credentials(status_list_id, status_idx);
CREATE INDEX credentials_not_valid ON credentials(status_list_id) WHERE state <> 'valid';
CREATE INDEX credentials_notification ON credentials(notification_id);
CREATE TABLE credential_status_events (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    credential_id text NOT NULL REFERENCES credentials(id),
    action text NOT NULL,
    from_state text NOT NULL,
    to_state text NOT NULL,
    actor text NOT NULL,
    reason text,
    at timestamptz NOT NULL
);
CREATE INDEX credential_status_events_credential ON credential_status_events(credential_id, seq);
CREATE TABLE deferred_transactions (
    transaction_id_hash text PRIMARY KEY,
    token_hash text NOT NULL,
    offer_id text NOT NULL REFERENCES offers(id),
    credential_configuration_id text NOT NULL,
    holders json NOT NULL,                           -- [{jwk, did, jkt}]: verified holder keys
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX deferred_transactions_expiry ON deferred_transactions(expires_at);
ALTER TABLE offers
    ADD COLUMN approval_required boolean NOT NULL DEFAULT false,
    ADD COLUMN approved_at timestamptz,
    ADD COLUMN notification_event text;
CREATE INDEX offers_expiry ON offers(state, expires_at);
