-- 0003: OpenID4VP presentation requests and their outcomes.
CREATE TABLE presentations (
    id text PRIMARY KEY,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    request json NOT NULL,
    encryption_jwk jsonb,
    redirect_uri_template text,
    status text NOT NULL,
    result json,
    response_code_hash text,
    completed_at timestamptz
);
CREATE INDEX presentations_expiry ON presentations(expires_at);
