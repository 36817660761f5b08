//! Errors → HTTP status + `{"code", "message"[, "fields"]}`: the one mapping of the API.
//! A 500 answers only `INTERNAL`; its source is logged with personal data left out (database
//! errors by SQLSTATE and constraint, I/O errors by kind, our own errors by their text, which
//! never carries personal data).

use crate::error::Error;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

impl Error {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::MalformedJson => StatusCode::BAD_REQUEST,
            Error::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Unauthenticated | Error::RetrievalFailed => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::IdempotencyConflict | Error::StateConflict(_) => StatusCode::CONFLICT,
            Error::RetrievalLocked { .. } | Error::RateLimited { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Error::NoSigningKey | Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Database(e) if crate::error::connection_lost(e) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Error::Config(_)
            | Error::Database(_)
            | Error::Migrate(_)
            | Error::Format(_)
            | Error::TrustList(_)
            | Error::Io(_)
            | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the log says about an internal error's source, without personal data.
    pub fn log_source(&self) -> String {
        match self {
            Error::Database(e) => database_source(e),
            Error::Migrate(e) => format!("migration: {e}"),
            Error::Io(e) => format!("i/o: {:?}", e.kind()),
            Error::Format(e) => format!("wallet-format [{}]: {e}", e.code()),
            Error::TrustList(e) => format!("trust-list [{}]: {e}", e.code()),
            Error::Config(s) | Error::Internal(s) => s.clone(),
            other => other.to_string(),
        }
    }
}

/// A database error as SQLSTATE, constraint and kind: PostgreSQL's message and detail may
/// quote row values (`Key (…)=(…)`), so neither is logged.
fn database_source(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(d) => format!(
            "database: sqlstate {} constraint {} kind {:?}",
            d.code().as_deref().unwrap_or("-"),
            d.constraint().unwrap_or("-"),
            d.kind()
        ),
        sqlx::Error::PoolTimedOut => "database: pool timed out".into(),
        sqlx::Error::PoolClosed => "database: pool closed".into(),
        sqlx::Error::Io(io) => format!("database i/o: {:?}", io.kind()),
        sqlx::Error::RowNotFound => "database: row not found".into(),
        sqlx::Error::ColumnNotFound(c) => format!("database: column {c} not found"),
        other => format!("database: {}", error_kind(other)),
    }
}

/// The variant name of an sqlx error (its message may quote data).
fn error_kind(e: &sqlx::Error) -> &'static str {
    match e {
        sqlx::Error::Configuration(_) => "configuration",
        sqlx::Error::Tls(_) => "tls",
        sqlx::Error::Protocol(_) => "protocol",
        sqlx::Error::TypeNotFound { .. } => "type not found",
        sqlx::Error::ColumnIndexOutOfBounds { .. } => "column index out of bounds",
        sqlx::Error::ColumnDecode { .. } => "column decode",
        sqlx::Error::Decode(_) => "decode",
        sqlx::Error::WorkerCrashed => "worker crashed",
        sqlx::Error::InvalidSavePointStatement => "begin inside a transaction",
        sqlx::Error::BeginFailed => "begin failed",
        _ => "other",
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = if status == StatusCode::SERVICE_UNAVAILABLE {
            tracing::warn!(code = self.code(), source = %self.log_source(), "unavailable");
            json!({"code": self.code(), "message": self.to_string()})
        } else if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(code = self.code(), source = %self.log_source(), "internal error");
            json!({"code": "INTERNAL", "message": "internal error"})
        } else if let Error::Validation(fields) = &self {
            json!({"code": self.code(), "message": self.to_string(), "fields": fields})
        } else {
            json!({"code": self.code(), "message": self.to_string()})
        };
        let mut res = (status, Json(body)).into_response();
        let code = if status == StatusCode::INTERNAL_SERVER_ERROR {
            "INTERNAL"
        } else {
            self.code()
        };
        res.extensions_mut().insert(super::access::ErrorCode(code));
        if let Error::RetrievalLocked { retry_after } | Error::RateLimited { retry_after } = self {
            if let Ok(v) = axum::http::HeaderValue::from_str(&retry_after.max(1).to_string()) {
                res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
            }
        }
        res
    }
}
