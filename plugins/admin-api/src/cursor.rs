//! The opaque paging cursor handed to the host between pages of one read.
//!
//! The Admin API pages with `skip`/`top`, and the watermark of an incremental read must be the
//! `lastPollTime` of its FIRST page (the time the read began), so that changes made while the
//! read pages through are picked up by the next read. The cursor therefore carries the skip,
//! that first `lastPollTime`, and the `updatedSince` the read started with, so every page of
//! the read asks the same question and reports the same watermark.
//!
//! Format (connector-kit's versioned cursor, form-urlencoded so any watermark text survives):
//! `v=1&kind=user&skip=2000&poll=2026-11-24T07%3A00%3A00.000Z&since=2026-11-23T07%3A00%3A00.000Z`
//! (`poll` and `since` are left out when absent).

use connector_kit::cursor::{CursorFields, CursorWriter};
use connector_kit::wit::types::{Error, Kind};

/// Where the next page of a read starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The kind being read; a cursor of another kind is refused.
    pub kind: Kind,
    /// How many records the previous pages covered.
    pub skip: u64,
    /// The watermark of the read: the first page's `lastPollTime` (agents only).
    pub poll: Option<String>,
    /// The `updatedSince` the read started with.
    pub since: Option<String>,
}

impl Cursor {
    pub fn encode(&self) -> String {
        CursorWriter::new(self.kind)
            .field("skip", self.skip)
            .field_opt("poll", self.poll.as_deref())
            .field_opt("since", self.since.as_deref())
            .finish()
    }

    /// The cursor of a read of `kind`; `rejected` with the reason when `text` is not one.
    pub fn decode(text: &str, kind: Kind) -> Result<Self, Error> {
        let fields = CursorFields::parse(
            "the Admin API connector",
            text,
            kind,
            &["skip", "poll", "since"],
        )?;
        Ok(Self {
            kind,
            skip: fields.number("skip")?,
            poll: fields.text("poll").map(str::to_string),
            since: fields.text("since").map(str::to_string),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_with_watermarks_containing_separators() {
        let cursor = Cursor {
            kind: Kind::User,
            skip: 2000,
            poll: Some("2026-11-24T07:00:00.000Z".into()),
            since: Some("a&b=c;d e".into()),
        };
        let text = cursor.encode();
        assert_eq!(
            text,
            "v=1&kind=user&skip=2000&poll=2026-11-24T07%3A00%3A00.000Z&since=a%26b%3Dc%3Bd+e"
        );
        assert_eq!(Cursor::decode(&text, Kind::User), Ok(cursor));
    }

    #[test]
    fn cursor_without_watermarks_round_trips() {
        let cursor = Cursor {
            kind: Kind::AgentStatus,
            skip: 0,
            poll: None,
            since: None,
        };
        assert_eq!(cursor.encode(), "v=1&kind=agent-status&skip=0");
        assert_eq!(
            Cursor::decode(&cursor.encode(), Kind::AgentStatus),
            Ok(cursor)
        );
    }

    #[test]
    fn foreign_or_damaged_cursors_are_refused_with_the_reason() {
        let cases = [
            ("page-2", "unknown field `page-2`"),
            ("kind=user&skip=1", "field `v` is missing"),
            ("v=2&kind=user&skip=1", "unsupported version `2`"),
            ("v=1&kind=user", "field `skip` is missing"),
            ("v=1&kind=user&skip=-1", "skip `-1` is not a whole number"),
            ("v=1&kind=user&skip=1&skip=2", "field `skip` appears twice"),
        ];
        for (text, reason) in cases {
            assert_eq!(
                Cursor::decode(text, Kind::User),
                Err(Error::Rejected(format!(
                    "cursor `{text}` cannot be read by the Admin API connector: {reason}"
                )))
            );
        }
    }
}
