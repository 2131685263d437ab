//! Paging cursors: the opaque text a connector hands the host as a page's `next-cursor`, and
//! gets back with the next `read`.
//!
//! A cursor must survive the host (it is stored with a run and may come back after an upgrade
//! of the connector) and must not be taken for another read's. So every cursor written here is
//! versioned and names the kind it pages through: `v=1&kind=user&skip=2000&poll=…`,
//! form-urlencoded so that any value (a watermark with `&` or `=`) survives. Reading one back
//! refuses, as `rejected` with the reason, a cursor of another format or version, of another
//! kind, with an unknown or repeated field, or a missing or unreadable one.
//!
//! ```ignore
//! let next = CursorWriter::new(kind).field("page", page + 1).finish();
//! // … and on the next call:
//! let cursor = CursorFields::parse("ivinex", text, kind, &["page"])?;
//! let page: u64 = cursor.number("page")?;
//! ```

use std::collections::BTreeMap;
use std::fmt::Display;
use std::str::FromStr;

use crate::kind::kind_name;
use crate::wit::types::{Error, Kind};

/// The version every cursor written here carries.
const VERSION: &str = "1";

/// A cursor being written: `v=1&kind=<kind>` and the fields added, in order.
#[derive(Debug)]
pub struct CursorWriter {
    fields: Vec<(String, String)>,
}

impl CursorWriter {
    /// A cursor of a read of `kind`.
    pub fn new(kind: Kind) -> Self {
        let fields = vec![
            ("v".to_owned(), VERSION.to_owned()),
            ("kind".to_owned(), kind_name(kind).to_owned()),
        ];
        Self { fields }
    }

    /// Adds `key=value`.
    pub fn field(mut self, key: &str, value: impl Display) -> Self {
        self.fields.push((key.to_owned(), value.to_string()));
        self
    }

    /// Adds `key=value` when there is a value.
    pub fn field_opt(self, key: &str, value: Option<impl Display>) -> Self {
        match value {
            Some(value) => self.field(key, value),
            None => self,
        }
    }

    /// The cursor's text.
    pub fn finish(self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.fields)
            .finish()
    }
}

/// A cursor read back, checked to be one of this connector's for the read it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorFields {
    text: String,
    connector: &'static str,
    fields: BTreeMap<String, String>,
}

impl CursorFields {
    /// Reads `text` as a cursor of `connector` for a read of `kind`, with no fields but
    /// `known` (besides `v` and `kind`).
    pub fn parse(
        connector: &'static str,
        text: &str,
        kind: Kind,
        known: &[&str],
    ) -> Result<Self, Error> {
        let malformed = |reason: String| {
            Error::Rejected(format!(
                "cursor `{text}` cannot be read by {connector}: {reason}"
            ))
        };
        let mut fields = BTreeMap::new();
        for (key, value) in form_urlencoded::parse(text.as_bytes()) {
            if key != "v" && key != "kind" && !known.contains(&key.as_ref()) {
                return Err(malformed(format!("unknown field `{key}`")));
            }
            if fields
                .insert(key.clone().into_owned(), value.into_owned())
                .is_some()
            {
                return Err(malformed(format!("field `{key}` appears twice")));
            }
        }
        match fields.get("v").map(String::as_str) {
            Some(VERSION) => {}
            Some(other) => return Err(malformed(format!("unsupported version `{other}`"))),
            None => return Err(malformed("field `v` is missing".into())),
        }
        let named = fields
            .get("kind")
            .ok_or_else(|| malformed("field `kind` is missing".into()))?;
        if named != kind_name(kind) {
            return Err(Error::Rejected(format!(
                "cursor `{text}` belongs to a read of {named}, not {}",
                kind_name(kind)
            )));
        }
        Ok(Self {
            text: text.to_owned(),
            connector,
            fields,
        })
    }

    /// The field `key`, if the cursor has it.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str)
    }

    /// The field `key` as a number; `rejected` when it is missing or not one.
    pub fn number<T: FromStr>(&self, key: &str) -> Result<T, Error> {
        let malformed = |reason: String| {
            Error::Rejected(format!(
                "cursor `{}` cannot be read by {}: {reason}",
                self.text, self.connector
            ))
        };
        let value = self
            .text(key)
            .ok_or_else(|| malformed(format!("field `{key}` is missing")))?;
        value
            .parse()
            .map_err(|_| malformed(format!("{key} `{value}` is not a whole number")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_with_values_containing_separators() {
        let text = CursorWriter::new(Kind::User)
            .field("skip", 2000)
            .field_opt("poll", Some("2026-11-24T07:00:00.000Z"))
            .field_opt("none", None::<&str>)
            .field("since", "a&b=c;d e")
            .finish();
        assert_eq!(
            text,
            "v=1&kind=user&skip=2000&poll=2026-11-24T07%3A00%3A00.000Z&since=a%26b%3Dc%3Bd+e"
        );
        let cursor =
            CursorFields::parse("test", &text, Kind::User, &["skip", "poll", "since"]).unwrap();
        assert_eq!(cursor.number::<u64>("skip"), Ok(2000));
        assert_eq!(cursor.text("poll"), Some("2026-11-24T07:00:00.000Z"));
        assert_eq!(cursor.text("since"), Some("a&b=c;d e"));
        assert_eq!(cursor.text("none"), None);
    }

    #[test]
    fn foreign_damaged_or_other_kinds_cursors_are_rejected_with_the_reason() {
        let cases = [
            ("page-2", "cannot be read by test: unknown field `page-2`"),
            (
                "kind=user&skip=1",
                "cannot be read by test: field `v` is missing",
            ),
            (
                "v=2&kind=user&skip=1",
                "cannot be read by test: unsupported version `2`",
            ),
            (
                "v=1&skip=1",
                "cannot be read by test: field `kind` is missing",
            ),
            (
                "v=1&kind=user&skip=1&skip=2",
                "cannot be read by test: field `skip` appears twice",
            ),
            (
                "v=1&kind=team&skip=1",
                "belongs to a read of team, not user",
            ),
        ];
        for (text, reason) in cases {
            assert_eq!(
                CursorFields::parse("test", text, Kind::User, &["skip"]),
                Err(Error::Rejected(format!("cursor `{text}` {reason}"))),
            );
        }
        let cursor =
            CursorFields::parse("test", "v=1&kind=user&skip=-1", Kind::User, &["skip"]).unwrap();
        assert_eq!(
            cursor.number::<u64>("skip"),
            Err(Error::Rejected(
                "cursor `v=1&kind=user&skip=-1` cannot be read by test: skip `-1` is not a whole \
                 number"
                    .into()
            ))
        );
        assert_eq!(
            cursor.number::<u64>("page"),
            Err(Error::Rejected(
                "cursor `v=1&kind=user&skip=-1` cannot be read by test: field `page` is missing"
                    .into()
            ))
        );
    }
}
