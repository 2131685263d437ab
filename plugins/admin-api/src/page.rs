//! Turns one list reply into one page: the mapped records, the invalid ones, where the next
//! page starts, and the watermark.
//!
//! Paging rules: a 204 (the Admin API's "nothing left") and a page shorter than `top` end the
//! read. The watermark of an incremental (agents) read is the `lastPollTime` of its first page,
//! repeated on every page; when the first page has none (a 204), the `since` the read started
//! with is kept, so the next incremental read asks the same question instead of starting over.

#[cfg(test)]
use connector_kit::fields::Fields;
use connector_kit::fields::ReadFields;
use connector_kit::wit::types::{Error, InvalidRecord, Page};
use serde_json::Value;

use crate::cursor::Cursor;
use crate::endpoint::Endpoint;
use crate::mapping::{Item, Problem, Profiles, map_item};

/// The useful part of a 200 reply of a list endpoint, its records read straight from the body
/// (`wire::read_body`) or parsed as `Value`s ([`parse_list`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ListBody<I = Value> {
    /// The records, as sent.
    pub items: Vec<I>,
    /// The server time the request was served at (agents only).
    pub last_poll_time: Option<String>,
}

/// What a list endpoint answered, once it succeeded.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply<I = Value> {
    /// HTTP 204: nothing at or past this skip.
    NoContent,
    /// HTTP 200 with a list.
    List(ListBody<I>),
}

/// Reads a 200 body of `endpoint`. A body that is not JSON, or lacks the list, is refused:
/// asking again would get the same body.
pub fn parse_list(what: &str, endpoint: &Endpoint, body: &[u8]) -> Result<ListBody, Error> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Error::Rejected(format!("{what} answered a body that is not JSON: {e}")))?;
    let Value::Object(mut object) = value else {
        return Err(Error::Rejected(format!(
            "{what} answered JSON that is not an object"
        )));
    };
    let items = match object.remove(endpoint.list_key) {
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(Error::Rejected(format!(
                "{what} answered a `{}` that is not a list",
                endpoint.list_key
            )));
        }
        None => {
            return Err(Error::Rejected(format!(
                "{what} answered no `{}` list",
                endpoint.list_key
            )));
        }
    };
    let last_poll_time = match object.remove("lastPollTime") {
        Some(Value::String(t)) if !t.is_empty() => Some(t),
        _ => None,
    };
    Ok(ListBody {
        items,
        last_poll_time,
    })
}

/// Where a page was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The read's state before this page (skip 0 and no `poll` on the first page).
    pub cursor: Cursor,
    /// Whether this is the first page of the read.
    pub first: bool,
    /// The `top` the page was asked with.
    pub top: u32,
}

/// Builds the page for `reply`, read at `at`, whichever way its records were parsed.
pub fn build_page<I: Item>(
    endpoint: &Endpoint,
    at: &Position,
    reply: Reply<I>,
    profiles: &Profiles,
) -> Page {
    let kind = at.cursor.kind;
    let (items, last_poll_time) = match reply {
        Reply::NoContent => (Vec::new(), None),
        Reply::List(ListBody {
            items,
            last_poll_time,
        }) => (items, last_poll_time),
    };
    let watermark = if !endpoint.incremental {
        None
    } else if at.first {
        last_poll_time.or_else(|| at.cursor.since.clone())
    } else {
        at.cursor.poll.clone()
    };
    let full = u32::try_from(items.len()).is_ok_and(|n| n >= at.top);
    let next_cursor = full.then(|| {
        Cursor {
            kind,
            skip: at.cursor.skip + items.len() as u64,
            poll: watermark.clone(),
            since: at.cursor.since.clone(),
        }
        .encode()
    });
    let mut page = Page {
        items: Vec::with_capacity(items.len()),
        invalid: Vec::new(),
        next_cursor,
        watermark,
    };
    for (index, item) in items.iter().enumerate() {
        match map_item(kind, item, profiles) {
            Ok(entity) => page.items.push(entity),
            Err(problem) => page.invalid.push(invalid_record(
                endpoint,
                at.cursor.skip,
                index,
                item,
                &problem,
            )),
        }
    }
    page
}

/// The id a report names a malformed record by: the canonical integer when the id field reads
/// as one (`"0042"` is reported as `42`, as the record would map), else the value as sent.
fn report_id<'a>(fields: impl ReadFields<'a>, id_field: &'static str) -> Option<String> {
    match fields.optional_int(id_field) {
        Ok(Some(id)) => Some(id.to_string()),
        _ => fields.loose_id(id_field),
    }
}

/// The report for a record that could not be mapped: `agents[3] at skip 1000 (userName
/// "jdoe"): agentId is missing`.
fn invalid_record<I: Item>(
    endpoint: &Endpoint,
    skip: u64,
    index: usize,
    item: &I,
    problem: &Problem,
) -> InvalidRecord {
    let fields = item.fields().ok();
    let id = fields.and_then(|f| report_id(f, endpoint.id_field));
    let label = fields
        .and_then(|f| f.non_empty_str(endpoint.label_field).ok().flatten())
        .map(|l| format!(" ({} {l:?})", endpoint.label_field))
        .unwrap_or_default();
    InvalidRecord {
        id,
        reason: format!(
            "{}[{index}] at skip {skip}{label}: {problem}",
            endpoint.list_key
        ),
    }
}

#[cfg(test)]
mod tests {
    use connector_kit::wit::types::{Entity, Kind};
    use serde_json::json;

    use super::*;
    use crate::endpoint::endpoint;

    fn agent(id: i64) -> Value {
        json!({"agentId": id, "userName": format!("u{id}"), "isActive": true})
    }

