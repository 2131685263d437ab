//! The conversation with one Admin API: list requests with one token renewal on a 401, and
//! the security-profile cache that users need.
//!
//! Everything reaches the network through [`Host`], and the sign-in is the connector's
//! [`Auth`], so the whole flow (token renewal, paging, profile refetch) is tested natively with
//! a scripted host and a fake sign-in.

use std::collections::BTreeSet;

use connector_kit::wit::http::Response;
use connector_kit::wit::log::Level;
use connector_kit::wit::types::{Error, Kind, Page};
use connector_kit::{Call, Host, kind_name, success, with_renewal};

use crate::auth::Auth;
use crate::classify::ADMIN_API;
use crate::cursor::Cursor;
use crate::endpoint::{Endpoint, endpoint};
use crate::mapping::{Profiles, profile_entry, unknown_profile_ids};
use crate::page::{Position, Reply, build_page};
use crate::wire::{Element, read_body};

static NO_PROFILES: Profiles = Profiles::new();

/// One configured connection: its sign-in, its page size and the profiles it has learnt.
#[derive(Debug)]
pub struct Client<A> {
    auth: A,
    /// The `top` of every list request.
    page_size: u32,
    profiles: Option<Profiles>,
    /// Profile ids that were still unknown after a refetch; they do not cause another one.
    missing_profiles: BTreeSet<i64>,
}

impl<A: Auth> Client<A> {
    /// A client that signs in with `auth` and asks for `page_size` records per list request
    /// (the connector has checked it is in `1..=MAX_PAGE_SIZE`).
    pub fn new(auth: A, page_size: u32) -> Self {
        Self {
            auth,
            page_size,
            profiles: None,
            missing_profiles: BTreeSet::new(),
        }
    }

    /// Signs in (when needed) and lists one team.
    pub fn check(&mut self, host: &mut impl Host) -> Result<(), Error> {
        let path = endpoint(Kind::Team).path;
        self.get(
            host,
            path,
            &[("skip", "0"), ("top", "1")],
            "GET /teams (check)",
        )?;
        host.log(
            Level::Debug,
            "check: token obtained and GET /teams answered",
        );
        Ok(())
    }

    /// Reads one page of `kind` with one list request (plus, for users, the security profiles
    /// when they are not cached yet or an agent names a profile the cache lacks).
    pub fn read(
        &mut self,
        host: &mut impl Host,
        kind: Kind,
        cursor: Option<&str>,
        since: Option<&str>,
    ) -> Result<Page, Error> {
        let endpoint = endpoint(kind);
        let at = self.position(kind, cursor, since)?;
        let skip = at.cursor.skip.to_string();
        let top = at.top.to_string();
        let mut query: Vec<(&str, &str)> = Vec::with_capacity(4);
        if let (true, Some(since)) = (endpoint.incremental, at.cursor.since.as_deref()) {
            query.push(("updatedSince", since));
        }
        query.push(("skip", &skip));
        query.push(("top", &top));
        if kind == Kind::User {
            query.push(("orderBy", "agentId"));
        }
        let what = format!("GET {} (skip {skip})", endpoint.path);
        let response = self.get(host, endpoint.path, &query, &what)?;
        // Where the `Value`s of a body the fast read declines are kept for the page to borrow.
        let mut parsed = None;
        let reply = if response.status == 204 {
            Reply::NoContent
        } else {
            Reply::List(read_body(&what, kind, &response.body, at.top, &mut parsed)?)
        };
        if let (Kind::User, Reply::List(list)) = (kind, &reply) {
            self.ensure_profiles(host, &list.items)?;
        }
        let profiles = self.profiles.as_ref().unwrap_or(&NO_PROFILES);
        let page = build_page(&endpoint, &at, reply, profiles);
        host.log(
            Level::Debug,
            &format!(
                "read {} skip={skip} top={top}{}: {} items, {} invalid, {}",
                kind_name(kind),
                if response.status == 204 { " (204)" } else { "" },
                page.items.len(),
                page.invalid.len(),
                if page.next_cursor.is_some() {
                    "more to come"
                } else {
                    "last page"
                },
            ),
        );
        Ok(page)
    }

