//! The vaccination status of every product the certificates can name — each code of the vendored
//! `vaccines-covid-19-names` value set and each product the shipped travel rules accept
//! (`VR-VN-0010`, spec/rules.md) — on every (dn, sd) row (spec/format.md §Vaccination status).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

use std::collections::BTreeSet;
use std::path::Path;

use wallet_format::status::{primary_series, vaccination_status, Basis, VaccinationStatus};
use VaccinationStatus::{Booster, Complete, Partial};

/// Each product's primary series, written out (not computed) so the table is checked, not
/// restated: `None` = unknown schedule or booster-only product (the fallback reading).
const PRODUCTS: &[(&str, Option<u32>)] = &[
    ("EU/1/20/1528", Some(2)), // Comirnaty
    ("EU/1/20/1507", Some(2)), // Spikevax
    ("EU/1/21/1529", Some(2)), // Vaxzevria
    ("EU/1/20/1525", Some(1)), // Jcovden
    ("CVnCoV", Some(2)),
    ("NVX-CoV2373", Some(2)),
    ("Sputnik-V", Some(2)),
    ("Convidecia", Some(1)),
    ("EpiVacCorona", Some(2)),
    ("BBIBP-CorV", Some(2)),
    ("Inactivated-SARS-CoV-2-Vero-Cell", Some(2)),
    ("CoronaVac", Some(2)),
    ("Covaxin", Some(2)),
    ("Covishield", Some(2)),
    ("Covid-19-recombinant", Some(2)),
    ("R-COVI", Some(2)),
    ("CoviVac", Some(2)),
    ("Sputnik-Light", Some(1)),
    ("Hayat-Vax", Some(2)),
    ("Abdala", Some(3)),
    ("WIBP-CorV", Some(2)),
    ("MVC-COV1901", Some(2)),
    ("EU/1/21/1618", Some(2)), // Nuvaxovid
    ("Covovax", Some(2)),
    ("Vidprevtyn", None),
    ("VLA2001", Some(2)),
    ("EpiVacCorona-N", Some(2)),
    ("Sputnik-M", Some(2)),
    ("Covid-19-adsorvida-inativada", Some(2)),
    ("NVSI-06-08", None),
    ("YS-SC2-010", None),
    ("SCTV01C", None),
    ("Covifenz", Some(2)),
    ("AZD2816", None),
    ("Soberana-02", None),
    ("Soberana-Plus", None),
    ("EU/1/21/1624", Some(2)), // COVID-19 Vaccine Valneva
    ("EU/1/21/1580", None),    // VidPrevtyn Beta (booster only)
    ("EU/1/22/1709", None),    // Bimervax (booster only)
];

/// (dn, sd, status) for a product with a primary series of `n` doses, or unknown (`None`).
fn rows(n: Option<u32>) -> Vec<(u32, u32, VaccinationStatus)> {
    let mut rows = vec![
        (1, 2, Partial),
        (2, 3, Partial),
        (1, 3, Partial),
        (2, 1, Booster),
        (3, 2, Booster),
        (4, 3, Booster),
    ];
    rows.extend(match n {
        Some(1) => [
            (1, 1, Complete),
            (2, 2, Booster),
            (3, 3, Booster),
            (4, 4, Booster),
        ],
        Some(2) | None => [
            (1, 1, Complete),
            (2, 2, Complete),
            (3, 3, Booster),
            (4, 4, Booster),
        ],
        Some(3) => [
            (1, 1, Complete),
            (2, 2, Complete),
            (3, 3, Complete),
            (4, 4, Booster),
        ],
        Some(other) => panic!("no expected rows for a {other}-dose primary series"),
    });
    rows
}

fn workspace_file(rel: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn value_set_products() -> BTreeSet<String> {
    let vs = workspace_file("certlogic/data/valuesets/vaccine-medicinal-product.json");
    vs["valueSetValues"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

fn travel_accepted_products() -> BTreeSet<String> {
    let rules = workspace_file("certlogic/rules/vn-travel.json");
    let rule = rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["Identifier"] == "VR-VN-0010")
        .unwrap();
    let list = &rule["Logic"]["in"][1];
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_table_names_every_value_set_and_travel_product() {
    let table: BTreeSet<String> = PRODUCTS.iter().map(|(p, _)| p.to_string()).collect();
    assert_eq!(
        table,
        value_set_products(),
        "the value set changed: add its rows"
    );
    let missing: Vec<_> = travel_accepted_products()
        .difference(&table)
        .cloned()
        .collect();
    assert!(
        missing.is_empty(),
        "travel products without rows: {missing:?}"
    );
}

#[test]
fn every_product_reads_each_row_by_its_primary_series() {
    for &(mp, n) in PRODUCTS {
        assert_eq!(primary_series(mp), n, "{mp}");
        let basis = n.map_or(Basis::UnknownProduct, Basis::PrimarySeries);
        for (dn, sd, want) in rows(n) {
            let r = vaccination_status(dn, sd, mp);
            assert_eq!((r.status, r.basis), (want, basis), "{mp} {dn}/{sd}");
        }
    }
}

#[test]
fn one_dose_of_a_two_dose_product_after_recovery_is_complete() {
    for &(mp, n) in PRODUCTS.iter().filter(|(_, n)| *n == Some(2)) {
        assert_eq!(vaccination_status(1, 1, mp).status, Complete, "{mp} {n:?}");
    }
}
