//! The kinds other than users: teams (with their feature flags), security profiles,
//! campaigns, dispositions and agent statuses, each a flat record.

use connector_kit::fields::{FieldError, ReadFields};
use connector_kit::wit::types::{NamedItem, SecurityProfile, Team};

use crate::mapping::sorted_extra;

/// Team flags and the feature names they stand for. `wfm2Enabled` as "WFM Advanced" is the
/// assumption of `sim/ACD-WIRE.md`.
const TEAM_FEATURES: [(&str, &str); 4] = [
    ("wfm2Enabled", "WFM Advanced"),
    ("wfoEnabled", "WFO"),
    ("niceWfmEnabled", "NICE WFM"),
    ("niceWfoAdvancedEnabled", "NICE WFO Advanced"),
];

pub(super) fn map_team<'a>(f: impl ReadFields<'a>) -> Result<Team, FieldError> {
    let id = f.required_int("teamId")?;
    let name = f.required_str("teamName")?;
    let active = f.required_bool("isActive")?;
    let mut features = Vec::new();
    for (flag, feature) in TEAM_FEATURES {
        // An absent or null flag means the feature is not enabled.
        if f.optional_bool(flag)?.unwrap_or(false) {
            features.push(feature.to_string());
        }
    }
    Ok(Team {
        id: id.to_string(),
        name: name.to_string(),
        features,
        active,
    })
}

pub(super) fn map_profile<'a>(
    f: impl ReadFields<'a>,
) -> Result<(i64, SecurityProfile), FieldError> {
    let id = f.required_int("securityProfileId")?;
    let name = f.required_str("securityProfileName")?;
    let permissions = f.str_list("permissions")?;
    Ok((
        id,
        SecurityProfile {
            id: id.to_string(),
            name: name.to_string(),
            permissions,
        },
    ))
}

pub(super) fn map_campaign<'a>(f: impl ReadFields<'a>) -> Result<NamedItem, FieldError> {
    Ok(NamedItem {
        id: f.required_int("id")?.to_string(),
        name: f.required_str("name")?.to_string(),
        active: f.required_bool("isActive")?,
        group: None,
        extra: sorted_extra([
            (
                "description",
                f.non_empty_str("description")?.map(str::to_string),
            ),
            (
                "lastUpdateTime",
                f.optional_str("lastUpdateTime")?.map(str::to_string),
            ),
        ]),
    })
}

pub(super) fn map_disposition<'a>(f: impl ReadFields<'a>) -> Result<NamedItem, FieldError> {
    Ok(NamedItem {
        id: f.required_int("dispositionId")?.to_string(),
        name: f.required_str("dispositionName")?.to_string(),
        // Dispositions have no active flag in the Admin API.
        active: true,
        group: None,
        extra: sorted_extra([
            (
                "classificationId",
                f.optional_int("classificationId")?.map(|n| n.to_string()),
            ),
            (
                "systemOutcome",
                f.non_empty_str("systemOutcome")?.map(str::to_string),
            ),
            (
                "lastUpdated",
                f.optional_str("lastUpdated")?.map(str::to_string),
            ),
        ]),
    })
}

pub(super) fn map_agent_status<'a>(f: impl ReadFields<'a>) -> Result<NamedItem, FieldError> {
    Ok(NamedItem {
        id: f.required_int("id")?.to_string(),
        name: f.required_str("name")?.to_string(),
        active: f.required_bool("isActive")?,
        group: None,
        extra: sorted_extra([
            ("isACW", f.optional_bool("isACW")?.map(|b| b.to_string())),
            (
                "agentTimeout",
                f.optional_int("agentTimeout")?.map(|n| n.to_string()),
            ),
        ]),
    })
}

#[cfg(test)]
mod tests {
    use connector_kit::wit::types::{Entity, KeyValue, Kind};
    use serde_json::json;

    use super::*;
    use crate::mapping::{Profiles, map_item, profile_entry};

    fn kv(pairs: &[(&str, &str)]) -> Vec<KeyValue> {
        pairs
            .iter()
            .map(|(k, v)| KeyValue {
                key: k.to_string(),
                value: v.to_string(),
            })
            .collect()
    }

    #[test]
    fn team_flags_map_to_feature_names_and_absent_flags_are_off() {
        let team = json!({"teamId": 5, "teamName": "Blue", "isActive": true, "description": null,
            "wfoEnabled": true, "wfm2Enabled": true, "niceWfmEnabled": false});
        assert_eq!(
            map_item(Kind::Team, &team, &Profiles::new()).unwrap(),
            Entity::Team(Team {
                id: "5".into(),
                name: "Blue".into(),
                features: vec!["WFM Advanced".into(), "WFO".into()],
                active: true,
            })
        );
        let bad = json!({"teamId": 5, "teamName": "Blue", "isActive": true, "wfm2Enabled": "yes"});
        assert_eq!(
            map_item(Kind::Team, &bad, &Profiles::new())
                .unwrap_err()
                .to_string(),
            "wfm2Enabled is not a boolean (found a string other than true, false, 1 and 0)"
        );
    }

