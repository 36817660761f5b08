-- Citizen portal sessions (spec/portal.md §Session). Keep equivalent to the other backend.
-- One row per signed-in browser: the SHA-256 of the session cookie's token (never the token),
-- the person, the CSRF token of the session's forms, and when it ends. No national id, no
-- retrieval code. Expired rows are deleted when a new session is made.
CREATE TABLE portal_sessions (
    token_hash  BYTEA PRIMARY KEY,
    person_id   TEXT NOT NULL,
    csrf_token  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX portal_sessions_expires ON portal_sessions (expires_at);
