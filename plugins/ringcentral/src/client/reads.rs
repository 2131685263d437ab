//! The directory reads: the full read page by page, one extension by id, and batched look-ups
//! by email.

use std::collections::{BTreeMap, BTreeSet};

use connector_kit::cursor::{CursorFields, CursorWriter};

use super::{Client, Host};
use crate::mapping::{invalid_record, map_extension, parse_list};
use crate::pacing::Route;
use crate::wit::log::Level;
use crate::wit::types::{Entity, Error, Kind, Page, User};

/// Records per list request: the most RingCentral serves.
pub const PER_PAGE: u32 = 1000;
/// Addresses per look-up request (repeated `email=`): the host's batch of 50 is one request.
pub const EMAIL_BATCH: usize = 50;

const USERS_ONLY: &str = "ringcentral reads users only (the directory's User extensions)";

/// An email as the connector compares it: trimmed, case-folded.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The page a cursor names (`None`: the first).
fn page_of(cursor: Option<&str>) -> Result<u32, Error> {
    let Some(text) = cursor else {
        return Ok(1);
    };
    let page = CursorFields::parse("ringcentral", text, Kind::User, &["page"])?.number("page")?;
    if page == 0 {
        return Err(Error::Rejected(format!(
            "cursor `{text}` cannot be read by ringcentral: pages count from 1"
        )));
    }
    Ok(page)
}

impl Client {
    /// Reads one page of the directory's `User` extensions, every status, 1000 a page. `since`
    /// is ignored: RingCentral has no incremental directory read, so every read is full.
    pub fn read(
        &mut self,
        host: &mut impl Host,
        kind: Kind,
        cursor: Option<&str>,
        since: Option<&str>,
    ) -> Result<Page, Error> {
        if kind != Kind::User {
            return Err(Error::Unsupported(USERS_ONLY.into()));
        }
        let page = page_of(cursor)?;
        if since.is_some() && cursor.is_none() {
            host.log(
                Level::Debug,
                "since is ignored: RingCentral has no incremental directory read; reading in full",
            );
        }
        let what = format!("GET /extension (page {page})");
        let (per_page, page_text) = (PER_PAGE.to_string(), page.to_string());
        let query = [
            ("type", "User"),
            ("perPage", &per_page),
            ("page", &page_text),
        ];
        let response = self.get(host, Route::List, "/extension", &query, &what)?;
        let list = parse_list(&what, &response.body)?;
        let mut items = Vec::with_capacity(list.records.len());
        let mut invalid = Vec::new();
        for (index, record) in list.records.iter().enumerate() {
            match map_extension(record) {
                Ok(user) => items.push(Entity::User(user)),
                Err(problem) => invalid.push(invalid_record(record, index, &what, &problem)),
            }
        }
        host.log(
            Level::Debug,
            &format!(
                "read user page {page}: {} items, {} invalid, {}",
                items.len(),
                invalid.len(),
                if list.has_next {
                    "more to come"
                } else {
                    "last page"
                }
            ),
        );
        Ok(Page {
            items,
            invalid,
            next_cursor: list.has_next.then(|| {
                CursorWriter::new(Kind::User)
                    .field("page", page + 1)
                    .finish()
            }),
            watermark: None,
        })
    }

    /// One extension by id; `None` when the directory has none with this id (a 404, or an
    /// id that is not a number and so cannot be an extension's).
    pub fn get_user(
        &mut self,
        host: &mut impl Host,
        kind: Kind,
        id: &str,
    ) -> Result<Option<Entity>, Error> {
        if kind != Kind::User {
            return Err(Error::Unsupported(USERS_ONLY.into()));
        }
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(None);
        }
        let what = format!("GET /extension/{id}");
        let response = match self.get(host, Route::One, &format!("/extension/{id}"), &[], &what) {
            Ok(response) => response,
            Err(Error::NotFound(_)) => return Ok(None),
            Err(error) => return Err(error),
        };
        let record: serde_json::Value = serde_json::from_slice(&response.body).map_err(|e| {
            Error::Rejected(format!("{what} answered a body that is not JSON: {e}"))
        })?;
        match map_extension(&record) {
            Ok(user) => Ok(Some(Entity::User(user))),
            Err(problem) => Err(Error::Rejected(format!(
                "{what} answered a record that cannot be mapped: {problem}"
            ))),
        }
    }

    /// The `User` extensions (every status) whose email is one of `emails`, trimmed and
    /// case-folded, with [`EMAIL_BATCH`] addresses a request; each user once, in id order.
    pub fn find_by_email(
        &mut self,
        host: &mut impl Host,
        emails: &[String],
    ) -> Result<Vec<User>, Error> {
        let wanted: Vec<String> = emails
            .iter()
            .map(|e| normalize_email(e))
            .filter(|e| !e.is_empty())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut found: BTreeMap<u64, User> = BTreeMap::new();
        for batch in wanted.chunks(EMAIL_BATCH) {
            let per_page = PER_PAGE.to_string();
            let mut query = vec![("type", "User"), ("perPage", per_page.as_str())];
            query.extend(batch.iter().map(|email| ("email", email.as_str())));
            let mut page = 1;
            loop {
                let what = format!(
                    "GET /extension (look-up of {} emails, page {page})",
                    batch.len()
                );
                let page_text = page.to_string();
                let mut query = query.clone();
                query.push(("page", &page_text));
                let response = self.get(host, Route::List, "/extension", &query, &what)?;
                let list = parse_list(&what, &response.body)?;
                for (index, record) in list.records.iter().enumerate() {
                    match map_extension(record) {
                        Ok(user) => {
                            let asked = user
                                .email
                                .as_deref()
                                .is_some_and(|e| batch.contains(&normalize_email(e)));
                            // Ids are digits (mapping checks), so they sort as numbers.
                            if let (true, Ok(id)) = (asked, user.id.parse::<u64>()) {
                                found.insert(id, user);
                            }
                        }
                        Err(problem) => host.log(
                            Level::Warn,
                            &format!(
                                "left out of the email look-up: {}",
                                invalid_record(record, index, &what, &problem).reason
                            ),
                        ),
                    }
                }
                if !list.has_next {
                    break;
                }
                page += 1;
            }
        }
        host.log(
            Level::Debug,
            &format!(
                "find-by-email: {} addresses, {} users",
                wanted.len(),
                found.len()
            ),
        );
        Ok(found.into_values().collect())
    }
}
