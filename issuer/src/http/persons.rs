//! Persons (spec/issuer.md §Identity): `POST /v1/persons/retrieval-code` (a new code for a
//! record's person: its facility or the ministry), and for the ministry `POST
//! /v1/persons/search` (by document, in the body — never in a URL), `GET /v1/persons/{id}`,
//! `POST /v1/persons/{id}/merge`, `POST /v1/persons/{id}/confirm` and
//! `POST /v1/mends/{id}/undo`.

use super::auth::require;
use super::vaccinations::reason_of;
use super::{json_body, AppState};
use crate::error::{Error, Result};
use crate::input;
use crate::service::mend::MendOutcome;
use crate::service::person_view::PersonView;
use crate::tokens::{Caller, Role};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/persons/retrieval-code", post(retrieval_code))
        .route("/v1/persons/search", post(search))
        .route("/v1/persons/{id}", get(person))
        .route("/v1/persons/{id}/merge", post(merge))
        .route("/v1/persons/{id}/confirm", post(confirm))
        .route("/v1/mends/{id}/undo", post(undo))
}

fn str_field<'a>(v: &'a Value, name: &str) -> Result<&'a str> {
    v.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::field(name, "is required (a string)"))
}

async fn retrieval_code(
    State(s): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Json<Value>> {
    require(&caller, &[Role::Facility, Role::Ministry])?;
    let v = json_body(&body)?;
    let record = str_field(&v, "record_id")?;
    let facility = match caller.role {
        Role::Facility => caller.facility.as_deref(),
        _ => None,
    };
    let code = s
        .issuer
        .new_retrieval_code(record, facility, &caller.actor(), s.now())
        .await?;
    Ok(Json(json!({ "retrieval_code": code })))
}

async fn search(
    State(s): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Json<PersonView>> {
    require(&caller, &[Role::Ministry])?;
    let v = json_body(&body)?;
    let doc = input::parse_document(&v)?;
    // A temporary id is unique within the site that registered it.
    let facility = v.get("facility_id").and_then(Value::as_str).unwrap_or("");
    Ok(Json(s.issuer.person_by_document(&doc, facility).await?))
}

async fn person(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<PersonView>> {
    require(&caller, &[Role::Ministry])?;
    Ok(Json(s.issuer.person(&id).await?))
}

async fn merge(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<MendOutcome>> {
    require(&caller, &[Role::Ministry])?;
    let v = json_body(&body)?;
    let reason = reason_of(&v)?;
    let from = str_field(&v, "from")?;
    let out = s
        .issuer
        .merge_persons(&id, from, reason, &caller.actor(), s.now())
        .await?;
    Ok(Json(out))
}

async fn confirm(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>> {
    require(&caller, &[Role::Ministry])?;
    let reason = reason_of(&json_body(&body)?)?;
    s.issuer
        .confirm_identity(&id, reason, &caller.actor(), s.now())
        .await?;
    Ok(Json(json!({ "id": id, "identity_state": "confirmed" })))
}

async fn undo(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<MendOutcome>> {
    require(&caller, &[Role::Ministry])?;
    Ok(Json(
        s.issuer.undo_mend(&id, &caller.actor(), s.now()).await?,
    ))
}
