//! Our issuing profile in numbers (spec/format.md §Issuing profile): the choices that keep a
//! typical Vietnamese two-dose pass at ≤ 520 characters, i.e. a QR code of version ≤ 17 at ECC Q
//! (V17-Q holds 531 alphanumeric characters).
//!
//! What decides the size: the COSE_Sign1 is ~330–350 bytes of mostly unique text plus a random
//! 64-byte signature, so zlib finds almost nothing to remove and emits a stored block (+11
//! bytes); base45 then multiplies by 1.5. Every byte of issuer text or UVCI costs 1.5
//! characters. The lengths below are ours to choose; the holder's name and the vaccine codes
//! are not.

/// The `is` (certificate issuer) text we recommend: 12 characters. The 27-character
/// "Ministry of Health Viet Nam" costs 23 more characters and pushes a typical pass to QR
/// version 18.
pub const ISSUER_TEXT: &str = "MoH Viet Nam";

/// Length of the opaque part of our UVCIs (`URN:UVCI:01:VN:<12 chars>#<check>`, 29
/// characters): 36^12 ≈ 4.7 × 10^18 values, ample for random identifiers over a population.
pub const UVCI_OPAQUE_LEN: usize = 12;

/// The longest pass (characters, `HC1:` included) a typical certificate should reach.
pub const TARGET_PASS_CHARS: usize = 520;

/// The largest QR version (ECC Q) a typical certificate should need.
pub const TARGET_QR_VERSION: u8 = 17;
