//! The citizen portal (#13, spec/portal.md) in a real browser: Debian's Chromium, headless,
//! over WebDriver, against the issuer served in-process. Look-up with right and wrong codes,
//! the card for partial and complete passes (text and colour class), CSRF refusals, logout
//! and expiry, the phone-width layout, and a QR read back off a screenshot and verified VALID
//! against the trust list the issuer publishes. Screenshots go to `spec/screens/portal-*.png` with
//! `VAXCERT_SCREENSHOTS=1`, else to a temporary directory.
#![allow(
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod browser;
mod common;

use axum::http::StatusCode;
use browser::{screen_path, serve, Browser, DESKTOP, PHONE};
use common::{dose, Backend, Harness};
use serde_json::Value;
use verifier::Outcome;
use wallet_format::limits::Limits;

/// A person vaccinated at HN-001 with `doses` (number, series, date): their retrieval code
/// and the current certificate's `HC1:` text and UVCI.
struct Holder {
    nid: &'static str,
    code: String,
    hc1: String,
    uvci: String,
}

async fn holder(h: &Harness, token: &str, nid: &'static str, doses: &[(i64, i64, &str)]) -> Holder {
    let mut last = Value::Null;
    for (i, (dn, sd, date)) in doses.iter().enumerate() {
        let body = dose("HN-001", &format!("{nid}-{i}"), nid, *dn, *sd, date);
        let (s, v) = h
            .call("POST", "/v1/vaccinations", Some(token), Some(body))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        last = v;
    }
    let code = h.retrieval_code(token, &last["record_id"]).await;
    Holder {
        nid,
        code,
        hc1: last["certificate"]["hc1"].as_str().unwrap().to_string(),
        uvci: last["certificate"]["uvci"].as_str().unwrap().to_string(),
    }
}

/// Fill the start form and send it.
async fn look_up(b: &Browser, base: &str, nid: &str, dob: &str, code: &str) {
    b.goto(&format!("{base}/")).await;
    b.fill("national_id", nid).await;
    b.fill("date_of_birth", dob).await;
    b.fill("retrieval_code", code).await;
    b.click("form.lookup button[type=submit]").await;
}

/// No personal data or pass identifier in the address bar.
async fn assert_clean_url(b: &Browser, p: &Holder) {
    let url = b.url().await;
    for secret in [p.nid, p.code.as_str(), p.uvci.as_str(), "1990"] {
        assert!(!url.contains(secret), "{url} holds {secret}");
    }
}

async fn assert_no_sideways_scroll(b: &Browser, page: &str) {
    let (scroll, inner) = b.widths().await;
    assert!(
        scroll <= inner,
        "{page}: scrollWidth {scroll} > innerWidth {inner}"
    );
}

