//! The two output forms of the binary (spec/verifier.md §Output): JSON Lines and one short
//! colour-coded human line per pass, and the `Sink` that writes them and keeps the worst outcome.

use std::io::Write;

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use verifier::display::safe_text;
use verifier::{Outcome, Verdict};

/// `{n, of}` in the JSON contract.
#[derive(Debug, Serialize)]
struct JsonDose {
    n: u32,
    of: u32,
}

/// `holder` in the JSON contract.
#[derive(Debug, Serialize)]
struct JsonHolder<'a> {
    family_name: Option<&'a str>,
    given_name: Option<&'a str>,
    family_name_t: Option<&'a str>,
    given_name_t: Option<&'a str>,
    dob: &'a str,
}

/// One JSON Lines object: exactly the keys of the contract, in its order.
#[derive(Debug, Serialize)]
struct JsonVerdict<'a> {
    verdict: &'static str,
    valid: bool,
    code: &'static str,
    message: String,
    kid: Option<String>,
    alg: Option<&'static str>,
    issuer: Option<&'a str>,
    issued_at: Option<String>,
    expires_at: Option<String>,
    #[serde(rename = "type")]
    certificate_type: Option<&'static str>,
    status: Option<&'static str>,
    colour: &'static str,
    dose: Option<JsonDose>,
    uvci: Option<&'a str>,
    holder: Option<JsonHolder<'a>>,
    failed_rules: Vec<&'a str>,
}

/// RFC 3339 in UTC (`2024-03-10T12:00:00Z`).
pub(crate) fn rfc3339_utc(t: OffsetDateTime) -> Option<String> {
    t.to_offset(time::UtcOffset::UTC).format(&Rfc3339).ok()
}

/// The verdict as one line of JSON (no trailing newline).
pub(crate) fn json_line(v: &Verdict) -> String {
    let obj = JsonVerdict {
        verdict: v.outcome.name(),
        valid: v.is_valid(),
        code: v.code(),
        message: v.message(),
        kid: v.kid.map(|k| k.to_base64()),
        alg: v.algorithm.map(|a| a.name()),
        issuer: v.issuer.as_deref(),
        issued_at: v.issued_at.and_then(rfc3339_utc),
        expires_at: v.expires_at.and_then(rfc3339_utc),
        certificate_type: v.certificate_type.map(|t| t.name()),
        status: v.status.map(|s| s.name()),
        colour: v.colour().name(),
        dose: v.dose.map(|d| JsonDose { n: d.n, of: d.of }),
        uvci: v.uvci.as_deref(),
        holder: v.holder.as_ref().map(|h| JsonHolder {
            family_name: h.family_name.as_deref(),
            given_name: h.given_name.as_deref(),
            family_name_t: h.family_name_t.as_deref(),
            given_name_t: h.given_name_t.as_deref(),
            dob: &h.dob,
        }),
        failed_rules: v.failed_rules.iter().map(|r| r.id.as_str()).collect(),
    };
    // Serialising a struct of strings, bools and integers cannot fail.
    serde_json::to_string(&obj).unwrap_or_else(|_| String::from("{}"))
}

/// The verdict for people: one line (colour word, verdict, status or reason, then the holder
/// when the signature verified), followed by one indented line per failed rule with its
/// Vietnamese and English descriptions. `ansi` wraps the colour word in terminal colours.
/// Every field that comes from the pass or a rule file goes through [`safe_text`], so no
/// control, bidi or zero-width character reaches the terminal (spec/verifier.md §Output).
pub(crate) fn human_lines(v: &Verdict, ansi: bool) -> String {
    let colour = v.colour();
    let word = colour.name().to_uppercase();
    let mut line = if ansi {
        format!("{}{word:<6}\x1b[0m", colour.ansi())
    } else {
        format!("{word:<6}")
    };
    line.push(' ');
    line.push_str(v.outcome.name());
    match v.outcome {
        Outcome::Valid => {
            line.push(' ');
            line.push_str(v.status.map_or("-", |s| s.name()));
        }
        _ => {
            line.push(' ');
            line.push_str(v.code());
            line.push_str(": ");
            line.push_str(&safe_text(&v.message()));
        }
    }
    if let Some(t) = v.certificate_type {
        line.push_str(" | ");
        line.push_str(t.name());
        if let Some(d) = v.dose {
            line.push_str(&format!(" {}/{}", d.n, d.of));
        }
        if let Some(date) = &v.event_date {
            line.push(' ');
            line.push_str(&safe_text(date));
        }
    }
    if v.signature_verified {
        if let Some(h) = &v.holder {
            line.push_str(" | ");
            let family = h.family_name.as_deref().or(h.family_name_t.as_deref());
            let given = h.given_name.as_deref().or(h.given_name_t.as_deref());
            line.push_str(&safe_text(family.unwrap_or("")));
            if let Some(g) = given {
                line.push_str(", ");
                line.push_str(&safe_text(g));
            }
            if h.family_name_t.is_some() || h.given_name_t.is_some() {
                line.push_str(&format!(
                    " ({}<<{})",
                    safe_text(h.family_name_t.as_deref().unwrap_or("")),
                    safe_text(h.given_name_t.as_deref().unwrap_or(""))
                ));
            }
            line.push_str(" dob ");
            if h.dob.is_empty() {
                line.push('-');
            } else {
                line.push_str(&safe_text(&h.dob));
            }
        }
    }
    if let Some(iss) = &v.issuer {
        line.push_str(" | issuer ");
        line.push_str(&safe_text(iss));
    }
    for rule in &v.failed_rules {
        line.push_str("\n    ");
        line.push_str(&safe_text(&rule.id));
        line.push_str(": ");
        line.push_str(&safe_text(rule.description_vi.as_deref().unwrap_or("-")));
        line.push_str(" / ");
        line.push_str(&safe_text(rule.description_en.as_deref().unwrap_or("-")));
    }
    line
}

/// Where verdicts go: JSON Lines or human lines, tracking the worst outcome.
pub(crate) struct Sink<W: Write> {
    out: W,
    json: bool,
    ansi: bool,
    worst: Outcome,
    broken: bool,
}

impl<W: Write> Sink<W> {
    pub(crate) fn new(out: W, json: bool, ansi: bool) -> Self {
        Sink {
            out,
            json,
            ansi,
            worst: Outcome::Valid,
            broken: false,
        }
    }

    /// The worst outcome emitted so far.
    pub(crate) fn worst(&self) -> Outcome {
        self.worst
    }

    /// Whether stdout went away (a closed pipe): stop verifying.
    pub(crate) fn is_broken(&self) -> bool {
        self.broken
    }

    pub(crate) fn emit(&mut self, v: &Verdict) {
        self.worst = self.worst.max(v.outcome);
        if self.broken {
            return;
        }
        let line = if self.json {
            json_line(v)
        } else {
            human_lines(v, self.ansi)
        };
        if writeln!(self.out, "{line}").is_err() {
            self.broken = true;
        }
    }

    pub(crate) fn flush(&mut self) {
        if !self.broken && self.out.flush().is_err() {
            self.broken = true;
        }
    }
}
