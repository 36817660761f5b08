//! Errors → HTTP status + `{"code", "message"[, "fields"]}`. 500s are logged without detail
//! to the client (and without personal data in the log).

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
            Error::Unauthenticated => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::IdempotencyConflict | Error::StateConflict(_) => StatusCode::CONFLICT,
            Error::RetrievalFailed => StatusCode::UNAUTHORIZED,
            Error::RetrievalLocked => StatusCode::TOO_MANY_REQUESTS,
            Error::NoSigningKey => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = if status == StatusCode::INTERNAL_SERVER_ERROR {
            // Detail goes to the log only; our error Display never carries personal data.
            tracing::error!(code = self.code(), error = %self, "internal error");
            json!({"code": "INTERNAL", "message": "internal error"})
        } else if let Error::Validation(fields) = &self {
            json!({"code": self.code(), "message": self.to_string(), "fields": fields})
        } else {
            json!({"code": self.code(), "message": self.to_string()})
        };
        (status, Json(body)).into_response()
    }
}
