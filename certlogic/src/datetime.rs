//! Date-time parsing and offsetting for `plusTime` / `dccDateOfBirth`, reproducing the
//! JavaScript `Date` semantics the spec prescribes (`setUTC*` overflow, millisecond precision,
//! missing offset = `Z`). A date-time is a count of milliseconds since 1970-01-01T00:00:00Z.

const MS_PER_DAY: i128 = 86_400_000;
const MS_PER_HOUR: i128 = 3_600_000;
/// ECMAScript TimeClip bound: |t| <= 8.64e15 ms.
const MAX_TIME_MS: i128 = 8_640_000_000_000_000;

/// A `plusTime` time unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeUnit {
    Year,
    Month,
    Day,
    Hour,
}

impl TimeUnit {
    pub(crate) fn parse(s: &str) -> Option<TimeUnit> {
        match s {
            "year" => Some(TimeUnit::Year),
            "month" => Some(TimeUnit::Month),
            "day" => Some(TimeUnit::Day),
            "hour" => Some(TimeUnit::Hour),
            _ => None,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DateError {
    Format,
    Range,
}

/// Days since 1970-01-01 of the proleptic Gregorian date (month 1..=12; `day` may overflow).
fn days_from_civil(y: i128, m: i128, d: i128) -> i128 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 + (d - 1)
}

/// (year, month 1..=12, day 1..=31) of a day count since 1970-01-01.
fn civil_from_days(z: i128) -> (i128, i128, i128) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i128) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i128, m: i128) -> i128 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

fn clip(ms: i128) -> Result<i64, DateError> {
    if ms.abs() > MAX_TIME_MS {
        return Err(DateError::Range);
    }
    i64::try_from(ms).map_err(|_| DateError::Range)
}

/// Reads exactly `n` ASCII digits at `*pos`.
fn digits(b: &[u8], pos: &mut usize, n: usize) -> Result<i128, DateError> {
    let end = pos.checked_add(n).ok_or(DateError::Format)?;
    let s = b.get(*pos..end).ok_or(DateError::Format)?;
    let mut v: i128 = 0;
    for &c in s {
        if !c.is_ascii_digit() {
            return Err(DateError::Format);
        }
        v = v * 10 + i128::from(c - b'0');
    }
    *pos = end;
    Ok(v)
}

fn expect(b: &[u8], pos: &mut usize, c: u8) -> Result<(), DateError> {
    if b.get(*pos) == Some(&c) {
        *pos += 1;
        Ok(())
    } else {
        Err(DateError::Format)
    }
}

/// Parses a DCC date of birth (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) to the last instant-day
/// consistent with it: `YYYY` → `YYYY-12-31`, `YYYY-MM` → last day of the month, at 00:00Z.
pub(crate) fn parse_date_of_birth(s: &str) -> Result<i64, DateError> {
    let b = s.as_bytes();
    let mut pos = 0;
    let (days, _) = parse_partial_date(b, &mut pos)?;
    if pos != b.len() {
        return Err(DateError::Format);
    }
    clip(days * MS_PER_DAY)
}

/// Parses `YYYY[-MM[-DD]]` at the start; returns (days, whether all three parts were present).
fn parse_partial_date(b: &[u8], pos: &mut usize) -> Result<(i128, bool), DateError> {
    let y = digits(b, pos, 4)?;
    if *pos == b.len() {
        return Ok((days_from_civil(y, 12, 31), false));
    }
    expect(b, pos, b'-')?;
    let m = digits(b, pos, 2)?;
    if !(1..=12).contains(&m) {
        return Err(DateError::Format);
    }
    if *pos == b.len() {
        return Ok((days_from_civil(y, m, days_in_month(y, m)), false));
    }
    expect(b, pos, b'-')?;
    let d = digits(b, pos, 2)?;
    if d < 1 || d > days_in_month(y, m) {
        return Err(DateError::Format);
    }
    Ok((days_from_civil(y, m, d), true))
}

