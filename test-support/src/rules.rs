//! The shipped CertLogic rule sets as test input.

use serde_json::{json, Value};

/// The shipped VN venue rule set (`certlogic/rules/vn-venue.json`), as its file's text.
pub fn vn_venue_json() -> String {
    let path = crate::workspace_root().join("certlogic/rules/vn-venue.json");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("shipped rule set {} missing: {e}", path.display()))
}

/// The venue set plus `VR-VN-9000`: vaccinations must be boosters (dn ≥ 3) — a stricter decree,
/// so a 2/2 pass that is VALID under the shipped set fails under this one, and a test sees which
/// publication a verifier applied.
pub fn stricter_venue_json() -> String {
    let mut rules: Value = serde_json::from_str(&vn_venue_json()).expect("vn-venue.json is JSON");
    if let Some(list) = rules.as_array_mut() {
        list.push(json!({
            "Identifier": "VR-VN-9000",
            "Type": "Acceptance",
            "Country": "VN",
            "Version": "1.0.0",
            "SchemaVersion": "1.3.0",
            "Engine": "CERTLOGIC",
            "EngineVersion": "1.3.3",
            "CertificateType": "Vaccination",
            "Description": [
                {"lang": "vi", "desc": "Cần mũi tăng cường."},
                {"lang": "en", "desc": "A booster dose is required."}
            ],
            "ValidFrom": "2024-01-01T00:00:00Z",
            "ValidTo": "2030-12-31T23:59:59Z",
            "AffectedFields": ["v.0.dn"],
            "Logic": {">=": [{"var": "payload.v.0.dn"}, 3]}
        }));
    }
    rules.to_string()
}
