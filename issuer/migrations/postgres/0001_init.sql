-- vaxcert issuer schema (PostgreSQL). Keep equivalent to migrations/sqlite/0001_init.sql.
-- Times are unix seconds (BIGINT). Hashes and keys are BYTEA.
CREATE TABLE facilities (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    role        TEXT NOT NULL,
    facility_id TEXT,
    issued_at   BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

CREATE TABLE persons (
    id              TEXT PRIMARY KEY,
    id_hash         BYTEA NOT NULL UNIQUE,
    family_name     TEXT,
    given_name      TEXT,
    dob             TEXT NOT NULL,
    rc_version      BIGINT NOT NULL DEFAULT 1,
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    locked_until    BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE doses (
    id                 TEXT PRIMARY KEY,
    facility_id        TEXT NOT NULL,
    facility_record_id TEXT NOT NULL,
    content_hash       BYTEA NOT NULL,
    person_id          TEXT NOT NULL REFERENCES persons(id),
    tg                 TEXT NOT NULL,
    vp                 TEXT NOT NULL,
    mp                 TEXT NOT NULL,
    ma                 TEXT NOT NULL,
    dn                 BIGINT NOT NULL,
    sd                 BIGINT NOT NULL,
    dt                 TEXT NOT NULL,
    co                 TEXT NOT NULL,
    lot                TEXT,
    state              TEXT NOT NULL,
    response_uvci      TEXT,
    first_issue        BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    UNIQUE (facility_id, facility_record_id)
);
CREATE INDEX doses_person ON doses (person_id);

CREATE TABLE dscs (
    kid              TEXT PRIMARY KEY,
    algorithm        TEXT NOT NULL,
    cert_der         BYTEA NOT NULL,
    state            TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    state_changed_at BIGINT NOT NULL
);

CREATE TABLE certificates (
    uvci          TEXT PRIMARY KEY,
    person_id     TEXT NOT NULL REFERENCES persons(id),
    dose_id       TEXT NOT NULL REFERENCES doses(id),
    facility_id   TEXT NOT NULL,
    kid           TEXT NOT NULL,
    hc1           TEXT NOT NULL,
    dn            BIGINT NOT NULL,
    sd            BIGINT NOT NULL,
    status        TEXT NOT NULL,
    issued_at     BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    state         TEXT NOT NULL,
    state_at      BIGINT,
    revoke_reason TEXT,
    replaced_by   TEXT
);
CREATE INDEX certificates_person ON certificates (person_id, state);
CREATE INDEX certificates_kid ON certificates (kid, state);

CREATE TABLE revocations (
    seq        BIGSERIAL PRIMARY KEY,
    uvci       TEXT NOT NULL UNIQUE,
    kid        TEXT NOT NULL,
    reason     TEXT NOT NULL,
    revoked_at BIGINT NOT NULL
);

CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash BYTEA NOT NULL,
    hash      BYTEA NOT NULL
);
