//! Ivinex records to the contract's entities and back (`sim/IVINEX-WIRE.md`, "Mapping").
//!
//! Reading, each record is mapped on its own: one that cannot be (a required field missing, a
//! field of the wrong type) is reported with its id and reason, and the rest of the page goes
//! on. Writing, the body says exactly what the entity says: the host decides the groups and
//! the list, and a password is never sent (Ivinex takes none through its API).

use serde_json::{Map, Value, json};

use crate::wit::types::{Entity, Error, KeyValue, Kind, NamedItem, User};

/// JSON type names for messages.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Reads the fields of one record.
struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    fn present(&self, key: &str) -> Option<&Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    fn id(&self) -> Result<String, String> {
        match self.present("id") {
            None => Err("id is missing".into()),
            Some(Value::Number(n)) if n.is_u64() => Ok(n.to_string()),
            Some(other) => Err(format!(
                "id is not a whole number (found {})",
                type_name(other)
            )),
        }
    }

    /// An optional text: absent, null or `""` is none.
    fn text(&self, key: &str) -> Result<Option<String>, String> {
        match self.present(key) {
            None => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(format!(
                "{key} is not a string (found {})",
                type_name(other)
            )),
        }
    }

    fn required_text(&self, key: &str) -> Result<String, String> {
        self.text(key)?.ok_or_else(|| format!("{key} is missing"))
    }

    fn flag(&self, key: &str) -> Result<Option<bool>, String> {
        match self.present(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(format!(
                "{key} is not true or false (found {})",
                type_name(other)
            )),
        }
    }

    fn required_flag(&self, key: &str) -> Result<bool, String> {
        self.flag(key)?.ok_or_else(|| format!("{key} is missing"))
    }

    fn names(&self, key: &str) -> Result<Vec<String>, String> {
        let Some(value) = self.present(key) else {
            return Ok(Vec::new());
        };
        let Value::Array(items) = value else {
            return Err(format!("{key} is not a list (found {})", type_name(value)));
        };
        items
            .iter()
            .enumerate()
            .map(|(at, item)| match item {
                Value::String(name) => Ok(name.clone()),
                other => Err(format!(
                    "{key}[{at}] is not a string (found {})",
                    type_name(other)
                )),
            })
            .collect()
    }

    /// `externalId` and `updatedAt`, when present, sorted by key.
    fn extra(&self) -> Result<Vec<KeyValue>, String> {
        let mut extra = Vec::new();
        for key in ["externalId", "updatedAt"] {
            if let Some(value) = self.text(key)? {
                extra.push(KeyValue {
                    key: key.into(),
                    value,
                });
            }
        }
        Ok(extra)
    }
}

fn object(value: &Value) -> Result<Fields<'_>, String> {
    match value {
        Value::Object(fields) => Ok(Fields(fields)),
        other => Err(format!("the record is {}, not an object", type_name(other))),
    }
}

/// A user record.
pub fn user_from(value: &Value) -> Result<User, String> {
    let f = object(value)?;
    Ok(User {
        id: f.id()?,
        username: Some(f.required_text("username")?),
        first_name: f.text("firstName")?,
        last_name: f.text("lastName")?,
        email: f.text("email")?,
        active: f.required_flag("active")?,
        team_id: None,
        security_profile_id: None,
        roles: Vec::new(),
        permissions: Vec::new(),
        primary_phone: None,
        phones: Vec::new(),
        employee_id: None,
        site_id: None,
        groups: f.names("groups")?,
        password_set: f.flag("passwordSet")?,
        extra: f.extra()?,
    })
}

/// A campaign, disposition or agent status record.
pub fn item_from(value: &Value) -> Result<NamedItem, String> {
    let f = object(value)?;
    Ok(NamedItem {
        id: f.id()?,
        name: f.required_text("name")?,
        active: f.required_flag("active")?,
        group: f.text("list")?,
        extra: f.extra()?,
    })
}

/// A record of `kind` as an entity.
pub fn entity_from(kind: Kind, value: &Value) -> Result<Entity, String> {
    Ok(match kind {
        Kind::User => Entity::User(user_from(value)?),
        Kind::Campaign => Entity::Campaign(item_from(value)?),
        Kind::Disposition => Entity::Disposition(item_from(value)?),
        Kind::AgentStatus => Entity::AgentStatus(item_from(value)?),
        Kind::Team | Kind::SecurityProfile => {
            return Err("Ivinex has no records of this kind".into());
        }
    })
}

