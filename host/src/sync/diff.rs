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

/// The fields that differ between `old` and `new`, in field order (then the fields `new`
/// leaves out, in `old`'s order). `old = None` (a record seen for the first time) lists every
/// field that has a value (the store's rule, [`created_changes`], by which it reads back a
/// creation kept as the record).
///
/// A list or an optional field is left out of a record's JSON when empty (a user's `groups`,
/// an item's `group`): absent on one side, it changes from or to its empty value, `[]` for a
/// list, `null` otherwise.
pub fn diff(old: Option<&Entity>, new: &Entity) -> Vec<FieldChange> {
    let Some(old) = old else {
        return created_changes(fields(new));
    };
    let before = fields(old);
    let after = fields(new);
    let mut changes = Vec::new();
    for (field, new_value) in &after {
        if field == "kind" {
            continue;
        }
        let old_value = before
            .get(field)
            .cloned()
            .unwrap_or_else(|| empty_like(new_value));
        if old_value != *new_value {
            changes.push(FieldChange {
                field: field.clone(),
                old: old_value,
                new: new_value.clone(),
            });
        }
    }
    for (field, old_value) in before {
        if field == "kind" || after.contains_key(&field) {
            continue;
        }
        changes.push(FieldChange {
            field,
            new: empty_like(&old_value),
            old: old_value,
        });
    }
    changes
}

/// The empty value of a field of `value`'s shape: what its absence from a record's JSON means.
fn empty_like(value: &Value) -> Value {
    match value {
        Value::Array(_) => Value::Array(Vec::new()),
        _ => Value::Null,
    }
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
        let emptied = diff(Some(&with), &Entity::User(User::default()));
        assert_eq!(
            emptied,
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
        let filled = diff(Some(&Entity::User(User::default())), &with);
        let swapped: Vec<FieldChange> = emptied
            .into_iter()
            .map(|c| FieldChange {
                field: c.field,
                old: c.new,
                new: c.old,
            })
            .collect();
        assert_eq!(filled, swapped, "and the other way round");
    }

    #[test]
    fn a_new_record_lists_only_fields_with_values() {
        let changes = diff(None, &user("a@x.test", true));
        let names: Vec<_> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(names, ["id", "username", "email", "active"]);
    }
}
