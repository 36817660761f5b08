//! Size limits, checked before allocating (spec/trust-list.md §Limits).

/// Bounds applied when reading signed lists and gateway JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest signed trust list accepted (bytes).
    pub max_trust_list_bytes: usize,
    /// Largest number of entries in a trust list or gateway list.
    pub max_entries: usize,
    /// Largest signed revocation list or delta accepted (bytes).
    pub max_revocation_list_bytes: usize,
    /// Largest number of revocation hashes in one list or delta.
    pub max_revocation_entries: usize,
    /// Largest signed rule set accepted (bytes).
    pub max_rule_set_bytes: usize,
    /// Largest number of certificates in the x5chain header.
    pub max_chain_len: usize,
    /// CBOR nesting limit.
    pub max_cbor_depth: usize,
}

impl Limits {
    /// Defaults: 64 MiB / 200 000 entries for trust lists, 512 MiB / 30 million hashes for
    /// revocation lists, 4 MiB for a signed rule set, chain of at most 4 certificates, CBOR
    /// depth 16.
    pub const DEFAULT: Limits = Limits {
        max_trust_list_bytes: 64 * 1024 * 1024,
        max_entries: 200_000,
        max_revocation_list_bytes: 512 * 1024 * 1024,
        max_revocation_entries: 30_000_000,
        max_rule_set_bytes: 4 * 1024 * 1024,
        max_chain_len: 4,
        max_cbor_depth: 16,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
