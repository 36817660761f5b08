//! The dgc-testdata conformance run of the verifier (spec/conformance.md §Verifier conformance
//! run), shared by the library-driven test (`tests/tests/verifier_conformance.rs`) and the
//! binary-driven one (`verifier/tests/conformance_cli.rs`, which includes this file by path).
//!
//! Only strings and JSON cross this module's boundary (verdict codes, not verifier types), so
//! both tests judge with exactly the same rules.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::{json, Value};

/// The stages a verdict code belongs to, in check order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// The `HC1:` prefix (EXPECTEDUNPREFIX).
    Prefix,
    /// Base45 (EXPECTEDB45DECODE).
    Base45,
    /// zlib (EXPECTEDCOMPRESSION).
    Compression,
    /// COSE, CWT, payload (EXPECTEDDECODE).
    Decode,
    /// Finding the key and verifying the signature (the EXPECTEDVERIFY flag).
    Signature,
    /// Key usage (EXPECTEDKEYUSAGE).
    KeyUsage,
    /// `DSC.notBefore ≤ iat ≤ clock ≤ exp ≤ DSC.notAfter` (EXPECTEDEXPIRATIONCHECK).
    Time,
    /// DCC schema (EXPECTEDSCHEMAVALIDATION).
    Schema,
    /// Anything else (revocation, rules, trust data).
    Other,
}

/// The stage of a verdict code, `None` for `OK`.
pub fn stage_of_code(code: &str) -> Option<Stage> {
    Some(match code {
        "OK" => return None,
        "PREFIX_INVALID" | "INPUT_TOO_LARGE" => Stage::Prefix,
        "BASE45_INVALID" => Stage::Base45,
        "DECOMPRESSION_FAILED" | "DECOMPRESSION_LIMIT" => Stage::Compression,
        "COSE_INVALID"
        | "ALGORITHM_UNSUPPORTED"
        | "KID_INVALID"
        | "CWT_INVALID"
        | "PAYLOAD_INVALID"
        | "CBOR_LIMIT"
        | "IMAGE_INVALID"
        | "QR_NOT_FOUND" => Stage::Decode,
        "KEY_NOT_IN_TRUST_LIST" | "SIGNATURE_INVALID" | "ALGORITHM_KEY_MISMATCH" => {
            Stage::Signature
        }
        "KEY_USAGE_MISMATCH" => Stage::KeyUsage,
        "CERT_EXPIRED" | "CERT_NOT_YET_VALID" | "DSC_NOT_YET_VALID" | "DSC_EXPIRED"
        | "CERT_TIME_MISSING" => Stage::Time,
        "SCHEMA_INVALID" => Stage::Schema,
        _ => Stage::Other,
    })
}

/// The flags a verifier verdict answers, with the stage each belongs to.
pub const FLAG_STAGES: [(&str, Stage); 8] = [
    ("EXPECTEDUNPREFIX", Stage::Prefix),
    ("EXPECTEDB45DECODE", Stage::Base45),
    ("EXPECTEDCOMPRESSION", Stage::Compression),
    ("EXPECTEDDECODE", Stage::Decode),
    ("EXPECTEDVERIFY", Stage::Signature),
    ("EXPECTEDKEYUSAGE", Stage::KeyUsage),
    ("EXPECTEDEXPIRATIONCHECK", Stage::Time),
    ("EXPECTEDSCHEMAVALIDATION", Stage::Schema),
];

/// One vector.
#[derive(Debug, Clone)]
pub struct Vector {
    /// Path relative to the dgc-testdata root (unique), e.g. `PL/1.3.0/2DCode/raw/6.json`.
    pub path: String,
    /// Country folder (`common` for the generic cases).
    pub country: String,
    /// File stem (`6`, `CO20`, ...).
    pub stem: String,
    /// The whole JSON.
    pub data: Value,
}

impl Vector {
    /// `country/stem`, the id used in spec/conformance.md.
    pub fn id(&self) -> String {
        format!("{}/{}", self.country, self.stem)
    }

