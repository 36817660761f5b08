//! Dates as the portal reads and writes them: the date of birth a citizen types (full or
//! partial, ISO or the Vietnamese day-first order) and dates written for people in Vietnamese
//! and English (`2 tháng 12, 2026` / `2 December 2026`), never epoch seconds or RFC 3339.

use time::{Date, Month, OffsetDateTime};

/// A date of birth as the register stores it: `YYYY-MM-DD`, `YYYY-MM` or `YYYY`, from what a
/// citizen typed: those three forms or `DD/MM/YYYY` (also with `-` or `.` between, one-digit
/// day and month allowed). `None` when it is none of them or not a day of the calendar.
pub fn parse_birth_date(typed: &str) -> Option<String> {
    let t = typed.trim();
    let parts: Vec<&str> = t.split(['-', '/', '.']).collect();
    let num = |s: &str, min: usize, max: usize| -> Option<u16> {
        (s.len() >= min && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (y, m, d) = match parts.as_slice() {
        [y] => (num(y, 4, 4)?, None, None),
        [y, m] if y.len() == 4 && !t.contains('/') => (num(y, 4, 4)?, Some(num(m, 1, 2)?), None),
        [y, m, d] if y.len() == 4 && !t.contains('/') => {
            (num(y, 4, 4)?, Some(num(m, 1, 2)?), Some(num(d, 1, 2)?))
        }
        [d, m, y] if y.len() == 4 => (num(y, 4, 4)?, Some(num(m, 1, 2)?), Some(num(d, 1, 2)?)),
        _ => return None,
    };
    if !(1900..=2200).contains(&y) {
        return None;
    }
    match (m, d) {
        (None, _) => Some(format!("{y:04}")),
        (Some(m), None) => {
            Month::try_from(u8::try_from(m).ok()?).ok()?;
            Some(format!("{y:04}-{m:02}"))
        }
        (Some(m), Some(d)) => {
            let month = Month::try_from(u8::try_from(m).ok()?).ok()?;
            Date::from_calendar_date(i32::from(y), month, u8::try_from(d).ok()?).ok()?;
            Some(format!("{y:04}-{m:02}-{d:02}"))
        }
    }
}

/// A date written for people, in Vietnamese and in English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeopleDate {
    /// `2 tháng 12, 2026`.
    pub vi: String,
    /// `2 December 2026`.
    pub en: String,
}

fn month_en(m: Month) -> &'static str {
    match m {
        Month::January => "January",
        Month::February => "February",
        Month::March => "March",
        Month::April => "April",
        Month::May => "May",
        Month::June => "June",
        Month::July => "July",
        Month::August => "August",
        Month::September => "September",
        Month::October => "October",
        Month::November => "November",
        Month::December => "December",
    }
}

/// `YYYY-MM-DD`, `YYYY-MM` or `YYYY` (a DCC `dob` or `dt`; a time after the date is ignored)
/// written for people; the text as it is when it is none of those.
pub fn people_date(iso: &str) -> PeopleDate {
    let parts: Vec<&str> = iso.get(..10).unwrap_or(iso).split('-').collect();
    let year = parts.first().and_then(|y| y.parse::<i32>().ok());
    let month = parts
        .get(1)
        .and_then(|m| m.parse::<u8>().ok())
        .and_then(|m| Month::try_from(m).ok());
    let day = parts.get(2).and_then(|d| d.parse::<u8>().ok());
    match (year, month, day) {
        (Some(y), Some(m), Some(d)) => PeopleDate {
            vi: format!("{d} tháng {}, {y}", u8::from(m)),
            en: format!("{d} {} {y}", month_en(m)),
        },
        (Some(y), Some(m), None) => PeopleDate {
            vi: format!("tháng {}, {y}", u8::from(m)),
            en: format!("{} {y}", month_en(m)),
        },
        (Some(y), None, None) if parts.len() == 1 => PeopleDate {
            vi: y.to_string(),
            en: y.to_string(),
        },
        _ => PeopleDate {
            vi: iso.to_string(),
            en: iso.to_string(),
        },
    }
}

/// Unix seconds written for people (the UTC day).
pub fn people_day(unix: i64) -> PeopleDate {
    match OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => {
            let d = t.date();
            people_date(&format!(
                "{:04}-{:02}-{:02}",
                d.year(),
                u8::from(d.month()),
                d.day()
            ))
        }
        Err(_) => people_date(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birth_dates_are_read_in_every_accepted_form() {
        let ok =
            |t: &str, want: &str| assert_eq!(parse_birth_date(t).as_deref(), Some(want), "{t}");
        ok("1990-01-02", "1990-01-02");
        ok(" 02/01/1990 ", "1990-01-02");
        ok("2/1/1990", "1990-01-02");
        ok("02.01.1990", "1990-01-02");
        ok("1990-01", "1990-01");
        ok("1990", "1990");
        for bad in [
            "",
            "90",
            "1990-13",
            "31/02/1990",
            "1990/01/02",
            "01/1990x",
            "abcd",
            "1800",
        ] {
            assert_eq!(parse_birth_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_are_written_for_people() {
        let d = people_date("2026-12-02");
        assert_eq!(d.vi, "2 tháng 12, 2026");
        assert_eq!(d.en, "2 December 2026");
        assert_eq!(people_date("1990-01").en, "January 1990");
        assert_eq!(people_date("1990").vi, "1990");
        assert_eq!(people_day(1_748_736_000).en, "1 June 2025");
        assert_eq!(people_date("junk").en, "junk");
    }
}
