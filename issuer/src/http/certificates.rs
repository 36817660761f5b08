//! `GET /v1/certificates/{uvci}` (JSON), `…/qr.png`, `…/qr.svg`, `…/page` (printable
//! bilingual HTML) and `POST /v1/certificates/{uvci}/revoke`. UVCIs are percent-encoded in
//! paths. Readable by the ministry, the issuing facility, and the holder presenting their
//! retrieval code in `X-Retrieval-Code`.

use super::auth::{require, MaybeCaller};
use super::{json_body, AppState, Metrics};
use crate::db::store::CertRow;
use crate::error::{Error, Result};
use crate::issue::{CertView, RevokeReason};
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
            // Unknown UVCI and wrong code look the same to a holder.
            let cert = s.issuer.certificate(uvci).await.map_err(|e| match e {
                Error::NotFound => Error::RetrievalFailed,
                other => other,
            })?;
            s.issuer
                .check_holder_code(&cert.person_id, code, s.now())
                .await?;
            Ok(cert)
        }
    }
}

async fn get_json(
    State(s): State<AppState>,
    caller: MaybeCaller,
    headers: HeaderMap,
    Path(uvci): Path<String>,
) -> Result<Json<CertView>> {
    let c = readable(&s, caller, &headers, &uvci).await?;
    Ok(Json(CertView::from(&c)))
}

async fn get_png(
    State(s): State<AppState>,
    caller: MaybeCaller,
    headers: HeaderMap,
    Path(uvci): Path<String>,
) -> Result<Response> {
    let c = readable(&s, caller, &headers, &uvci).await?;
    let png = qr::render_png(&c.hc1, &RenderOptions::DEFAULT)?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}

async fn get_svg(
    State(s): State<AppState>,
    caller: MaybeCaller,
    headers: HeaderMap,
    Path(uvci): Path<String>,
) -> Result<Response> {
    let c = readable(&s, caller, &headers, &uvci).await?;
    let svg = qr::render_svg(&c.hc1, &RenderOptions::DEFAULT)?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The printable page: yellow for partial, blue for complete and booster.
pub fn page_html(c: &CertRow, svg: &str) -> String {
    let (colour, vi, en) = match c.status.as_str() {
        "partial" => ("#f5c518", "Đã tiêm chưa đủ liều", "Partially vaccinated"),
        "booster" => ("#1e63c6", "Đã tiêm mũi nhắc lại", "Booster dose received"),
        _ => ("#1e63c6", "Đã tiêm đủ liều", "Fully vaccinated"),
    };
    let state_note = match c.state.as_str() {
        "revoked" => "<p class=\"warn\">ĐÃ THU HỒI / REVOKED</p>",
        "superseded" => "<p class=\"warn\">ĐÃ ĐƯỢC THAY THẾ / SUPERSEDED</p>",
        _ => "",
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">\
<title>Chứng nhận tiêm chủng / Vaccination certificate</title>\
<style>body{{font-family:sans-serif;margin:2em}}.band{{background:{colour};color:#fff;padding:1em;\
font-size:1.4em}}.warn{{color:#b00;font-weight:bold}}@media print{{.band{{-webkit-print-color-adjust:exact;\
print-color-adjust:exact}}}}</style></head><body>\
<div class=\"band\" data-status=\"{status}\">{vi} / {en}</div>{state_note}\
<div class=\"qr\">{svg}</div>\
<p>Mũi / Dose: {dn}/{sd}</p><p>Mã chứng nhận / Certificate ID: {uvci}</p>\
<p>Hiệu lực đến / Valid until: {exp}</p></body></html>\n",
        status = escape(&c.status),
        dn = c.dn,
        sd = c.sd,
        uvci = escape(&c.uvci),
        exp = escape(&crate::issue::rfc3339_pub(c.expires_at)),
    )
}

async fn get_page(
    State(s): State<AppState>,
    caller: MaybeCaller,
    headers: HeaderMap,
    Path(uvci): Path<String>,
) -> Result<Html<String>> {
    let c = readable(&s, caller, &headers, &uvci).await?;
    let svg = qr::render_svg(&c.hc1, &RenderOptions::DEFAULT)?;
    Ok(Html(page_html(&c, &svg)))
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
        .and_then(RevokeReason::from_name)
        .ok_or_else(|| Error::field("reason", "must be error, fraud or key_compromise"))?;
    let out = s
        .issuer
        .revoke(&uvci, reason, &caller.actor(), s.now())
        .await?;
    Metrics::inc(&s.metrics.revoked);
    Ok(Json(out))
}
