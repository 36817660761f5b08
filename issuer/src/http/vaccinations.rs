//! `POST /v1/vaccinations` (submit a dose: issued, recorded, or held for review),
//! `GET /v1/vaccinations/{record_id}` (one record, its own facility or the ministry),
//! `PUT /v1/vaccinations/{record_id}` (correct a dose, its own facility or the ministry),
//! `PUT /v1/vaccinations/{record_id}/person` (correct the person: ministry),
//! `POST /v1/vaccinations/{record_id}/void` (own facility or ministry) and `…/move`
//! (ministry).

use super::auth::require;
use super::{json_body, AppState};
use crate::domain::MendReason;
use crate::error::{Error, Result};
use crate::input;
use crate::service::mend::MendOutcome;
use crate::service::views::SubmissionState;
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
        .route(
            "/v1/vaccinations/{record_id}",
            put(correct_dose).get(get_record),
        )
        .route("/v1/vaccinations/{record_id}/person", put(correct_person))
        .route("/v1/vaccinations/{record_id}/void", post(void_dose))
        .route("/v1/vaccinations/{record_id}/move", post(move_dose))
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
    let status = match out.state {
        SubmissionState::Held => StatusCode::ACCEPTED,
        SubmissionState::Issued | SubmissionState::Recorded => StatusCode::OK,
    };
    Ok((status, Json(out)))
}

/// The facility a caller is limited to (`None` for the ministry).
fn own_facility(caller: &Caller) -> Option<&str> {
    match caller.role {
        Role::Facility => caller.facility.as_deref(),
        _ => None,
    }
}

/// The reason code of a person-level change (`"reason"` in the body).
pub fn reason_of(v: &serde_json::Value) -> Result<MendReason> {
    v.get("reason")
        .and_then(|r| r.as_str())
        .and_then(MendReason::from_caller)
        .ok_or_else(|| {
            let codes: Vec<&str> = MendReason::ALL.iter().map(|r| r.as_str()).collect();
            Error::field("reason", &format!("must be one of {}", codes.join(", ")))
        })
}

async fn get_record(
    State(s): State<AppState>,
    caller: Caller,
    Path(record_id): Path<String>,
) -> Result<Json<serde_json::Value>> {
    require(&caller, &[Role::Facility, Role::Ministry])?;
    let (record, certificate) = s.issuer.record(&record_id, own_facility(&caller)).await?;
    Ok(Json(
        serde_json::json!({ "record": record, "certificate": certificate }),
    ))
}

async fn void_dose(
    State(s): State<AppState>,
    caller: Caller,
    Path(record_id): Path<String>,
    body: Bytes,
) -> Result<Json<MendOutcome>> {
    require(&caller, &[Role::Facility, Role::Ministry])?;
    let reason = reason_of(&json_body(&body)?)?;
    let out = s
        .issuer
        .void_dose(
            &record_id,
            own_facility(&caller),
            reason,
            &caller.actor(),
            s.now(),
        )
        .await?;
    Ok(Json(out))
}

async fn move_dose(
    State(s): State<AppState>,
    caller: Caller,
    Path(record_id): Path<String>,
    body: Bytes,
) -> Result<Json<MendOutcome>> {
    require(&caller, &[Role::Ministry])?;
    let v = json_body(&body)?;
    let reason = reason_of(&v)?;
    let to = v
        .get("to_person")
        .and_then(|t| t.as_str())
        .ok_or_else(|| Error::field("to_person", "is required (a person id)"))?;
    let out = s
        .issuer
        .move_dose(&record_id, to, reason, &caller.actor(), s.now())
        .await?;
    Ok(Json(out))
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
        s.issuer
            .correct_dose(
                &record_id,
                own_facility(&caller),
                &fields,
                &caller.actor(),
                s.now(),
            )
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
    // A person's identity is the ministry's to change (spec/issuer.md §Identity).
    require(&caller, &[Role::Ministry])?;
    let r = async {
        let v = json_body(&body)?;
        let reason = reason_of(&v)?;
        let person = input::parse_person_correction(&v, s.now())?;
        s.issuer
            .correct_person(&record_id, &person, reason, &caller.actor(), s.now())
            .await
    }
    .await;
    let certs: Vec<CertView> = r?;
    Ok(Json(serde_json::json!({ "certificates": certs })))
}
