//! Human-friendly durations ("15m", "1h 30m") and byte sizes ("256MiB") as operators write them.
//!
//! Durations are parsed by jiff's `SignedDuration` (its "friendly" format, plus ISO 8601
//! `PT15M`); this module only adds the rules a config needs on top: positive, and at least a
//! minimum. Sizes have no maintained parser in the workspace and the grammar is tiny, so it
//! lives here: an integer with an optional binary suffix, nothing that could be misread as
//! decimal megabytes.

use std::time::Duration;

use jiff::SignedDuration;

/// Parses a duration such as `"30s"`, `"15m"`, `"24h"` or `"1h 30m"` that must be at least
/// `min`. The error is a sentence for an operator, without the field name.
pub(crate) fn parse_duration(text: &str, min: Duration) -> Result<Duration, String> {
    let parsed: SignedDuration = text.trim().parse().map_err(|e| {
        if has_calendar_units(text) {
            format!(
                "invalid duration \"{text}\": days and longer are not accepted (a day is not \
                 always 24 hours); write hours, e.g. \"48h\""
            )
        } else {
            format!(
                "invalid duration \"{text}\" (write e.g. \"30s\", \"15m\", \"24h\" or \"1h 30m\"): {e}"
            )
        }
    })?;
    if parsed.is_negative() {
        return Err(format!("duration \"{text}\" is negative"));
    }
    let duration = Duration::try_from(parsed)
        .map_err(|e| format!("duration \"{text}\" is out of range: {e}"))?;
    if duration < min {
        return Err(format!(
            "duration \"{text}\" is too short (minimum {})",
            describe_min(min)
        ));
    }
    Ok(duration)
}

/// Whether `text` is a valid duration only once calendar units (days, weeks, months, years)
/// are allowed, which `SignedDuration` rightly refuses.
fn has_calendar_units(text: &str) -> bool {
    text.trim().parse::<jiff::Span>().is_ok_and(|span| {
        span.get_days() != 0
            || span.get_weeks() != 0
            || span.get_months() != 0
            || span.get_years() != 0
    })
}

fn describe_min(min: Duration) -> String {
    match SignedDuration::try_from(min) {
        Ok(d) => format!("{d:#}"),
        Err(_) => format!("{min:?}"),
    }
}

const SIZE_UNITS: [(&str, u64); 4] = [
    ("GiB", 1 << 30),
    ("MiB", 1 << 20),
    ("KiB", 1 << 10),
    ("B", 1),
];

/// Parses a size such as `"256MiB"`, `"512 KiB"`, `"1GiB"` or `"4096B"` into bytes; must be
/// greater than zero. Decimal units (`MB`) are refused rather than guessed at.
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let digits_end = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits_end);
    let unit = unit.trim_start();
    let hint = "write a whole number with a KiB, MiB or GiB suffix, e.g. \"256MiB\"";
    if number.is_empty() {
        return Err(format!("invalid size \"{text}\" ({hint})"));
    }
    let multiplier = if unit.is_empty() {
        1
    } else {
        SIZE_UNITS
            .iter()
            .find(|(name, _)| *name == unit)
            .map(|(_, m)| *m)
            .ok_or_else(|| format!("invalid size \"{text}\": unknown unit \"{unit}\" ({hint})"))?
    };
    let bytes = number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .ok_or_else(|| format!("size \"{text}\" is too large"))?;
    if bytes == 0 {
        return Err(format!("size \"{text}\" must be greater than zero"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_MIN: Duration = Duration::from_millis(1);

    #[test]
    fn friendly_durations_parse() {
        assert_eq!(parse_duration("15m", NO_MIN), Ok(Duration::from_secs(900)));
        assert_eq!(
            parse_duration("24h", NO_MIN),
            Ok(Duration::from_secs(86_400))
        );
        assert_eq!(parse_duration("30s", NO_MIN), Ok(Duration::from_secs(30)));
        assert_eq!(
            parse_duration("1h 30m", NO_MIN),
            Ok(Duration::from_secs(5_400))
        );
        assert_eq!(
            parse_duration("PT15M", NO_MIN),
            Ok(Duration::from_secs(900))
        );
        assert_eq!(
            parse_duration("250ms", NO_MIN),
            Ok(Duration::from_millis(250))
        );
    }

    #[test]
    fn durations_without_unit_days_or_sign_are_refused() {
        let err = parse_duration("15", NO_MIN).unwrap_err();
        assert!(
            err.starts_with("invalid duration \"15\" (write e.g."),
            "{err}"
        );
        assert!(!err.contains("days"), "{err}");
        assert!(
            parse_duration("1d", NO_MIN)
                .unwrap_err()
                .contains("days and longer are not accepted")
        );
        assert!(
            parse_duration("2 weeks", NO_MIN)
                .unwrap_err()
                .contains("write hours")
        );
        assert!(
            parse_duration("-5m", NO_MIN)
                .unwrap_err()
                .contains("negative")
        );
        assert!(
            parse_duration("5m ago", NO_MIN)
                .unwrap_err()
                .contains("negative")
        );
    }

    #[test]
    fn durations_below_the_minimum_are_refused() {
        let err = parse_duration("0s", Duration::from_secs(1)).unwrap_err();
        assert!(err.contains("too short (minimum 1s)"), "{err}");
        assert_eq!(
            parse_duration("1s", Duration::from_secs(1)),
            Ok(Duration::from_secs(1))
        );
    }

    #[test]
    fn binary_sizes_parse() {
        assert_eq!(parse_size("256MiB"), Ok(256 << 20));
        assert_eq!(parse_size("512 KiB"), Ok(512 << 10));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("4096B"), Ok(4096));
        assert_eq!(parse_size("4096"), Ok(4096));
    }

    #[test]
    fn decimal_units_zero_and_garbage_sizes_are_refused() {
        assert!(
            parse_size("256MB")
                .unwrap_err()
                .contains("unknown unit \"MB\"")
        );
        assert!(
            parse_size("1.5GiB")
                .unwrap_err()
                .contains("unknown unit \".5GiB\"")
        );
        assert!(parse_size("MiB").unwrap_err().contains("invalid size"));
        assert!(
            parse_size("0MiB")
                .unwrap_err()
                .contains("greater than zero")
        );
        assert!(
            parse_size("99999999999999GiB")
                .unwrap_err()
                .contains("too large")
        );
    }
}
