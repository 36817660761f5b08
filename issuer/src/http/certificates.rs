//! `GET /v1/certificates/{uvci}` (JSON), `…/qr.png`, `…/qr.svg`, `…/page` (printable
//! bilingual HTML) and `POST /v1/certificates/{uvci}/revoke`. UVCIs are percent-encoded in
//! paths. Readable by the ministry, the issuing facility, and the holder presenting their
//! retrieval code in `X-Retrieval-Code`.

use super::auth::{require, MaybeCaller};
use super::client::ClientNetwork;
use super::{json_body, AppState};
use crate::db::rows::CertRow;
use crate::domain::RevokeReason;
use crate::error::{Error, Result};
use crate::service::CertView;
use crate::tokens::Role;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use wallet_format::qr::{self, RenderOptions};

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/certificates/{uvci}", get(get_json))
        .route("/v1/certificates/{uvci}/qr.png", get(get_png))
        .route("/v1/certificates/{uvci}/qr.svg", get(get_svg))
        .route("/v1/certificates/{uvci}/page", get(get_page))
        .route("/v1/certificates/{uvci}/revoke", post(revoke))
}

/// Load a certificate the caller may read.
async fn readable(
    s: &AppState,
    caller: MaybeCaller,
    client: &ClientNetwork,
    headers: &HeaderMap,
    uvci: &str,
) -> Result<CertRow> {
    match caller.0 {
        Some(c) => {
            require(&c, &[Role::Ministry, Role::Facility])?;
            let cert = s.issuer.certificate(uvci).await?;
            if c.role == Role::Facility && c.facility.as_deref() != Some(cert.facility_id.as_str())
            {
                return Err(Error::Forbidden(
                    "the certificate was issued by another facility",
                ));
            }
            Ok(cert)
        }
        None => {
            let code = headers
                .get("x-retrieval-code")
                .and_then(|v| v.to_str().ok())
                .ok_or(Error::Unauthenticated)?;
            s.holder_limiter.check(client)?;
            // Unknown UVCI and wrong code look the same to a holder.
            s.issuer
                .holder_certificate(uvci, code, &client.0, s.now())
                .await
        }
    }
}

async fn get_json(
    State(s): State<AppState>,
    caller: MaybeCaller,
    client: ClientNetwork,
    headers: HeaderMap,
    Path(uvci): Path<String>,
) -> Result<Json<CertView>> {
    let c = readable(&s, caller, &client, &headers, &uvci).await?;
    Ok(Json(CertView::from(&c)))
}

async fn get_png(
    State(s): State<AppState>,
    caller: MaybeCaller,
    client: ClientNetwork,
    headers: HeaderMap,
    Path(uvci): Path<String>,
) -> Result<Response> {
    let c = readable(&s, caller, &client, &headers, &uvci).await?;
    let png = qr::render_png(&c.hc1, &RenderOptions::DEFAULT)?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}

async fn get_svg(
    State(s): State<AppState>,
    caller: MaybeCaller,
    client: ClientNetwork,
    headers: HeaderMap,
    Path(uvci): Path<String>,
) -> Result<Response> {
    let c = readable(&s, caller, &client, &headers, &uvci).await?;
    let svg = qr::render_svg(&c.hc1, &RenderOptions::DEFAULT)?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

async fn get_page(
    State(s): State<AppState>,
    caller: MaybeCaller,
    client: ClientNetwork,
    headers: HeaderMap,
    Path(uvci): Path<String>,
) -> Result<Html<String>> {
    let c = readable(&s, caller, &client, &headers, &uvci).await?;
    let svg = qr::render_svg(&c.hc1, &RenderOptions::DEFAULT)?;
    Ok(Html(crate::web::certificate_page::render(&c, &svg)?))
}

async fn revoke(
    State(s): State<AppState>,
    caller: crate::tokens::Caller,
    Path(uvci): Path<String>,
    body: Bytes,
) -> Result<Json<CertView>> {
    require(&caller, &[Role::Ministry])?;
    let v = json_body(&body)?;
    let reason = v
        .get("reason")
        .and_then(|r| r.as_str())
        .and_then(RevokeReason::from_caller)
        .ok_or_else(|| Error::field("reason", "must be error, fraud or key_compromise"))?;
    let out = s
        .issuer
        .revoke(&uvci, reason, &caller.actor(), s.now())
        .await?;
    Ok(Json(out))
}