    /// The `HC1:` text.
    pub fn prefix(&self) -> &str {
        self.data
            .get("PREFIX")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// `TESTCTX.VALIDATIONCLOCK` as written.
    pub fn clock_text(&self) -> Option<&str> {
        self.data.get("TESTCTX")?.get("VALIDATIONCLOCK")?.as_str()
    }

    /// A flag's value, `None` when the vector does not carry it.
    pub fn flag(&self, name: &str) -> Option<bool> {
        self.data.get("EXPECTEDRESULTS")?.get(name)?.as_bool()
    }

    /// A gateway-shaped JSON list holding the vector's signing certificate, or `None` when it
    /// has none.
    pub fn gateway_json(&self) -> Option<String> {
        let b64 = self.data.get("TESTCTX")?.get("CERTIFICATE")?.as_str()?;
        let compact: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(compact.as_bytes())
            .ok()?;
        let kid = wallet_format::Kid::from_der(&der).to_base64();
        let country = if self.country.len() == 2 {
            self.country.clone()
        } else {
            "XX".to_string()
        };
        Some(
            json!([{
                "kid": kid,
                "country": country,
                "certificateType": "DSC",
                "timestamp": "2021-06-01T00:00:00Z",
                "rawData": compact,
            }])
            .to_string(),
        )
    }
}

/// The dgc-testdata root under the shared folder (panics with a clear message when missing).
pub fn testdata_root(shared: &Path) -> PathBuf {
    let root = shared.join("conformance").join("dgc-testdata");
    assert!(
        root.is_dir(),
        "dgc-testdata not found at {} (set VAXCERT_SHARED to the shared/ folder)",
        root.display()
    );
    root
}

/// Every vector (`*.json` with `EXPECTEDRESULTS`), sorted by path.
pub fn load_vectors(root: &Path) -> Vec<Vector> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().and_then(|e| e.to_str()) == Some("json") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .filter_map(|p| {
            let data: Value = serde_json::from_str(&std::fs::read_to_string(&p).ok()?).ok()?;
            data.get("EXPECTEDRESULTS")?.as_object()?;
            let rel = p.strip_prefix(root).ok()?;
            let country = rel.components().next()?.as_os_str().to_str()?.to_string();
            Some(Vector {
                path: rel.display().to_string(),
                country,
                stem: p.file_stem()?.to_str()?.to_string(),
                data,
            })
        })
        .collect()
}

/// A documented deviation (spec/conformance.md): the vector, the flag, and why.
#[derive(Debug, Clone)]
pub struct Deviation {
    /// `country/stem`, or `country/*` for a whole country.
    pub id: String,
    /// The flag we answer differently.
    pub flag: String,
    /// Why.
    pub reason: String,
}

/// The deviations spec/conformance.md documents: CO20, ES 401–403 and IS/3 by name, the NL
/// schema cases of wallet-format's `schema_deviations.csv`, and dgc-testdata's own
/// `tests/known_issues.csv`.
pub fn deviations(workspace: &Path, testdata: &Path) -> Vec<Deviation> {
    let mut out: Vec<Deviation> = [
        (
            "common/CO20",
            "EXPECTEDVERIFY",
            "alg only in the unprotected header (HCERT §3.3.1)",
        ),
        (
            "ES/401",
            "EXPECTEDVERIFY",
            "ES256 label, P-384 key (known issue #228)",
        ),
        (
            "ES/402",
            "EXPECTEDVERIFY",
            "ES256 label, P-384 key (known issue #228)",
        ),
        (
            "ES/403",
            "EXPECTEDVERIFY",
            "ES256 label, P-384 key (known issue #228)",
        ),
        (
            "IS/3",
            "EXPECTEDKEYUSAGE",
            "only an ICAO EKU, no DCC OID: non-DCC OIDs do not restrict (HCERT App. A.4)",
        ),
    ]
    .iter()
    .map(|(id, flag, reason)| Deviation {
        id: id.to_string(),
        flag: flag.to_string(),
        reason: reason.to_string(),
    })
    .collect();
    let csv = workspace.join("wallet-format/tests/data/schema_deviations.csv");
    if let Ok(text) = std::fs::read_to_string(&csv) {
        for line in text.lines().skip(1) {
            if let Some(id) = line.split(',').next().filter(|s| !s.is_empty()) {
                out.push(Deviation {
                    id: id.to_string(),
                    flag: "EXPECTEDSCHEMAVALIDATION".into(),
                    reason: "NL schema flags (known issue #107), see schema_deviations.csv".into(),
                });
            }
        }
    }
    if let Ok(text) = std::fs::read_to_string(testdata.join("tests/known_issues.csv")) {
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split(',').collect();
            let (Some(test), Some(country), Some(set), Some(url)) =
                (cols.first(), cols.get(1), cols.get(2), cols.get(3))
            else {
                continue;
            };
            let flags: &[&str] = match *test {
                "test_verification_check" => &["EXPECTEDVERIFY"],
                "test_expiration_check" => &["EXPECTEDEXPIRATIONCHECK"],
                "test_expected_key_usage" => &["EXPECTEDKEYUSAGE"],
                "test_cose_schema" => &["EXPECTEDSCHEMAVALIDATION"],
                "test_cose_json" | "test_cbor_json" => &["EXPECTEDDECODE"],
                _ => &[],
            };
            for flag in flags {
                out.push(Deviation {
                    id: if set.is_empty() {
                        format!("{country}/*")
                    } else {
                        format!("{country}/{set}")
                    },
                    flag: flag.to_string(),
                    reason: format!("dgc-testdata known issue {url}"),
                });
            }
        }
    }
    out
}

