//! The EU DCC value sets the issuer checks codes against: the copy vendored once in
//! `certlogic/data/valuesets/` (its README says where from and under which licence), which the
//! CertLogic engine also uses.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// Parsed value sets.
#[derive(Debug, Default)]
pub struct ValueSets {
    /// Medicinal products (`mp`).
    pub products: HashSet<String>,
    /// Manufacturers / MAH (`ma`).
    pub manufacturers: HashSet<String>,
    /// Vaccine/prophylaxis types (`vp`).
    pub prophylaxis: HashSet<String>,
    /// Diseases (`tg`).
    pub diseases: HashSet<String>,
    /// Countries (`co`).
    pub countries: HashSet<String>,
}

fn keys(json: &str) -> HashSet<String> {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| v.get("valueSetValues").and_then(|m| m.as_object()).cloned())
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The value-set file called `name` among certlogic's vendored ones (empty if absent, which the
/// test below rules out).
fn file(name: &str) -> &'static str {
    certlogic::BUILTIN_VALUE_SET_FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
        .unwrap_or("")
}

/// The vendored value sets (parsed once).
pub fn get() -> &'static ValueSets {
    static SETS: OnceLock<ValueSets> = OnceLock::new();
    SETS.get_or_init(|| ValueSets {
        products: keys(file("vaccine-medicinal-product.json")),
        manufacturers: keys(file("vaccine-mah-manf.json")),
        prophylaxis: keys(file("vaccine-prophylaxis.json")),
        diseases: keys(file("disease-agent-targeted.json")),
        countries: keys(file("country-2-codes.json")),
    })
}

fn displays(json: &str) -> HashMap<String, String> {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| v.get("valueSetValues").and_then(|m| m.as_object()).cloned())
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.get("display")?.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// The name people know a medicinal product (`mp`) by, from the value set's `display`
/// (`EU/1/20/1528` → `Comirnaty`); `None` for a code the set does not list.
pub fn product_name(code: &str) -> Option<&'static str> {
    static NAMES: OnceLock<HashMap<String, String>> = OnceLock::new();
    NAMES
        .get_or_init(|| displays(file("vaccine-medicinal-product.json")))
        .get(code)
        .map(String::as_str)
}

/// COVID-19 disease code (`tg`).
pub const COVID19: &str = "840539006";

#[cfg(test)]
mod tests {
    #[test]
    fn loads_the_vendored_sets() {
        let v = super::get();
        assert!(v.products.contains("EU/1/20/1528"));
        assert!(v.manufacturers.contains("ORG-100030215"));
        assert!(v.prophylaxis.contains("J07BX03"));
        assert!(v.diseases.contains(super::COVID19));
        assert!(v.countries.contains("VN"));
    }

    #[test]
    fn products_have_their_display_names() {
        assert_eq!(super::product_name("EU/1/20/1528"), Some("Comirnaty"));
        assert_eq!(super::product_name("NOT-A-CODE"), None);
    }
}
