-- Signed trust and revocation lists (spec/issuer.md §Publication). Keep equivalent to the other
-- backend. One row per published sequence: (kind, sequence) is unique, so two replicas
-- publishing at once cannot put two different lists under one sequence (the loser retries).
-- A sequence is allocated only when the content changes, as max(previous + 1, unix ms); the
-- same content is re-signed under the same sequence (the row updated) only to extend its expiry.
CREATE TABLE publications (
    kind         TEXT NOT NULL,
    sequence     BIGINT NOT NULL,
    content_hash BYTEA NOT NULL,
    covers       BIGINT NOT NULL,
    issued_at    BIGINT NOT NULL,
    valid_until  BIGINT NOT NULL,
    signed       BYTEA NOT NULL,
    PRIMARY KEY (kind, sequence)
);