    /// Where this page starts, from the host's cursor and `since`.
    fn position(
        &self,
        kind: Kind,
        cursor: Option<&str>,
        since: Option<&str>,
    ) -> Result<Position, Error> {
        let top = self.page_size;
        let Some(text) = cursor else {
            return Ok(Position {
                cursor: Cursor {
                    kind,
                    skip: 0,
                    poll: None,
                    since: since.map(str::to_string),
                },
                first: true,
                top,
            });
        };
        let cursor = Cursor::decode(text, kind)?;
        if let Some(since) = since
            && cursor.since.as_deref() != Some(since)
        {
            return Err(Error::Rejected(format!(
                "cursor `{text}` belongs to a read that started from another `since` than `{since}`"
            )));
        }
        Ok(Position {
            cursor,
            first: false,
            top,
        })
    }

    /// Loads the profile cache, and refetches it once when these agents name a profile it
    /// lacks (a profile created since it was loaded).
    fn ensure_profiles(
        &mut self,
        host: &mut impl Host,
        agents: &[Element<'_>],
    ) -> Result<(), Error> {
        if self.profiles.is_none() {
            self.profiles = Some(self.fetch_profiles(host)?);
        }
        let cached = self.profiles.as_ref().unwrap_or(&NO_PROFILES);
        let unknown: BTreeSet<i64> = unknown_profile_ids(agents, cached)
            .difference(&self.missing_profiles)
            .copied()
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        host.log(
            Level::Debug,
            &format!("agents name unknown profile ids {unknown:?}; refetching security profiles"),
        );
        let fresh = self.fetch_profiles(host)?;
        self.missing_profiles
            .extend(unknown.into_iter().filter(|id| !fresh.contains_key(id)));
        self.profiles = Some(fresh);
        Ok(())
    }

    /// Every security profile's permissions, paging through `/security-profiles`.
    fn fetch_profiles(&mut self, host: &mut impl Host) -> Result<Profiles, Error> {
        let endpoint: Endpoint = endpoint(Kind::SecurityProfile);
        let top = self.page_size;
        let mut profiles = Profiles::new();
        let mut skip: u64 = 0;
        loop {
            let (skip_text, top_text) = (skip.to_string(), top.to_string());
            let what = format!("GET {} (skip {skip})", endpoint.path);
            let query = [("skip", skip_text.as_str()), ("top", top_text.as_str())];
            let response = self.get(host, endpoint.path, &query, &what)?;
            if response.status == 204 {
                break;
            }
            let mut parsed = None;
            let items = read_body(
                &what,
                Kind::SecurityProfile,
                &response.body,
                top,
                &mut parsed,
            )?
            .items;
            for (index, item) in items.iter().enumerate() {
                match profile_entry(item) {
                    Ok((id, permissions)) => {
                        profiles.insert(id, permissions);
                    }
                    Err(problem) => host.log(
                        Level::Warn,
                        &format!(
                            "security profile profiles[{index}] at skip {skip} ignored: {problem}; \
                             agents with it will be reported invalid"
                        ),
                    ),
                }
            }
            if items.len() < top as usize {
                break;
            }
            skip += items.len() as u64;
        }
        host.log(
            Level::Debug,
            &format!("loaded {} security profiles", profiles.len()),
        );
        Ok(profiles)
    }

    /// GETs an API path with the bearer token; on a 401 tells the sign-in, which renews the
    /// token, and tries once more. Returns only 2xx responses; any other status is classified.
    fn get(
        &mut self,
        host: &mut impl Host,
        path: &str,
        query: &[(&str, &str)],
        what: &str,
    ) -> Result<Response, Error> {
        let response = with_renewal(
            host,
            &ADMIN_API,
            what,
            &mut self.auth,
            A::refused,
            |auth, host| {
                let access = auth.access(host)?;
                Call::get(access.api_base.join(path))
                    .queries(query)
                    .bearer(&access.token)
                    .accept_json()
                    .send(host, &ADMIN_API, what)
            },
        )?;
        success(&ADMIN_API, what, response)
    }
}

#[cfg(test)]
mod tests;