    fn first(kind: Kind, since: Option<&str>, top: u32) -> Position {
        Position {
            cursor: Cursor {
                kind,
                skip: 0,
                poll: None,
                since: since.map(str::to_string),
            },
            first: true,
            top,
        }
    }

    fn body(items: Vec<Value>, poll: Option<&str>) -> ListBody {
        ListBody {
            items,
            last_poll_time: poll.map(str::to_string),
        }
    }

    fn list(items: Vec<Value>, poll: Option<&str>) -> Reply {
        Reply::List(body(items, poll))
    }

    #[test]
    fn full_first_page_continues_with_the_first_poll_time_as_watermark() {
        let at = first(Kind::User, Some("S"), 2);
        let page = build_page(
            &endpoint(Kind::User),
            &at,
            list(vec![agent(1), agent(2)], Some("P1")),
            &Profiles::new(),
        );
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.watermark.as_deref(), Some("P1"));
        let next = Cursor::decode(page.next_cursor.as_deref().unwrap(), Kind::User).unwrap();
        assert_eq!(
            next,
            Cursor {
                kind: Kind::User,
                skip: 2,
                poll: Some("P1".into()),
                since: Some("S".into())
            }
        );
    }

    #[test]
    fn later_pages_keep_the_first_poll_time_not_their_own() {
        let at = Position {
            cursor: Cursor {
                kind: Kind::User,
                skip: 2,
                poll: Some("P1".into()),
                since: None,
            },
            first: false,
            top: 2,
        };
        let page = build_page(
            &endpoint(Kind::User),
            &at,
            list(vec![agent(3)], Some("P2")),
            &Profiles::new(),
        );
        assert_eq!(page.watermark.as_deref(), Some("P1"));
        assert_eq!(page.next_cursor, None, "a short page is the last");
    }

    #[test]
    fn no_content_ends_the_read_and_keeps_the_incoming_watermark() {
        let page = build_page(
            &endpoint(Kind::User),
            &first(Kind::User, Some("S"), 100),
            Reply::<Value>::NoContent,
            &Profiles::new(),
        );
        assert!(page.items.is_empty());
        assert_eq!(page.next_cursor, None);
        assert_eq!(page.watermark.as_deref(), Some("S"));
    }

    #[test]
    fn non_incremental_kinds_have_no_watermark() {
        let team = json!({"teamId": 1, "teamName": "A", "isActive": true});
        let page = build_page(
            &endpoint(Kind::Team),
            &first(Kind::Team, Some("S"), 1),
            list(vec![team], Some("P")),
            &Profiles::new(),
        );
        assert_eq!(page.watermark, None);
        assert!(page.next_cursor.is_some());
    }

    #[test]
    fn malformed_agents_are_reported_by_index_and_username_while_others_map() {
        let items = vec![
            agent(1),
            json!({"agentId": "x7", "userName": "bad@acme", "isActive": true}),
            json!({"userName": "", "isActive": true}),
            agent(4),
            json!({"agentId": "0005", "userName": "odd@acme", "isActive": "yes"}),
        ];
        let mut at = first(Kind::User, None, 10);
        at.cursor.skip = 1000;
        let page = build_page(
            &endpoint(Kind::User),
            &at,
            list(items, Some("P")),
            &Profiles::new(),
        );
        let ids: Vec<_> = page
            .items
            .iter()
            .map(|e| match e {
                Entity::User(u) => u.id.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(ids, ["1", "4"]);
        assert_eq!(
            page.invalid,
            vec![
                InvalidRecord {
                    id: Some("x7".into()),
                    reason: "agents[1] at skip 1000 (userName \"bad@acme\"): agentId is not an \
                             integer (found a string that is not a whole number)"
                        .into(),
                },
                InvalidRecord {
                    id: None,
                    reason: "agents[2] at skip 1000: agentId is missing".into(),
                },
                InvalidRecord {
                    id: Some("5".into()),
                    reason: "agents[4] at skip 1000 (userName \"odd@acme\"): isActive is not a \
                             boolean (found a string other than true, false, 1 and 0)"
                        .into(),
                },
            ]
        );
    }

    #[test]
    fn report_id_is_the_canonical_id_or_the_value_as_sent() {
        let map = json!({"n": 12, "d": "0012", "s": "x1", "f": 1.5, "e": "", "o": {}});
        let f = Fields::new(map.as_object().expect("an object"));
        assert_eq!(report_id(f, "n").as_deref(), Some("12"));
        assert_eq!(report_id(f, "d").as_deref(), Some("12"));
        assert_eq!(report_id(f, "s").as_deref(), Some("x1"));
        assert_eq!(report_id(f, "f").as_deref(), Some("1.5"));
        assert_eq!(report_id(f, "e"), None);
        assert_eq!(report_id(f, "o"), None);
        assert_eq!(report_id(f, "missing"), None);
    }

    #[test]
    fn bodies_that_are_not_a_list_reply_are_rejected_naming_the_request() {
        let ep = endpoint(Kind::User);
        let what = "GET /agents (skip 1000)";
        for (body, expected) in [
            (
                &b"<html>oops</html>"[..],
                "GET /agents (skip 1000) answered a body that is not JSON",
            ),
            (
                b"[1]",
                "GET /agents (skip 1000) answered JSON that is not an object",
            ),
            (b"{}", "GET /agents (skip 1000) answered no `agents` list"),
            (
                br#"{"agents":{}}"#,
                "GET /agents (skip 1000) answered a `agents` that is not a list",
            ),
        ] {
            match parse_list(what, &ep, body) {
                Err(Error::Rejected(m)) => assert!(m.starts_with(expected), "{m}"),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(
            parse_list(what, &ep, br#"{"lastPollTime":"P","agents":[]}"#).unwrap(),
            body(vec![], Some("P"))
        );
    }
}
