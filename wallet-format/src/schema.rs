//! DCC 1.3.x schema validation, reported separately from decoding (spec/format.md §Schema).
//! Implemented in a later commit.
