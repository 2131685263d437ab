//! The opaque paging cursor handed to the host between pages of one read.
//!
//! The Admin API pages with `skip`/`top`, and the watermark of an incremental read must be the
//! `lastPollTime` of its FIRST page (the time the read began), so that changes made while the
//! read pages through are picked up by the next read. The cursor therefore carries the skip,
//! that first `lastPollTime`, and the `updatedSince` the read started with, so every page of
//! the read asks the same question and reports the same watermark.
//!
//! Format (form-urlencoded, so any watermark text survives):
//! `v=1&kind=user&skip=2000&poll=2026-11-24T07%3A00%3A00.000Z&since=2026-11-23T07%3A00%3A00.000Z`
//! (`poll` and `since` are left out when absent).

use connector_kit::wit::types::Kind;
use connector_kit::{kind_from_name, kind_name};
use thiserror::Error;

const VERSION: &str = "1";

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

/// Why a cursor could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CursorError {
    #[error("cursor `{cursor}` is not an Admin API cursor: {reason}")]
    Malformed { cursor: String, reason: String },
}

impl Cursor {
    pub fn encode(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        out.append_pair("v", VERSION)
            .append_pair("kind", kind_name(self.kind))
            .append_pair("skip", &self.skip.to_string());
        if let Some(poll) = &self.poll {
            out.append_pair("poll", poll);
        }
        if let Some(since) = &self.since {
            out.append_pair("since", since);
        }
        out.finish()
    }

    pub fn decode(cursor: &str) -> Result<Self, CursorError> {
        let fail = |reason: String| CursorError::Malformed {
            cursor: cursor.to_string(),
            reason,
        };
        let (mut version, mut kind, mut skip, mut poll, mut since) = (None, None, None, None, None);
        for (key, value) in form_urlencoded::parse(cursor.as_bytes()) {
            let slot = match key.as_ref() {
                "v" => &mut version,
                "kind" => &mut kind,
                "skip" => &mut skip,
                "poll" => &mut poll,
                "since" => &mut since,
                other => return Err(fail(format!("unknown field `{other}`"))),
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(fail(format!("field `{key}` appears twice")));
            }
        }
        match version.as_deref() {
            Some(VERSION) => {}
            Some(other) => return Err(fail(format!("unsupported version `{other}`"))),
            None => return Err(fail("field `v` is missing".into())),
        }
        let kind = kind.ok_or_else(|| fail("field `kind` is missing".into()))?;
        let kind = kind_from_name(&kind).ok_or_else(|| fail(format!("unknown kind `{kind}`")))?;
        let skip = skip.ok_or_else(|| fail("field `skip` is missing".into()))?;
        let skip = skip
            .parse::<u64>()
            .map_err(|_| fail(format!("skip `{skip}` is not a whole number")))?;
        Ok(Self {
            kind,
            skip,
            poll,
            since,
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
        assert_eq!(Cursor::decode(&text), Ok(cursor));
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
        assert_eq!(Cursor::decode(&cursor.encode()), Ok(cursor));
    }

    #[test]
    fn foreign_or_damaged_cursors_are_refused_with_the_reason() {
        let cases = [
            ("page-2", "unknown field `page-2`"),
            ("kind=user&skip=1", "field `v` is missing"),
            ("v=2&kind=user&skip=1", "unsupported version `2`"),
            ("v=1&kind=users&skip=1", "unknown kind `users`"),
            ("v=1&kind=user", "field `skip` is missing"),
            ("v=1&kind=user&skip=-1", "skip `-1` is not a whole number"),
            ("v=1&kind=user&skip=1&skip=2", "field `skip` appears twice"),
        ];
        for (text, reason) in cases {
            let err = Cursor::decode(text).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("cursor `{text}` is not an Admin API cursor: {reason}")
            );
        }
    }
}
