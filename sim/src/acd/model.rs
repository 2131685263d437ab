//! The records of the simulated Admin API, shaped exactly as they go on the wire
//! (`sim/ACD-WIRE.md`): field names, nullability and timestamp format.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use crate::iso::{format_iso_millis, iso_millis};

/// One agent (user) as `GET /agents` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    /// The agent's id, unique in the tenant (base agents from [`crate::acd::FIRST_AGENT_ID`]).
    pub agent_id: u64,
    /// Always present; may be empty.
    pub user_name: String,
    /// Given name; `None` (JSON null) when unset.
    pub first_name: Option<String>,
    /// Family name; `None` (JSON null) when unset.
    pub last_name: Option<String>,
    /// `None` (JSON null) means the agent has no email.
    pub email_address: Option<String>,
    /// Whether the agent is active.
    pub is_active: bool,
    /// The id of the agent's team.
    pub team_id: u64,
    /// The name of the agent's team.
    pub team_name: String,
    /// The id of the agent's security profile.
    pub profile_id: u64,
    /// The name of the agent's security profile.
    pub profile_name: String,
    /// The primary phone number; `None` (JSON null) when unset.
    pub telephone1: Option<String>,
    /// A second phone number; `None` (JSON null) when unset.
    pub telephone2: Option<String>,
    /// The employee id.
    pub internal_id: Option<String>,
    /// The site id (assumed field, see `assumed`).
    pub location: Option<String>,
    /// When the agent last changed: what `updatedSince` compares with (strictly after).
    #[serde(with = "iso_millis")]
    pub last_updated: Timestamp,
    /// Whether the agent's login is locked.
    pub locked: bool,
}

/// One team as `GET /teams` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    /// The team's id.
    pub team_id: u64,
    /// The team's display name.
    pub team_name: String,
    /// Whether the team is active.
    pub is_active: bool,
    /// Free-text description; `None` (JSON null) when unset.
    pub description: Option<String>,
    /// Whether the WFO feature is enabled on the team.
    pub wfo_enabled: bool,
    /// Whether the WFM 2 feature is enabled on the team: "WFM Advanced" (ASSUMED, see
    /// [`wfm_advanced`](crate::acd::assumed::wfm_advanced)).
    pub wfm2_enabled: bool,
    /// Whether the NICE WFM feature is enabled on the team.
    pub nice_wfm_enabled: bool,
    /// Whether the NICE WFO Advanced feature is enabled on the team.
    pub nice_wfo_advanced_enabled: bool,
}

/// One security profile as `GET /security-profiles` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityProfile {
    /// The profile's id.
    pub security_profile_id: u64,
    /// The profile's display name.
    pub security_profile_name: String,
    /// Names of the permissions the profile grants (ASSUMED shape, see [`crate::acd::assumed`]).
    pub permissions: Vec<String>,
}

/// One campaign (ACD skill) as `GET /campaigns` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Campaign {
    /// The campaign's id.
    pub id: u64,
    /// The campaign's (skill's) name.
    pub name: String,
    /// Whether the campaign is active.
    pub is_active: bool,
    /// Free-text description; `None` (JSON null) when unset.
    pub description: Option<String>,
    /// When the campaign last changed.
    #[serde(with = "iso_millis")]
    pub last_update_time: Timestamp,
}

/// One disposition as `GET /dispositions` returns it (dispositions have no active flag).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Disposition {
    /// The disposition's id.
    pub disposition_id: u64,
    /// The disposition's display name.
    pub disposition_name: String,
    /// The id of the classification the disposition belongs to.
    pub classification_id: u64,
    /// The outcome recorded for the disposition (`Success`, `Failure`); `None` (JSON null)
    /// for none.
    pub system_outcome: Option<String>,
    /// When the disposition last changed.
    #[serde(with = "iso_millis")]
    pub last_updated: Timestamp,
}

/// One agent status as `GET /unavailable-codes` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnavailableCode {
    /// The code's id.
    pub id: u64,
    /// The code's display name (for example `Lunch`).
    pub name: String,
    /// Whether the code is active.
    pub is_active: bool,
    /// Whether the code is an after-call-work state; spelt `isACW` on the wire.
    #[serde(rename = "isACW")]
    pub is_acw: bool,
    /// The code's timeout as CXone sends it (the simulator sets one only on ACW codes);
    /// `None` (JSON null) for none.
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

#[cfg(test)]
mod tests {
    use super::*;

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