/// Whether `v`'s `flag` may deviate.
pub fn may_deviate(devs: &[Deviation], v: &Vector, flag: &str) -> Option<String> {
    let id = v.id();
    let wildcard = format!("{}/*", v.country);
    devs.iter()
        .find(|d| d.flag == flag && (d.id == id || d.id == wildcard))
        .map(|d| d.reason.clone())
}

/// How one vector fared.
#[derive(Debug, Default, Clone)]
pub struct Judgement {
    /// Flags whose expectation our verdict reproduced.
    pub reproduced: Vec<&'static str>,
    /// Flags our verdict could not speak to: the run stopped at an earlier check the vector
    /// does not constrain (e.g. time for a vector without EXPECTEDEXPIRATIONCHECK).
    pub unreached: Vec<&'static str>,
    /// Flags answered differently, with the documented reason.
    pub documented: Vec<(&'static str, String)>,
    /// Flags answered differently without a documented reason (a failure).
    pub wrong: Vec<(&'static str, String)>,
}

/// Judge a vector's flags against the code of the `none`-policy verdict and the code of the
/// schema-policy verdict (for EXPECTEDSCHEMAVALIDATION).
pub fn judge(v: &Vector, devs: &[Deviation], none_code: &str, schema_code: &str) -> Judgement {
    let mut j = Judgement::default();
    for (flag, stage) in FLAG_STAGES {
        let Some(expected) = v.flag(flag) else {
            continue;
        };
        let code = if stage == Stage::Schema {
            schema_code
        } else {
            none_code
        };
        let failed = stage_of_code(code);
        // What our verdict says about this flag: Some(false) failed here, Some(true) passed
        // here (failed later or not at all), None never got here.
        let ours = match failed {
            None => Some(true),
            Some(s) if s == stage => Some(false),
            Some(s) if s > stage => Some(true),
            // Stopped earlier: a pass that does not decode fails every later step; one that
            // stopped at signature, key usage or time says nothing about the later flags.
            Some(s) if s <= Stage::Decode => Some(false),
            Some(_) => None,
        };
        match ours {
            None => j.unreached.push(flag),
            Some(o) if o == expected => j.reproduced.push(flag),
            Some(_) => {
                let detail = format!("expected {expected}, verdict code {code}");
                match may_deviate(devs, v, flag) {
                    Some(reason) => j.documented.push((flag, format!("{detail}: {reason}"))),
                    None => j.wrong.push((flag, detail)),
                }
            }
        }
    }
    j
}

/// Counts over a run, printed by both tests.
#[derive(Debug, Default)]
pub struct Tally {
    /// Vectors run.
    pub vectors: usize,
    /// Flag expectations reproduced.
    pub reproduced: usize,
    /// Flags not reached (stopped at an unconstrained earlier check).
    pub unreached: usize,
    /// Documented deviations hit.
    pub documented: Vec<String>,
    /// Undocumented mismatches.
    pub wrong: Vec<String>,
}

impl Tally {
    /// Add one vector's judgement.
    pub fn add(&mut self, v: &Vector, j: &Judgement) {
        self.vectors += 1;
        self.reproduced += j.reproduced.len();
        self.unreached += j.unreached.len();
        for (f, d) in &j.documented {
            self.documented.push(format!("{} {f}: {d}", v.path));
        }
        for (f, d) in &j.wrong {
            self.wrong.push(format!("{} {f}: {d}", v.path));
        }
    }

    /// Print the counts.
    pub fn print(&self, label: &str) {
        println!(
            "{label}: {} vectors, {} flag expectations reproduced, {} not reached (earlier unflagged check), {} documented deviations, {} undocumented mismatches",
            self.vectors,
            self.reproduced,
            self.unreached,
            self.documented.len(),
            self.wrong.len()
        );
        for d in &self.documented {
            println!("  documented: {d}");
        }
        for w in &self.wrong {
            println!("  MISMATCH: {w}");
        }
    }
}

/// A rule set with one always-true general rule, valid 2000–2100: used as a "schema only"
/// policy so EXPECTEDSCHEMAVALIDATION is judged by the verifier's schema step.
pub const SCHEMA_ONLY_RULES: &str = r#"[{
  "Identifier": "GR-XX-0000", "Type": "Acceptance", "Country": "XX", "Version": "1.0.0",
  "SchemaVersion": "1.3.0", "Engine": "CERTLOGIC", "EngineVersion": "1.0.0",
  "CertificateType": "General",
  "Description": [{"lang": "en", "desc": "Always passes."}, {"lang": "vi", "desc": "Luôn đạt."}],
  "ValidFrom": "2000-01-01T00:00:00Z", "ValidTo": "2100-01-01T00:00:00Z",
  "AffectedFields": [], "Logic": true
}]"#;
