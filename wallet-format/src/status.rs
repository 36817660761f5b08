//! The vaccination status a certificate means: partial, complete or booster
//! (spec/format.md §Vaccination status). The one home of this rule: the issuer prints it on the
//! citizen's page and the verifier shows it at the door, so both call [`vaccination_status`].
//!
//! ```
//! use wallet_format::status::{vaccination_status, Basis, StatusColour, VaccinationStatus};
//!
//! // Jcovden has a one-dose primary series: 2/2 is a booster.
//! let r = vaccination_status(2, 2, "EU/1/20/1525");
//! assert_eq!((r.status, r.basis), (VaccinationStatus::Booster, Basis::PrimarySeries(1)));
//! // Abdala has a three-dose primary series: 3/3 completes it.
//! assert_eq!(vaccination_status(3, 3, "Abdala").status, VaccinationStatus::Complete);
//! // One dose of a two-dose product after recovery completes the series.
//! assert_eq!(vaccination_status(1, 1, "EU/1/20/1528").status.name(), "complete");
//! // A product without a known schedule: dn = sd ≥ 3 reads as a booster, and says so.
//! let r = vaccination_status(3, 3, "Soberana-02");
//! assert_eq!((r.status, r.basis), (VaccinationStatus::Booster, Basis::UnknownProduct));
//! assert_eq!(r.status.colour(), StatusColour::Blue);
//! assert_eq!("partial".parse(), Ok(VaccinationStatus::Partial));
//! ```

use std::fmt;
use std::str::FromStr;

/// What a vaccination certificate means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VaccinationStatus {
    /// The primary series is not finished (`dn < sd`).
    Partial,
    /// The primary series is finished, and no dose beyond it.
    Complete,
    /// A dose beyond the primary series.
    Booster,
}

impl VaccinationStatus {
    /// Every status, in order.
    pub const ALL: [VaccinationStatus; 3] = [
        VaccinationStatus::Partial,
        VaccinationStatus::Complete,
        VaccinationStatus::Booster,
    ];

    /// The status word of the JSON contracts: `partial`, `complete`, `booster`.
    pub fn name(self) -> &'static str {
        match self {
            VaccinationStatus::Partial => "partial",
            VaccinationStatus::Complete => "complete",
            VaccinationStatus::Booster => "booster",
        }
    }

    /// The colour a reader shows this status in.
    pub fn colour(self) -> StatusColour {
        match self {
            VaccinationStatus::Partial => StatusColour::Yellow,
            VaccinationStatus::Complete | VaccinationStatus::Booster => StatusColour::Blue,
        }
    }
}

impl fmt::Display for VaccinationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A word that is not `partial`, `complete` or `booster`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a vaccination status word")]
pub struct UnknownStatus;

impl FromStr for VaccinationStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VaccinationStatus::ALL
            .into_iter()
            .find(|v| v.name() == s)
            .ok_or(UnknownStatus)
    }
}

/// The colour of a vaccination status (spec/verifier.md §Status table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusColour {
    /// Partial vaccination.
    Yellow,
    /// Complete or booster vaccination.
    Blue,
}

impl StatusColour {
    /// `yellow` or `blue`.
    pub fn name(self) -> &'static str {
        match self {
            StatusColour::Yellow => "yellow",
            StatusColour::Blue => "blue",
        }
    }
}

/// What a [`StatusReading`] rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Basis {
    /// The product's primary series has this many doses ([`primary_series`]).
    PrimarySeries(u32),
    /// The product's schedule is not known: `dn = sd ≥ 3` is read as a booster, any other
    /// `dn = sd` as complete.
    UnknownProduct,
}

/// The status of one vaccination entry and what it rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusReading {
    /// Partial, complete or booster.
    pub status: VaccinationStatus,
    /// Whether the product's primary series was known.
    pub basis: Basis,
}

