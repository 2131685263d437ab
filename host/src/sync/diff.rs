//! Field-by-field differences between two versions of a record, for the provisioning log's
//! `old -> new` and for the plan's "update (changed fields)".

use ccsync_model::Entity;
use ccsync_store::FieldChange;
use ccsync_store::log::created_changes;
use serde_json::Value;

fn fields(entity: &Entity) -> serde_json::Map<String, Value> {
    match serde_json::to_value(entity) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

/// The fields that differ between `old` and `new`, in field order. `old = None` (a record
/// seen for the first time) lists every field that has a value (the store's rule,
/// [`created_changes`], by which it reads back a creation kept as the record).
pub fn diff(old: Option<&Entity>, new: &Entity) -> Vec<FieldChange> {
    let Some(old) = old else {
        return created_changes(fields(new));
    };
    let mut before = fields(old);
    let mut changes = Vec::new();
    for (field, new_value) in fields(new) {
        if field == "kind" {
            continue;
        }
        let old_value = before.remove(&field).unwrap_or(Value::Null);
        if old_value != new_value {
            changes.push(FieldChange {
                field,
                old: old_value,
                new: new_value,
            });
        }
    }
    // A field left out of the new record's JSON when empty (a user's `groups`, an item's
    // `group`) was emptied: its change is to the value the record now means, not to nothing.
    for (field, old_value) in before {
        if field == "kind" {
            continue;
        }
        let new_value = match old_value {
            Value::Array(_) => Value::Array(Vec::new()),
            _ => Value::Null,
        };
        changes.push(FieldChange {
            field,
            old: old_value,
            new: new_value,
        });
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccsync_model::User;

    fn user(email: &str, active: bool) -> Entity {
        Entity::User(User {
            id: "1".into(),
            username: Some("ann".into()),
            email: Some(email.into()),
            active,
            ..User::default()
        })
    }

    #[test]
    fn changed_fields_carry_old_and_new_values() {
        let changes = diff(Some(&user("a@x.test", true)), &user("b@x.test", false));
        assert_eq!(
            changes,
            vec![
                FieldChange {
                    field: "email".into(),
                    old: "a@x.test".into(),
                    new: "b@x.test".into()
                },
                FieldChange {
                    field: "active".into(),
                    old: true.into(),
                    new: false.into()
                },
            ]
        );
    }

    #[test]
    fn identical_records_have_no_changes() {
        assert!(diff(Some(&user("a@x.test", true)), &user("a@x.test", true)).is_empty());
    }

    #[test]
    fn a_field_emptied_out_of_the_record_is_a_change_to_its_empty_value() {
        let with = Entity::User(User {
            groups: vec!["Call Center Agents".into()],
            password_set: Some(true),
            ..User::default()
        });
        let changes = diff(Some(&with), &Entity::User(User::default()));
        assert_eq!(
            changes,
            vec![
                FieldChange {
                    field: "groups".into(),
                    old: serde_json::json!(["Call Center Agents"]),
                    new: serde_json::json!([])
                },
                FieldChange {
                    field: "password_set".into(),
                    old: true.into(),
                    new: Value::Null
                },
            ]
        );
    }

    #[test]
    fn a_new_record_lists_only_fields_with_values() {
        let changes = diff(None, &user("a@x.test", true));
        let names: Vec<_> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(names, ["id", "username", "email", "active"]);
    }
}
