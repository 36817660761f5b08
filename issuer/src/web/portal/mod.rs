//! The citizen portal (spec/portal.md): `GET /` the bilingual start page with the look-up
//! form, `POST /lookup` sign-in through holder retrieval, `GET /card` the signed-in holder's
//! current certificates, `POST /logout`. No UVCI, national id or code is ever in a portal URL.
//!
//! Cookies (HttpOnly, SameSite=Strict, Path=/, `Secure` when `limits.secure_cookies`):
//! [`PRE_COOKIE`] holds a random value whose HMAC is the start form's `csrf_token`
//! (double-submit); [`SESSION_COOKIE`] holds the session token, whose SHA-256 keys the
//! session row. Every form carries `csrf_token`; a POST without the matching one is `403`.

pub mod card;
pub mod dates;
pub mod pages;

use crate::error::{Error, Result};
use crate::http::client::ClientNetwork;
use crate::http::AppState;
use crate::service::portal::{random_token, same_token, SESSION_SECONDS};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use pages::LookupProblem;
use serde::Deserialize;

/// The cookie of a signed-in browser.
pub const SESSION_COOKIE: &str = "vaxcert_session";
/// The cookie the start form's CSRF token is bound to.
pub const PRE_COOKIE: &str = "vaxcert_pre";
/// Longest accepted field (national id, date of birth, code).
const MAX_FIELD: usize = 64;

/// Routes of the portal.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(start))
        .route("/lookup", post(lookup))
        .route("/card", get(card_page))
        .route("/logout", post(logout))
}

fn cookie(s: &AppState, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .secure(s.limits.secure_cookies)
        .build()
}

fn removal(name: &'static str) -> Cookie<'static> {
    Cookie::build(name).path("/").build()
}

/// The pre-session value of this browser, or a new one (and the jar that sets it).
fn pre_session(s: &AppState, jar: CookieJar) -> Result<(CookieJar, String)> {
    match jar.get(PRE_COOKIE).map(|c| c.value().to_string()) {
        Some(v) if !v.is_empty() && v.len() <= 64 => Ok((jar, v)),
        _ => {
            let v = random_token()?;
            Ok((jar.add(cookie(s, PRE_COOKIE, v.clone())), v))
        }
    }
}

async fn start(State(s): State<AppState>, jar: CookieJar) -> Result<Response> {
    let (jar, pre) = pre_session(&s, jar)?;
    let page = pages::start(&s.issuer.portal_csrf_token(&pre), None, "", "")?;
    Ok((jar, Html(page)).into_response())
}

/// The look-up form (missing fields read as empty: they get the page's own message).
#[derive(Debug, Deserialize)]
struct LookupForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    national_id: String,
    #[serde(default)]
    date_of_birth: String,
    #[serde(default)]
    retrieval_code: String,
}

/// The start page again with `problem`, answered with `status`.
fn start_again(
    s: &AppState,
    pre: &str,
    form: &LookupForm,
    problem: LookupProblem,
    status: StatusCode,
) -> Result<Response> {
    let page = pages::start(
        &s.issuer.portal_csrf_token(pre),
        Some(problem),
        &form.national_id,
        &form.date_of_birth,
    )?;
    Ok((status, Html(page)).into_response())
}

fn retry_after(problem: Response, seconds: i64) -> Response {
    let mut r = problem;
    if let Ok(v) = seconds.to_string().parse() {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

async fn lookup(
    State(s): State<AppState>,
    client: ClientNetwork,
    jar: CookieJar,
    Form(form): Form<LookupForm>,
) -> Result<Response> {
    // Double-submit: the token must be the HMAC of this browser's pre-session cookie.
    let Some(pre) = jar.get(PRE_COOKIE).map(|c| c.value().to_string()) else {
        return Ok(StatusCode::FORBIDDEN.into_response());
    };
    if !same_token(&form.csrf_token, &s.issuer.portal_csrf_token(&pre)) {
        return Ok(StatusCode::FORBIDDEN.into_response());
    }
    let again = |p: LookupProblem, st: StatusCode| start_again(&s, &pre, &form, p, st);
    if let Err(Error::RateLimited { retry_after: wait }) = s.holder_limiter.check(&client) {
        let page = again(LookupProblem::TooMany, StatusCode::TOO_MANY_REQUESTS)?;
        return Ok(retry_after(page, wait));
    }
    let fields = [&form.national_id, &form.date_of_birth, &form.retrieval_code];
    if fields
        .iter()
        .any(|f| f.trim().is_empty() || f.len() > MAX_FIELD)
    {
        return again(LookupProblem::Missing, StatusCode::BAD_REQUEST);
    }
    let Some(dob) = dates::parse_birth_date(&form.date_of_birth) else {
        return again(LookupProblem::DateFormat, StatusCode::BAD_REQUEST);
    };
    let signed_in = s
        .issuer
        .portal_sign_in(
            form.national_id.trim(),
            &dob,
            &form.retrieval_code,
            &client.0,
            s.now(),
        )
        .await;
    match signed_in {
        Ok((token, _)) => {
            let c = Cookie::build((SESSION_COOKIE, token))
                .http_only(true)
                .same_site(SameSite::Strict)
                .path("/")
                .secure(s.limits.secure_cookies)
                .max_age(time::Duration::seconds(SESSION_SECONDS));
            Ok((jar.add(c), Redirect::to("/card")).into_response())
        }
        Err(Error::RetrievalFailed) => again(LookupProblem::NoMatch, StatusCode::UNAUTHORIZED),
        Err(Error::RetrievalLocked { retry_after: wait }) => {
            let page = again(LookupProblem::TooMany, StatusCode::TOO_MANY_REQUESTS)?;
            Ok(retry_after(page, wait))
        }
        Err(e) => Err(e),
    }
}

async fn card_page(State(s): State<AppState>, jar: CookieJar) -> Result<Response> {
    let token = jar.get(SESSION_COOKIE).map(|c| c.value().to_string());
    let session = match &token {
        Some(t) => s.issuer.portal_session(t, s.now()).await?,
        None => None,
    };
    let Some(session) = session else {
        // No session, or it ended: back to the start page (a stale cookie is dropped).
        return Ok((jar.remove(removal(SESSION_COOKIE)), Redirect::to("/")).into_response());
    };
    let certs = s.issuer.current_certificates_of(&session.person_id).await?;
    let cards = certs.iter().map(card::card).collect::<Result<Vec<_>>>()?;
    Ok(Html(pages::card(&session.csrf_token, &cards)?).into_response())
}

/// The sign-out form.
#[derive(Debug, Deserialize)]
struct LogoutForm {
    #[serde(default)]
    csrf_token: String,
}

async fn logout(
    State(s): State<AppState>,
    jar: CookieJar,
    Form(form): Form<LogoutForm>,
) -> Result<Response> {
    let token = jar.get(SESSION_COOKIE).map(|c| c.value().to_string());
    if let Some(t) = &token {
        if let Some(session) = s.issuer.portal_session(t, s.now()).await? {
            if !same_token(&form.csrf_token, &session.csrf_token) {
                return Ok(StatusCode::FORBIDDEN.into_response());
            }
            s.issuer.portal_sign_out(t).await?;
        }
    }
    Ok((jar.remove(removal(SESSION_COOKIE)), Redirect::to("/")).into_response())
}
