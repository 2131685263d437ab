//! How Rust values become column values and back.
//!
//! Timestamps are stored as RFC 3339 UTC text with a fixed six-digit fraction, so that text
//! order is time order in SQL (and the same text a PostgreSQL `timestamptz` accepts). Enums
//! are stored by their kebab-case names. Decoding a row goes through [`RowReader`], which turns
//! any bad value into a [`StoreError::Corrupt`] naming the table, the row's key and the column.

use std::fmt::Display;
use std::str::FromStr;

use jiff::Timestamp;
use rusqlite::types::FromSql;
use rusqlite::{Row, ToSql};
use serde::de::DeserializeOwned;

use crate::error::{Result, StoreError};

/// The current time in the store's text form.
pub(crate) fn now_text() -> String {
    timestamp_text(Timestamp::now())
}

/// A timestamp in the store's text form: `2025-01-31T08:15:00.000000Z`.
pub(crate) fn timestamp_text(at: Timestamp) -> String {
    format!("{at:.6}")
}

/// A column of a row: by name, or by position with its name for messages. Hot paths read by
/// position (`(4, "hash")`): a lookup by name compares every column name of the row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Col {
    index: Option<usize>,
    name: &'static str,
}

impl From<&'static str> for Col {
    fn from(name: &'static str) -> Self {
        Col { index: None, name }
    }
}

impl From<(usize, &'static str)> for Col {
    fn from((index, name): (usize, &'static str)) -> Self {
        Col {
            index: Some(index),
            name,
        }
    }
}

/// Reads the columns of one row, attributing any decoding failure to the row.
pub(crate) struct RowReader<'a> {
    row: &'a Row<'a>,
    op: &'static str,
    table: &'static str,
    key: String,
}

impl<'a> RowReader<'a> {
    /// `key` identifies the row in error messages (for example `tenant=acme, kind=user, id=7`).
    pub(crate) fn new(
        row: &'a Row<'a>,
        op: &'static str,
        table: &'static str,
        key: String,
    ) -> Self {
        Self {
            row,
            op,
            table,
            key,
        }
    }

    pub(crate) fn corrupt(&self, column: &'static str, detail: impl Display) -> StoreError {
        StoreError::Corrupt {
            op: self.op,
            table: self.table,
            key: self.key.clone(),
            column,
            detail: detail.to_string(),
        }
    }

    /// A column as its SQL type.
    pub(crate) fn get<T: FromSql>(&self, column: impl Into<Col>) -> Result<T> {
        let col = column.into();
        match col.index {
            Some(index) => self.row.get(index),
            None => self.row.get(col.name),
        }
        .map_err(|e| self.corrupt(col.name, e))
    }

    /// A text column parsed with `FromStr` (enums, kinds).
    pub(crate) fn parse<T>(&self, column: impl Into<Col>) -> Result<T>
    where
        T: FromStr,
        T::Err: Display,
    {
        let col = column.into();
        let text: String = self.get(col)?;
        text.parse().map_err(|e| self.corrupt(col.name, e))
    }

    /// A nullable text column parsed with `FromStr`.
    pub(crate) fn opt_parse<T>(&self, column: impl Into<Col>) -> Result<Option<T>>
    where
        T: FromStr,
        T::Err: Display,
    {
        let col = column.into();
        let text: Option<String> = self.get(col)?;
        text.map(|t| t.parse().map_err(|e| self.corrupt(col.name, e)))
            .transpose()
    }

    /// A text column holding a timestamp.
    pub(crate) fn timestamp(&self, column: impl Into<Col>) -> Result<Timestamp> {
        self.parse(column)
    }

    /// A nullable text column holding a timestamp.
    pub(crate) fn opt_timestamp(&self, column: impl Into<Col>) -> Result<Option<Timestamp>> {
        self.opt_parse(column)
    }

    /// A text column holding JSON.
    pub(crate) fn json<T: DeserializeOwned>(&self, column: impl Into<Col>) -> Result<T> {
        let col = column.into();
        let text: String = self.get(col)?;
        serde_json::from_str(&text).map_err(|e| self.corrupt(col.name, e))
    }

