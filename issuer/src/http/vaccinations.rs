//! `POST /v1/vaccinations` (issue), `PUT /v1/vaccinations/{record_id}` (correct a dose),
//! `PUT /v1/vaccinations/{record_id}/person` (correct the person).

use super::auth::require;
use super::{json_body, AppState};
use crate::error::{Error, Result};
use crate::input;
use crate::service::{CertView, IssueOutcome};
use crate::tokens::{Caller, Role};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{post, put};
use axum::{Json, Router};

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/vaccinations", post(submit))
        .route("/v1/vaccinations/{record_id}", put(correct_dose))
        .route("/v1/vaccinations/{record_id}/person", put(correct_person))
}

async fn submit(
    State(s): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<(StatusCode, Json<IssueOutcome>)> {
    require(&caller, &[Role::Facility])?;
    let r = async {
        let v = json_body(&body)?;
        let input = input::parse_submission(&v, s.now())?;
        if caller.facility.as_deref() != Some(input.facility_id.as_str()) {
            return Err(Error::Forbidden(
                "a facility may only submit its own records",
            ));
        }
        s.issuer.issue_dose(&input, &caller.actor(), s.now()).await
    }
    .await;
    let out = r?;
    // A retry gets the same status and body as the first answer.
    if out.replayed {
        s.metrics.count_replay();
    }
    Ok((StatusCode::OK, Json(out)))
}

async fn correct_dose(
    State(s): State<AppState>,
    caller: Caller,
    Path(record_id): Path<String>,
    body: Bytes,
) -> Result<Json<IssueOutcome>> {
    require(&caller, &[Role::Facility, Role::Ministry])?;
    let r = async {
        let v = json_body(&body)?;
        let fields = input::parse_dose_correction(&v, s.now())?;
        let facility = match caller.role {
            Role::Facility => caller.facility.as_deref(),
            _ => None,
        };
        s.issuer
            .correct_dose(&record_id, facility, &fields, &caller.actor(), s.now())
            .await
    }
    .await;
    Ok(Json(r?))
}

async fn correct_person(
    State(s): State<AppState>,
    caller: Caller,
    Path(record_id): Path<String>,
    body: Bytes,
) -> Result<Json<serde_json::Value>> {
    require(&caller, &[Role::Facility, Role::Ministry])?;
    let r = async {
        let v = json_body(&body)?;
        let person = input::parse_person_correction(&v, s.now())?;
        let facility = match caller.role {
            Role::Facility => caller.facility.as_deref(),
            _ => None,
        };
        s.issuer
            .correct_person(&record_id, facility, &person, &caller.actor(), s.now())
            .await
    }
    .await;
    let certs: Vec<CertView> = r?;
    Ok(Json(serde_json::json!({ "certificates": certs })))
}
