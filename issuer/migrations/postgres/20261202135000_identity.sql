-- Identity (spec/issuer.md §Identity): where a person's identity comes from, the national
-- population register as a table, the review queue, and the ministry's mends.
-- Keep equivalent to the other backend's file of the same name.

ALTER TABLE persons ADD COLUMN doc_type TEXT NOT NULL DEFAULT 'national_id';
ALTER TABLE persons ADD COLUMN identity_state TEXT NOT NULL DEFAULT 'first_submission';
ALTER TABLE persons ADD COLUMN merged_into TEXT;

-- The population register loaded by `population import`: keyed by the same HMAC of the
-- document as persons.id_hash, so no document number is stored in clear.
CREATE TABLE population (
    id_hash     BYTEA PRIMARY KEY,
    doc_type    TEXT NOT NULL,
    family_name TEXT NOT NULL,
    given_name  TEXT,
    dob         TEXT NOT NULL,
    loaded_at   BIGINT NOT NULL
);
CREATE INDEX population_doc_type ON population (doc_type);

-- Held submissions and suspected duplicate shots. `submission` is the submitted record as
-- JSON with its document number removed (`id_hash` and `document_hint` identify it).
CREATE TABLE review_cases (
    id                 TEXT PRIMARY KEY,
    kind               TEXT NOT NULL,
    state              TEXT NOT NULL,
    reasons            TEXT NOT NULL,
    facility_id        TEXT NOT NULL,
    facility_record_id TEXT NOT NULL,
    content_hash       BYTEA NOT NULL,
    id_hash            BYTEA NOT NULL,
    document_hint      TEXT NOT NULL,
    person_id          TEXT,
    submission         TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    decided_at         BIGINT,
    decided_by         TEXT,
    decision_reason    TEXT,
    dose_id            TEXT
);
-- One open case per submitted record: a retry finds it, a race stores it once.
CREATE UNIQUE INDEX review_cases_open_record ON review_cases (facility_id, facility_record_id)
    WHERE state = 'open';
CREATE INDEX review_cases_state ON review_cases (state, created_at);

-- Ministry repairs (merge, move, void) with what they changed, so they can be undone.
CREATE TABLE mends (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    state      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    from_person TEXT,
    to_person  TEXT,
    dose_ids   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    undone_at  BIGINT
);
