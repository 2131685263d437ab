//! The one page loop of the engine: a read of one kind walked page by page from its start,
//! each page read with the retry policy, until the connector says there is no next page. A
//! run stages every page; a single-user sync stops at the page that holds its user.

use std::collections::HashSet;

use anyhow::{Context, bail};
use ccsync_model::{Kind, Page};
use ccsync_runtime::Connector;

use super::retry::{RetryPolicy, read_page};

/// The pages of one read, in order.
pub struct Pages<'a> {
    connector: &'a mut Connector,
    policy: &'a RetryPolicy,
    flow: &'a str,
    kind: Kind,
    since: Option<&'a str>,
    cursor: Option<String>,
    /// Every cursor the read was given: a connector handing one out twice would loop.
    given: HashSet<String>,
    done: bool,
    /// Pages read so far.
    pub read: u32,
}

impl<'a> Pages<'a> {
    /// A read of `kind` from its first page; incremental from `since` when given.
    pub fn new(
        connector: &'a mut Connector,
        policy: &'a RetryPolicy,
        flow: &'a str,
        kind: Kind,
        since: Option<&'a str>,
    ) -> Self {
        Pages {
            connector,
            policy,
            flow,
            kind,
            since,
            cursor: None,
            given: HashSet::new(),
            done: false,
            read: 0,
        }
    }

    /// The next page, or `None` after the last one.
    pub async fn next(&mut self) -> anyhow::Result<Option<Page>> {
        if self.done {
            return Ok(None);
        }
        let page = read_page(
            self.connector,
            self.policy,
            self.flow,
            self.kind,
            self.cursor.as_deref(),
            self.since,
        )
        .await
        .with_context(|| format!("reading {} records, page {}", self.kind, self.read + 1))?;
        self.read += 1;
        match &page.next_cursor {
            Some(next) if !self.given.insert(next.clone()) => bail!(
                "reading {} records: the connector gave the cursor {next:?} a second time (page \
                 {}): the read would never end",
                self.kind,
                self.read
            ),
            Some(next) => self.cursor = Some(next.clone()),
            None => self.done = true,
        }
        Ok(Some(page))
    }
}
