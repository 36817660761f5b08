//! Reading the trust sources and the policy the arguments name: bounded file reads, the signed
//! trust and revocation lists (verified against `--anchor` with the `--state-dir` state),
//! gateway lists, single DSCs, and the `--policy` rule set.

use std::io::Read;
use std::path::Path;

use trust_list::list::{verify_trust_list, VerifyOptions};
use trust_list::revocation::verify_revocation_full;
use trust_list::{Dsc, TrustState, TrustStore};
use verifier::{Policy, RevocationData, SignedPolicyContext, TrustContext, TrustData};
use wallet_format::Limits;

use crate::args::VerifyArgs;

/// Largest trust, revocation, anchor or DSC file read, in bytes.
pub(crate) const MAX_TRUST_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The file's bytes, or a usage message when it cannot be read or is longer than `max`.
pub(crate) fn read_limited(path: &Path, max: u64, what: &str) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path)
        .map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?;
    if bytes.len() as u64 > max {
        return Err(format!(
            "{what} {} is larger than {max} bytes",
            path.display()
        ));
    }
    Ok(bytes)
}

/// Loads every trust source the arguments name, and the policy named by `--policy`. I/O
/// problems are usage errors (`Err`); content problems make the trust data unusable (every
/// pass CANNOT_CHECK with the code). A signed rule-set file is verified
/// after the trust list (so an anchor the list announces is already known), with the same
/// anchor, state and grace; the state is saved once at the end.
pub(crate) fn load_trust_and_policy(
    a: &VerifyArgs,
    clock: i64,
) -> Result<(TrustContext, Policy), String> {
    let anchor = match &a.anchor {
        Some(p) => {
            let bytes = read_limited(p, MAX_TRUST_FILE_BYTES, "anchor")?;
            Some(Dsc::from_any(&bytes).map_err(|e| format!("anchor {}: {e}", p.display()))?)
        }
        None => None,
    };
    let mut state = match &a.state_dir {
        Some(dir) => TrustState::load(dir).map_err(|e| format!("state dir: {e}"))?,
        None => TrustState::default(),
    };
    let opts = VerifyOptions::new(clock, a.grace);
    let mut store = TrustStore::new();
    let mut unusable: Option<trust_list::Error> = None;
    let mut any_source = false;

    if let (Some(path), Some(anchor)) = (&a.trust_list, &anchor) {
        any_source = true;
        let bytes = read_limited(path, MAX_TRUST_FILE_BYTES, "trust list")?;
        match verify_trust_list(&bytes, anchor, &mut state, &opts) {
            Ok(v) => {
                if v.freshness.is_stale() {
                    say_err!("warning: the trust list is stale (within grace)");
                }
                if !v.rejected.is_empty() {
                    say_err!(
                        "warning: {} trust list entries could not be used",
                        v.rejected.len()
                    );
                }
                store.add_signed_list(&v);
            }
            Err(e) => {
                say_err!("error: trust list {}: {}: {e}", path.display(), e.code());
                unusable.get_or_insert(e);
            }
        }
    }
    for path in &a.dccg {
        any_source = true;
        let bytes = read_limited(path, MAX_TRUST_FILE_BYTES, "gateway list")?;
        match trust_list::gateway::import(&bytes, &trust_list::Limits::DEFAULT) {
            Ok(import) => {
                if !import.rejected.is_empty() {
                    say_err!("warning: {}: {}", path.display(), import.summary());
                }
                store.add_gateway(&import);
            }
            Err(e) => {
                say_err!("error: gateway list {}: {}: {e}", path.display(), e.code());
                unusable.get_or_insert(e);
            }
        }
    }
    for path in &a.dsc {
        any_source = true;
        let bytes = read_limited(path, MAX_TRUST_FILE_BYTES, "certificate")?;
        match Dsc::from_any(&bytes) {
            Ok(d) => store.add_dsc(d),
            Err(e) => {
                say_err!("error: certificate {}: {}: {e}", path.display(), e.code());
                unusable.get_or_insert(e);
            }
        }
    }
    let revocation = match (&a.revocations, &anchor) {
        (Some(path), Some(anchor)) => {
            let bytes = read_limited(path, MAX_TRUST_FILE_BYTES, "revocation list")?;
            // A full list only: a delta is refused before the state is touched, so it cannot
            // raise the held sequence (issue #12: a refused list never changes the state).
            match verify_revocation_full(&bytes, anchor, &mut state, &opts) {
                Ok(v) => {
                    if v.freshness.is_stale() {
                        say_err!("warning: the revocation list is stale (within grace)");
                    }
                    RevocationData::Loaded(v.list)
                }
                Err(e) => {
                    say_err!(
                        "error: revocation list {}: {}: {e}",
                        path.display(),
                        e.code()
                    );
                    RevocationData::Unusable(e)
                }
            }
        }
        _ => RevocationData::NotConfigured,
    };
    let policy = Policy::from_cli_with(
        &a.policy,
        Some(SignedPolicyContext {
            anchor: anchor.as_ref(),
            state: &mut state,
            opts,
        }),
    )
    .map_err(|e| format!("policy {}: {}: {e}", a.policy, e.code()))?;
    if let Some(origin) = policy.signed() {
        if origin.freshness.is_stale() {
            say_err!(
                "warning: the rule set {} (sequence {}) is stale (within grace)",
                origin.name,
                origin.sequence
            );
        }
    }
    if let Some(dir) = &a.state_dir {
        if let Err(e) = state.save(dir) {
            say_err!("warning: could not save the trust state: {e}");
        }
    }
    let trust = match (unusable, any_source) {
        (Some(e), _) => TrustData::Unusable(e),
        (None, false) => TrustData::Missing,
        (None, true) => TrustData::Loaded(store),
    };
    let ctx = TrustContext {
        trust,
        revocation,
        grace: a.grace,
        limits: Limits::DEFAULT,
    };
    Ok((ctx, policy))
}