/// Doses in the primary series of a medicinal product (`mp`, value set
/// `vaccines-covid-19-names`), where the schedule is fixed and public (EMA product information,
/// WHO EUL and SAGE recommendations); `None` for products whose schedule we do not know or that
/// are authorised as boosters only. spec/format.md §Vaccination status lists the table.
pub fn primary_series(mp: &str) -> Option<u32> {
    match mp {
        // One dose.
        "EU/1/20/1525" // Jcovden (Janssen)
        | "Convidecia" // CanSino Ad5-nCoV
        | "Sputnik-Light" => Some(1),
        // Two doses: EU-authorised.
        "EU/1/20/1528" // Comirnaty
        | "EU/1/20/1507" // Spikevax
        | "EU/1/21/1529" // Vaxzevria
        | "EU/1/21/1618" // Nuvaxovid
        | "EU/1/21/1624" // COVID-19 Vaccine Valneva
        // Two doses: other value-set products.
        | "Covishield" | "Covid-19-recombinant" | "R-COVI" // AZD1222 made elsewhere
        | "Covovax" | "NVX-CoV2373" // NVX-CoV2373 (Novavax)
        | "VLA2001" // Valneva (deprecated code)
        | "Sputnik-V" | "Sputnik-M" | "EpiVacCorona" | "EpiVacCorona-N" | "CoviVac"
        | "BBIBP-CorV" | "Inactivated-SARS-CoV-2-Vero-Cell" | "WIBP-CorV" | "Hayat-Vax"
        | "CoronaVac" | "Covid-19-adsorvida-inativada" // CoronaVac (Butantan)
        | "Covaxin" | "CVnCoV" | "MVC-COV1901" | "Covifenz" => Some(2),
        // Three doses.
        "Abdala" => Some(3),
        _ => None,
    }
}

/// The status of a vaccination entry with dose number `dn` of series total `sd` and product `mp`:
///
/// 1. `dn < sd`: partial.
/// 2. `dn > sd`: booster.
/// 3. `dn = sd` of a product with a known primary series of `n` doses ([`primary_series`]):
///    complete when `dn ≤ n` (so one dose of a two-dose product, given after recovery as EU
///    rules allow and recorded 1/1, is complete), booster when `dn > n`.
/// 4. `dn = sd` of any other product: booster when `dn ≥ 3`, else complete; the basis is
///    [`Basis::UnknownProduct`].
pub fn vaccination_status(dn: u32, sd: u32, mp: &str) -> StatusReading {
    let basis = match primary_series(mp) {
        Some(n) => Basis::PrimarySeries(n),
        None => Basis::UnknownProduct,
    };
    let status = if dn < sd {
        VaccinationStatus::Partial
    } else if dn > sd {
        VaccinationStatus::Booster
    } else {
        let complete_up_to = match basis {
            Basis::PrimarySeries(n) => n,
            Basis::UnknownProduct => 2,
        };
        if dn <= complete_up_to {
            VaccinationStatus::Complete
        } else {
            VaccinationStatus::Booster
        }
    };
    StatusReading { status, basis }
}

#[cfg(test)]
mod tests {
    use super::*;
    use VaccinationStatus::{Booster, Complete, Partial};

    fn status(dn: u32, sd: u32, mp: &str) -> VaccinationStatus {
        vaccination_status(dn, sd, mp).status
    }

    #[test]
    fn jcovden_one_of_one_is_complete_and_two_of_two_a_booster() {
        assert_eq!(status(1, 1, "EU/1/20/1525"), Complete);
        assert_eq!(status(2, 2, "EU/1/20/1525"), Booster);
        assert_eq!(status(2, 1, "EU/1/20/1525"), Booster);
    }

    #[test]
    fn two_dose_products_read_one_and_two_as_complete_three_as_booster() {
        for mp in ["EU/1/20/1528", "EU/1/20/1507", "CoronaVac", "Covaxin"] {
            assert_eq!(status(1, 2, mp), Partial, "{mp}");
            assert_eq!(status(1, 1, mp), Complete, "{mp}: one dose after recovery");
            assert_eq!(status(2, 2, mp), Complete, "{mp}");
            assert_eq!(status(3, 3, mp), Booster, "{mp}");
            assert_eq!(status(3, 2, mp), Booster, "{mp}");
        }
    }

    #[test]
    fn abdala_three_of_three_is_complete_four_of_four_a_booster() {
        assert_eq!(status(2, 3, "Abdala"), Partial);
        assert_eq!(status(3, 3, "Abdala"), Complete);
        assert_eq!(status(4, 4, "Abdala"), Booster);
    }

    #[test]
    fn unknown_products_fall_back_and_say_so() {
        for (dn, sd, want) in [
            (1, 2, Partial),
            (2, 2, Complete),
            (3, 3, Booster),
            (2, 1, Booster),
        ] {
            let r = vaccination_status(dn, sd, "NOT-A-PRODUCT");
            assert_eq!(
                (r.status, r.basis),
                (want, Basis::UnknownProduct),
                "{dn}/{sd}"
            );
        }
    }

    #[test]
    fn words_round_trip_and_colours_follow_the_table() {
        for s in VaccinationStatus::ALL {
            assert_eq!(s.name().parse(), Ok(s));
            assert_eq!(s.to_string(), s.name());
        }
        assert_eq!("tested".parse::<VaccinationStatus>(), Err(UnknownStatus));
        assert_eq!(Partial.colour(), StatusColour::Yellow);
        assert_eq!(Complete.colour(), StatusColour::Blue);
        assert_eq!(Booster.colour().name(), "blue");
    }
}