/// The record's id when it can be read, for an invalid-record report.
pub fn readable_id(value: &Value) -> Option<String> {
    match value.get("id")? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// The body of a create (`external_id` given) or an update (`None`: it cannot change).
/// Absent optional values are sent as `null` (Ivinex clears them; a required one is refused
/// naming the field).
pub fn write_body(entity: &Entity, external_id: Option<&str>) -> Result<Value, Error> {
    let mut body = match entity {
        Entity::User(u) => json!({
            "username": u.username,
            "firstName": u.first_name,
            "lastName": u.last_name,
            "email": u.email,
            "active": u.active,
            "groups": u.groups,
        }),
        Entity::Campaign(i) | Entity::Disposition(i) | Entity::AgentStatus(i) => json!({
            "name": i.name,
            "active": i.active,
            "list": i.group,
        }),
        Entity::Team(_) | Entity::SecurityProfile(_) => {
            return Err(Error::Unsupported(
                "Ivinex has no teams nor security profiles".into(),
            ));
        }
    };
    if let (Some(external_id), Value::Object(fields)) = (external_id, &mut body) {
        fields.insert("externalId".into(), external_id.into());
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire_user() -> Value {
        json!({"id": 1042, "externalId": "acme/user/7", "username": "ada", "firstName": "Ada",
            "lastName": null, "email": "", "active": true, "groups": ["Call Center Agents"],
            "passwordSet": false, "createdAt": "2026-01-01T00:00:00.000Z",
            "updatedAt": "2026-01-02T00:00:00.000Z"})
    }

    #[test]
    fn a_user_maps_groups_password_flag_and_external_id() {
        let user = user_from(&wire_user()).unwrap();
        assert_eq!(user.id, "1042");
        assert_eq!(user.username.as_deref(), Some("ada"));
        assert_eq!(user.last_name, None);
        assert_eq!(user.email, None, "an empty email is none");
        assert_eq!(user.groups, ["Call Center Agents"]);
        assert_eq!(user.password_set, Some(false));
        let extra: Vec<(&str, &str)> = user
            .extra
            .iter()
            .map(|kv| (kv.key.as_str(), kv.value.as_str()))
            .collect();
        assert_eq!(
            extra,
            [
                ("externalId", "acme/user/7"),
                ("updatedAt", "2026-01-02T00:00:00.000Z")
            ]
        );
    }

    #[test]
    fn a_hand_made_item_maps_its_list_to_the_group_without_external_id() {
        let wire = json!({"id": 1010, "externalId": null, "name": "Sale", "active": false,
            "list": "Standard Dispositions"});
        let Entity::Disposition(item) = entity_from(Kind::Disposition, &wire).unwrap() else {
            panic!("not a disposition")
        };
        assert_eq!(item.group.as_deref(), Some("Standard Dispositions"));
        assert!(!item.active);
        assert!(item.extra.is_empty());
    }

    #[test]
    fn unmappable_records_say_which_field_is_wrong() {
        let cases = [
            (json!({"username": "a", "active": true}), "id is missing"),
            (
                json!({"id": "7", "username": "a", "active": true}),
                "id is not a whole number (found a string)",
            ),
            (json!({"id": 7, "active": true}), "username is missing"),
            (
                json!({"id": 7, "username": "a", "active": "yes"}),
                "active is not true or false (found a string)",
            ),
            (
                json!({"id": 7, "username": "a", "active": true, "groups": [1]}),
                "groups[0] is not a string (found a number)",
            ),
            (json!([1]), "the record is a list, not an object"),
        ];
        for (wire, reason) in cases {
            assert_eq!(user_from(&wire).unwrap_err(), reason, "{wire}");
        }
        assert_eq!(
            item_from(&json!({"id": 7, "active": true})).unwrap_err(),
            "name is missing"
        );
        assert_eq!(readable_id(&json!({"id": 7})).as_deref(), Some("7"));
        assert_eq!(readable_id(&json!({"id": null})), None);
    }

    #[test]
    fn a_create_body_carries_the_external_id_and_never_a_password() {
        let mut user = user_from(&wire_user()).unwrap();
        user.email = None;
        user.password_set = Some(true);
        let body = write_body(&Entity::User(user), Some("acme/user/7")).unwrap();
        assert_eq!(
            body,
            json!({"externalId": "acme/user/7", "username": "ada", "firstName": "Ada",
                "lastName": null, "email": null, "active": true,
                "groups": ["Call Center Agents"]})
        );
    }

    #[test]
    fn an_update_body_files_the_item_in_its_group_and_leaves_the_external_id_out() {
        let item = NamedItem {
            id: "source-5".into(),
            name: "Sales".into(),
            active: true,
            group: Some("CC Campaigns".into()),
            extra: vec![],
        };
        let body = write_body(&Entity::Campaign(item), None).unwrap();
        assert_eq!(
            body,
            json!({"name": "Sales", "active": true, "list": "CC Campaigns"})
        );
    }
}
