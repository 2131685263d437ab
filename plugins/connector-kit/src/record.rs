//! Records read straight from the JSON text, without a `serde_json::Value` tree.
//!
//! Why (issue #14): parsing a page of a thousand agents into `Value`s allocates a string for
//! every key and value and an index map per record, only for the mapping to look each field up
//! by hashing its name and copy out the few values it keeps; that was most of a list page's
//! cost. A [`RecordSeed`] is told the names of the fields a mapping reads and reads each record
//! into one slot per name, keeping strings borrowed from the body where they have no escapes
//! and parsing every other field only to check it (a page parses about five times faster). A
//! [`Record`] then answers connector-kit's [`ReadFields`], the readers of its `Fields`, with the
//! same rules (the same functions) and the same errors.
//!
//! Nothing here knows a platform: a connector names the fields its mapping reads (the Admin
//! API connectors read their list pages this way, in `ccsync-admin-api`'s `wire`).
//!
//! Exactness, so that a caller may use either view and get the same result: every value, kept
//! or skipped, is parsed through `deserialize_any` exactly as a `Value` is (serde's `IgnoredAny`
//! would skip more leniently: no UTF-8 check of skipped strings, no range check of skipped
//! numbers), so a text parses here exactly when it parses as a `Value`, with the same nesting
//! limit and the same syntax errors. A repeated key keeps its last value, as a `Map` does, and
//! a float that is not finite reads as null, as in a `Value`. One thing is not mirrored: with
//! serde_json's `raw_value` or `arbitrary_precision` feature (which other crates of a build may
//! enable), a `Value` gives an object whose first key is one of serde_json's private tokens a
//! meaning of its own. The seeds refuse any key starting with that prefix with an error, so a
//! caller that falls back to a `Value` on an error (as it must for the error's report anyway)
//! stays exact.

use std::borrow::Cow;

use crate::fields::{
    FieldError, ReadFields, boolean_from_number, boolean_from_text, integer_from_number,
    integer_from_text, json_type,
};
use serde::Deserializer;
use serde::de::{Deserialize, DeserializeSeed};
use serde_json::{Number, Value};

mod visit;

use visit::{AnyVisitor, CheckObject, KeyVisitor, SkipVisitor, position};

// What connector-kit's `Fields` expects where a field has the wrong type.
const INTEGER: &str = "an integer";
const BOOLEAN: &str = "a boolean";

fn wrong(field: &'static str, expected: &'static str, found: &'static str) -> FieldError {
    FieldError::WrongType {
        field,
        expected,
        found,
    }
}

/// What every serde_json private token starts with (`$serde_json::private::RawValue`, …).
const PRIVATE_KEY: &str = "$serde_json::private::";

/// One field's value as the text sent it.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue<'de> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as a `Value` holds it.
    Number(Number),
    /// A string, borrowed from the text unless it had escapes.
    Str(Cow<'de, str>),
    /// An array: its elements when all are strings (what [`ReadFields::str_list`] reads), else
    /// the JSON type of the first element that is not one. Boxed: arrays are rare in records,
    /// and unboxed they would make every value a third larger (a record holds many).
    Array(Box<Result<Vec<Cow<'de, str>>, &'static str>>),
    /// An object; its content is checked but not kept.
    Object,
}

impl FieldValue<'_> {
    /// The JSON type of the value, as a reason names it (as [`json_type`]).
    pub fn json_type(&self) -> &'static str {
        match self {
            FieldValue::Null => "null",
            FieldValue::Bool(_) => "a boolean",
            FieldValue::Number(_) => "a number",
            FieldValue::Str(_) => "a string",
            FieldValue::Array(_) => "an array",
            FieldValue::Object => "an object",
        }
    }

    /// The value as an integer (as connector-kit's `fields::integer`), or what was found
    /// instead.
    pub fn integer(&self) -> Result<i64, &'static str> {
        match self {
            FieldValue::Number(n) => integer_from_number(n),
            FieldValue::Str(s) => integer_from_text(s),
            other => Err(other.json_type()),
        }
    }

    /// The value as a boolean (as connector-kit's `fields::boolean`), or what was found
    /// instead.
    pub fn boolean(&self) -> Result<bool, &'static str> {
        match self {
            FieldValue::Bool(b) => Ok(*b),
            FieldValue::Number(n) => boolean_from_number(n),
            FieldValue::Str(s) => boolean_from_text(s),
            other => Err(other.json_type()),
        }
    }
}

