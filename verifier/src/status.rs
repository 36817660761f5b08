//! The status staff read at a glance (spec/verifier.md §Status table).

use wallet_format::Dcc;

/// SNOMED CT code of a negative test result ("not detected").
pub const TEST_RESULT_NEGATIVE: &str = "260415000";

/// What a valid certificate shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Vaccination with `dn < sd`.
    Partial,
    /// Vaccination with `dn > sd`, or `dn = sd ≥ 3`.
    Booster,
    /// Vaccination with `dn = sd` (below 3).
    Complete,
    /// A negative test.
    Tested,
    /// A recovery certificate.
    Recovered,
}

impl Status {
    /// The status word of the JSON contract (`partial`, `booster`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Status::Partial => "partial",
            Status::Booster => "booster",
            Status::Complete => "complete",
            Status::Tested => "tested",
            Status::Recovered => "recovered",
        }
    }

    /// The colour of this status on a VALID verdict.
    pub fn colour(self) -> Colour {
        match self {
            Status::Partial => Colour::Yellow,
            Status::Booster | Status::Complete => Colour::Blue,
            Status::Tested | Status::Recovered => Colour::Green,
        }
    }

    /// The status of a decoded payload, by the table in spec/verifier.md. `None` when no row
    /// applies: no single group, or a test whose result is not negative.
    pub fn of(dcc: &Dcc) -> Option<Status> {
        match dcc.certificate_type()? {
            wallet_format::CertificateType::Vaccination => {
                let v = dcc.vaccination()?;
                Some(vaccination_status(v.dn, v.sd))
            }
            wallet_format::CertificateType::Test => {
                let t = dcc.test()?;
                (t.tr == TEST_RESULT_NEGATIVE).then_some(Status::Tested)
            }
            wallet_format::CertificateType::Recovery => Some(Status::Recovered),
        }
    }
}

/// The vaccination rows of the table: `dn < sd` partial; `dn > sd` or `dn = sd ≥ 3` booster;
/// otherwise complete.
pub fn vaccination_status(dn: u32, sd: u32) -> Status {
    if dn < sd {
        Status::Partial
    } else if dn > sd || sd >= 3 {
        Status::Booster
    } else {
        Status::Complete
    }
}

/// The colour of a verdict line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Colour {
    /// Partial vaccination.
    Yellow,
    /// Complete or booster vaccination.
    Blue,
    /// Negative test or recovery.
    Green,
    /// Any INVALID or CANNOT_CHECK verdict, or a valid certificate no row admits.
    Red,
}

impl Colour {
    /// `yellow`, `blue`, `green`, `red`.
    pub fn name(self) -> &'static str {
        match self {
            Colour::Yellow => "yellow",
            Colour::Blue => "blue",
            Colour::Green => "green",
            Colour::Red => "red",
        }
    }

    /// The ANSI SGR sequence that starts this colour on a terminal.
    pub fn ansi(self) -> &'static str {
        match self {
            Colour::Yellow => "\x1b[1;33m",
            Colour::Blue => "\x1b[1;34m",
            Colour::Green => "\x1b[1;32m",
            Colour::Red => "\x1b[1;31m",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vaccination_rows_follow_the_table() {
        assert_eq!(vaccination_status(1, 2), Status::Partial);
        assert_eq!(vaccination_status(2, 3), Status::Partial);
        assert_eq!(vaccination_status(1, 1), Status::Complete);
        assert_eq!(vaccination_status(2, 2), Status::Complete);
        assert_eq!(vaccination_status(3, 3), Status::Booster);
        assert_eq!(vaccination_status(4, 4), Status::Booster);
        assert_eq!(vaccination_status(2, 1), Status::Booster);
        assert_eq!(vaccination_status(3, 2), Status::Booster);
    }

    #[test]
    fn colours_follow_the_table() {
        assert_eq!(Status::Partial.colour(), Colour::Yellow);
        assert_eq!(Status::Booster.colour(), Colour::Blue);
        assert_eq!(Status::Complete.colour(), Colour::Blue);
        assert_eq!(Status::Tested.colour(), Colour::Green);
        assert_eq!(Status::Recovered.colour(), Colour::Green);
    }
}
