//! Query parameters of the list endpoints, parsed once into typed values; a bad value becomes a
//! 400 whose `icStatusDescription` names the parameter and the value.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use super::reply::ApiError;

/// Records per page when `top` is absent.
pub const DEFAULT_TOP: u64 = 100;
/// The most records one response carries; larger `top` values are clamped to it.
pub const MAX_TOP: u64 = 10_000;

/// Paging and filters of a list request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListParams {
    pub skip: u64,
    pub top: u64,
    pub updated_since: Option<Timestamp>,
    pub is_active: Option<bool>,
}

impl ListParams {
    /// Parses the query pairs. Parameter names are matched case-insensitively; unknown ones
    /// are ignored, as the real API does.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, ApiError> {
        let mut params = ListParams {
            skip: 0,
            top: DEFAULT_TOP,
            updated_since: None,
            is_active: None,
        };
        for (name, value) in pairs {
            match name.to_ascii_lowercase().as_str() {
                "skip" => {
                    params.skip = value
                        .trim()
                        .parse()
                        .map_err(|_| bad(name, value, "a non-negative integer"))?;
                }
                "top" => {
                    let top: i64 = value
                        .trim()
                        .parse()
                        .map_err(|_| bad(name, value, "an integer"))?;
                    // Clamped into 1..=MAX_TOP, so the cast is exact.
                    params.top = top.clamp(1, MAX_TOP as i64) as u64;
                }
                "updatedsince" if !value.trim().is_empty() => {
                    params.updated_since = Some(parse_instant(value.trim()).ok_or_else(|| {
                        bad(
                            name,
                            value,
                            "an ISO-8601 UTC instant such as 2026-11-24T07:00:00.000Z",
                        )
                    })?);
                }
                "isactive" if !value.trim().is_empty() => {
                    params.is_active = Some(match value.trim().to_ascii_lowercase().as_str() {
                        "true" => true,
                        "false" => false,
                        _ => return Err(bad(name, value, "true or false")),
                    });
                }
                "orderby" => {
                    let order = value.trim().to_ascii_lowercase();
                    if !matches!(order.as_str(), "" | "agentid" | "agentid asc") {
                        return Err(bad(name, value, "agentId (the only supported order)"));
                    }
                }
                _ => {}
            }
        }
        Ok(params)
    }
}

fn bad(name: &str, value: &str, expected: &str) -> ApiError {
    ApiError::BadRequest(format!("Invalid {name} '{value}': expected {expected}"))
}

/// An instant with an offset (`Z`, `+02:00`), or a date-time without one taken as UTC.
fn parse_instant(text: &str) -> Option<Timestamp> {
    text.parse::<Timestamp>().ok().or_else(|| {
        let civil: DateTime = text.parse().ok()?;
        TimeZone::UTC.to_timestamp(civil).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<ListParams, ApiError> {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ListParams::parse(&owned)
    }

    #[test]
    fn defaults_are_skip_zero_top_one_hundred_no_filters() {
        let p = parse(&[]).unwrap();
        assert_eq!(
            (p.skip, p.top, p.updated_since, p.is_active),
            (0, 100, None, None)
        );
    }

    #[test]
    fn top_is_clamped_to_one_through_ten_thousand() {
        assert_eq!(parse(&[("top", "0")]).unwrap().top, 1);
        assert_eq!(parse(&[("top", "-5")]).unwrap().top, 1);
        assert_eq!(parse(&[("top", "50000")]).unwrap().top, 10_000);
        assert_eq!(parse(&[("top", "250")]).unwrap().top, 250);
    }

    #[test]
    fn updated_since_accepts_iso_with_or_without_zone() {
        let with_z = parse(&[("updatedSince", "2026-11-24T07:00:00.000Z")]).unwrap();
        let without = parse(&[("updatedsince", "2026-11-24T07:00:00")]).unwrap();
        assert_eq!(with_z.updated_since, without.updated_since);
        assert!(with_z.updated_since.is_some());
    }

    #[test]
    fn bad_values_are_rejected_naming_parameter_and_value() {
        for (name, value) in [
            ("updatedSince", "yesterday"),
            ("skip", "-1"),
            ("top", "ten"),
            ("isActive", "maybe"),
            ("orderBy", "lastName"),
        ] {
            match parse(&[(name, value)]) {
                Err(ApiError::BadRequest(why)) => {
                    assert!(why.contains(name) && why.contains(value), "{why}");
                }
                other => panic!("{name}={value}: {other:?}"),
            }
        }
    }
}