/// The value as the text of `value` reads (strings borrowed from it), for records parsed as a
/// `Value` anyway.
impl<'a> From<&'a Value> for FieldValue<'a> {
    fn from(value: &'a Value) -> Self {
        match value {
            Value::Null => FieldValue::Null,
            Value::Bool(b) => FieldValue::Bool(*b),
            Value::Number(n) => FieldValue::Number(n.clone()),
            Value::String(s) => FieldValue::Str(Cow::Borrowed(s)),
            // Up to the first element that is not a string, as the text is read.
            Value::Array(items) => FieldValue::Array(Box::new(
                items
                    .iter()
                    .map(|item| match item {
                        Value::String(s) => Ok(Cow::Borrowed(s.as_str())),
                        other => Err(json_type(other)),
                    })
                    .collect(),
            )),
            Value::Object(_) => FieldValue::Object,
        }
    }
}

impl<'de> Deserialize<'de> for FieldValue<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(
            match deserializer.deserialize_any(AnyVisitor(CheckObject))? {
                Ok(()) => FieldValue::Object,
                Err(value) => value,
            },
        )
    }
}

/// A value parsed as a `Value` would be (see the module's notes) and then dropped: for the
/// fields a mapping does not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SkipVisitor)
    }
}

/// An object's key, read as `Value` reads it (borrowed from the text unless it had escapes),
/// for callers that walk an object themselves. serde_json's private keys are refused (see the
/// module's notes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key<'de>(pub Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// How to read the records of a list: the names of the fields to keep (at most `N`), the others
/// being skipped. Each element becomes a [`Record`], or, when it is not an object, the JSON type
/// it is (as the reason for reporting it). An error means the text does not parse as JSON, or
/// uses a key the module's notes say is not mirrored: parse it as a `Value` instead, which
/// reports the error or reads the record.
#[derive(Debug, Clone, Copy)]
pub struct RecordSeed<const N: usize> {
    names: &'static [&'static str],
}

impl<const N: usize> RecordSeed<N> {
    /// A seed keeping the fields `names`. More than `N` names is refused (at compile time when
    /// the seed is a constant).
    pub const fn new(names: &'static [&'static str]) -> Self {
        assert!(
            names.len() <= N,
            "more field names than the record has slots"
        );
        Self { names }
    }
}

impl<const N: usize> RecordSeed<N> {
    /// The record `value` holds, exactly as the seed reads the text of `value` (strings
    /// borrowed from it), or its JSON type when it is not an object: for a caller that had to
    /// parse a `Value` after all (see the seed's errors), so that it maps the one way too.
    pub fn read_value<'a>(self, value: &'a Value) -> Result<Record<'a, N>, &'static str> {
        let Value::Object(object) = value else {
            return Err(json_type(value));
        };
        let mut values = [const { None }; N];
        // A `Map`'s keys are unique: the last of a repeated key is the one it kept.
        for (key, value) in object {
            if let Some(slot) = position(self.names, key, 0).and_then(|i| values.get_mut(i)) {
                *slot = Some(FieldValue::from(value));
            }
        }
        Ok(Record {
            names: self.names,
            values,
        })
    }
}

impl<'de, const N: usize> DeserializeSeed<'de> for RecordSeed<N> {
    type Value = Result<Record<'de, N>, &'static str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        Ok(deserializer
            .deserialize_any(AnyVisitor(self))?
            .map_err(|other| other.json_type()))
    }
}

