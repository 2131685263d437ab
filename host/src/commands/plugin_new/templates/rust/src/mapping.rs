//! The API's JSON mapped onto the contract's records: a page of users, each user a `user`
//! record, and a user that cannot be mapped reported in `page.invalid` (with the reason,
//! naming the field) instead of failing the whole page.

use connector_kit::fields::{FieldError, Fields};
use connector_kit::wit::types::{Entity, InvalidRecord, Page, User};
use serde::Deserialize;
use serde_json::Value;

/// One page of `GET /users?page=N`.
#[derive(Debug, Deserialize)]
pub struct UsersPage {
    users: Vec<Value>,
    /// The next page's number; `null` or absent on the last page.
    #[serde(default)]
    pub next: Option<u32>,
}

/// The records of a users page (its cursor is the caller's).
pub fn page(reply: &UsersPage) -> Page {
    let mut items = Vec::new();
    let mut invalid = Vec::new();
    for (index, record) in reply.users.iter().enumerate() {
        match user(record) {
            Ok(user) => items.push(Entity::User(user)),
            Err(reason) => invalid.push(InvalidRecord {
                id: record.as_object().and_then(|r| Fields::new(r).loose_id("id")),
                reason: format!("users[{index}]: {reason}"),
            }),
        }
    }
    Page {
        items,
        invalid,
        next_cursor: None,
        watermark: None,
    }
}

/// One user of the API as a `user` record.
fn user(record: &Value) -> Result<User, String> {
    let record = record.as_object().ok_or("the record is not an object")?;
    let f = Fields::new(record);
    // A text field: absent, null and "" are none; any other type is refused naming the field.
    let text = |name| {
        f.non_empty_str(name)
            .map(|value| value.map(str::to_owned))
            .map_err(|e: FieldError| e.to_string())
    };
    Ok(User {
        id: f.loose_id("id").ok_or("id is missing")?,
        username: text("login")?,
        first_name: text("firstName")?,
        last_name: text("lastName")?,
        email: text("email")?,
        // Users are active unless the API says otherwise.
        active: f
            .optional_bool("active")
            .map_err(|e| e.to_string())?
            .unwrap_or(true),
        team_id: text("teamId")?,
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
    fn a_page_maps_its_users_and_reports_the_unmappable_naming_the_field() {
        let reply: UsersPage = serde_json::from_str(
            r#"{"users": [
                {"id": "u-1", "login": "ada", "firstName": "Ada", "email": "ada@example.com", "active": true},
                {"id": 2, "active": false},
                {"login": "nobody"},
                {"id": "u-4", "active": "yes"}
            ], "next": 2}"#,
        )
        .expect("a users page");
        let page = page(&reply);
        assert_eq!(page.items.len(), 2);
        let Entity::User(ada) = &page.items[0] else {
            panic!("a user")
        };
        assert_eq!(ada.username.as_deref(), Some("ada"));
        assert_eq!(ada.email.as_deref(), Some("ada@example.com"));
        assert_eq!(page.invalid.len(), 2);
        assert_eq!(page.invalid[0].id, None);
        assert!(page.invalid[0].reason.contains("id"));
        assert_eq!(page.invalid[1].id.as_deref(), Some("u-4"));
        assert!(page.invalid[1].reason.contains("active"));
    }
}
