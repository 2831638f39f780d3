-- 0003: OpenID4VP presentation requests and their outcomes.
CREATE TABLE presentations (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    request TEXT NOT NULL,                 -- JSON: the Authorization Request parameters
    encryption_jwk TEXT,                   -- JSON private JWK (direct_post.jwt), NULL once completed
    redirect_uri_template TEXT,
    status TEXT NOT NULL,
    result TEXT,                           -- JSON
    response_code_hash TEXT,
    completed_at REAL
);
CREATE INDEX presentations_expiry ON presentations(expires_at);
