//! The one error type of the issuer. Every variant maps to an HTTP status and a stable
//! machine code (spec/issuer.md §Errors); messages are lowercase and never carry personal data.

use serde::Serialize;

/// One field-level validation failure (`422`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// JSON path of the field, e.g. `person.date_of_birth`.
    pub field: String,
    /// Why it was rejected (lowercase, no echo of the value).
    pub reason: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// What went wrong in the issuer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The body is not JSON, or not a JSON object.
    #[error("the request body is not a valid json object")]
    MalformedJson,
    /// The request is well-formed but some fields are invalid.
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    /// No, expired or unknown bearer token.
    #[error("a valid bearer token is required")]
    Unauthenticated,
    /// The token's role or facility may not do this.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// The thing does not exist (or the caller may not know it exists).
    #[error("not found")]
    NotFound,
    /// Same facility record id, different content.
    #[error("this facility record id was already used with different content")]
    IdempotencyConflict,
    /// The state does not allow the operation (e.g. correcting a superseded record).
    #[error("conflict: {0}")]
    StateConflict(&'static str),
    /// Holder retrieval: wrong code / unknown person.
    #[error("national id, date of birth or retrieval code do not match")]
    RetrievalFailed,
    /// Too many wrong attempts from this client network for this subject: the next attempt
    /// is checked only after `retry_after` seconds (a delay, not a lock: other clients are
    /// not affected).
    #[error("too many wrong attempts; try again in {retry_after} s")]
    RetrievalLocked {
        /// Seconds until the next attempt is checked.
        retry_after: i64,
    },
    /// This client sent too many requests of this kind.
    #[error("too many requests; try again in {retry_after} s")]
    RateLimited {
        /// Seconds until the client has budget again.
        retry_after: i64,
    },
    /// No DSC is available for signing.
    #[error("no document signer key is available")]
    NoSigningKey,
    /// A dependency (database, key store) did not answer in time or is unreachable: the
    /// request may be retried (`503`).
    #[error("the service is temporarily unavailable: {0}")]
    Unavailable(&'static str),
    /// Configuration or key files are missing or wrong.
    #[error("configuration error: {0}")]
    Config(String),
    /// Database failure.
    #[error("database error")]
    Database(#[from] sqlx::Error),
    /// Migration failure.
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Wire-format failure (signing, encoding).
    #[error("certificate encoding failed")]
    Format(#[from] wallet_format::Error),
    /// Trust-list failure (X.509, list signing).
    #[error("trust list error")]
    TrustList(#[from] trust_list::error::Error),
    /// File I/O.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// Any other internal failure (detail is logged, never returned).
    #[error("internal error")]
    Internal(String),
}

/// Every code an HTTP error body can carry (the closed `code` enum of spec/openapi.yaml).
/// `CONFIG_INVALID` and the internal kinds answer `INTERNAL` over HTTP.
pub const HTTP_CODES: &[&str] = &[
    "MALFORMED_JSON",
    "VALIDATION_FAILED",
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "IDEMPOTENCY_CONFLICT",
    "STATE_CONFLICT",
    "RETRIEVAL_FAILED",
    "RETRIEVAL_LOCKED",
    "NO_SIGNING_KEY",
    "RATE_LIMITED",
    "UNAVAILABLE",
    "INTERNAL",
    // Refusals of the HTTP layer itself (http/surface.rs).
    "BAD_REQUEST",
    "METHOD_NOT_ALLOWED",
    "PAYLOAD_TOO_LARGE",
    "URI_TOO_LONG",
    "REQUEST_TIMEOUT",
    "UNSUPPORTED_MEDIA_TYPE",
];

impl Error {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::MalformedJson => "MALFORMED_JSON",
            Error::Validation(_) => "VALIDATION_FAILED",
            Error::Unauthenticated => "UNAUTHENTICATED",
            Error::Forbidden(_) => "FORBIDDEN",
            Error::NotFound => "NOT_FOUND",
            Error::IdempotencyConflict => "IDEMPOTENCY_CONFLICT",
            Error::StateConflict(_) => "STATE_CONFLICT",
            Error::RetrievalFailed => "RETRIEVAL_FAILED",
            Error::RetrievalLocked { .. } => "RETRIEVAL_LOCKED",
            Error::RateLimited { .. } => "RATE_LIMITED",
            Error::NoSigningKey => "NO_SIGNING_KEY",
            Error::Config(_) => "CONFIG_INVALID",
            Error::Unavailable(_) => "UNAVAILABLE",
            Error::Database(e) if connection_lost(e) => "UNAVAILABLE",
            Error::Database(_)
            | Error::Migrate(_)
            | Error::Format(_)
            | Error::TrustList(_)
            | Error::Io(_)
            | Error::Internal(_) => "INTERNAL",
        }
    }

    /// Shorthand for a one-field validation error.
    pub fn field(field: &str, reason: &str) -> Error {
        Error::Validation(vec![FieldError::new(field, reason)])
    }
}

/// Whether a database error means the database cannot be reached (pool exhausted or closed,
/// connection broken): the request failed for a reason the client can retry.
pub fn connection_lost(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)
    )
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// One value of every variant.
    fn every_variant() -> Vec<Error> {
        vec![
            Error::MalformedJson,
            Error::Validation(vec![]),
            Error::Unauthenticated,
            Error::Forbidden("x"),
            Error::NotFound,
            Error::IdempotencyConflict,
            Error::StateConflict("x"),
            Error::RetrievalFailed,
            Error::RetrievalLocked { retry_after: 1 },
            Error::RateLimited { retry_after: 1 },
            Error::NoSigningKey,
            Error::Unavailable("x"),
            Error::Database(sqlx::Error::PoolTimedOut),
            Error::Config("x".into()),
            Error::Database(sqlx::Error::RowNotFound),
            Error::Migrate(sqlx::migrate::MigrateError::VersionMissing(1)),
            Error::Format(wallet_format::Error::QrRenderFailed),
            Error::Io(std::io::Error::other("x")),
            Error::Internal("x".into()),
        ]
    }

    #[test]
    fn every_error_answers_a_code_of_the_closed_enum() {
        for e in every_variant() {
            let wire = if e.status().is_server_error() {
                "INTERNAL"
            } else {
                e.code()
            };
            assert!(HTTP_CODES.contains(&wire), "{e:?} answers {wire}");
        }
    }
}
