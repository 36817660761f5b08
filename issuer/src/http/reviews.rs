//! The review queue, ministry only: `GET /v1/reviews?state=open&after=…&limit=…`,
//! `GET /v1/reviews/{id}`, `POST /v1/reviews/{id}/approve` and `…/reject` with
//! `{"reason": code}` (spec/issuer.md §Identity "Review queue").

use super::auth::require;
use super::vaccinations::reason_of;
use super::{json_body, AppState};
use crate::domain::ReviewState;
use crate::error::{Error, Result};
use crate::service::review::{ReviewDetail, ReviewSummary};
use crate::service::IssueOutcome;
use crate::tokens::{Caller, Role};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/reviews", get(list))
        .route("/v1/reviews/{id}", get(detail))
        .route("/v1/reviews/{id}/approve", post(approve))
        .route("/v1/reviews/{id}/reject", post(reject))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    state: Option<String>,
    after: Option<String>,
    limit: Option<i64>,
}

async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<serde_json::Value>> {
    require(&caller, &[Role::Ministry])?;
    let state = match q.state.as_deref() {
        None => ReviewState::Open,
        Some(t) => t
            .parse()
            .map_err(|_| Error::field("state", "must be open, approved or rejected"))?,
    };
    let cases: Vec<ReviewSummary> = s
        .issuer
        .reviews(state, q.after.as_deref(), q.limit.unwrap_or(50))
        .await?;
    Ok(Json(serde_json::json!({ "reviews": cases })))
}

async fn detail(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ReviewDetail>> {
    require(&caller, &[Role::Ministry])?;
    Ok(Json(s.issuer.review(&id).await?))
}

async fn approve(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<IssueOutcome>> {
    require(&caller, &[Role::Ministry])?;
    let reason = reason_of(&json_body(&body)?)?;
    let out = s
        .issuer
        .approve_review(&id, reason, &caller.actor(), s.now())
        .await?;
    Ok(Json(out))
}

async fn reject(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<serde_json::Value>> {
    require(&caller, &[Role::Ministry])?;
    let reason = reason_of(&json_body(&body)?)?;
    s.issuer
        .reject_review(&id, reason, &caller.actor(), s.now())
        .await?;
    Ok(Json(
        serde_json::json!({ "id": id, "state": ReviewState::Rejected }),
    ))
}
