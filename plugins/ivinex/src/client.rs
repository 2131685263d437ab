//! The connector's conversation with one Ivinex account: the token, and reads, look-ups and
//! writes with one token renewal on a 401.
//!
//! Everything reaches the network through connector-kit's [`Host`], which the component
//! implements with the WIT `http`/`log` imports and the unit tests with a scripted fake, so the
//! whole flow (renewal, paging, a create's conflict) is tested natively.
//!
//! A create is never repeated by the connector: when its reply is lost (a timeout, a broken
//! connection) the call fails `transient` and the host looks the record up with `find` before
//! it creates again. A create that meets a record with its external id (409) updates that
//! record to the entity and returns its id: the external id is the host's key of the record,
//! unique in the hub, so the record at Ivinex *is* this one, stored by an earlier create
//! whose reply never arrived.

use connector_kit::grant::{KeptToken, send_grant};
use connector_kit::{
    About, Call, Connector, Host, Secret, json_reply, key_values, kind_name, success, unsupported,
    with_renewal,
};
use serde_json::Value;

use crate::auth::{self, API_ROOT, TOKEN_WHAT};
use crate::classify::{IVINEX, existing_id};
use crate::collection::{collection, entity_kind};
use crate::describe::{ABOUT, NEVER_DEACTIVATES, NO_SEARCH};
use crate::mapping::{entity_from, readable_id, write_body};
use crate::page::{Cursor, build_page, parse_list};
use crate::settings::Settings;
use crate::wit::http::Response;
use crate::wit::log::Level;
use crate::wit::types::{Entity, Error, KeyValue, Kind, Page};

/// One configured connection and its current token.
#[derive(Debug)]
pub struct Client {
    settings: Settings,
    token: KeptToken,
}

/// Ivinex ids are whole numbers: anything else names no record, so no request is sent for it.
fn is_record_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit())
}

impl Connector for Client {
    const ABOUT: About = ABOUT;
    const NO_SEARCH: &'static str = NO_SEARCH;

    fn configure(settings: &[KeyValue]) -> Result<Self, Error> {
        Ok(Self::new(Settings::parse(key_values(settings))?))
    }

    /// Obtains a token and lists one user.
    fn check<H: Host>(&mut self, host: &mut H) -> Result<(), Error> {
        let what = "GET /users (check)";
        self.expect(
            host,
            "GET",
            "/users",
            &[("page", "1"), ("pageSize", "1")],
            None,
            what,
        )?;
        host.log(
            Level::Debug,
            "check: token obtained and GET /users answered",
        );
        Ok(())
    }

