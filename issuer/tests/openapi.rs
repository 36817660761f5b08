//! Every route registered in `src/http/*.rs` appears, with its method, in spec/openapi.yaml,
//! and every path in the YAML is served by the router (no 404/405 from routing).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

use std::collections::BTreeSet;
use std::path::Path;

/// (path, method) pairs from `.route("PATH", get(..).post(..))` in the http sources.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http");
    let mut out = BTreeSet::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        // rustfmt may break a long `.route(` call over lines: join its arguments first.
        let joined: String = text
            .split(".route(")
            .enumerate()
            .map(|(i, part)| match i {
                0 => part.to_string(),
                _ => format!(".route({}", part.trim_start()),
            })
            .collect();
        for chunk in joined.split(".route(\"").skip(1) {
            let (path, rest) = chunk.split_once('"').unwrap();
            let call = rest.split(")\n").next().unwrap();
            for m in ["get", "post", "put", "delete", "patch"] {
                if call.contains(&format!(" {m}(")) || call.contains(&format!(".{m}(")) {
                    out.insert((path.to_string(), m.to_string()));
                }
            }
        }
    }
    out
}

/// (path, method) pairs of the OpenAPI `paths` section.
fn routes_in_yaml() -> BTreeSet<(String, String)> {
    let yaml =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/openapi.yaml"))
            .unwrap();
    let mut out = BTreeSet::new();
    let mut in_paths = false;
    let mut current = None;
    for line in yaml.lines() {
        if line == "paths:" {
            in_paths = true;
            continue;
        }
        if !in_paths {
            continue;
        }
        if let Some(p) = line.strip_prefix("  /") {
            current = Some(format!("/{}", p.trim_end_matches(':')));
        } else if let Some(m) = line.strip_prefix("    ").and_then(|l| l.strip_suffix(':')) {
            if ["get", "post", "put", "delete", "patch"].contains(&m) {
                out.insert((current.clone().unwrap(), m.to_string()));
            }
        }
    }
    out
}

#[test]
fn every_router_route_is_documented_in_openapi_and_vice_versa() {
    let src = routes_in_source();
    let yaml = routes_in_yaml();
    assert!(src.len() >= 18, "found only {src:?}");
    let missing: Vec<_> = src.difference(&yaml).collect();
    assert!(
        missing.is_empty(),
        "routes missing from spec/openapi.yaml: {missing:?}"
    );
    let extra: Vec<_> = yaml.difference(&src).collect();
    assert!(extra.is_empty(), "documented but not routed: {extra:?}");
}

/// The `code` enum of the Error schema.
fn error_codes_in_yaml() -> BTreeSet<String> {
    let yaml =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/openapi.yaml"))
            .unwrap();
    let start = yaml.find("enum: [MALFORMED_JSON").unwrap();
    let list = &yaml[start + "enum: [".len()..];
    let list = &list[..list.find(']').unwrap()];
    list.split(',').map(|c| c.trim().to_string()).collect()
}

#[test]
fn the_error_code_enum_in_openapi_is_exactly_the_codes_the_api_answers() {
    let yaml = error_codes_in_yaml();
    let ours: BTreeSet<String> = issuer::error::HTTP_CODES
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(yaml, ours);
}
