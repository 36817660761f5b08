//! Bulk import against the population register (issue #11): 10 000 rows against a register of
//! 10 000 people with 1 % mismatches — mismatches held with reasons (`HELD` lines with review
//! ids), the rest issued, the created people's codes in a file created 0600 — and a re-run
//! that changes nothing. Also the register loader's refusals.
#![allow(
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

#[macro_use]
mod common;

use common::*;
use issuer::identity::population_file;
use issuer::import::{self, Options};
use serde_json::{json, Value};
use std::io::Write;

const PEOPLE: usize = 10_000;

fn nid(i: usize) -> String {
    format!("0791{i:08}")
}

fn write_lines(path: &std::path::Path, rows: impl Iterator<Item = Value>) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for r in rows {
        writeln!(f, "{r}").unwrap();
    }
}

mod scenarios {
    use super::*;

    pub async fn ten_thousand_rows_one_percent_held(h: &Harness) {
        h.facility("site-a").await;
        let dir = h.dir.path();
        let reg = dir.join("population.ndjson");
        write_lines(
            &reg,
            (0..PEOPLE).map(|i| {
                json!({"national_id": nid(i), "family_name": "NGUYEN", "given_name": "VAN A",
                       "date_of_birth": "1990-01-02"})
            }),
        );
        let loaded = population_file::load(&h.issuer, &reg, T0).await.unwrap();
        assert_eq!((loaded.rows, loaded.loaded), (PEOPLE as u64, PEOPLE as u64));
        assert!(loaded.refused.is_empty());
        let file = dir.join("doses.ndjson");
        write_lines(
            &file,
            (0..PEOPLE).map(|i| {
                let mut d = dose("site-a", &format!("r{i}"), &nid(i), 1, 2, "2021-06-01");
                d["person"]["family_name"] =
                    json!(if i % 100 == 7 { "Trần" } else { "Nguyễn" });
                d
            }),
        );
        let mut opts = Options::for_file(&file);
        opts.progress = false;
        opts.codes = Some(dir.join("codes.csv"));
        let s = import::run(&h.issuer, &file, &opts, T0).await.unwrap();
        assert_eq!(
            (s.rows, s.issued, s.held, s.rejected),
            (10_000, 9_900, 100, 0)
        );
        assert_eq!(s.codes, 9_900);
        let rejects = std::fs::read_to_string(&opts.rejects).unwrap();
        let held: Vec<Value> = rejects
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(held.len(), 100);
        assert!(held
            .iter()
            .all(|r| r["code"] == "HELD" && r["review_id"].is_string()));
        assert_eq!(held[0]["facility_record_id"], "r7");
        let codes_path = dir.join("codes.csv");
        let codes = std::fs::read_to_string(&codes_path).unwrap();
        assert_eq!(codes.lines().count(), 9_901);
        // Record id and code only: no national id, name or birth date.
        for line in codes.lines().skip(1) {
            let (record, code) = line.split_once(',').unwrap();
            assert!(uuid::Uuid::parse_str(record).is_ok(), "{line}");
            assert_eq!(code.len(), 10, "{line}");
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&codes_path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        // A code from the file works for its person's retrieval.
        let line = codes.lines().nth(1).unwrap();
        let (_, code) = line.split_once(',').unwrap();
        let (status, v) = h
            .call(
                "POST",
                "/v1/holder/certificates",
                None,
                Some(json!({"national_id": nid(0), "date_of_birth": "1990-01-02", "retrieval_code": code})),
            )
            .await;
        assert_eq!(status, axum::http::StatusCode::OK, "{v}");
        // A re-run changes nothing: retries answered, held rows held again under the same case.
        let again = import::run(&h.issuer, &file, &opts, T0).await.unwrap();
        assert_eq!(
            (again.already_present, again.held, again.codes),
            (9_900, 100, 0)
        );
        let rejects2 = std::fs::read_to_string(&opts.rejects).unwrap();
        let first_case = rejects2
            .lines()
            .next()
            .map(|l| serde_json::from_str::<Value>(l).unwrap());
        assert_eq!(first_case.unwrap()["review_id"], held[0]["review_id"]);
    }

    pub async fn register_rows_are_refused_one_by_one(h: &Harness) {
        let path = h.dir.path().join("population.csv");
        std::fs::write(
            &path,
            "document_type,document_number,document_country,family_name,given_name,date_of_birth\n\
             national_id,001099001234,,Nguyễn,Thị,1990-01-02\n\
             passport,C123,,Smith,John,1980\n\
             national_id,001099001235,,,Thị,1990-01-02\n\
             temporary,T1,,Lê,,2001\n\
             national_id,12-34 56,,Lê,,2099-01-01\n\
             passport,C124,USA,Smith,,1980-05\n",
        )
        .unwrap();
        let s = population_file::load(&h.issuer, &path, T0).await.unwrap();
        assert_eq!(s.rows, 6);
        assert_eq!(s.loaded, 2);
        assert_eq!(
            s.refused,
            vec![
                (3, "document_country"),
                (4, "family_name"),
                (5, "document_type"),
                (6, "date_of_birth")
            ]
        );
    }
}

both!(ten_thousand_rows_one_percent_held);
both!(register_rows_are_refused_one_by_one);
