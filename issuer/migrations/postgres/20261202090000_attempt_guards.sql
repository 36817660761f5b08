-- Failed-attempt guards (spec/issuer.md §Holder retrieval): one row per guarded subject and
-- client network, keyed by an HMAC under person.key (no personal data in the key). Replaces the
-- per-person lock-out columns persons.failed_attempts / persons.locked_until, which are no
-- longer read or written (kept so that older replicas keep working during a rolling update).
CREATE TABLE attempt_guards (
    key          BYTEA PRIMARY KEY,
    failures     BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    next_allowed BIGINT NOT NULL
);
