//! What a write body asks for: the JSON object of a create or update, read into typed changes,
//! with every problem reported by field (a 422 lists them all at once).
//!
//! Two writers use the same fields: the API (a client such as ccsync), held to every rule of
//! `sim/IVINEX-WIRE.md`, and an administrator by hand (the control API), who is held to the
//! field types only, so tests can make the odd records a real account accumulates, and who
//! alone sets `passwordSet`.

use serde::Serialize;
use serde_json::{Map, Value};

use super::model::{GROUPS, LISTS, RecordKind};

/// The longest `externalId`.
pub const EXTERNAL_ID_MAX: usize = 255;
/// The longest `username`.
pub const USERNAME_MAX: usize = 100;
/// The longest `firstName` or `lastName`.
pub const PERSON_NAME_MAX: usize = 64;
/// The longest `email`.
pub const EMAIL_MAX: usize = 254;
/// The longest item `name`.
pub const ITEM_NAME_MAX: usize = 100;

/// One field's problem, as a 422 lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field, as the wire names it (`email`, `groups[1]`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Who writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Writer {
    /// A client of the API.
    Api,
    /// An administrator by hand (the control API).
    Admin,
}

/// What a write does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Write {
    /// Makes a new record: the required fields must be there.
    Create,
    /// Changes some fields of a record.
    Update,
}

/// The fields a user write sets; `None`: left as it is. Optional texts are `Some(None)` when
/// the body clears them with `null`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct UserChanges {
    pub external_id: Option<Option<String>>,
    pub username: Option<String>,
    pub first_name: Option<Option<String>>,
    pub last_name: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub active: Option<bool>,
    pub groups: Option<Vec<String>>,
    pub password_set: Option<bool>,
}

/// The fields an item write sets; `None`: left as it is.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ItemChanges {
    pub external_id: Option<Option<String>>,
    pub name: Option<String>,
    pub active: Option<bool>,
    pub list: Option<String>,
}

/// Reads fields of a body, collecting problems.
struct Reader<'a> {
    fields: &'a Map<String, Value>,
    writer: Writer,
    write: Write,
    errors: Vec<FieldError>,
}

impl<'a> Reader<'a> {
    fn new(fields: &'a Map<String, Value>, writer: Writer, write: Write) -> Self {
        Self {
            fields,
            writer,
            write,
            errors: Vec::new(),
        }
    }

    fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    fn api(&self) -> bool {
        self.writer == Writer::Api
    }

    /// A text that may be `null`; `None` when absent or mistyped.
    fn nullable_text(&mut self, field: &str, max: usize) -> Option<Option<String>> {
        match self.fields.get(field)? {
            Value::Null => Some(None),
            Value::String(text) => {
                if self.api() && text.chars().count() > max {
                    self.fail(field, format!("is longer than {max} characters"));
                }
                Some(Some(text.clone()))
            }
            _ => {
                self.fail(field, "must be a string or null");
                None
            }
        }
    }

    /// A text that may not be `null` nor, from the API, blank; required on a create.
    fn required_text(&mut self, field: &str, max: usize) -> Option<String> {
        match self.fields.get(field) {
            None if self.write == Write::Create => {
                self.fail(field, "is required");
                None
            }
            None => None,
            Some(Value::Null) => {
                self.fail(field, "is required");
                None
            }
            Some(Value::String(text)) if self.api() && text.trim().is_empty() => {
                self.fail(field, "must not be blank");
                None
            }
            Some(Value::String(text)) => {
                if self.api() && text.chars().count() > max {
                    self.fail(field, format!("is longer than {max} characters"));
                }
                Some(text.clone())
            }
            Some(_) => {
                self.fail(field, "must be a string");
                None
            }
        }
    }

    fn boolean(&mut self, field: &str) -> Option<bool> {
        match self.fields.get(field)? {
            Value::Bool(flag) => Some(*flag),
            _ => {
                self.fail(field, "must be true or false");
                None
            }
        }
    }

    /// `externalId`: required on an API create, refused on an API update, free for an admin.
    fn external_id(&mut self) -> Option<Option<String>> {
        match (self.writer, self.write) {
            (Writer::Api, Write::Create) => {
                self.required_text("externalId", EXTERNAL_ID_MAX).map(Some)
            }
            (Writer::Api, Write::Update) => {
                if self.fields.contains_key("externalId") {
                    self.fail("externalId", "cannot be changed after create");
                }
                None
            }
            (Writer::Admin, _) => self.nullable_text("externalId", EXTERNAL_ID_MAX),
        }
    }

