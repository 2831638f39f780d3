-- 0004: the event outbox (same semantics as sqlite/0004). Readers order events by (txid, seq) and read only those of
-- transactions older than every running one, so concurrent writers never make a reader miss an event.
CREATE TABLE events (
    seq bigint GENERATED ALWAYS AS IDENTITY,
    txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    id text PRIMARY KEY,
    type text NOT NULL,
    at timestamptz NOT NULL,
    subject_id text,
    request_id text NOT NULL,
    data json NOT NULL
);
CREATE INDEX events_order ON events(txid, seq);
CREATE INDEX events_at ON events(at);
CREATE TABLE webhook_targets (
    id text PRIMARY KEY,
    subject_id text NOT NULL,
    url text NOT NULL,
    secret text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX webhook_targets_subject ON webhook_targets(subject_id);
CREATE TABLE deliveries (
    event_id text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    target_id text NOT NULL,
    state text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    claim text,
    delivered_at timestamptz,
    last_status integer,
    last_error text,
    PRIMARY KEY (event_id, target_id)
);
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE state = 'pending';
CREATE INDEX deliveries_claim ON deliveries(claim) WHERE claim IS NOT NULL;
CREATE INDEX deliveries_target ON deliveries(target_id) WHERE state = 'pending';
CREATE TABLE delivery_attempts (
    event_id text NOT NULL,
    target_id text NOT NULL,
    attempt integer NOT NULL,
    at timestamptz NOT NULL,
    status integer,
    error text,
    duration_ms integer NOT NULL,
    PRIMARY KEY (event_id, target_id, attempt),
    FOREIGN KEY (event_id, target_id) REFERENCES deliveries(event_id, target_id) ON DELETE CASCADE
);
