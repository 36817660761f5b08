//! The portal's templates and the look-up problems the start page can report.

use super::card::CardView;
use crate::error::{Error, Result};
use askama::Template;

/// Why a look-up did not sign in: the start page says it in both languages. A wrong code, a
/// wrong date of birth and an unknown document are one problem, [`LookupProblem::NoMatch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupProblem {
    /// A field was empty or too long.
    Missing,
    /// The date of birth is in none of the accepted forms.
    DateFormat,
    /// Document, date of birth and code do not match a person (which of them is not said).
    NoMatch,
    /// Too many look-ups from this network, or too many wrong ones for this person from it.
    TooMany,
}

impl LookupProblem {
    /// The word tests and styles see (`data-problem`).
    pub fn name(self) -> &'static str {
        match self {
            LookupProblem::Missing => "missing",
            LookupProblem::DateFormat => "date_format",
            LookupProblem::NoMatch => "no_match",
            LookupProblem::TooMany => "too_many",
        }
    }

    /// In Vietnamese.
    pub fn words_vi(self) -> &'static str {
        match self {
            LookupProblem::Missing => "Hãy điền đủ cả ba ô.",
            LookupProblem::DateFormat => {
                "Không đọc được ngày sinh. Hãy viết như 02/01/1990, 1990-01-02, 1990-01 hoặc 1990."
            }
            LookupProblem::NoMatch => {
                "Không tìm thấy chứng nhận với các thông tin này. Hãy kiểm tra số giấy tờ, ngày sinh và mã tra cứu."
            }
            LookupProblem::TooMany => "Bạn đã thử quá nhiều lần. Hãy thử lại sau ít phút.",
        }
    }

    /// In English.
    pub fn words_en(self) -> &'static str {
        match self {
            LookupProblem::Missing => "Please fill in all three fields.",
            LookupProblem::DateFormat => {
                "The date of birth could not be read. Write it like 02/01/1990, 1990-01-02, 1990-01 or 1990."
            }
            LookupProblem::NoMatch => {
                "No certificate matches these details. Check the document number, date of birth and retrieval code."
            }
            LookupProblem::TooMany => "Too many attempts. Please try again in a few minutes.",
        }
    }
}

/// `GET /` and a look-up that did not sign in.
#[derive(Template)]
#[template(path = "portal_start.html")]
struct StartPage<'a> {
    csrf_token: &'a str,
    problem: Option<LookupProblem>,
    national_id: &'a str,
    date_of_birth: &'a str,
}

/// `GET /card`.
#[derive(Template)]
#[template(path = "portal_card.html")]
struct CardPage<'a> {
    csrf_token: &'a str,
    cards: &'a [CardView],
}

/// The start page; `national_id` and `date_of_birth` refill what the citizen typed (the code
/// never is).
pub fn start(
    csrf_token: &str,
    problem: Option<LookupProblem>,
    national_id: &str,
    date_of_birth: &str,
) -> Result<String> {
    StartPage {
        csrf_token,
        problem,
        national_id,
        date_of_birth,
    }
    .render()
    .map_err(|e| Error::Internal(format!("portal start template: {e}")))
}

/// The card page of a session.
pub fn card(csrf_token: &str, cards: &[CardView]) -> Result<String> {
    CardPage { csrf_token, cards }
        .render()
        .map_err(|e| Error::Internal(format!("portal card template: {e}")))
}
