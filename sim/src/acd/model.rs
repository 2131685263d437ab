//! The records of the simulated Admin API, shaped exactly as they go on the wire
//! (`sim/ACD-WIRE.md`): field names, nullability and timestamp format.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One agent (user) as `GET /agents` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    pub agent_id: u64,
    /// Always present; may be empty.
    pub user_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// `None` (JSON null) means the agent has no email.
    pub email_address: Option<String>,
    pub is_active: bool,
    pub team_id: u64,
    pub team_name: String,
    pub profile_id: u64,
    pub profile_name: String,
    pub telephone1: Option<String>,
    pub telephone2: Option<String>,
    /// The employee id.
    pub internal_id: Option<String>,
    /// The site id (assumed field, see `assumed`).
    pub location: Option<String>,
    #[serde(with = "iso_millis")]
    pub last_updated: Timestamp,
    pub locked: bool,
}

/// One team as `GET /teams` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    pub team_id: u64,
    pub team_name: String,
    pub is_active: bool,
    pub description: Option<String>,
    pub wfo_enabled: bool,
    pub wfm2_enabled: bool,
    pub nice_wfm_enabled: bool,
    pub nice_wfo_advanced_enabled: bool,
}

/// One security profile as `GET /security-profiles` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityProfile {
    pub security_profile_id: u64,
    pub security_profile_name: String,
    pub permissions: Vec<String>,
}

/// One campaign (ACD skill) as `GET /campaigns` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Campaign {
    pub id: u64,
    pub name: String,
    pub is_active: bool,
    pub description: Option<String>,
    #[serde(with = "iso_millis")]
    pub last_update_time: Timestamp,
}

/// One disposition as `GET /dispositions` returns it (dispositions have no active flag).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Disposition {
    pub disposition_id: u64,
    pub disposition_name: String,
    pub classification_id: u64,
    pub system_outcome: Option<String>,
    #[serde(with = "iso_millis")]
    pub last_updated: Timestamp,
}

/// One agent status as `GET /unavailable-codes` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnavailableCode {
    pub id: u64,
    pub name: String,
    pub is_active: bool,
    #[serde(rename = "isACW")]
    pub is_acw: bool,
    pub agent_timeout: Option<u32>,
}

/// How an injected malformed agent record is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Malformation {
    /// The record has no `agentId` field at all.
    MissingAgentId,
    /// `agentId` is a non-numeric string.
    StringAgentId,
}

/// Formats a timestamp the way CXone does: UTC, millisecond precision, `Z` suffix.
pub fn format_iso_millis(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Serde for timestamps on the wire: written as `2026-11-24T07:00:00.000Z`, read as any
/// RFC 3339 instant.
pub mod iso_millis {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(ts: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"))
    }

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

    #[test]
    fn unavailable_code_acw_flag_is_spelled_is_acw_in_capitals() {
        let code = UnavailableCode {
            id: 1,
            name: "Lunch".into(),
            is_active: true,
            is_acw: false,
            agent_timeout: None,
        };
        let json = serde_json::to_value(&code).unwrap();
        assert_eq!(json["isACW"], false);
        assert_eq!(json["agentTimeout"], serde_json::Value::Null);
    }
}

impl Agent {
    /// This agent with the wire fields in `patch` replaced. `agentId` and `lastUpdated` belong
    /// to the simulator and are ignored; an unknown field or a value of the wrong type is an
    /// error naming the field.
    pub fn patched(
        &self,
        patch: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Self, String> {
        let mut value = serde_json::to_value(self).map_err(|e| e.to_string())?;
        let serde_json::Value::Object(fields) = &mut value else {
            return Err("an agent does not serialise to a JSON object".to_owned());
        };
        for (key, new) in patch {
            if key == "agentId" || key == "lastUpdated" {
                continue;
            }
            match fields.get_mut(key) {
                Some(slot) => *slot = new.clone(),
                None => return Err(format!("unknown agent field `{key}`")),
            }
        }
        serde_json::from_value(value).map_err(|e| format!("agent field has the wrong type: {e}"))
    }
}

#[cfg(test)]
mod patch_tests {
    use super::*;
    use serde_json::json;

    fn agent() -> Agent {
        Agent {
            agent_id: 100_000,
            user_name: "a@x".into(),
            first_name: Some("A".into()),
            last_name: None,
            email_address: None,
            is_active: true,
            team_id: 2001,
            team_name: "T".into(),
            profile_id: 3001,
            profile_name: "P".into(),
            telephone1: None,
            telephone2: None,
            internal_id: None,
            location: None,
            last_updated: Timestamp::UNIX_EPOCH,
            locked: false,
        }
    }

    #[test]
    fn patch_replaces_named_fields_and_keeps_the_id() {
        let patch =
            json!({"firstName": "Zoe", "emailAddress": null, "agentId": 5, "isActive": false});
        let patched = agent().patched(patch.as_object().unwrap()).unwrap();
        assert_eq!(patched.first_name.as_deref(), Some("Zoe"));
        assert!(!patched.is_active);
        assert_eq!(patched.agent_id, 100_000);
    }

    #[test]
    fn patch_with_unknown_field_or_wrong_type_names_the_problem() {
        let err = agent()
            .patched(json!({"nickName": "z"}).as_object().unwrap())
            .unwrap_err();
        assert!(err.contains("nickName"), "{err}");
        let err = agent()
            .patched(json!({"isActive": "yes"}).as_object().unwrap())
            .unwrap_err();
        assert!(err.contains("wrong type"), "{err}");
    }
}
