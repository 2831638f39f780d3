-- 0002: credential lifecycle. Status lists and their allocation counters, credential status and notification
-- state, the status audit trail, deferred issuance transactions, offer approval.
CREATE TABLE status_lists (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,                              -- bitstring | token
    scope TEXT NOT NULL,                             -- allocation group: kind and signing key ids
    size INTEGER NOT NULL,
    permutation_key BLOB NOT NULL,                   -- keyed index permutation (never leaves the server)
    counter INTEGER NOT NULL DEFAULT 0,              -- slots handed out
    version INTEGER NOT NULL DEFAULT 0,              -- bumped by every status change
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX status_lists_scope ON status_lists(scope, created_at);
ALTER TABLE credentials ADD COLUMN status_list_id TEXT REFERENCES status_lists(id);
ALTER TABLE credentials ADD COLUMN status_idx INTEGER;
ALTER TABLE credentials ADD COLUMN status_kind TEXT;
ALTER TABLE credentials ADD COLUMN state TEXT NOT NULL DEFAULT 'valid';
ALTER TABLE credentials ADD COLUMN notification_id TEXT;
ALTER TABLE credentials ADD COLUMN notification_event TEXT;
ALTER TABLE credentials ADD COLUMN notification_at REAL;
CREATE UNIQUE INDEX credentials_status_entry ON credentials(status_list_id, status_idx);
CREATE INDEX credentials_not_valid ON credentials(status_list_id) WHERE state <> 'valid';
CREATE INDEX credentials_notification ON credentials(notification_id);
CREATE TABLE credential_status_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    credential_id TEXT NOT NULL REFERENCES credentials(id),
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT,
    at REAL NOT NULL
);
CREATE INDEX credential_status_events_credential ON credential_status_events(credential_id, seq);
CREATE TABLE deferred_transactions (
    transaction_id_hash TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL,
    offer_id TEXT NOT NULL REFERENCES offers(id),
    credential_configuration_id TEXT NOT NULL,
    holders TEXT NOT NULL,                           -- JSON array of {jwk, did, jkt}: verified holder keys
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX deferred_transactions_expiry ON deferred_transactions(expires_at);
ALTER TABLE offers ADD COLUMN approval_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE offers ADD COLUMN approved_at REAL;
ALTER TABLE offers ADD COLUMN notification_event TEXT;
CREATE INDEX offers_expiry ON offers(state, expires_at)