/// One record read by a [`RecordSeed`]: the value of each of its named fields as sent, or
/// nothing when the field was absent.
#[derive(Debug, Clone, PartialEq)]
pub struct Record<'de, const N: usize> {
    names: &'static [&'static str],
    values: [Option<FieldValue<'de>>; N],
}

impl<'de, const N: usize> Record<'de, N> {
    /// The field's value as sent (`Some(Null)` for `null`), or `None` when absent. A field the
    /// seed was not told about reads as absent; debug builds stop on it instead, because it
    /// is a mapping reading a field its seed does not keep.
    pub fn get(&self, field: &str) -> Option<&FieldValue<'de>> {
        let index = position(self.names, field, 0);
        debug_assert!(
            index.is_some(),
            "field {field} is not among {:?}",
            self.names
        );
        self.values.get(index?)?.as_ref()
    }

    fn read<T>(
        &self,
        field: &'static str,
        expected: &'static str,
        parse: fn(&FieldValue<'de>) -> Result<T, &'static str>,
    ) -> Result<Option<T>, FieldError> {
        match self.get(field) {
            None | Some(FieldValue::Null) => Ok(None),
            Some(value) => parse(value)
                .map(Some)
                .map_err(|found| wrong(field, expected, found)),
        }
    }

    fn absent(&self, field: &'static str, expected: &'static str) -> FieldError {
        if self.get(field).is_some() {
            wrong(field, expected, "null")
        } else {
            FieldError::Missing { field }
        }
    }
}

// Each method mirrors the `Fields` method of its name, line for line.
impl<'a, 'de: 'a, const N: usize> ReadFields<'a> for &'a Record<'de, N> {
    fn required_int(&self, field: &'static str) -> Result<i64, FieldError> {
        self.optional_int(field)?
            .ok_or_else(|| self.absent(field, INTEGER))
    }

    fn optional_int(&self, field: &'static str) -> Result<Option<i64>, FieldError> {
        self.read(field, INTEGER, FieldValue::integer)
    }

    fn required_bool(&self, field: &'static str) -> Result<bool, FieldError> {
        self.optional_bool(field)?
            .ok_or_else(|| self.absent(field, BOOLEAN))
    }

    fn optional_bool(&self, field: &'static str) -> Result<Option<bool>, FieldError> {
        self.read(field, BOOLEAN, FieldValue::boolean)
    }

    fn required_str(&self, field: &'static str) -> Result<&'a str, FieldError> {
        self.optional_str(field)?
            .ok_or_else(|| self.absent(field, "a string"))
    }

    fn optional_str(&self, field: &'static str) -> Result<Option<&'a str>, FieldError> {
        let record: &'a Record<'de, N> = self;
        match record.get(field) {
            None | Some(FieldValue::Null) => Ok(None),
            Some(FieldValue::Str(s)) => Ok(Some(&**s)),
            Some(other) => Err(wrong(field, "a string", other.json_type())),
        }
    }

    fn non_empty_str(&self, field: &'static str) -> Result<Option<&'a str>, FieldError> {
        Ok(self.optional_str(field)?.filter(|s| !s.is_empty()))
    }

    fn str_list(&self, field: &'static str) -> Result<Vec<String>, FieldError> {
        match self.get(field) {
            None | Some(FieldValue::Null) => Ok(Vec::new()),
            Some(FieldValue::Array(list)) => match &**list {
                Ok(items) => Ok(items.iter().map(|item| item.to_string()).collect()),
                Err(found) => Err(wrong(field, "a list of strings", found)),
            },
            Some(other) => Err(wrong(field, "a list of strings", other.json_type())),
        }
    }

    fn loose_id(&self, field: &'static str) -> Option<String> {
        match self.get(field)? {
            FieldValue::Number(n) => Some(n.to_string()),
            FieldValue::Str(s) if !s.is_empty() => Some(s.to_string()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
