//! Lenient ISO 8601 date-time parsing for values read from other issuers and for validation
//! clocks: `Z`, `+hh:mm`, `+hhmm`, `+hh`, no zone (UTC), fractional seconds, bare dates.

use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// Parse leniently; `None` when the text is not a date or date-time we recognise.
pub fn parse_lenient(value: &str) -> Option<OffsetDateTime> {
    let s = value.trim();
    if let Ok(dt) = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Some(dt);
    }
    let date = Date::parse(
        s.get(..10)?,
        &time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    let rest = s.get(10..)?;
    if rest.is_empty() {
        return Some(PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_utc());
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    // Split the time from the zone designator.
    let zone_at = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (time_text, zone) = rest.split_at(zone_at);
    let time = parse_time(time_text)?;
    let offset = parse_offset(zone)?;
    Some(PrimitiveDateTime::new(date, time).assume_offset(offset))
}

fn parse_time(text: &str) -> Option<Time> {
    let (hms, frac) = match text.split_once(['.', ',']) {
        Some((a, b)) => (a, Some(b)),
        None => (text, None),
    };
    let mut parts = hms.split(':');
    let h: u8 = parts.next()?.parse().ok()?;
    let m: u8 = parts.next().unwrap_or("0").parse().ok()?;
    let s: u8 = parts.next().unwrap_or("0").parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    let nanos = match frac {
        Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
            let padded = format!("{f:0<9}");
            padded.parse::<u32>().ok()?
        }
        Some(_) => return None,
        None => 0,
    };
    Time::from_hms_nano(h, m, s.min(59), nanos).ok()
}

fn parse_offset(zone: &str) -> Option<UtcOffset> {
    if zone.is_empty() || zone.eq_ignore_ascii_case("z") {
        return Some(UtcOffset::UTC);
    }
    let sign: i8 = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = zone.get(1..)?.chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i8>().ok()?, 0),
        4 => (
            digits.get(..2)?.parse::<i8>().ok()?,
            digits.get(2..)?.parse::<i8>().ok()?,
        ),
        _ => return None,
    };
    UtcOffset::from_hms(sign * h, sign * m, 0).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::parse_lenient;

    #[test]
    fn accepts_every_clock_form_of_the_vectors() {
        let want = parse_lenient("2021-06-01T10:00:00Z").map(|d| d.unix_timestamp());
        assert!(want.is_some());
        for s in [
            "2021-06-01T10:00:00Z",
            "2021-06-01T12:00:00+02:00",
            "2021-06-01T12:00:00+0200",
            "2021-06-01T12:00:00+02",
            "2021-06-01T10:00:00",
            "2021-06-01T10:00:00.000000Z",
            "2021-06-01T10:00:00.123",
        ] {
            assert_eq!(parse_lenient(s).map(|d| d.unix_timestamp()), want, "{s}");
        }
        assert!(parse_lenient("2021-06-01").is_some());
        assert!(parse_lenient("yesterday").is_none());
        assert!(parse_lenient("2021-06-01T10:00:00+2").is_none());
    }
}
