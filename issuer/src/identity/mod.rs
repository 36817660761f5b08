//! Who a person is (spec/issuer.md §Identity): the identity document a submission names
//! ([`document`]), how a submitted identity is compared with a reference one ([`matching`]),
//! and the national population register that references come from ([`register`]: the
//! `population` table loaded by `population import` ([`population_file`]) or an external
//! register over HTTP ([`http_register`])).

pub mod document;
pub mod http_register;
pub mod matching;
pub mod population_file;
pub mod register;

pub use document::Document;
pub use matching::{compare, Claimed, Mismatch};
pub use register::{Lookup, PopulationRegister, RegisterEntry};
