-- Signed CertLogic rule sets (spec/issuer.md §Rule sets). Keep equivalent to the other backend.
-- One row per publication: (name, sequence) is unique, so two replicas signing the same name at
-- once cannot publish the same sequence (the loser retries with the next one).
CREATE TABLE rule_sets (
    name        TEXT NOT NULL,
    sequence    BIGINT NOT NULL,
    issued_at   BIGINT NOT NULL,
    valid_until BIGINT NOT NULL,
    rules_json  TEXT NOT NULL,
    rules_hash  BLOB NOT NULL,
    signed      BLOB NOT NULL,
    PRIMARY KEY (name, sequence)
);
