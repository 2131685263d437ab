//! Maps RingCentral's extension records onto the contract's `user`, and reads the list
//! envelope (`records`, `paging`, `navigation`).
//!
//! The rules are those of `sim/RINGCENTRAL-WIRE.md`: the id becomes a decimal string, empty
//! strings become `none`, `active` means `status` is `Enabled`, and fields the contract has no
//! place for go to `extra`, sorted by key so that an unchanged record always maps to the same
//! value (the host hashes records to detect change).

use connector_kit::fields::{FieldError, Fields, json_type};
use serde_json::Value;
use thiserror::Error;

use crate::wit::types::{InvalidRecord, KeyValue, User};

/// The status that makes a user active.
pub const ACTIVE_STATUS: &str = "Enabled";

/// Why a record could not be mapped.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Problem {
    /// A top-level field is missing or of the wrong type.
    #[error(transparent)]
    Field(#[from] FieldError),
    /// A field of `contact` is of the wrong type.
    #[error("contact.{0}")]
    Contact(FieldError),
    /// The record is not a JSON object.
    #[error("the record is {0}, not an object")]
    NotAnObject(&'static str),
}

/// Maps one extension record.
pub fn map_extension(item: &Value) -> Result<User, Problem> {
    let object = item
        .as_object()
        .ok_or_else(|| Problem::NotAnObject(json_type(item)))?;
    let f = Fields::new(object);
    let id = f.required_digits("id")?;
    let status = f.required_str("status")?;
    let kind = f.non_empty_str("type")?;
    let number = f.non_empty_str("extensionNumber")?;
    let name = f.non_empty_str("name")?;
    let contact = f.optional_object("contact")?;
    let in_contact = |field: &'static str| -> Result<Option<String>, Problem> {
        match contact {
            None => Ok(None),
            Some(c) => Ok(c
                .non_empty_str(field)
                .map_err(Problem::Contact)?
                .map(str::to_string)),
        }
    };
    let business_phone = in_contact("businessPhone")?;
    let mobile_phone = in_contact("mobilePhone")?;
    let department = in_contact("department")?;
    let mut extra: Vec<KeyValue> = [
        ("department", department.as_deref()),
        ("extensionNumber", number),
        ("name", name),
        ("status", Some(status)),
        ("type", kind),
    ]
    .into_iter()
    .filter_map(|(key, value)| {
        value.map(|value| KeyValue {
            key: key.into(),
            value: value.into(),
        })
    })
    .collect();
    extra.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(User {
        id,
        username: number.map(str::to_string),
        first_name: in_contact("firstName")?,
        last_name: in_contact("lastName")?,
        email: in_contact("email")?,
        active: status == ACTIVE_STATUS,
        team_id: None,
        security_profile_id: None,
        roles: Vec::new(),
        permissions: Vec::new(),
        primary_phone: business_phone.clone().or_else(|| mobile_phone.clone()),
        phones: business_phone.into_iter().chain(mobile_phone).collect(),
        employee_id: None,
        site_id: None,
        groups: Vec::new(),
        password_set: None,
        extra,
    })
}

/// The report of a record that could not be mapped: its id when it has one, and a reason that
/// names the record (`records[3] of GET /extension (page 2) (name "Ann Lee"): …`).
pub fn invalid_record(item: &Value, index: usize, what: &str, problem: &Problem) -> InvalidRecord {
    let fields = item.as_object().map(Fields::new);
    let id = fields.and_then(|f| f.loose_id("id"));
    let label = fields
        .and_then(|f| f.non_empty_str("name").ok().flatten())
        .map(|name| format!(" (name \"{name}\")"))
        .unwrap_or_default();
    InvalidRecord {
        id,
        reason: format!("records[{index}] of {what}{label}: {problem}"),
    }
}

/// One page of the extension list.
#[derive(Debug, Clone, PartialEq)]
pub struct ListReply {
    /// The records, unmapped.
    pub records: Vec<Value>,
    /// Whether another page follows: `navigation.nextPage` is present (or, without
    /// `navigation`, `paging.page` is below `paging.totalPages`), and this page was not empty.
    pub has_next: bool,
}

