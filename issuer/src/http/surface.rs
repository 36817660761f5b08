//! What every response of the service gets, whatever produced it (spec/issuer.md §HTTP
//! surface): typed JSON error bodies under `/v1/` even for the framework's own refusals (no
//! route, wrong method, body or URI too large, bad query, timeout), `nosniff` everywhere,
//! `Cache-Control: no-store` unless a route chose otherwise, and on HTML a strict
//! Content-Security-Policy that also forbids framing.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// Longest request target (path + query) accepted; longer is `414 URI_TOO_LONG`.
pub const MAX_URI: usize = 8 * 1024;

/// The Content-Security-Policy of every HTML page: our own stylesheet and images only, no
/// script unless a page adds its own, no framing, forms post back to us.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The code and message of a status the framework produced without our error type.
fn framework_error(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::NOT_FOUND => ("NOT_FOUND", "not found"),
        StatusCode::METHOD_NOT_ALLOWED => ("METHOD_NOT_ALLOWED", "method not allowed"),
        StatusCode::PAYLOAD_TOO_LARGE => ("PAYLOAD_TOO_LARGE", "the request body is too large"),
        StatusCode::URI_TOO_LONG => ("URI_TOO_LONG", "the request target is too long"),
        StatusCode::REQUEST_TIMEOUT => ("REQUEST_TIMEOUT", "the request took too long"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("UNSUPPORTED_MEDIA_TYPE", "unsupported media type"),
        s if s.is_server_error() => ("INTERNAL", "internal error"),
        _ => ("BAD_REQUEST", "the request is malformed"),
    }
}

fn is_json(r: &Response) -> bool {
    r.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

fn is_html(r: &Response) -> bool {
    r.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

/// The middleware: refuse an over-long URI, then rewrite and decorate the answer.
pub async fn layer(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/v1/");
    let too_long = req
        .uri()
        .path_and_query()
        .is_some_and(|p| p.as_str().len() > MAX_URI);
    let mut res = if too_long {
        StatusCode::URI_TOO_LONG.into_response()
    } else {
        next.run(req).await
    };
    let status = res.status();
    let failed = status.is_client_error() || status.is_server_error();
    if !api && failed && !is_html(&res) {
        let page = Html(crate::web::error_page::render(status));
        res = replace_body(res, (status, page).into_response());
    }
    if api && failed && !is_json(&res) {
        let (code, message) = framework_error(status);
        let body = Json(json!({"code": code, "message": message}));
        res = replace_body(res, (status, body).into_response());
        res.extensions_mut().insert(super::access::ErrorCode(code));
    }
    decorate(&mut res);
    res
}

/// `new`, keeping the headers of `old` other than its body's type and length (`Allow` of a
/// 405, `Retry-After`, …).
fn replace_body(old: Response, mut new: Response) -> Response {
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.headers_mut().insert(name.clone(), value.clone());
        }
    }
    new
}

/// Security headers of every response.
fn decorate(res: &mut Response<Body>) {
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if is_html(res) {
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
}