    #[test]
    fn team_flags_and_ids_as_integers_or_strings_map_like_booleans() {
        let typed = json!({"teamId": 5, "teamName": "Blue", "isActive": true,
            "wfoEnabled": true, "wfm2Enabled": false});
        for variant in [
            json!({"teamId": "5", "teamName": "Blue", "isActive": 1,
                "wfoEnabled": "1", "wfm2Enabled": 0}),
            json!({"teamId": "5", "teamName": "Blue", "isActive": "True",
                "wfoEnabled": "true", "wfm2Enabled": "False"}),
        ] {
            assert_eq!(
                map_item(Kind::Team, &variant, &Profiles::new()).unwrap(),
                map_item(Kind::Team, &typed, &Profiles::new()).unwrap(),
                "{variant}"
            );
        }
    }

    #[test]
    fn named_items_sent_as_strings_map_like_typed_ones() {
        let none = Profiles::new();
        let pairs = [
            (
                Kind::Campaign,
                json!({"id": 3, "name": "Sales", "isActive": false}),
                json!({"id": "3", "name": "Sales", "isActive": "0"}),
            ),
            (
                Kind::Disposition,
                json!({"dispositionId": 4, "dispositionName": "Sold", "classificationId": 2}),
                json!({"dispositionId": "4", "dispositionName": "Sold", "classificationId": "2"}),
            ),
            (
                Kind::AgentStatus,
                json!({"id": 8, "name": "Lunch", "isActive": true, "isACW": false,
                    "agentTimeout": 30}),
                json!({"id": "8", "name": "Lunch", "isActive": "1", "isACW": "false",
                    "agentTimeout": "30"}),
            ),
            (
                Kind::SecurityProfile,
                json!({"securityProfileId": 7, "securityProfileName": "Agent"}),
                json!({"securityProfileId": "7", "securityProfileName": "Agent"}),
            ),
        ];
        for (kind, typed, strings) in pairs {
            assert_eq!(
                map_item(kind, &strings, &none).unwrap(),
                map_item(kind, &typed, &none).unwrap(),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn security_profile_maps_with_its_permissions() {
        let p = json!({"securityProfileId": 7, "securityProfileName": "Agent",
            "permissions": ["User Mapping: Map"]});
        assert_eq!(
            map_item(Kind::SecurityProfile, &p, &Profiles::new()).unwrap(),
            Entity::SecurityProfile(SecurityProfile {
                id: "7".into(),
                name: "Agent".into(),
                permissions: vec!["User Mapping: Map".into()],
            })
        );
        assert_eq!(
            profile_entry(&p).unwrap(),
            (7, vec!["User Mapping: Map".to_string()])
        );
    }

    #[test]
    fn campaign_disposition_and_status_map_to_named_items() {
        let none = Profiles::new();
        let c = json!({"id": 3, "name": "Sales", "isActive": false, "description": "",
            "lastUpdateTime": "2026-01-01T00:00:00Z"});
        assert_eq!(
            map_item(Kind::Campaign, &c, &none).unwrap(),
            Entity::Campaign(NamedItem {
                id: "3".into(),
                name: "Sales".into(),
                active: false,
                group: None,
                extra: kv(&[("lastUpdateTime", "2026-01-01T00:00:00Z")]),
            })
        );
        let d = json!({"dispositionId": 4, "dispositionName": "Sold", "classificationId": 2,
            "systemOutcome": null, "lastUpdated": "2026-01-02T00:00:00Z"});
        assert_eq!(
            map_item(Kind::Disposition, &d, &none).unwrap(),
            Entity::Disposition(NamedItem {
                id: "4".into(),
                name: "Sold".into(),
                active: true,
                group: None,
                extra: kv(&[
                    ("classificationId", "2"),
                    ("lastUpdated", "2026-01-02T00:00:00Z")
                ]),
            })
        );
        let s = json!({"id": 8, "name": "Lunch", "isActive": true, "isACW": false,
            "agentTimeout": null});
        assert_eq!(
            map_item(Kind::AgentStatus, &s, &none).unwrap(),
            Entity::AgentStatus(NamedItem {
                id: "8".into(),
                name: "Lunch".into(),
                active: true,
                group: None,
                extra: kv(&[("isACW", "false")]),
            })
        );
        let bad = json!({"id": 8, "isActive": true});
        assert_eq!(
            map_item(Kind::AgentStatus, &bad, &none)
                .unwrap_err()
                .to_string(),
            "name is missing"
        );
    }
}
