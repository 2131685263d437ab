//! Maps one Admin API record (a JSON object) onto the contract's entity of its kind.
//!
//! The rules are those of `sim/ACD-WIRE.md`: ids and flags are read in any of the wire's forms
//! (connector-kit's [`fields`](connector_kit::fields)) and become decimal strings and
//! booleans, empty strings and nulls become `none`, a user's permissions are those of its
//! security profile, and platform fields the contract has no place for go to `extra`, sorted
//! by key so that an unchanged record always maps to the same value (the host hashes records
//! to detect change). Users are mapped here, the flat kinds in `lists`.
//!
//! Reads map records read straight from the body (`wire`). The mappings are written against
//! connector-kit's [`ReadFields`], which a parsed `Value` offers too, with the same rules and
//! errors: the tests below map `Value`s, and `wire`'s tests prove both views map alike.

use std::collections::{BTreeMap, BTreeSet};

use connector_kit::fields::{FieldError, Fields, ReadFields, json_type};
use connector_kit::wit::types::{Entity, KeyValue, Kind, User};
use serde_json::Value;
use thiserror::Error;

mod lists;

use lists::{map_agent_status, map_campaign, map_disposition, map_profile, map_team};

/// Security profile id -> the permissions it grants.
pub type Profiles = BTreeMap<i64, Vec<String>>;

