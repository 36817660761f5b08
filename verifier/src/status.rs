//! The status staff read at a glance (spec/verifier.md §Status table). The vaccination rows are
//! the product-aware rule of `wallet_format::status` (spec/format.md §Vaccination status), the
//! same rule the issuer prints on the citizen's page.

use wallet_format::status::{StatusColour, VaccinationStatus};
use wallet_format::Dcc;

/// SNOMED CT code of a negative test result ("not detected").
pub const TEST_RESULT_NEGATIVE: &str = "260415000";

/// What a valid certificate shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// A vaccination: partial, complete or booster, by [`wallet_format::vaccination_status`].
    Vaccination(VaccinationStatus),
    /// A negative test.
    Tested,
    /// A recovery certificate.
    Recovered,
}

impl Status {
    /// The status word of the JSON contract (`partial`, `complete`, `booster`, `tested`,
    /// `recovered`).
    pub fn name(self) -> &'static str {
        match self {
            Status::Vaccination(v) => v.name(),
            Status::Tested => "tested",
            Status::Recovered => "recovered",
        }
    }

    /// The colour of this status on a VALID verdict.
    pub fn colour(self) -> Colour {
        match self {
            Status::Vaccination(v) => match v.colour() {
                StatusColour::Yellow => Colour::Yellow,
                StatusColour::Blue => Colour::Blue,
            },
            Status::Tested | Status::Recovered => Colour::Green,
        }
    }

    /// The status of a decoded payload, by the table in spec/verifier.md. `None` when no row
    /// applies: no single group, or a test whose result is not negative.
    pub fn of(dcc: &Dcc) -> Option<Status> {
        match dcc.certificate_type()? {
            wallet_format::CertificateType::Vaccination => {
                let v = dcc.vaccination()?;
                let reading = wallet_format::vaccination_status(v.dn, v.sd, &v.mp);
                Some(Status::Vaccination(reading.status))
            }
            wallet_format::CertificateType::Test => {
                let t = dcc.test()?;
                (t.tr == TEST_RESULT_NEGATIVE).then_some(Status::Tested)
            }
            wallet_format::CertificateType::Recovery => Some(Status::Recovered),
        }
    }
}

impl From<VaccinationStatus> for Status {
    fn from(v: VaccinationStatus) -> Status {
        Status::Vaccination(v)
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
    fn colours_follow_the_table() {
        assert_eq!(
            Status::from(VaccinationStatus::Partial).colour(),
            Colour::Yellow
        );
        assert_eq!(
            Status::from(VaccinationStatus::Booster).colour(),
            Colour::Blue
        );
        assert_eq!(
            Status::from(VaccinationStatus::Complete).colour(),
            Colour::Blue
        );
        assert_eq!(Status::Tested.colour(), Colour::Green);
        assert_eq!(Status::Recovered.colour(), Colour::Green);
    }
}
