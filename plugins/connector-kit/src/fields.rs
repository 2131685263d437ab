//! Typed access to the fields of one JSON record, accepting the wire's varying types, with
//! errors that name the field.
//!
//! Platforms do return malformed records now and then (a CXone `agentId` of `"X12"`, a missing
//! `isActive`, a RingCentral `contact` that is not an object). A connector's mapping reads
//! every field through these accessors so that such a record becomes an invalid-record entry
//! whose reason says exactly which field is wrong and how, instead of failing the page or
//! being mapped with a silently invented value.
//!
//! Nor do platforms type their fields consistently: the NICE Admin API sends `isActive` as
//! `true` or as `1`, ids as numbers or as digit strings, and some endpoints every field as a
//! string. The integer and boolean accessors accept every form the platform API notes report
//! and map it to ONE canonical value (an `i64` for ids and numbers, a `bool` for flags), so
//! that an unchanged record maps to the same entity whichever form it came in (the host hashes
//! records to detect change):
//!
//! - an **integer** ([`integer`]: ids and numbers) is a JSON integer or a string of ASCII
//!   digits, optionally after `-` (`"0042"` is 42); a fraction, a sign `+`, spaces, any other
//!   character or more than 64 bits is refused;
//! - a **boolean** ([`boolean`]) is `true`/`false`, the number `1`/`0`, or the string
//!   `"1"`/`"0"` or `"true"`/`"false"` in any case; any other number or string is refused;
//! - an **id kept as text** ([`Fields::required_digits`], for platforms whose ids are opaque
//!   digit strings) is a JSON integer or a non-empty string of ASCII digits, as sent.
//!
//! [`Fields`] reads a parsed `serde_json` object. A connector that reads its records another
//! way (straight from the JSON text, without building a `Value` tree, as the Admin API
//! connectors do for speed) offers the same readers through [`ReadFields`] and applies the
//! rules through the same functions ([`integer_from_text`], [`boolean_from_number`], …), so a
//! mapping written once against [`ReadFields`] maps a record alike through either view.

use serde_json::{Map, Number, Value};
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
    /// The field is present with a value of the wrong type or shape.
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

const INTEGER: &str = "an integer";
const BOOLEAN: &str = "a boolean";

/// An integer as the wire sends it (see the module's rules), or what was found instead.
pub fn integer(value: &Value) -> Result<i64, &'static str> {
    match value {
        Value::Number(n) => integer_from_number(n),
        Value::String(s) => integer_from_text(s),
        other => Err(json_type(other)),
    }
}

/// A boolean as the wire sends it (see the module's rules), or what was found instead.
pub fn boolean(value: &Value) -> Result<bool, &'static str> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) => boolean_from_number(n),
        Value::String(s) => boolean_from_text(s),
        other => Err(json_type(other)),
    }
}

/// The integer rule for a JSON number (see the module's rules), or what was found instead.
pub fn integer_from_number(n: &Number) -> Result<i64, &'static str> {
    n.as_i64().ok_or("a number that is not a 64-bit integer")
}

/// The integer rule for a JSON string (see the module's rules), or what was found instead.
pub fn integer_from_text(s: &str) -> Result<i64, &'static str> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("a string that is not a whole number");
    }
    s.parse::<i64>()
        .map_err(|_| "a digit string beyond a 64-bit integer")
}

/// The boolean rule for a JSON number (see the module's rules), or what was found instead.
pub fn boolean_from_number(n: &Number) -> Result<bool, &'static str> {
    match n.as_u64() {
        Some(1) => Ok(true),
        Some(0) => Ok(false),
        _ => Err("a number other than 1 and 0"),
    }
}

/// The boolean rule for a JSON string (see the module's rules), or what was found instead.
pub fn boolean_from_text(s: &str) -> Result<bool, &'static str> {
    if s == "1" || s.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if s == "0" || s.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err("a string other than true, false, 1 and 0")
    }
}

/// A JSON object viewed as a record.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a>(&'a Map<String, Value>);

impl<'a> Fields<'a> {
    /// The fields of `object`.
    pub fn new(object: &'a Map<String, Value>) -> Self {
        Self(object)
    }

    /// An integer (an id or a number) that must be present and not null.
    pub fn required_int(&self, field: &'static str) -> Result<i64, FieldError> {
        self.optional_int(field)?
            .ok_or_else(|| self.absent(field, INTEGER))
    }

    /// An integer (an id or a number), or `None` when absent or null.
    pub fn optional_int(&self, field: &'static str) -> Result<Option<i64>, FieldError> {
        self.read(field, INTEGER, integer)
    }

    /// A boolean that must be present and not null.
    pub fn required_bool(&self, field: &'static str) -> Result<bool, FieldError> {
        self.optional_bool(field)?
            .ok_or_else(|| self.absent(field, BOOLEAN))
    }