    /// Refuses fields that are not `known` (read-only ones and passwords with their reason).
    fn refuse_others(&mut self, known: &[&str], noun: &str) {
        let admin = self.writer == Writer::Admin;
        let mut refused = Vec::new();
        for key in self.fields.keys() {
            let why = match key.as_str() {
                k if known.contains(&k) => continue,
                "passwordSet" if admin && noun == "user" => continue,
                "password" => {
                    "the API never accepts a password: an administrator sets it in Ivinex"
                }
                "passwordSet" => "is read-only: an administrator sets passwords in Ivinex",
                "id" | "createdAt" | "updatedAt" => "is read-only",
                _ => "is not a field of this record",
            };
            refused.push(FieldError::new(key.clone(), why));
        }
        self.errors.extend(refused);
    }

    fn finish<T>(self, changes: T) -> Result<T, Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(changes)
        } else {
            Err(self.errors)
        }
    }
}

const USER_FIELDS: [&str; 7] = [
    "externalId",
    "username",
    "firstName",
    "lastName",
    "email",
    "active",
    "groups",
];

const ITEM_FIELDS: [&str; 4] = ["externalId", "name", "active", "list"];

/// The changes a user body asks for.
pub(crate) fn user_changes(
    fields: &Map<String, Value>,
    writer: Writer,
    write: Write,
) -> Result<UserChanges, Vec<FieldError>> {
    let mut r = Reader::new(fields, writer, write);
    r.refuse_others(&USER_FIELDS, "user");
    let changes = UserChanges {
        external_id: r.external_id(),
        username: r.required_text("username", USERNAME_MAX),
        first_name: r.nullable_text("firstName", PERSON_NAME_MAX),
        last_name: r.nullable_text("lastName", PERSON_NAME_MAX),
        email: r.nullable_text("email", EMAIL_MAX),
        active: r.boolean("active"),
        groups: groups(&mut r),
        password_set: if writer == Writer::Admin {
            r.boolean("passwordSet")
        } else {
            None
        },
    };
    if r.api() {
        if let Some(username) = &changes.username
            && username
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            r.fail("username", "must not contain spaces or control characters");
        }
        if let Some(Some(email)) = &changes.email
            && !is_email(email)
        {
            r.fail("email", format!("'{email}' is not an email address"));
        }
    }
    r.finish(changes)
}