/// Parses any of the date(-time) formats allowed by CertLogic 1.3.3 `plusTime`.
pub(crate) fn parse_date_time(s: &str) -> Result<i64, DateError> {
    let b = s.as_bytes();
    let mut pos = 0;
    let (days, full) = parse_partial_date(b, &mut pos)?;
    if pos == b.len() {
        return clip(days * MS_PER_DAY);
    }
    if !full {
        return Err(DateError::Format);
    }
    expect(b, &mut pos, b'T')?;
    let hh = digits(b, &mut pos, 2)?;
    expect(b, &mut pos, b':')?;
    let mm = digits(b, &mut pos, 2)?;
    expect(b, &mut pos, b':')?;
    let ss = digits(b, &mut pos, 2)?;
    if hh > 23 || mm > 59 || ss > 59 {
        return Err(DateError::Format);
    }
    let mut millis: i128 = 0;
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        let start = pos;
        while b.get(pos).is_some_and(u8::is_ascii_digit) {
            if pos - start < 3 {
                millis = millis * 10 + i128::from(b[pos] - b'0'); // safe: is_some_and checked
            }
            pos += 1;
        }
        let n = pos - start;
        if n == 0 {
            return Err(DateError::Format);
        }
        for _ in n..3 {
            millis *= 10;
        }
    }
    let offset_minutes = parse_offset(b.get(pos..).unwrap_or_default())?;
    let ms = days * MS_PER_DAY + hh * MS_PER_HOUR + mm * 60_000 + ss * 1000 + millis
        - offset_minutes * 60_000;
    clip(ms)
}

/// Parses `""` (= Z), `Z`, or `[+-]` followed by `h`, `hh`, `hmm`, `hhmm`, `h:mm`, `hh:mm`.
fn parse_offset(b: &[u8]) -> Result<i128, DateError> {
    let (sign, rest) = match b.split_first() {
        None => return Ok(0),
        Some((b'Z', [])) => return Ok(0),
        Some((b'+', rest)) => (1, rest),
        Some((b'-', rest)) => (-1, rest),
        _ => return Err(DateError::Format),
    };
    let (h, m): (&[u8], &[u8]) = match rest.iter().position(|&c| c == b':') {
        Some(i) => {
            let (h, m) = rest.split_at(i);
            let m = m.get(1..).unwrap_or_default();
            if m.len() != 2 {
                return Err(DateError::Format);
            }
            (h, m)
        }
        None => match rest.len() {
            1 | 2 => (rest, &[]),
            3 => rest.split_at(1),
            4 => rest.split_at(2),
            _ => return Err(DateError::Format),
        },
    };
    if h.is_empty() || h.len() > 2 {
        return Err(DateError::Format);
    }
    let hours = digits(h, &mut 0, h.len())?;
    let minutes = if m.is_empty() {
        0
    } else {
        digits(m, &mut 0, 2)?
    };
    if hours > 23 || minutes > 59 {
        return Err(DateError::Format);
    }
    Ok(sign * (hours * 60 + minutes))
}

/// `dateTime.setUTC<unit>(dateTime.getUTC<unit>() + amount)` as in ECMAScript.
pub(crate) fn plus_time(ms: i64, amount: i64, unit: TimeUnit) -> Result<i64, DateError> {
    let ms = i128::from(ms);
    let amount = i128::from(amount);
    let days = ms.div_euclid(MS_PER_DAY);
    let time_in_day = ms.rem_euclid(MS_PER_DAY);
    let result = match unit {
        TimeUnit::Hour => ms + amount * MS_PER_HOUR,
        TimeUnit::Day => ms + amount * MS_PER_DAY,
        TimeUnit::Year | TimeUnit::Month => {
            let (y, m, d) = civil_from_days(days);
            let (y, m0) = if unit == TimeUnit::Year {
                (y + amount, m - 1)
            } else {
                let total = m - 1 + amount;
                (y + total.div_euclid(12), total.rem_euclid(12))
            };
            if y.abs() > 1_000_000 {
                return Err(DateError::Range);
            }
            // MakeDay: day-of-month overflow rolls into the next month(s).
            days_from_civil(y, m0 + 1, d)
        }
    };
    let result = match unit {
        TimeUnit::Year | TimeUnit::Month => result * MS_PER_DAY + time_in_day,
        _ => result,
    };
    clip(result)
}

