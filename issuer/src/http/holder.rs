//! `POST /v1/holder/certificates`: a citizen gets their current certificates with national ID,
//! date of birth and retrieval code. Each client network has a budget of look-ups per minute
//! (`RATE_LIMITED`); wrong attempts slow further attempts of that person from that network
//! (`service::guard`, `RETRIEVAL_LOCKED`), never the person's own from elsewhere.

use super::client::ClientNetwork;
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

async fn retrieve(
    State(s): State<AppState>,
    client: ClientNetwork,
    body: Bytes,
) -> Result<Json<serde_json::Value>> {
    s.holder_limiter.check(&client)?;
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
        .holder_certificates(&nid, &dob, &code, &client.0, s.now())
        .await?;
    Ok(Json(serde_json::json!({ "certificates": certs })))
}
