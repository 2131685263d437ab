//! Typed access to the fields of one JSON record, with errors that name the field.
//!
//! CXone tenants do return malformed records now and then (an `agentId` that is a string, a
//! missing `isActive`). The mapping reads every field through these accessors so that such a
//! record becomes an invalid-record entry whose reason says exactly which field is wrong and
//! how, instead of failing the page or being mapped with a silently invented value.

use serde_json::{Map, Value};
use thiserror::Error;

/// Why one field of a record could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FieldError {
    /// The field is absent.
    #[error("{field} is missing")]
    Missing {
        /// The field.
        field: &'static str,
    },
    /// The field is present with a value of the wrong JSON type.
    #[error("{field} is not {expected} (found {found})")]
    WrongType {
        /// The field.
        field: &'static str,
        /// What the field should hold.
        expected: &'static str,
        /// What it holds.
        found: &'static str,
    },
}

/// A JSON object viewed as a record.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a>(&'a Map<String, Value>);

impl<'a> Fields<'a> {
    /// The fields of `object`.
    pub fn new(object: &'a Map<String, Value>) -> Self {
        Self(object)
    }

    /// An integer that must be present and not null.
    pub fn required_int(&self, field: &'static str) -> Result<i64, FieldError> {
        self.optional_int(field)?
            .ok_or_else(|| self.absent(field, "an integer"))
    }

    /// An integer, or `None` when absent or null.
    pub fn optional_int(&self, field: &'static str) -> Result<Option<i64>, FieldError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| wrong(field, "an integer", "a number that is not a 64-bit integer")),
            Some(other) => Err(wrong(field, "an integer", json_type(other))),
        }
    }

    /// A boolean that must be present and not null.
    pub fn required_bool(&self, field: &'static str) -> Result<bool, FieldError> {
        self.optional_bool(field)?
            .ok_or_else(|| self.absent(field, "a boolean"))
    }

    /// A boolean, or `None` when absent or null.
    pub fn optional_bool(&self, field: &'static str) -> Result<Option<bool>, FieldError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(wrong(field, "a boolean", json_type(other))),
        }
    }

    /// A string that must be present and not null (it may be empty).
    pub fn required_str(&self, field: &'static str) -> Result<&'a str, FieldError> {
        self.optional_str(field)?
            .ok_or_else(|| self.absent(field, "a string"))
    }

    /// A string, or `None` when absent or null. An empty string stays `Some("")`: whether
    /// empty means "no value" is the mapping's decision, field by field.
    pub fn optional_str(&self, field: &'static str) -> Result<Option<&'a str>, FieldError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(other) => Err(wrong(field, "a string", json_type(other))),
        }
    }

    /// A non-empty string, or `None` when absent, null or empty.
    pub fn non_empty_str(&self, field: &'static str) -> Result<Option<&'a str>, FieldError> {
        Ok(self.optional_str(field)?.filter(|s| !s.is_empty()))
    }

    /// A list of strings; absent or null is an empty list.
    pub fn str_list(&self, field: &'static str) -> Result<Vec<String>, FieldError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(wrong(field, "a list of strings", json_type(other))),
                })
                .collect(),
            Some(other) => Err(wrong(field, "a list of strings", json_type(other))),
        }
    }

    /// The field as an identifier for reports about a malformed record: an integer or a
    /// non-empty string, whatever its expected type.
    pub fn loose_id(&self, field: &str) -> Option<String> {
        match self.0.get(field)? {
            Value::Number(n) => Some(n.to_string()),
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            _ => None,
        }
    }

    fn absent(&self, field: &'static str, expected: &'static str) -> FieldError {
        if self.0.contains_key(field) {
            wrong(field, expected, "null")
        } else {
            FieldError::Missing { field }
        }
    }
}

fn wrong(field: &'static str, expected: &'static str, found: &'static str) -> FieldError {
    FieldError::WrongType {
        field,
        expected,
        found,
    }
}

/// The JSON type of a value, as a reason names it.
pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn required_int_reports_missing_null_and_wrong_types_by_field() {
        let map = object(json!({"a": 7, "b": null, "c": "7", "d": 1.5}));
        let f = Fields::new(&map);
        assert_eq!(f.required_int("a"), Ok(7));
        assert_eq!(f.required_int("x"), Err(FieldError::Missing { field: "x" }));
        assert_eq!(
            f.required_int("b").unwrap_err().to_string(),
            "b is not an integer (found null)"
        );
        assert_eq!(
            f.required_int("c").unwrap_err().to_string(),
            "c is not an integer (found a string)"
        );
        assert_eq!(
            f.required_int("d").unwrap_err().to_string(),
            "d is not an integer (found a number that is not a 64-bit integer)"
        );
    }

    #[test]
    fn optional_accessors_treat_absent_and_null_as_none_but_reject_wrong_types() {
        let map = object(json!({"s": null, "b": "yes", "e": ""}));
        let f = Fields::new(&map);
        assert_eq!(f.optional_str("s"), Ok(None));
        assert_eq!(f.optional_str("absent"), Ok(None));
        assert_eq!(f.optional_str("e"), Ok(Some("")));
        assert_eq!(f.non_empty_str("e"), Ok(None));
        assert_eq!(
            f.optional_bool("b").unwrap_err().to_string(),
            "b is not a boolean (found a string)"
        );
    }

    #[test]
    fn str_list_rejects_a_non_string_element() {
        let map = object(json!({"ok": ["a", "b"], "bad": ["a", 1], "none": null}));
        let f = Fields::new(&map);
        assert_eq!(f.str_list("ok"), Ok(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(f.str_list("none"), Ok(vec![]));
        assert_eq!(
            f.str_list("bad").unwrap_err().to_string(),
            "bad is not a list of strings (found a number)"
        );
    }

    #[test]
    fn loose_id_reads_numbers_and_strings_for_reports() {
        let map = object(json!({"n": 12, "s": "x1", "e": "", "o": {}}));
        let f = Fields::new(&map);
        assert_eq!(f.loose_id("n").as_deref(), Some("12"));
        assert_eq!(f.loose_id("s").as_deref(), Some("x1"));
        assert_eq!(f.loose_id("e"), None);
        assert_eq!(f.loose_id("o"), None);
        assert_eq!(f.loose_id("missing"), None);
    }
}