/// Formats as `YYYY-MM-DDThh:mm:ss.sssZ` (JavaScript `Date.prototype.toISOString`).
pub(crate) fn format(ms: i64) -> String {
    let ms = i128::from(ms);
    let days = ms.div_euclid(MS_PER_DAY);
    let t = ms.rem_euclid(MS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let year = if (0..=9999).contains(&y) {
        format!("{y:04}")
    } else if y < 0 {
        format!("-{:06}", -y)
    } else {
        format!("+{y:06}")
    };
    format!(
        "{year}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        t / MS_PER_HOUR,
        (t / 60_000) % 60,
        (t / 1000) % 60,
        t % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> String {
        parse_date_time(s)
            .map(format)
            .unwrap_or_else(|e| format!("{e:?}"))
    }

    #[test]
    fn accepts_all_spec_formats() {
        assert_eq!(p("2021"), "2021-12-31T00:00:00.000Z");
        assert_eq!(p("2020-02"), "2020-02-29T00:00:00.000Z");
        assert_eq!(p("2021-05-01"), "2021-05-01T00:00:00.000Z");
        assert_eq!(p("2021-05-01T10:20:30"), "2021-05-01T10:20:30.000Z");
        assert_eq!(p("2021-05-01T10:20:30Z"), "2021-05-01T10:20:30.000Z");
        assert_eq!(p("2021-05-01T10:20:30+1"), "2021-05-01T09:20:30.000Z");
        assert_eq!(p("2021-05-01T10:20:30+01"), "2021-05-01T09:20:30.000Z");
        assert_eq!(p("2021-05-01T10:20:30+130"), "2021-05-01T08:50:30.000Z");
        assert_eq!(p("2021-05-01T10:20:30-0130"), "2021-05-01T11:50:30.000Z");
        assert_eq!(p("2021-05-01T10:20:30+1:30"), "2021-05-01T08:50:30.000Z");
        assert_eq!(p("2021-05-01T10:20:30+01:30"), "2021-05-01T08:50:30.000Z");
        assert_eq!(p("2021-05-01T10:20:30.1"), "2021-05-01T10:20:30.100Z");
        assert_eq!(p("2021-05-01T10:20:30.123456Z"), "2021-05-01T10:20:30.123Z");
        assert_eq!(
            p("2021-05-01T10:20:30.99999+00:00"),
            "2021-05-01T10:20:30.999Z"
        );
    }

    #[test]
    fn rejects_malformed_dates() {
        for s in [
            "",
            "21",
            "2021-13",
            "2021-02-29",
            "2021-09-99",
            "2021-05-01T",
            "2021-05-01T10:20",
            "2021-05-01 10:20:30",
            "2021-05-01T10:20:30.",
            "2021-05-01T10:20:30+",
            "2021-05-01T1",
            "2021-05-01T10:20:30+12345",
            "2021-05T10:20:30",
            "２０２１",
        ] {
            assert!(parse_date_time(s).is_err(), "{s}");
        }
    }

    #[test]
    fn accepts_js_overflow_semantics() {
        let t = |s: &str, n: i64, u: TimeUnit| {
            parse_date_time(s)
                .and_then(|ms| plus_time(ms, n, u))
                .map(format)
                .unwrap_or_default()
        };
        assert_eq!(
            t("2020-02-29", 1, TimeUnit::Day),
            "2020-03-01T00:00:00.000Z"
        );
        assert_eq!(
            t("2020-02-29", 1, TimeUnit::Month),
            "2020-03-29T00:00:00.000Z"
        );
        assert_eq!(
            t("2020-02-29", 1, TimeUnit::Year),
            "2021-03-01T00:00:00.000Z"
        );
        assert_eq!(
            t("2021-01-31", 1, TimeUnit::Month),
            "2021-03-03T00:00:00.000Z"
        );
        assert_eq!(
            t("2021-03-31", -1, TimeUnit::Month),
            "2021-03-03T00:00:00.000Z"
        );
        assert_eq!(
            t("2021-01-15", -13, TimeUnit::Month),
            "2019-12-15T00:00:00.000Z"
        );
        assert_eq!(
            t("2021-06-01T00:00:00Z", 40, TimeUnit::Hour),
            "2021-06-02T16:00:00.000Z"
        );
        assert_eq!(
            t("2021-06-01T10:11:12.345Z", -1, TimeUnit::Year),
            "2020-06-01T10:11:12.345Z"
        );
        assert!(parse_date_time("2021")
            .and_then(|ms| plus_time(ms, i64::MAX, TimeUnit::Year))
            .is_err());
        assert!(parse_date_time("2021")
            .and_then(|ms| plus_time(ms, i64::MIN, TimeUnit::Hour))
            .is_err());
    }
}