    /// A log's `changes` column (see [`crate::log::changes_from_text`]).
    pub(crate) fn changes(&self, column: impl Into<Col>) -> Result<Vec<crate::FieldChange>> {
        let col = column.into();
        let text: String = self.get(col)?;
        crate::log::changes_from_text(&text).map_err(|e| self.corrupt(col.name, e))
    }

    /// An integer column holding 0 or 1.
    pub(crate) fn flag(&self, column: impl Into<Col>) -> Result<bool> {
        let col = column.into();
        match self.get::<i64>(col)? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(self.corrupt(col.name, format!("expected 0 or 1, found {other}"))),
        }
    }
}

/// Declares a fieldless enum stored as text: its names, `as_str`, `Display`, `FromStr` and
/// `ToSql`. The SQL `CHECK` constraints in the migrations list the same names.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name stored in the database and shown to operators.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::codec::UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(crate::codec::UnknownName {
                        what: $what,
                        found: s.to_owned(),
                        expected: &[$($text),+],
                    }),
                }
            }
        }

        impl rusqlite::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.as_str()))
            }
        }
    };
}
pub(crate) use text_enum;

/// A name that is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{found}` (expected one of: {})", expected.join(", "))]
pub struct UnknownName {
    /// What kind of name was expected (for example `run status`).
    pub what: &'static str,
    /// The name found.
    pub found: String,
    /// Every name that is one of the enum's values.
    pub expected: &'static [&'static str],
}

/// The optional conditions of a filtered query (`column = ?` and the like), each with its
/// argument, in order: the shape every list query of the store shares.
#[derive(Default)]
pub(crate) struct Filters<'a> {
    conditions: Vec<&'static str>,
    args: Vec<&'a dyn ToSql>,
}

impl<'a> Filters<'a> {
    /// Adds `condition`, with its one `?` bound to the value, when the filter has a value.
    pub(crate) fn add<T: ToSql>(&mut self, condition: &'static str, value: &'a Option<T>) {
        if let Some(value) = value {
            self.conditions.push(condition);
            self.args.push(value);
        }
    }

    /// Adds a condition without an argument.
    pub(crate) fn require(&mut self, condition: &'static str) {
        self.conditions.push(condition);
    }

    /// `WHERE` and the conditions joined by `AND`, or nothing when there are none.
    pub(crate) fn clause(&self) -> String {
        where_clause(&self.conditions)
    }

    /// The conditions' arguments, then `trailing` (a `LIMIT`, an `OFFSET`).
    pub(crate) fn args(&self, trailing: &[&'a dyn ToSql]) -> Vec<&'a dyn ToSql> {
        self.args.iter().chain(trailing).copied().collect()
    }
}

/// A `LIMIT` argument: -1 (no limit) for `None`.
pub(crate) fn limit_arg(limit: Option<usize>) -> i64 {
    limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX))
}

/// `WHERE` and the conditions joined by `AND`, or nothing when there are none.
pub(crate) fn where_clause(conditions: &[&str]) -> String {
    if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    }
}

/// A list of ids as one JSON parameter, for `IN (SELECT value FROM json_each(?))`: one
/// statement, prepared once, serves any number of ids.
pub(crate) fn id_list<S: AsRef<str>>(
    ids: &[S],
    op: &'static str,
    key: impl FnOnce() -> String,
) -> Result<String> {
    serde_json::to_string(&ids.iter().map(AsRef::as_ref).collect::<Vec<_>>()).map_err(|source| {
        StoreError::Encode {
            op,
            key: key(),
            what: "the id list",
            source,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_text_is_fixed_width_utc_and_round_trips_at_microseconds() {
        let at: Timestamp = "2025-01-31T08:15:00.123456789Z".parse().unwrap();
        let text = timestamp_text(at);
        assert_eq!(text, "2025-01-31T08:15:00.123456Z");
        let whole: Timestamp = "2025-01-31T08:15:00Z".parse().unwrap();
        assert_eq!(timestamp_text(whole), "2025-01-31T08:15:00.000000Z");
        assert_eq!(
            text.parse::<Timestamp>().unwrap(),
            "2025-01-31T08:15:00.123456Z".parse().unwrap()
        );
    }
}
