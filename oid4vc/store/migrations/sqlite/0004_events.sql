-- 0004: the event outbox: events, webhook targets of one object, deliveries (event x target) and their attempts.
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,   -- the store's order: writers take turns, so it is commit order
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    at REAL NOT NULL,
    subject_id TEXT,
    request_id TEXT NOT NULL,
    data TEXT NOT NULL                       -- JSON
);
CREATE INDEX events_at ON events(at);
CREATE TABLE webhook_targets (
    id TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL,                -- the offer or presentation request whose events it receives
    url TEXT NOT NULL,
    secret TEXT NOT NULL,                    -- the HMAC key, needed at every attempt
    created_at REAL NOT NULL
);
CREATE INDEX webhook_targets_subject ON webhook_targets(subject_id);
CREATE TABLE deliveries (
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    target_id TEXT NOT NULL,                 -- a webhook_targets id, or a configured target's id
    state TEXT NOT NULL,                     -- pending, delivered, failed
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL,                    -- while pending: when it is due (the end of the lease while claimed)
    claim TEXT,                              -- who holds it now
    delivered_at REAL,
    last_status INTEGER,
    last_error TEXT,
    PRIMARY KEY (event_id, target_id)
);
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE state = 'pending';
CREATE INDEX deliveries_claim ON deliveries(claim) WHERE claim IS NOT NULL;
CREATE TABLE delivery_attempts (
    event_id TEXT NOT NULL,
    target_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    at REAL NOT NULL,
    status INTEGER,                          -- NULL: no answer
    error TEXT,
    duration_ms INTEGER NOT NULL,
    PRIMARY KEY (event_id, target_id, attempt),
    FOREIGN KEY (event_id, target_id) REFERENCES deliveries(event_id, target_id) ON DELETE CASCADE
)
