//! Server-rendered HTML pages (askama templates under `issuer/templates/`, auto-escaping on)
//! and the one stylesheet they share (`issuer/static/vaxcert.css`, served from the binary).
//! One module per page; API routes that also answer a page (the printable certificate) keep
//! their route in `http/`.

pub mod certificate_page;
pub mod error_page;
pub mod portal;

use crate::http::AppState;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

/// The stylesheet, compiled in.
const CSS: &str = include_str!("../../static/vaxcert.css");

/// Routes of the pages and their assets.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/static/vaxcert.css", get(css))
        .merge(portal::router())
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
}