    /// Reads one page of `kind`. Ivinex is read in full: `since` is not used (the connector
    /// declares no `incremental` capability) and no page carries a watermark.
    fn read<H: Host>(
        &mut self,
        host: &mut H,
        kind: Kind,
        cursor: Option<&str>,
        _since: Option<&str>,
    ) -> Result<Page, Error> {
        let collection = collection(kind)?;
        let at = match cursor {
            None => Cursor { kind, page: 1 },
            Some(text) => Cursor::decode(text, kind)?,
        };
        let what = format!("GET {collection} (page {})", at.page);
        let (page, page_size) = (at.page.to_string(), self.settings.page_size.to_string());
        let query = [("page", page.as_str()), ("pageSize", page_size.as_str())];
        let response = self.expect(host, "GET", collection, &query, None, &what)?;
        let page = build_page(kind, &at, parse_list(&what, &response.body)?, collection);
        host.log(
            Level::Debug,
            &format!(
                "read {} page {}: {} items, {} invalid, {}",
                kind_name(kind),
                at.page,
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

    /// The id of the record of `kind` created with `external_id`, if there is one.
    fn find<H: Host>(
        &mut self,
        host: &mut H,
        kind: Kind,
        external_id: &str,
    ) -> Result<Option<String>, Error> {
        let collection = collection(kind)?;
        let what = format!("GET {collection} (externalId)");
        let query = [("externalId", external_id)];
        let response = self.expect(host, "GET", collection, &query, None, &what)?;
        let reply = parse_list(&what, &response.body)?;
        // Only a record that carries exactly this external id is the one.
        let found = reply
            .items
            .iter()
            .find(|item| item.get("externalId").and_then(Value::as_str) == Some(external_id));
        match found {
            None => Ok(None),
            Some(item) => readable_id(item).map(Some).ok_or_else(|| {
                Error::Rejected(format!(
                    "{what}: the record with externalId `{external_id}` has no usable id"
                ))
            }),
        }
    }

    /// The record of `kind` with this id; `None` when Ivinex has none.
    fn get<H: Host>(
        &mut self,
        host: &mut H,
        kind: Kind,
        id: &str,
    ) -> Result<Option<Entity>, Error> {
        let collection = collection(kind)?;
        if !is_record_id(id) {
            return Ok(None);
        }
        let what = format!("GET {collection}/{id}");
        let response = self.call(host, "GET", &format!("{collection}/{id}"), &[], None, &what)?;
        if response.status == 404 {
            return Ok(None);
        }
        let response = success(&IVINEX, &what, response)?;
        let record = json_reply::<Value>(&what, &response)?;
        entity_from(kind, &record).map(Some).map_err(|reason| {
            Error::Rejected(format!("{what}: the record cannot be read: {reason}"))
        })
    }

    /// Creates the record with its external id; returns Ivinex's id. A 409 (the external id
    /// is taken) updates the record that has it and returns its id (see the module docs).
    fn create<H: Host>(
        &mut self,
        host: &mut H,
        entity: &Entity,
        external_id: &str,
    ) -> Result<String, Error> {
        let kind = entity_kind(entity);
        let collection = collection(kind)?;
        let body = write_body(entity, Some(external_id))?;
        let what = format!("POST {collection}");
        let response = self.call(host, "POST", collection, &[], Some(&body), &what)?;
        if response.status == 409 {
            return self.resolve_conflict(host, entity, external_id, &response, &what);
        }
        let response = success(&IVINEX, &what, response)?;
        let created = json_reply::<Value>(&what, &response)?;
        let id = readable_id(&created).ok_or_else(|| {
            Error::Rejected(format!("{what} answered {} without an id", response.status))
        })?;
        host.log(
            Level::Debug,
            &format!(
                "created {} {id} (externalId `{external_id}`)",
                kind_name(kind)
            ),
        );
        Ok(id)
    }

    /// Updates the record with this id to match the entity (every field the connector
    /// writes; the external id stays).
    fn update<H: Host>(&mut self, host: &mut H, id: &str, entity: &Entity) -> Result<(), Error> {
        let kind = entity_kind(entity);
        let collection = collection(kind)?;
        let body = write_body(entity, None)?;
        if !is_record_id(id) {
            return Err(Error::NotFound(format!(
                "{} `{id}` cannot be at Ivinex, whose ids are whole numbers",
                kind_name(kind)
            )));
        }
        let what = format!("PATCH {collection}/{id}");
        self.expect(
            host,
            "PATCH",
            &format!("{collection}/{id}"),
            &[],
            Some(&body),
            &what,
        )?;
        host.log(Level::Debug, &format!("updated {} {id}", kind_name(kind)));
        Ok(())
    }

    /// Rule D4: nothing is ever deactivated nor deleted.
    fn deactivate<H: Host>(&mut self, _host: &mut H, _kind: Kind, _id: &str) -> Result<(), Error> {
        unsupported(NEVER_DEACTIVATES)
    }
}

impl Client {
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            token: KeptToken::default(),
        }
    }

    /// After a 409: the record that has the external id, updated to the entity.
    fn resolve_conflict(
        &mut self,
        host: &mut impl Host,
        entity: &Entity,
        external_id: &str,
        response: &Response,
        what: &str,
    ) -> Result<String, Error> {
        let kind = entity_kind(entity);
        let existing = match existing_id(response) {
            Some(id) => id,
            None => self.find(host, kind, external_id)?.ok_or_else(|| {
                Error::Transient(format!(
                    "{}, but no {} has externalId `{external_id}` now; try again",
                    IVINEX.describe(what, response),
                    kind_name(kind)
                ))
            })?,
        };
        host.log(
            Level::Info,
            &format!(
                "{what}: Ivinex already has externalId `{external_id}` as {} {existing} (409), \
                 stored by an earlier create; updating it instead",
                kind_name(kind)
            ),
        );
        match self.update(host, &existing, entity) {
            Ok(()) => Ok(existing),
            Err(Error::NotFound(why)) => Err(Error::Transient(format!(
                "{what}: {} {existing}, which had externalId `{external_id}`, was removed \
                 meanwhile ({why}); try again",
                kind_name(kind)
            ))),
            Err(other) => Err(other),
        }
    }

    /// [`Client::call`], where anything but a success is an error.
    fn expect(
        &mut self,
        host: &mut impl Host,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        what: &str,
    ) -> Result<Response, Error> {
        let response = self.call(host, method, path, query, body, what)?;
        success(&IVINEX, what, response)
    }

    /// Sends an API request (`path` below the API root, with `query`) with the bearer token; on
    /// a 401 renews the token and sends it once more (a refused token means the request was
    /// not carried out). Returns every other response, whatever its status.
    fn call(
        &mut self,
        host: &mut impl Host,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        what: &str,
    ) -> Result<Response, Error> {
        let url = self.settings.base_url.join(&format!("{API_ROOT}{path}"));
        let forget = |client: &mut Self| client.token.forget();
        with_renewal(host, &IVINEX, what, self, forget, |client, host| {
            let token = client.token(host)?;
            let call = Call::new(method, url.as_str())
                .queries(query)
                .bearer(&token)
                .accept_json();
            match body {
                Some(body) => call.json(body)?,
                None => call,
            }
            .send(host, &IVINEX, what)
        })
    }

    /// The kept token, or a new one from the client credentials.
    fn token(&mut self, host: &mut impl Host) -> Result<Secret, Error> {
        self.token.get_or_obtain(host, |host| {
            let response = send_grant(
                host,
                &IVINEX,
                TOKEN_WHAT,
                &auth::token_request(&self.settings)?,
                auth::classify_token_failure,
            )?;
            auth::parse_token(&response.body)
        })
    }
}

#[cfg(test)]
mod tests;
