//! Timestamps as the simulators write them: UTC, millisecond precision, `Z` suffix
//! (`2026-11-24T07:00:00.000Z`), as CXone does and as the Ivinex model adopts.

use jiff::Timestamp;

/// Formats a timestamp the way the simulated APIs do: UTC, millisecond precision, `Z` suffix.
pub fn format_iso_millis(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Serde for timestamps on the wire: written as `2026-11-24T07:00:00.000Z`, read as any
/// RFC 3339 instant.
pub mod iso_millis {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `ts` as `2026-11-24T07:00:00.000Z`: UTC, millisecond precision, `Z` suffix.
    pub fn serialize<S: Serializer>(ts: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"))
    }

    /// Reads any RFC 3339 instant.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_written_with_milliseconds_and_z() {
        let ts: Timestamp = "2026-11-24T07:00:00Z".parse().unwrap();
        assert_eq!(format_iso_millis(ts), "2026-11-24T07:00:00.000Z");
        let ts: Timestamp = "2026-11-24T07:00:00.5+00:00".parse().unwrap();
        assert_eq!(format_iso_millis(ts), "2026-11-24T07:00:00.500Z");
    }
}
