//! Searching the directory by name, for manual mapping (rule P4).
//!
//! RingCentral's directory list has no name filter, so the search pages through the `User`
//! extensions (every status, 1000 a page) and keeps those whose first name, last name, full
//! `name` or "first last" contains the query, case-insensitively. A large directory takes
//! more list requests than one rate-limit window allows: when pacing (or a passing failure)
//! interrupts a search, its progress is kept, and the next call with the same query resumes
//! where it stopped instead of starting over.

use std::time::{Duration, Instant};

use super::reads::PER_PAGE;
use super::{Client, Host};
use crate::mapping::{invalid_record, map_extension, parse_list};
use crate::pacing::Route;
use crate::wit::log::Level;
use crate::wit::types::{Error, User};

/// The most users a search returns; it stops reading once it has them (refine the query).
pub const MAX_RESULTS: usize = 100;
/// The most list requests one call makes (well inside the host's request budget per call);
/// a search that needs more answers `transient` and resumes on the next call.
pub const PAGES_PER_CALL: u32 = 100;
/// How long an interrupted search may be resumed; after that it starts over.
const RESUMABLE_FOR: Duration = Duration::from_secs(15 * 60);

/// A search interrupted between pages.
#[derive(Debug)]
pub(super) struct SearchProgress {
    /// The normalised query.
    needle: String,
    started: Instant,
    next_page: u32,
    found: Vec<User>,
}

/// Whether a user's names contain `needle` (already lowercase).
fn matches(user: &User, needle: &str) -> bool {
    let first = user.first_name.as_deref().unwrap_or_default();
    let last = user.last_name.as_deref().unwrap_or_default();
    let name = user
        .extra
        .iter()
        .find(|kv| kv.key == "name")
        .map_or("", |kv| kv.value.as_str());
    let full = format!("{first} {last}");
    [first, last, name, full.as_str()]
        .iter()
        .any(|field| field.to_lowercase().contains(needle))
}

impl Client {
    /// The `User` extensions (every status) whose names contain `query`, case-insensitively,
    /// in id order, at most [`MAX_RESULTS`].
    pub fn search_users(&mut self, host: &mut impl Host, query: &str) -> Result<Vec<User>, Error> {
        let needle = query.trim().to_lowercase();
        if needle.is_empty() {
            return Err(Error::Rejected(
                "search-users needs a non-empty query".into(),
            ));
        }
        let now = host.now();
        let mut progress = match self.search.take() {
            Some(p) if p.needle == needle && now.duration_since(p.started) < RESUMABLE_FOR => {
                host.log(
                    Level::Debug,
                    &format!("search-users: resuming at page {}", p.next_page),
                );
                p
            }
            _ => SearchProgress {
                needle,
                started: now,
                next_page: 1,
                found: Vec::new(),
            },
        };
        for _ in 0..PAGES_PER_CALL {
            let page = progress.next_page;
            let what = format!("GET /extension (search, page {page})");
            let (per_page, page_text) = (PER_PAGE.to_string(), page.to_string());
            let query = [
                ("type", "User"),
                ("perPage", &per_page),
                ("page", &page_text),
            ];
            let response = match self.get(host, Route::List, "/extension", &query, &what) {
                Ok(response) => response,
                Err(error @ (Error::RateLimited(_) | Error::Transient(_))) => {
                    self.search = Some(progress);
                    return Err(error);
                }
                Err(error) => return Err(error),
            };
            let list = parse_list(&what, &response.body)?;
            for (index, record) in list.records.iter().enumerate() {
                match map_extension(record) {
                    Ok(user) if matches(&user, &progress.needle) => progress.found.push(user),
                    Ok(_) => {}
                    Err(problem) => host.log(
                        Level::Warn,
                        &format!(
                            "left out of the search: {}",
                            invalid_record(record, index, &what, &problem).reason
                        ),
                    ),
                }
            }
            if progress.found.len() >= MAX_RESULTS {
                progress.found.truncate(MAX_RESULTS);
                host.log(
                    Level::Info,
                    &format!(
                        "search-users: stopped at {MAX_RESULTS} matches on page {page}; \
                         refine the query for the rest"
                    ),
                );
                return Ok(progress.found);
            }
            if !list.has_next {
                host.log(
                    Level::Debug,
                    &format!(
                        "search-users: {} matches in {page} pages",
                        progress.found.len()
                    ),
                );
                return Ok(progress.found);
            }
            progress.next_page += 1;
        }
        let next = progress.next_page;
        self.search = Some(progress);
        Err(Error::Transient(format!(
            "search-users read {PAGES_PER_CALL} pages in one call without reaching the end of the \
             directory; call again to resume at page {next}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wit::types::KeyValue;

    fn user(first: &str, last: &str, name: &str) -> User {
        User {
            id: "1".into(),
            username: None,
            first_name: Some(first.into()),
            last_name: Some(last.into()),
            email: None,
            active: true,
            team_id: None,
            security_profile_id: None,
            roles: vec![],
            permissions: vec![],
            primary_phone: None,
            phones: vec![],
            employee_id: None,
            site_id: None,
            groups: vec![],
            password_set: None,
            extra: vec![KeyValue {
                key: "name".into(),
                value: name.into(),
            }],
        }
    }

    #[test]
    fn names_match_by_case_insensitive_containment() {
        let ann = user("Ann", "Lee", "Ann Lee (Sales)");
        for needle in ["ann", "lee", "ann lee", "n l", "(sales)"] {
            assert!(matches(&ann, needle), "{needle}");
        }
        assert!(!matches(&ann, "bob"));
        assert!(!matches(&ann, "lee ann"));
    }
}