/// Sign in, check the card, sign out: on whichever backend `h` uses.
async fn card_flow(h: &Harness, shots: bool) {
    let t = h.facility("HN-001").await;
    let partial = holder(h, &t, "001099001234", &[(1, 2, "2021-06-01")]).await;
    let complete = holder(
        h,
        &t,
        "001099005678",
        &[(1, 2, "2021-06-01"), (2, 2, "2021-07-06")],
    )
    .await;
    let base = serve(h.state.clone()).await;
    let b = Browser::start(PHONE).await;

    // Partial: the day-first birth date a Vietnamese citizen writes.
    look_up(&b, &base, partial.nid, "02/01/1990", &partial.code).await;
    assert_eq!(b.path().await, "/card");
    assert_clean_url(&b, &partial).await;
    assert_eq!(b.count("section.card").await, 1);
    assert_eq!(
        b.attr(".card .band", "class").await.unwrap(),
        "band partial"
    );
    let band = b.text(".card .band").await;
    assert!(
        band.contains("Đã tiêm chưa đủ liều") && band.contains("Partially vaccinated"),
        "{band}"
    );
    assert_eq!(
        b.css(".card .band", "background-color").await,
        "rgba(245, 197, 24, 1)"
    );
    assert_eq!(b.css(".card .band", "color").await, "rgba(26, 26, 26, 1)");
    let facts = b.text(".card .facts").await;
    for want in [
        "Nguyễn Thị Đào",
        "NGUYEN, THI DAO",
        "2 tháng 1, 1990",
        "2 January 1990",
        "Comirnaty",
        "Mũi 1/2",
        "dose 1 of 2",
        "1 tháng 6, 2021",
        "1 June 2021",
        "1 June 2025",
        "1 June 2026",
        &partial.uvci,
    ] {
        assert!(facts.contains(want), "card facts lack {want:?}:\n{facts}");
    }
    assert!(
        !b.text("body").await.contains(partial.nid),
        "national id on the card"
    );
    assert_eq!(b.count(".card .qr svg").await, 1);
    assert_no_sideways_scroll(&b, "partial card at 390 px").await;
    let session = b.client.get_named_cookie("vaxcert_session").await.unwrap();
    assert_eq!(session.http_only(), Some(true));
    assert_eq!(format!("{:?}", session.same_site()), "Some(Strict)");
    assert_eq!(session.path(), Some("/"));
    if shots {
        b.save_full_page(&screen_path("portal-card-partial-390.png"))
            .await;
        b.resize(DESKTOP).await;
        b.save_full_page(&screen_path("portal-card-partial-1280.png"))
            .await;
        b.resize(PHONE).await;
    }

    // Logout ends the session: the card page sends the browser back to the start.
    b.click("form.logout button").await;
    assert_eq!(b.path().await, "/");
    b.goto(&format!("{base}/card")).await;
    assert_eq!(b.path().await, "/");
    assert_eq!(b.count("form.lookup").await, 1);
    assert_eq!(b.count("section.card").await, 0);

    // Complete, with the ISO birth date.
    look_up(&b, &base, complete.nid, "1990-01-02", &complete.code).await;
    assert_eq!(b.path().await, "/card");
    assert_eq!(b.count("section.card").await, 1, "only the current pass");
    assert_eq!(
        b.attr(".card .band", "data-status").await.unwrap(),
        "complete"
    );
    let band = b.text(".card .band").await;
    assert!(
        band.contains("Đã tiêm đủ liều") && band.contains("Fully vaccinated"),
        "{band}"
    );
    assert_eq!(
        b.css(".card .band", "background-color").await,
        "rgba(30, 99, 198, 1)"
    );
    assert_eq!(
        b.css(".card .band", "color").await,
        "rgba(255, 255, 255, 1)"
    );
    let facts = b.text(".card .facts").await;
    assert!(
        facts.contains("Mũi 2/2") && facts.contains("6 July 2021"),
        "{facts}"
    );
    assert!(facts.contains(&complete.uvci));
    assert_no_sideways_scroll(&b, "complete card at 390 px").await;
    if shots {
        b.save_full_page(&screen_path("portal-card-complete-390.png"))
            .await;
        b.resize(DESKTOP).await;
        b.save_full_page(&screen_path("portal-card-complete-1280.png"))
            .await;
        b.resize(PHONE).await;
    }

    // The session ends by itself after 15 minutes (server-side, whatever the cookie says).
    h.clock.advance(15 * 60 + 1);
    b.goto(&format!("{base}/card")).await;
    assert_eq!(b.path().await, "/");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn right_code_shows_the_card_partial_and_complete_and_logout_ends_it() {
    let h = Harness::new(Backend::Sqlite).await.unwrap();
    card_flow(&h, true).await;
    h.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_live_in_postgres_too() {
    // A PostgreSQL server is part of the test set-up (./test.sh), so this does not skip.
    let h = Harness::new(Backend::Postgres)
        .await
        .expect("VAXCERT_TEST_DATABASE_URL must be set (./test.sh sets it)");
    card_flow(&h, false).await;
    h.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_code_shows_the_error_and_no_certificate() {
    let h = Harness::new(Backend::Sqlite).await.unwrap();
    let t = h.facility("HN-001").await;
    let p = holder(&h, &t, "001099001234", &[(1, 2, "2021-06-01")]).await;
    let base = serve(h.state.clone()).await;
    let b = Browser::start(PHONE).await;

    b.goto(&format!("{base}/")).await;
    assert_eq!(b.attr("html", "lang").await.unwrap(), "vi");
    let h1 = b.text("h1").await;
    assert!(
        h1.starts_with("Tra cứu chứng nhận") && h1.contains("Find your vaccination certificate"),
        "{h1}"
    );
    for field in [
        "national_id",
        "date_of_birth",
        "retrieval_code",
        "csrf_token",
    ] {
        assert_eq!(
            b.count(&format!("form.lookup [name={field}]")).await,
            1,
            "{field}"
        );
    }
    assert_eq!(
        b.attr("[name=date_of_birth]", "type").await.unwrap(),
        "text"
    );
    assert_no_sideways_scroll(&b, "start page at 390 px").await;
    b.save_full_page(&screen_path("portal-start-390.png")).await;
    b.resize(DESKTOP).await;
    b.save_full_page(&screen_path("portal-start-1280.png"))
        .await;
    b.resize(PHONE).await;

    let wrong = if p.code.starts_with('A') { "B" } else { "A" }.repeat(p.code.len());
    look_up(&b, &base, p.nid, "1990-01-02", &wrong).await;
    assert_eq!(b.path().await, "/lookup");
    let error = b.text(".error").await;
    assert!(
        error.contains("Không tìm thấy chứng nhận") && error.contains("No certificate matches"),
        "{error}"
    );
    assert_eq!(b.count("section.card").await, 0);
    assert_eq!(b.count("svg").await, 0, "no QR");
    assert!(b.client.get_named_cookie("vaxcert_session").await.is_err());
    // What was typed comes back, except the code.
    assert_eq!(b.attr("[name=national_id]", "value").await.unwrap(), p.nid);
    assert_eq!(
        b.attr("[name=retrieval_code]", "value")
            .await
            .unwrap_or_default(),
        ""
    );
    assert!(!b.text("body").await.contains(&wrong));
    b.save_full_page(&screen_path("portal-start-error-390.png"))
        .await;

    // Right code, wrong date of birth; an unknown person: the same answer.
    look_up(&b, &base, p.nid, "1990-01-03", &p.code).await;
    assert_eq!(b.text(".error").await, error);
    look_up(&b, &base, "079999999999", "1990-01-02", &p.code).await;
    assert_eq!(b.text(".error").await, error);
    // A date in none of the accepted forms is said so.
    look_up(&b, &base, p.nid, "1990/01/02", &p.code).await;
    let page = b.text("body").await;
    assert!(
        page.contains("Không đọc được ngày sinh"),
        "{}: {page}",
        b.path().await
    );
    // The right details still work afterwards (three failures do not lock the citizen out).
    look_up(&b, &base, p.nid, "1990-01-02", &p.code).await;
    assert_eq!(b.path().await, "/card");
    b.close().await;
    h.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_without_the_csrf_token_is_refused() {
    let h = Harness::new(Backend::Sqlite).await.unwrap();
    let t = h.facility("HN-001").await;
    let p = holder(&h, &t, "001099001234", &[(1, 2, "2021-06-01")]).await;
    let base = serve(h.state.clone()).await;
    let b = Browser::start(PHONE).await;

    for tamper in [
        "document.querySelector('[name=csrf_token]').remove()",
        "document.querySelector('[name=csrf_token]').value = 'forged'",
    ] {
        b.goto(&format!("{base}/")).await;
        b.fill("national_id", p.nid).await;
        b.fill("date_of_birth", "1990-01-02").await;
        b.fill("retrieval_code", &p.code).await;
        b.js(tamper).await;
        b.click("form.lookup button[type=submit]").await;
        assert_eq!(b.path().await, "/lookup");
        let page = b.text("body").await;
        assert!(
            page.contains("The form has expired or was not sent from this site"),
            "{tamper}: {page}"
        );
        assert!(
            b.client.get_named_cookie("vaxcert_session").await.is_err(),
            "{tamper}"
        );
    }
    // The right details with the untouched form sign in; sign-out with a forged token is
    // refused and the session lives on.
    look_up(&b, &base, p.nid, "1990-01-02", &p.code).await;
    assert_eq!(b.path().await, "/card");
    b.js("document.querySelector('form.logout [name=csrf_token]').value = 'forged'")
        .await;
    b.click("form.logout button").await;
    assert!(b.text("body").await.contains("The form has expired"));
    b.goto(&format!("{base}/card")).await;
    assert_eq!(b.path().await, "/card", "still signed in");
    b.close().await;

    // Without a browser: a form post with no pre-session cookie is 403, with an HTML page.
    let form = format!(
        "national_id={}&date_of_birth=1990-01-02&retrieval_code={}&csrf_token=x",
        p.nid, p.code
    );
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{base}/lookup"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::FORBIDDEN);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(r.headers().get("set-cookie").is_none());
    h.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_qr_scans_off_the_phone_screen_and_verifies_valid() {
    let h = Harness::new(Backend::Sqlite).await.unwrap();
    let t = h.facility("HN-001").await;
    let p = holder(&h, &t, "001099001234", &[(1, 2, "2021-06-01")]).await;
    let base = serve(h.state.clone()).await;
    let b = Browser::start(PHONE).await;
    look_up(&b, &base, p.nid, "1990-01-02", &p.code).await;
    assert_eq!(b.path().await, "/card");
    // The QR as the phone shows it: its on-screen size, then the visible screen, pixels only.
    b.js("document.querySelector('.card .qr svg').scrollIntoView({block: 'center'})")
        .await;
    let side = b
        .js("return document.querySelector('.card .qr svg').getBoundingClientRect().width")
        .await
        .as_f64()
        .unwrap();
    assert!(side >= 300.0, "QR drawn {side} px wide on a 390 px screen");
    let png = b.screenshot().await;
    let texts = wallet_format::qr::decode_image(&png, &Limits::DEFAULT).unwrap();
    assert_eq!(
        texts,
        vec![p.hc1.clone()],
        "the screen shows exactly the issued pass"
    );
    let verdict = h.verify(&texts[0]).await;
    assert_eq!(verdict.outcome, Outcome::Valid, "{:?}", verdict.reason);
    eprintln!("QR on a 390 px screen: {side:.0} CSS px wide, read back and VALID");
    b.close().await;
    h.cleanup().await;
}