/// Reads a 200 list body; a body that is not JSON or has no `records` list is `rejected`.
pub fn parse_list(what: &str, body: &[u8]) -> Result<ListReply, crate::wit::types::Error> {
    let rejected =
        |why: String| crate::wit::types::Error::Rejected(format!("{what} answered {why}"));
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| rejected(format!("a body that is not JSON: {e}")))?;
    let Some(Value::Array(records)) = value.get("records") else {
        return Err(rejected("a body without a `records` list".into()));
    };
    let has_next = match value.get("navigation") {
        Some(navigation) => navigation
            .get("nextPage")
            .is_some_and(|next| !next.is_null()),
        None => {
            let paging = |key: &str| value.get("paging")?.get(key)?.as_u64();
            matches!((paging("page"), paging("totalPages")), (Some(p), Some(t)) if p < t)
        }
    };
    Ok(ListReply {
        has_next: has_next && !records.is_empty(),
        records: records.clone(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ann() -> Value {
        json!({
            "uri": "https://x/restapi/v1.0/account/1/extension/2570000001",
            "id": 2_570_000_001_u64, "extensionNumber": "1002", "name": "Ann Lee",
            "type": "User", "status": "Enabled",
            "contact": {"firstName": "Ann", "lastName": "Lee", "email": " Ann.Lee@X.com ",
                "businessPhone": "+16505550001", "mobilePhone": "+14155550002",
                "department": "Sales"}
        })
    }

    fn extra(user: &User) -> Vec<(String, String)> {
        user.extra
            .iter()
            .map(|kv| (kv.key.clone(), kv.value.clone()))
            .collect()
    }

    #[test]
    fn an_extension_maps_to_a_user_with_its_contact_and_extra_sorted_by_key() {
        let user = map_extension(&ann()).unwrap();
        assert_eq!(user.id, "2570000001");
        assert_eq!(user.username.as_deref(), Some("1002"));
        assert_eq!(user.first_name.as_deref(), Some("Ann"));
        assert_eq!(user.last_name.as_deref(), Some("Lee"));
        assert_eq!(
            user.email.as_deref(),
            Some(" Ann.Lee@X.com "),
            "as the platform holds it"
        );
        assert!(user.active);
        assert_eq!(user.primary_phone.as_deref(), Some("+16505550001"));
        assert_eq!(user.phones, ["+16505550001", "+14155550002"]);
        let expected: Vec<(String, String)> = [
            ("department", "Sales"),
            ("extensionNumber", "1002"),
            ("name", "Ann Lee"),
            ("status", "Enabled"),
            ("type", "User"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(extra(&user), expected);
    }

    #[test]
    fn only_enabled_is_active_and_absent_contact_fields_are_none() {
        for status in ["Disabled", "Frozen", "NotActivated", "Unassigned"] {
            let record = json!({"id": "42", "status": status, "contact": {"email": ""}});
            let user = map_extension(&record).unwrap();
            assert!(!user.active, "{status}");
            assert_eq!(user.id, "42");
            assert_eq!(user.email, None);
            assert!(user.phones.is_empty() && user.primary_phone.is_none());
        }
        let mobile_only = json!({"id": 1, "status": "Enabled", "contact": {"mobilePhone": "+1"}});
        assert_eq!(
            map_extension(&mobile_only)
                .unwrap()
                .primary_phone
                .as_deref(),
            Some("+1")
        );
    }

    #[test]
    fn malformed_records_are_reported_with_their_id_and_the_field() {
        let broken = json!({"id": 7, "name": "Bo", "status": "Enabled", "contact": "<malformed>"});
        let problem = map_extension(&broken).unwrap_err();
        let report = invalid_record(&broken, 3, "GET /extension (page 2)", &problem);
        assert_eq!(report.id.as_deref(), Some("7"));
        assert_eq!(
            report.reason,
            "records[3] of GET /extension (page 2) (name \"Bo\"): contact is not an object \
             (found a string)"
        );
        let no_id = json!({"status": "Enabled"});
        assert_eq!(
            map_extension(&no_id).unwrap_err().to_string(),
            "id is missing"
        );
        let bad_email = json!({"id": 1, "status": "Enabled", "contact": {"email": 5}});
        assert_eq!(
            map_extension(&bad_email).unwrap_err().to_string(),
            "contact.email is not a string (found a number)"
        );
        assert_eq!(
            map_extension(&json!([1])).unwrap_err().to_string(),
            "the record is an array, not an object"
        );
    }

    #[test]
    fn the_list_envelope_says_whether_a_next_page_follows() {
        let with_next = json!({"records": [ann()], "navigation": {"nextPage": {"uri": "u"}}});
        assert!(
            parse_list("x", with_next.to_string().as_bytes())
                .unwrap()
                .has_next
        );
        let last = json!({"records": [ann()], "navigation": {"firstPage": {"uri": "u"}}});
        assert!(
            !parse_list("x", last.to_string().as_bytes())
                .unwrap()
                .has_next
        );
        let paging_only = json!({"records": [ann()], "paging": {"page": 1, "totalPages": 2}});
        assert!(
            parse_list("x", paging_only.to_string().as_bytes())
                .unwrap()
                .has_next
        );
        let empty = json!({"records": [], "navigation": {"nextPage": {"uri": "u"}}});
        assert!(
            !parse_list("x", empty.to_string().as_bytes())
                .unwrap()
                .has_next
        );
        assert!(matches!(
            parse_list("GET /extension (page 1)", b"<html>"),
            Err(crate::wit::types::Error::Rejected(m)) if m.starts_with("GET /extension (page 1) answered a body that is not JSON")
        ));
        assert!(parse_list("x", br#"{"items": []}"#).is_err());
    }
}
