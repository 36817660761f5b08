//! UVCI: `URN:UVCI:01:VN:<opaque id>#<Luhn mod 38 check character>` (spec/format.md §UVCI).
//! Owned by the issuer engineer; implemented in a later commit.
