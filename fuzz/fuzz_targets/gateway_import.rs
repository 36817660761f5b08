//! EU-gateway JSON trust lists on arbitrary bytes: `gateway::import`, adding the result to a
//! trust store, and exporting the accepted certificates again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trust_list::{gateway, Limits, TrustStore};

fuzz_target!(|data: &[u8]| {
    let result = gateway::import(data, &Limits::DEFAULT);
    if vaxcert_fuzz::debug() {
        eprintln!(
            "import: {:?}",
            result.as_ref().map(|i| i.summary()).map_err(|e| e.code())
        );
    }
    if let Ok(import) = result {
        let mut store = TrustStore::new();
        store.add_gateway(&import);
        for d in &import.dscs {
            assert!(!store.candidates(&d.kid()).is_empty());
        }
        let _ = gateway::export(&import.dscs, &import.cscas, "VN", vaxcert_fuzz::CLOCK);
    }
});
