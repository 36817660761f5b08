//! `POST /v1/holder/certificates`: a citizen gets their current certificates with national ID,
//! date of birth and retrieval code. Wrong attempts are counted in the database (shared by
//! every replica); after 5 the person is locked out for 15 minutes (`429`).

use super::{json_body, AppState};
use crate::error::{Error, Result};
use crate::service::CertView;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/holder/certificates", post(retrieve))
}

async fn retrieve(State(s): State<AppState>, body: Bytes) -> Result<Json<serde_json::Value>> {
    let v = json_body(&body)?;
    let field = |name: &str| -> Result<String> {
        v.get(name)
            .and_then(|x| x.as_str())
            .filter(|x| !x.trim().is_empty() && x.len() <= 64)
            .map(str::to_string)
            .ok_or_else(|| Error::field(name, "is required (a string)"))
    };
    let nid = field("national_id")?;
    let dob = field("date_of_birth")?;
    let code = field("retrieval_code")?;
    let certs: Vec<CertView> = s
        .issuer
        .holder_certificates(&nid, &dob, &code, s.now())
        .await?;
    Ok(Json(serde_json::json!({ "certificates": certs })))
}
