-- Signed audit-log checkpoints (spec/issuer.md §Audit log). Keep equivalent to the other
-- backend. One row per checkpoint: the audit entry it covers (seq, unique), that entry's hash,
-- when it was signed, and the COSE_Sign1 bytes (what GET /v1/audit/checkpoint serves).
CREATE TABLE audit_checkpoints (
    seq        BIGINT PRIMARY KEY,
    head_hash  BLOB NOT NULL,
    issued_at  BIGINT NOT NULL,
    signed     BLOB NOT NULL
);
