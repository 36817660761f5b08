//! One access log line and one latency observation per request (spec/issuer.md §Logs,
//! §Metrics). The route is the matched template (`/v1/certificates/{uvci}`), never the raw
//! path or query, which may hold a UVCI or a national ID; unrouted requests are `unmatched`.
//! The line carries method, route, status, duration in milliseconds, the error code if any,
//! and the client's `X-Request-Id` when it looks like an id (at most 64 of `A-Z a-z 0-9 - _ .`;
//! anything else is left out, since a client could put anything there). No address, body or
//! header value beyond that.

use super::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

/// The code of an error answer, attached to the response by whoever wrote the error body
/// ([`crate::Error`]'s `IntoResponse`, the [`super::surface`] layer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode(pub &'static str);

/// The route label of a request that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// The method as a label from a fixed set (`OTHER` for extension methods).
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "OTHER",
    }
}

/// A client-given request id, if it is a plain id.
fn request_id(req: &Request) -> Option<String> {
    let v = req.headers().get("x-request-id")?.to_str().ok()?;
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    (!v.is_empty() && v.len() <= 64 && v.chars().all(plain)).then(|| v.to_string())
}

/// The middleware (outermost, so it sees the final status and the whole duration).
pub async fn layer(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = method_label(req.method());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_string();
    let id = request_id(&req);
    let res = next.run(req).await;
    let elapsed = start.elapsed();
    let status = res.status();
    let code = res.extensions().get::<ErrorCode>().map(|c| c.0);
    s.metrics
        .observe(method, &route, status, elapsed.as_secs_f64());
    if let Some(code) = code {
        s.metrics.count_error(code);
    }
    tracing::info!(
        target: "vaxcert::access",
        method,
        route = %route,
        status = status.as_u16(),
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        code,
        request_id = id.as_deref(),
        "request"
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn with_id(v: &str) -> Option<String> {
        let req = Request::builder()
            .header("x-request-id", v)
            .body(Body::empty())
            .ok()?;
        request_id(&req)
    }

    #[test]
    fn only_plain_request_ids_are_logged() {
        assert_eq!(with_id("9f1c-42_a.7").as_deref(), Some("9f1c-42_a.7"));
        assert_eq!(with_id("079012345678 Nguyễn"), None);
        assert_eq!(with_id("a/b"), None);
        assert_eq!(with_id(&"x".repeat(65)), None);
    }
}