/// Why a record could not be mapped.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Problem {
    #[error(transparent)]
    Field(#[from] FieldError),
    #[error("the record is {0}, not an object")]
    NotAnObject(&'static str),
    /// The agent's profile is not in the profile list, so its permissions are unknown.
    #[error("profileId {0} is not among the security profiles, so its permissions are unknown")]
    UnknownProfile(i64),
}

/// A list element as the mappings read it: an element read straight from the body (`wire`),
/// or a parsed `Value`.
pub trait Item {
    /// The element's fields.
    type Fields<'a>: ReadFields<'a>
    where
        Self: 'a;

    /// The element's fields, or its JSON type when it is not an object.
    fn fields(&self) -> Result<Self::Fields<'_>, &'static str>;
}

impl Item for Value {
    type Fields<'a> = Fields<'a>;

    fn fields(&self) -> Result<Fields<'_>, &'static str> {
        self.as_object()
            .map(Fields::new)
            .ok_or_else(|| json_type(self))
    }
}

/// Maps one list element of `kind`, however it was parsed.
pub fn map_item<I: Item>(kind: Kind, item: &I, profiles: &Profiles) -> Result<Entity, Problem> {
    let f = item.fields().map_err(Problem::NotAnObject)?;
    Ok(match kind {
        Kind::User => Entity::User(map_agent(f, profiles)?),
        Kind::Team => Entity::Team(map_team(f)?),
        Kind::SecurityProfile => Entity::SecurityProfile(map_profile(f)?.1),
        Kind::Campaign => Entity::Campaign(map_campaign(f)?),
        Kind::Disposition => Entity::Disposition(map_disposition(f)?),
        Kind::AgentStatus => Entity::AgentStatus(map_agent_status(f)?),
    })
}

/// A security profile's id and permissions, for the profile cache.
pub fn profile_entry<I: Item>(item: &I) -> Result<(i64, Vec<String>), Problem> {
    let f = item.fields().map_err(Problem::NotAnObject)?;
    let (id, profile) = map_profile(f)?;
    Ok((id, profile.permissions))
}

/// The `profileId`s of these agents that `profiles` does not know (malformed ids are left
/// to the mapping to report).
pub fn unknown_profile_ids<I: Item>(agents: &[I], profiles: &Profiles) -> BTreeSet<i64> {
    agents
        .iter()
        .filter_map(|agent| agent.fields().ok()?.optional_int("profileId").ok()?)
        .filter(|id| !profiles.contains_key(id))
        .collect()
}

fn map_agent<'a>(f: impl ReadFields<'a>, profiles: &Profiles) -> Result<User, Problem> {
    let agent_id = f.required_int("agentId")?;
    let user_name = f.required_str("userName")?;
    let active = f.required_bool("isActive")?;
    let first_name = f.non_empty_str("firstName")?;
    let last_name = f.non_empty_str("lastName")?;
    let email = f.non_empty_str("emailAddress")?;
    let team_id = f.optional_int("teamId")?;
    let team_name = f.optional_str("teamName")?;
    let profile_id = f.optional_int("profileId")?;
    let profile_name = f.non_empty_str("profileName")?;
    let telephone1 = f.non_empty_str("telephone1")?;
    let telephone2 = f.non_empty_str("telephone2")?;
    let internal_id = f.non_empty_str("internalId")?;
    let location = f.non_empty_str("location")?;
    let last_updated = f.optional_str("lastUpdated")?;
    let locked = f.optional_bool("locked")?;

    let permissions = match profile_id {
        Some(id) => profiles
            .get(&id)
            .cloned()
            .ok_or(Problem::UnknownProfile(id))?,
        None => Vec::new(),
    };
    let extra = sorted_extra([
        ("teamName", team_name.map(str::to_string)),
        ("profileName", profile_name.map(str::to_string)),
        ("locked", locked.map(|b| b.to_string())),
        ("lastUpdated", last_updated.map(str::to_string)),
    ]);
    Ok(User {
        id: agent_id.to_string(),
        username: Some(user_name)
            .filter(|u| !u.is_empty())
            .map(str::to_string),
        first_name: first_name.map(str::to_string),
        last_name: last_name.map(str::to_string),
        email: email.map(str::to_string),
        active,
        team_id: team_id.map(|id| id.to_string()),
        security_profile_id: profile_id.map(|id| id.to_string()),
        roles: profile_name.map(str::to_string).into_iter().collect(),
        permissions,
        primary_phone: telephone1.map(str::to_string),
        phones: [telephone1, telephone2]
            .into_iter()
            .flatten()
            .map(str::to_string)
            .collect(),
        employee_id: internal_id.map(str::to_string),
        site_id: location.map(str::to_string),
        groups: Vec::new(),
        password_set: None,
        extra,
    })
}
/// The present values as key/values, sorted by key.
fn sorted_extra<const N: usize>(pairs: [(&str, Option<String>); N]) -> Vec<KeyValue> {
    let mut extra: Vec<KeyValue> = pairs
        .into_iter()
        .filter_map(|(key, value)| {
            value.map(|value| KeyValue {
                key: key.to_string(),
                value,
            })
        })
        .collect();
    extra.sort_by(|a, b| a.key.cmp(&b.key));
    extra
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    fn kv(pairs: &[(&str, &str)]) -> Vec<KeyValue> {
        pairs
            .iter()
            .map(|(k, v)| KeyValue {
                key: k.to_string(),
                value: v.to_string(),
            })
            .collect()
    }

    fn profiles() -> Profiles {
        Profiles::from([(
            7,
            vec![
                "WFM > MyZone > View Personal Schedule".to_string(),
                "User Mapping: Map".to_string(),
            ],
        )])
    }

    /// An agent as the wire sends it, every field typed as the API documents it.
    pub(crate) fn agent() -> Value {
        json!({
            "agentId": 1234, "userName": "jdoe@acme", "firstName": "Jane", "lastName": "Doe",
            "emailAddress": "Jane.Doe@Acme.test", "isActive": true, "teamId": 55,
            "teamName": "Blue", "profileId": 7, "profileName": "Agent",
            "telephone1": "+15550001", "telephone2": null, "internalId": "E-9",
            "location": "S-1", "lastUpdated": "2026-11-24T07:00:00.000Z", "locked": false
        })
    }

    #[test]
    fn agent_maps_every_field_per_the_wire_contract() {
        let Entity::User(user) = map_item(Kind::User, &agent(), &profiles()).unwrap() else {
            panic!("not a user");
        };
        assert_eq!(
            user,
            User {
                id: "1234".into(),
                username: Some("jdoe@acme".into()),
                first_name: Some("Jane".into()),
                last_name: Some("Doe".into()),
                email: Some("Jane.Doe@Acme.test".into()),
                active: true,
                team_id: Some("55".into()),
                security_profile_id: Some("7".into()),
                roles: vec!["Agent".into()],
                permissions: profiles()[&7].clone(),
                primary_phone: Some("+15550001".into()),
                phones: vec!["+15550001".into()],
                employee_id: Some("E-9".into()),
                site_id: Some("S-1".into()),
                groups: vec![],
                password_set: None,
                extra: kv(&[
                    ("lastUpdated", "2026-11-24T07:00:00.000Z"),
                    ("locked", "false"),
                    ("profileName", "Agent"),
                    ("teamName", "Blue"),
                ]),
            }
        );
    }

    #[test]
    fn agent_empty_strings_and_nulls_become_none_and_phones_skip_them() {
        let mut a = agent();
        a["userName"] = json!("");
        a["emailAddress"] = json!("");
        a["firstName"] = json!(null);
        a["telephone1"] = json!("");
        a["telephone2"] = json!("+15550002");
        let Entity::User(user) = map_item(Kind::User, &a, &profiles()).unwrap() else {
            panic!("not a user");
        };
        assert_eq!(user.username, None);
        assert_eq!(user.email, None);
        assert_eq!(user.first_name, None);
        assert_eq!(user.primary_phone, None);
        assert_eq!(user.phones, vec!["+15550002".to_string()]);
    }

    #[test]
    fn malformed_agent_fields_are_named() {
        let cases = [
            (
                "agentId",
                json!("X12"),
                "agentId is not an integer (found a string that is not a whole number)",
            ),
            (
                "isActive",
                json!(null),
                "isActive is not a boolean (found null)",
            ),
            (
                "isActive",
                json!("yes"),
                "isActive is not a boolean (found a string other than true, false, 1 and 0)",
            ),
            (
                "locked",
                json!(2),
                "locked is not a boolean (found a number other than 1 and 0)",
            ),
            (
                "teamId",
                json!(true),
                "teamId is not an integer (found a boolean)",
            ),
        ];
        for (field, value, reason) in cases {
            let mut a = agent();
            a[field] = value;
            let err = map_item(Kind::User, &a, &profiles()).unwrap_err();
            assert_eq!(err.to_string(), reason);
        }
        let mut a = agent();
        a.as_object_mut().unwrap().remove("agentId");
        assert_eq!(
            map_item(Kind::User, &a, &profiles()).unwrap_err(),
            Problem::Field(FieldError::Missing { field: "agentId" })
        );
        assert_eq!(
            map_item(Kind::User, &json!([1]), &profiles()).unwrap_err(),
            Problem::NotAnObject("an array")
        );
    }

    #[test]
    fn agent_with_unknown_profile_is_reported_not_given_empty_permissions() {
        let mut a = agent();
        a["profileId"] = json!(99);
        assert_eq!(
            map_item(Kind::User, &a, &profiles()).unwrap_err(),
            Problem::UnknownProfile(99)
        );
        a["profileId"] = json!(null);
        let Entity::User(user) = map_item(Kind::User, &a, &profiles()).unwrap() else {
            panic!("not a user");
        };
        assert!(user.permissions.is_empty());
        assert_eq!(user.security_profile_id, None);
    }

    #[test]
    fn unknown_profile_ids_lists_only_ids_missing_from_the_cache() {
        let agents = [
            agent(),
            json!({"profileId": 9}),
            json!({"profileId": "11"}),
            json!({"profileId": "7"}),
            json!({"profileId": "x"}),
            json!(3),
        ];
        assert_eq!(
            unknown_profile_ids(&agents, &profiles()),
            BTreeSet::from([9, 11])
        );
    }

    #[test]
    fn is_active_as_1_or_string_true_is_active() {
        for value in [json!(1), json!("1"), json!("true"), json!("True")] {
            let mut a = agent();
            a["isActive"] = value.clone();
            let Entity::User(user) = map_item(Kind::User, &a, &profiles()).unwrap() else {
                panic!("not a user");
            };
            assert!(user.active, "{value}");
        }
        for value in [json!(0), json!("0"), json!("false"), json!("FALSE")] {
            let mut a = agent();
            a["isActive"] = value.clone();
            let Entity::User(user) = map_item(Kind::User, &a, &profiles()).unwrap() else {
                panic!("not a user");
            };
            assert!(!user.active, "{value}");
        }
    }

    #[test]
    fn agent_with_every_field_as_a_string_maps_like_the_typed_one() {
        let as_strings = json!({
            "agentId": "1234", "userName": "jdoe@acme", "firstName": "Jane", "lastName": "Doe",
            "emailAddress": "Jane.Doe@Acme.test", "isActive": "1", "teamId": "55",
            "teamName": "Blue", "profileId": "7", "profileName": "Agent",
            "telephone1": "+15550001", "telephone2": null, "internalId": "E-9",
            "location": "S-1", "lastUpdated": "2026-11-24T07:00:00.000Z", "locked": "False"
        });
        let with_integers = {
            let mut a = agent();
            a["isActive"] = json!(1);
            a["locked"] = json!(0);
            a
        };
        let typed = map_item(Kind::User, &agent(), &profiles()).unwrap();
        assert_eq!(
            map_item(Kind::User, &as_strings, &profiles()).unwrap(),
            typed
        );
        assert_eq!(
            map_item(Kind::User, &with_integers, &profiles()).unwrap(),
            typed
        );
    }

    #[test]
    fn primary_phone_is_telephone1_and_phones_list_both() {
        let mut a = agent();
        a["telephone2"] = json!("+15550002");
        let Entity::User(user) = map_item(Kind::User, &a, &profiles()).unwrap() else {
            panic!("not a user");
        };
        assert_eq!(user.primary_phone.as_deref(), Some("+15550001"));
        assert_eq!(user.phones, ["+15550001", "+15550002"]);
    }
}
