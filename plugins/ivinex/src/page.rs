//! One page of a list: the cursor that says which page comes next, the list reply's shape, and
//! the contract page built from it (records that cannot be mapped reported, not fatal).

use connector_kit::cursor::{CursorFields, CursorWriter};
use serde::Deserialize;
use serde_json::Value;

use crate::mapping::{entity_from, readable_id};
use crate::wit::types::{Error, InvalidRecord, Kind, Page};

/// Where a read goes on: the kind (a cursor of another read is refused) and the page (from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub kind: Kind,
    pub page: u64,
}

impl Cursor {
    /// `v=1&kind=<kind>&page=<n>` (opaque to the host).
    pub fn encode(&self) -> String {
        CursorWriter::new(self.kind)
            .field("page", self.page)
            .finish()
    }

    /// The cursor of a read of `kind`.
    pub fn decode(text: &str, kind: Kind) -> Result<Self, Error> {
        let page = CursorFields::parse("ivinex", text, kind, &["page"])?.number("page")?;
        if page == 0 {
            return Err(Error::Rejected(format!(
                "cursor `{text}` cannot be read by ivinex: pages count from 1"
            )));
        }
        Ok(Self { kind, page })
    }
}

/// The parts of a list reply the connector uses (`page`, `pageSize` and `total` are not).
#[derive(Debug, Deserialize)]
pub struct ListReply {
    pub items: Vec<Value>,
    /// The next page's path; `null` on the last page.
    pub next: Option<String>,
}

/// A list reply, or `rejected` naming the request when the body is not one.
pub fn parse_list(what: &str, body: &[u8]) -> Result<ListReply, Error> {
    serde_json::from_slice(body).map_err(|e| {
        Error::Rejected(format!(
            "{what} answered a body that is not an Ivinex list: {e}"
        ))
    })
}

/// The contract page of one list reply: every record mapped or reported.
pub fn build_page(kind: Kind, at: &Cursor, reply: ListReply, collection: &str) -> Page {
    let mut items = Vec::with_capacity(reply.items.len());
    let mut invalid = Vec::new();
    for (index, record) in reply.items.iter().enumerate() {
        match entity_from(kind, record) {
            Ok(entity) => items.push(entity),
            Err(reason) => invalid.push(InvalidRecord {
                id: readable_id(record),
                reason: format!(
                    "{}[{index}] on page {}: {reason}",
                    collection.trim_start_matches('/'),
                    at.page
                ),
            }),
        }
    }
    let next_cursor = reply.next.is_some().then(|| {
        Cursor {
            kind,
            page: at.page + 1,
        }
        .encode()
    });
    Page {
        items,
        invalid,
        next_cursor,
        watermark: None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_cursor_round_trips_and_refuses_other_reads() {
        let cursor = Cursor {
            kind: Kind::AgentStatus,
            page: 3,
        };
        let text = cursor.encode();
        assert_eq!(text, "v=1&kind=agent-status&page=3");
        assert_eq!(Cursor::decode(&text, Kind::AgentStatus).unwrap(), cursor);
        assert!(matches!(
            Cursor::decode(&text, Kind::User),
            Err(Error::Rejected(m)) if m.contains("read of agent-status, not user")
        ));
        for foreign in [
            "garbage",
            "v=2&kind=user&page=1",
            "v=1&kind=user&page=0",
            "",
        ] {
            assert!(
                matches!(Cursor::decode(foreign, Kind::User), Err(Error::Rejected(_))),
                "{foreign}"
            );
        }
    }

    #[test]
    fn a_page_maps_what_it_can_reports_the_rest_and_points_at_the_next() {
        let reply = ListReply {
            items: vec![
                json!({"id": 1, "name": "A", "active": true, "list": "CC Campaigns"}),
                json!({"id": 2, "active": true, "list": "CC Campaigns"}),
            ],
            next: Some("/api/v1/campaigns?page=3&pageSize=2".into()),
        };
        let at = Cursor {
            kind: Kind::Campaign,
            page: 2,
        };
        let page = build_page(Kind::Campaign, &at, reply, "/campaigns");
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.invalid.len(), 1);
        assert_eq!(page.invalid[0].id.as_deref(), Some("2"));
        assert_eq!(
            page.invalid[0].reason,
            "campaigns[1] on page 2: name is missing"
        );
        assert_eq!(
            page.next_cursor.as_deref(),
            Some("v=1&kind=campaign&page=3")
        );
        assert_eq!(page.watermark, None);
    }

    #[test]
    fn the_last_page_has_no_next_cursor_and_a_foreign_body_is_rejected() {
        let reply = parse_list("GET /users", br#"{"items": [], "next": null}"#).unwrap();
        let at = Cursor {
            kind: Kind::User,
            page: 1,
        };
        assert_eq!(
            build_page(Kind::User, &at, reply, "/users").next_cursor,
            None
        );
        assert!(matches!(
            parse_list("GET /users", b"<html>"),
            Err(Error::Rejected(m)) if m.starts_with("GET /users answered a body")
        ));
    }
}
