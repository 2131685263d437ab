//! The API's JSON mapped onto the contract's records: a page of users, each user a `user`
//! record, and a user that cannot be mapped reported in `page.invalid` (with the reason,
//! naming the field) instead of failing the whole page.

use serde::Deserialize;
use serde_json::Value;

use crate::ccsync::connector::types::{Entity, InvalidRecord, Page, User};

/// One page of `GET /users?page=N`.
#[derive(Deserialize)]
struct UsersPage {
    users: Vec<Value>,
    /// The next page's number; `null` or absent on the last page.
    #[serde(default)]
    next: Option<u32>,
}

/// The page of records in a users page's body; `Err` when the body is not a users page at all.
pub fn page(body: &[u8]) -> Result<Page, serde_json::Error> {
    let parsed: UsersPage = serde_json::from_slice(body)?;
    let mut items = Vec::new();
    let mut invalid = Vec::new();
    for record in &parsed.users {
        match user(record) {
            Ok(user) => items.push(Entity::User(user)),
            Err(reason) => invalid.push(InvalidRecord {
                id: id_of(record),
                reason,
            }),
        }
    }
    Ok(Page {
        items,
        invalid,
        next_cursor: parsed.next.map(|n| n.to_string()),
        watermark: None,
    })
}

/// The record's id as text: the API sends strings, some clients numbers.
fn id_of(record: &Value) -> Option<String> {
    match record.get("id") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// An optional text field; `Err` names a field of another type.
fn text(record: &Value, field: &str) -> Result<Option<String>, String> {
    match record.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(other) => Err(format!("{field} is not text: {other}")),
    }
}

/// One user of the API as a `user` record.
fn user(record: &Value) -> Result<User, String> {
    let id = id_of(record).ok_or("id is missing")?;
    let active = match record.get("active") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(format!("active is not a flag: {other}")),
    };
    Ok(User {
        id,
        username: text(record, "login")?,
        first_name: text(record, "firstName")?,
        last_name: text(record, "lastName")?,
        email: text(record, "email")?,
        active,
        team_id: text(record, "teamId")?,
        security_profile_id: None,
        roles: Vec::new(),
        permissions: Vec::new(),
        primary_phone: None,
        phones: Vec::new(),
        employee_id: None,
        site_id: None,
        groups: Vec::new(),
        password_set: None,
        extra: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_maps_its_users_reports_the_unmappable_and_points_at_the_next_page() {
        let body = br#"{"users": [
            {"id": "u-1", "login": "ada", "firstName": "Ada", "email": "ada@example.com", "active": true},
            {"id": 2, "active": false},
            {"login": "nobody"},
            {"id": "u-4", "active": "yes"}
        ], "next": 2}"#;
        let page = page(body).expect("a users page");
        assert_eq!(page.items.len(), 2);
        let Entity::User(ada) = &page.items[0] else {
            panic!("a user")
        };
        assert_eq!(ada.username.as_deref(), Some("ada"));
        assert_eq!(ada.email.as_deref(), Some("ada@example.com"));
        assert_eq!(page.invalid.len(), 2);
        assert_eq!(page.invalid[0].id, None);
        assert!(page.invalid[0].reason.contains("id"));
        assert!(page.invalid[1].reason.contains("active"));
        assert_eq!(page.next_cursor.as_deref(), Some("2"));
    }

    #[test]
    fn the_last_page_has_no_cursor_and_a_cut_off_body_is_an_error() {
        assert_eq!(page(br#"{"users": [], "next": null}"#).expect("a page").next_cursor, None);
        assert!(page(br#"{"users": [{"id": "u"#).is_err());
    }
}