    /// A boolean, or `None` when absent or null.
    pub fn optional_bool(&self, field: &'static str) -> Result<Option<bool>, FieldError> {
        self.read(field, BOOLEAN, boolean)
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

    /// An id that must be present: an integer, or a string of ASCII digits (some platforms and
    /// proxies send numbers as strings), as its decimal text.
    pub fn required_digits(&self, field: &'static str) -> Result<String, FieldError> {
        const EXPECTED: &str = "an integer or a string of digits";
        match self.0.get(field) {
            Some(Value::Number(n)) if n.is_u64() || n.is_i64() => Ok(n.to_string()),
            Some(Value::Number(_)) => {
                Err(wrong(field, EXPECTED, "a number that is not an integer"))
            }
            Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(s.clone())
            }
            Some(Value::String(_)) => Err(wrong(field, EXPECTED, "a string of other characters")),
            Some(other) => Err(wrong(field, EXPECTED, json_type(other))),
            None => Err(FieldError::Missing { field }),
        }
    }

    /// A nested object, or `None` when absent or null.
    pub fn optional_object(&self, field: &'static str) -> Result<Option<Fields<'a>>, FieldError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(object)) => Ok(Some(Fields(object))),
            Some(other) => Err(wrong(field, "an object", json_type(other))),
        }
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

    /// The field read with `parse`; absent or null is `None`.
    fn read<T>(
        &self,
        field: &'static str,
        expected: &'static str,
        parse: fn(&Value) -> Result<T, &'static str>,
    ) -> Result<Option<T>, FieldError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => parse(value)
                .map(Some)
                .map_err(|found| wrong(field, expected, found)),
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