/// `groups`: a list of the account's group names (any names for an admin); duplicates collapse.
fn groups(r: &mut Reader<'_>) -> Option<Vec<String>> {
    let Value::Array(values) = r.fields.get("groups")? else {
        r.fail("groups", "must be a list of group names");
        return None;
    };
    let mut names: Vec<String> = Vec::with_capacity(values.len());
    for (at, value) in values.iter().enumerate() {
        let field = format!("groups[{at}]");
        match value {
            Value::String(name) if r.api() && !GROUPS.contains(&name.as_str()) => r.fail(
                &field,
                format!("no group is named '{name}' (groups: {})", GROUPS.join(", ")),
            ),
            Value::String(name) => {
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
            _ => r.fail(&field, "must be a string"),
        }
    }
    Some(names)
}

/// The changes an item body of `kind` asks for.
pub(crate) fn item_changes(
    kind: RecordKind,
    fields: &Map<String, Value>,
    writer: Writer,
    write: Write,
) -> Result<ItemChanges, Vec<FieldError>> {
    let mut r = Reader::new(fields, writer, write);
    r.refuse_others(&ITEM_FIELDS, kind.noun());
    let changes = ItemChanges {
        external_id: r.external_id(),
        name: r.required_text("name", ITEM_NAME_MAX),
        active: r.boolean("active"),
        list: r.required_text("list", usize::MAX),
    };
    if r.api()
        && let Some(list) = &changes.list
        && let Some(problem) = list_problem(kind, list)
    {
        r.fail("list", problem);
    }
    r.finish(changes)
}

/// Why `list` cannot hold an item of `kind`, if it cannot.
fn list_problem(kind: RecordKind, list: &str) -> Option<String> {
    match LISTS.iter().find(|(_, name)| *name == list) {
        Some((holds, _)) if *holds == kind => None,
        Some((holds, _)) => Some(format!(
            "'{list}' is a {} list, not a {} list",
            holds.noun(),
            kind.noun()
        )),
        None => Some(format!(
            "no {} list is named '{list}' ({} lists: {})",
            kind.noun(),
            kind.noun(),
            kind.lists().collect::<Vec<_>>().join(", ")
        )),
    }
}

/// `local@domain.tld`: one `@`, no whitespace, a dot inside the domain.
fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !text.chars().any(char::is_whitespace)
        && domain
            .split_once('.')
            .is_some_and(|(host, _)| !host.is_empty())
        && !domain.ends_with('.')
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn user(body: Value, write: Write) -> Result<UserChanges, Vec<FieldError>> {
        user_changes(&object(body), Writer::Api, write)
    }

    fn item(kind: RecordKind, body: Value, write: Write) -> Result<ItemChanges, Vec<FieldError>> {
        item_changes(kind, &object(body), Writer::Api, write)
    }

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(fields) => fields,
            other => panic!("not an object: {other}"),
        }
    }

    fn fields_of(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn an_api_create_needs_an_external_id_and_a_username() {
        let errors = user(json!({"email": "a@b.co"}), Write::Create).unwrap_err();
        assert_eq!(fields_of(&errors), ["externalId", "username"]);
        let body = json!({"externalId": "t/user/1", "username": "amy",
            "groups": ["Supervisors", "Supervisors"]});
        let ok = user(body, Write::Create).unwrap();
        assert_eq!(ok.groups, Some(vec!["Supervisors".to_owned()]));
        assert_eq!(ok.external_id, Some(Some("t/user/1".to_owned())));
    }

    #[test]
    fn every_bad_user_field_is_reported_by_name() {
        let body = json!({"externalId": "x", "username": "a b", "firstName": "F".repeat(65),
            "email": "not-an-email", "active": "yes", "groups": ["Nobody", 3]});
        let errors = user(body, Write::Create).unwrap_err();
        assert_eq!(
            fields_of(&errors),
            [
                "firstName",
                "active",
                "groups[0]",
                "groups[1]",
                "username",
                "email"
            ]
        );
        assert!(errors[2].message.contains("Call Center Agents"));
    }

    #[test]
    fn passwords_and_read_only_fields_are_refused_from_the_api() {
        let body = json!({"password": "x", "passwordSet": true, "id": 4, "team": "A"});
        let errors = user(body, Write::Update).unwrap_err();
        assert_eq!(
            fields_of(&errors),
            ["password", "passwordSet", "id", "team"]
        );
        assert!(errors[0].message.contains("never accepts a password"));
    }

    #[test]
    fn an_update_may_not_change_the_external_id_but_may_clear_optional_fields() {
        let errors = user(json!({"externalId": "y"}), Write::Update).unwrap_err();
        assert_eq!(errors[0].message, "cannot be changed after create");
        let changes = user(json!({"email": null}), Write::Update).unwrap();
        assert_eq!(changes.email, Some(None));
        assert_eq!(changes.username, None);
        let errors = user(json!({"username": null}), Write::Update).unwrap_err();
        assert_eq!(errors[0].message, "is required");
    }

    #[test]
    fn an_admin_sets_the_password_flag_and_odd_values_but_not_wrong_types() {
        let body = json!({"passwordSet": true, "username": "", "groups": ["Anything"]});
        let changes = user_changes(&object(body), Writer::Admin, Write::Update).unwrap();
        assert_eq!(changes.password_set, Some(true));
        assert_eq!(changes.username.as_deref(), Some(""));
        let body = json!({"passwordSet": 1});
        let errors = user_changes(&object(body), Writer::Admin, Write::Update).unwrap_err();
        assert_eq!(fields_of(&errors), ["passwordSet"]);
        let errors = user_changes(&object(json!({})), Writer::Admin, Write::Create).unwrap_err();
        assert_eq!(fields_of(&errors), ["username"]);
    }

    #[test]
    fn an_item_must_be_filed_in_a_list_of_its_own_kind() {
        let body = |list: &str| json!({"externalId": "e", "name": "N", "list": list});
        assert!(item(RecordKind::Campaign, body("CC Campaigns"), Write::Create).is_ok());
        let wrong = item(RecordKind::Campaign, body("CC Dispositions"), Write::Create);
        assert_eq!(
            wrong.unwrap_err()[0].message,
            "'CC Dispositions' is a disposition list, not a campaign list"
        );
        let unknown = item(RecordKind::AgentStatus, body("Breaks"), Write::Create);
        assert_eq!(
            unknown.unwrap_err()[0].message,
            "no agent status list is named 'Breaks' (agent status lists: CC Agent Status, \
             System Statuses)"
        );
        let body = json!({"externalId": "e", "name": "N"});
        let missing = item(RecordKind::Disposition, body, Write::Create).unwrap_err();
        assert_eq!(fields_of(&missing), ["list"]);
    }

    #[test]
    fn an_item_name_over_the_limit_is_too_long() {
        let body = json!({"name": "n".repeat(ITEM_NAME_MAX + 1)});
        let errors = item(RecordKind::Campaign, body, Write::Update).unwrap_err();
        assert_eq!(errors[0].message, "is longer than 100 characters");
    }

    #[test]
    fn emails_need_one_at_and_a_dotted_domain() {
        for good in ["a@b.co", "first.last+x@sub.example.com"] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "", "a", "@b.co", "a@b", "a@@b.co", "a b@c.co", "a@.co", "a@b.co.",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