/// The readers a mapping needs, as a trait: [`Fields`] offers them over a parsed object, and a
/// connector's own view of a record (one read straight from the JSON text, say) can offer them
/// too. Each method is the [`Fields`] method of the same name and must keep its rules and
/// errors, so a mapping written against this trait maps a record to the same value, or the
/// same error, through any view.
pub trait ReadFields<'a>: Copy {
    /// See [`Fields::required_int`].
    fn required_int(&self, field: &'static str) -> Result<i64, FieldError>;
    /// See [`Fields::optional_int`].
    fn optional_int(&self, field: &'static str) -> Result<Option<i64>, FieldError>;
    /// See [`Fields::required_bool`].
    fn required_bool(&self, field: &'static str) -> Result<bool, FieldError>;
    /// See [`Fields::optional_bool`].
    fn optional_bool(&self, field: &'static str) -> Result<Option<bool>, FieldError>;
    /// See [`Fields::required_str`].
    fn required_str(&self, field: &'static str) -> Result<&'a str, FieldError>;
    /// See [`Fields::optional_str`].
    fn optional_str(&self, field: &'static str) -> Result<Option<&'a str>, FieldError>;
    /// See [`Fields::non_empty_str`].
    fn non_empty_str(&self, field: &'static str) -> Result<Option<&'a str>, FieldError>;
    /// See [`Fields::str_list`].
    fn str_list(&self, field: &'static str) -> Result<Vec<String>, FieldError>;
    /// See [`Fields::loose_id`].
    fn loose_id(&self, field: &'static str) -> Option<String>;
}

impl<'a> ReadFields<'a> for Fields<'a> {
    fn required_int(&self, field: &'static str) -> Result<i64, FieldError> {
        Fields::required_int(self, field)
    }
    fn optional_int(&self, field: &'static str) -> Result<Option<i64>, FieldError> {
        Fields::optional_int(self, field)
    }
    fn required_bool(&self, field: &'static str) -> Result<bool, FieldError> {
        Fields::required_bool(self, field)
    }
    fn optional_bool(&self, field: &'static str) -> Result<Option<bool>, FieldError> {
        Fields::optional_bool(self, field)
    }
    fn required_str(&self, field: &'static str) -> Result<&'a str, FieldError> {
        Fields::required_str(self, field)
    }
    fn optional_str(&self, field: &'static str) -> Result<Option<&'a str>, FieldError> {
        Fields::optional_str(self, field)
    }
    fn non_empty_str(&self, field: &'static str) -> Result<Option<&'a str>, FieldError> {
        Fields::non_empty_str(self, field)
    }
    fn str_list(&self, field: &'static str) -> Result<Vec<String>, FieldError> {
        Fields::str_list(self, field)
    }
    fn loose_id(&self, field: &'static str) -> Option<String> {
        Fields::loose_id(self, field)
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
    fn id_as_number_or_digit_string_reads_as_one_integer() {
        for value in [json!(42), json!("42"), json!("0042")] {
            assert_eq!(integer(&value), Ok(42), "{value}");
        }
        assert_eq!(integer(&json!(-3)), Ok(-3));
        assert_eq!(integer(&json!("-3")), Ok(-3));
        assert_eq!(integer(&json!("9223372036854775807")), Ok(i64::MAX));
    }

    #[test]
    fn id_string_with_sign_spaces_or_other_characters_is_not_an_integer() {
        for text in ["+42", " 42", "42 ", "X12", "", "-", "1.5", "1e3", "٤٢"] {
            assert_eq!(
                integer(&json!(text)),
                Err("a string that is not a whole number"),
                "{text:?}"
            );
        }
        assert_eq!(
            integer(&json!("9223372036854775808")),
            Err("a digit string beyond a 64-bit integer")
        );
        assert_eq!(
            integer(&json!(1.5)),
            Err("a number that is not a 64-bit integer")
        );
        assert_eq!(integer(&json!(true)), Err("a boolean"));
    }

    #[test]
    fn boolean_accepts_true_false_1_0_and_their_string_forms_in_any_case() {
        for value in [
            json!(true),
            json!(1),
            json!("1"),
            json!("true"),
            json!("True"),
            json!("TRUE"),
        ] {
            assert_eq!(boolean(&value), Ok(true), "{value}");
        }
        for value in [
            json!(false),
            json!(0),
            json!("0"),
            json!("false"),
            json!("False"),
            json!("fAlSe"),
        ] {
            assert_eq!(boolean(&value), Ok(false), "{value}");
        }
    }

    #[test]
    fn other_numbers_and_words_are_not_booleans() {
        for value in [json!(2), json!(-1), json!(1.0)] {
            assert_eq!(
                boolean(&value),
                Err("a number other than 1 and 0"),
                "{value}"
            );
        }
        for text in ["yes", "", "t", " true", "01"] {
            assert_eq!(
                boolean(&json!(text)),
                Err("a string other than true, false, 1 and 0"),
                "{text:?}"
            );
        }
        assert_eq!(boolean(&json!([])), Err("an array"));
    }

    #[test]
    fn required_int_reports_missing_null_and_wrong_shapes_by_field() {
        let map = object(json!({"a": 7, "s": "7", "b": null, "c": "x7", "d": 1.5}));
        let f = Fields::new(&map);
        assert_eq!(f.required_int("a"), Ok(7));
        assert_eq!(f.required_int("s"), Ok(7));
        assert_eq!(f.required_int("x"), Err(FieldError::Missing { field: "x" }));
        assert_eq!(
            f.required_int("b").unwrap_err().to_string(),
            "b is not an integer (found null)"
        );
        assert_eq!(
            f.required_int("c").unwrap_err().to_string(),
            "c is not an integer (found a string that is not a whole number)"
        );
        assert_eq!(
            f.required_int("d").unwrap_err().to_string(),
            "d is not an integer (found a number that is not a 64-bit integer)"
        );
    }

    #[test]
    fn optional_accessors_treat_absent_and_null_as_none_but_reject_wrong_shapes() {
        let map = object(json!({"s": null, "b": "yes", "e": "", "n": 5}));
        let f = Fields::new(&map);
        assert_eq!(f.optional_str("s"), Ok(None));
        assert_eq!(f.optional_str("absent"), Ok(None));
        assert_eq!(f.optional_str("e"), Ok(Some("")));
        assert_eq!(f.non_empty_str("e"), Ok(None));
        assert_eq!(f.optional_bool("s"), Ok(None));
        assert_eq!(
            f.optional_bool("b").unwrap_err().to_string(),
            "b is not a boolean (found a string other than true, false, 1 and 0)"
        );
        assert_eq!(
            f.optional_str("n").unwrap_err().to_string(),
            "n is not a string (found a number)"
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
    fn required_digits_takes_integers_and_digit_strings_only() {
        let map = object(json!({"n": 2570000001_u64, "s": "42", "x": "X42", "f": 1.5, "b": true}));
        let f = Fields::new(&map);
        assert_eq!(f.required_digits("n").as_deref(), Ok("2570000001"));
        assert_eq!(f.required_digits("s").as_deref(), Ok("42"));
        assert_eq!(
            f.required_digits("x").unwrap_err().to_string(),
            "x is not an integer or a string of digits (found a string of other characters)"
        );
        assert!(f.required_digits("f").is_err());
        assert!(f.required_digits("b").is_err());
        assert_eq!(
            f.required_digits("none"),
            Err(FieldError::Missing { field: "none" })
        );
    }

    #[test]
    fn optional_object_reads_nested_records() {
        let map = object(json!({"c": {"email": "a@b"}, "s": "text", "n": null}));
        let f = Fields::new(&map);
        let nested = f.optional_object("c").unwrap().unwrap();
        assert_eq!(nested.optional_str("email"), Ok(Some("a@b")));
        assert!(f.optional_object("n").unwrap().is_none());
        assert_eq!(
            f.optional_object("s").unwrap_err().to_string(),
            "s is not an object (found a string)"
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
