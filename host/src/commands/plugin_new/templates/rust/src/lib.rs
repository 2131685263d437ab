//! The {{name}} connector: reads the users of the {{name}} API into ccsync.
//!
//! The API it speaks (replace it with your platform's):
//!
//! - `GET {base-url}/users?page=N` with `Authorization: Bearer {token}` answers
//!   `{"users": [{"id", "login", "firstName", "lastName", "email", "active", "teamId"}…],
//!   "next": N+1 or null}`, pages counted from 1.
//!
//! connector-kit (the ccsync connector SDK, in `sdk/connector-kit`) does the rest: the
//! contract's bindings and exports (`Connector`, `export_connector!`), settings checked by key,
//! requests and the contract's error classes (`Call`, `Classifier`), paging cursors, lenient
//! JSON fields, and the hosts the tests run the connector over.

mod mapping;

use connector_kit::classify::{Classifier, quote_body};
use connector_kit::cursor::{CursorFields, CursorWriter};
use connector_kit::wit::types::{Error, KeyValue, Kind, Page};
use connector_kit::{About, BaseUrl, Call, Connector, Host, RawSettings, Secret, json_reply, key_values};

/// What the connector declares. Keep it equal to plugin.toml: the host refuses a plugin whose
/// describe() disagrees with its manifest (`ccsync plugin test` and a unit test check it).
pub const ABOUT: About = About {
    name: "{{name}}",
    version: env!("CARGO_PKG_VERSION"),
    reads: &[Kind::User],
    writes: &[],
    // The origins it may call: your platform's, and loopback for a local mock.
    origins: &[
        "https://api.example.com",
        "http://127.0.0.1:*",
        "http://localhost:*",
    ],
    capabilities: &[],
};

/// How the API's failures become the contract's errors (connector-kit's table: 401/403
/// `unauthorized`, 404 `not-found`, 408/5xx/timeouts `transient`, 429 `rate-limited` with the
/// `Retry-After`, 3xx and denied origins `invalid-config`, other 4xx `rejected`), with the
/// API's explanation: the start of the error body.
const API: Classifier = Classifier {
    explain: |response| quote_body(&response.body),
    url_settings: "base-url",
    origin: "the origin of base-url",
    page_size: None,
};

/// The settings this connector knows: any other key, a key given twice or an empty value is
/// refused as `invalid-config` naming the key.
const KEYS: &[&str] = &["base-url", "token"];

/// One configured connection to the API.
#[derive(Debug)]
pub struct Client {
    base_url: BaseUrl,
    /// A secret setting: the host redacts it from everything the connector says.
    token: Secret,
}

impl Connector for Client {
    const ABOUT: About = ABOUT;
    const NO_WRITES: &'static str = "{{name}} is read-only: it writes nothing";

    fn configure(settings: &[KeyValue]) -> Result<Self, Error> {
        let raw = RawSettings::read("{{name}}", KEYS, key_values(settings))?;
        Ok(Client {
            base_url: RawSettings::url("base-url", raw.required("base-url")?)?,
            token: Secret::new(raw.required("token")?),
        })
    }

    fn check<H: Host>(&mut self, host: &mut H) -> Result<(), Error> {
        self.users_page(host, 1).map(|_| ())
    }

    fn read<H: Host>(
        &mut self,
        host: &mut H,
        kind: Kind,
        cursor: Option<&str>,
        _since: Option<&str>,
    ) -> Result<Page, Error> {
        // No `incremental` capability is declared, so the host never asks for `since`.
        if kind != Kind::User {
            return Err(Error::Unsupported(format!(
                "{} reads users only",
                ABOUT.name
            )));
        }
        let page = match cursor {
            None => 1,
            Some(text) => CursorFields::parse(ABOUT.name, text, kind, &["page"])?.number("page")?,
        };
        let reply = self.users_page(host, page)?;
        let mut page = mapping::page(&reply);
        page.next_cursor = reply
            .next
            .map(|next| CursorWriter::new(kind).field("page", next).finish());
        Ok(page)
    }
}

impl Client {
    /// Page `page` of the users (pages count from 1).
    fn users_page(&self, host: &mut impl Host, page: u32) -> Result<mapping::UsersPage, Error> {
        let what = format!("GET /users (page {page})");
        let response = Call::get(self.base_url.join("/users"))
            .query("page", page)
            .bearer(&self.token)
            .accept_json()
            .send_ok(host, &API, &what)?;
        json_reply(&what, &response)
    }
}

connector_kit::export_connector!(Client);

#[cfg(test)]
mod tests {
    use connector_kit::testing::{ScriptedHost, assert_manifest_declares, json_ok, respond};
    use serde_json::json;

    use super::*;

    fn client() -> Client {
        let settings = [("base-url", "https://api.example.com/v1/"), ("token", "t0k")]
            .map(|(key, value)| KeyValue {
                key: key.into(),
                value: value.into(),
            });
        Client::configure(&settings).expect("valid settings")
    }

    #[test]
    fn plugin_toml_declares_what_describe_returns() {
        assert_manifest_declares(include_str!("../plugin.toml"), &ABOUT);
    }

    #[test]
    fn a_bad_setting_is_refused_naming_its_key() {
        let cases: [(&[(&str, &str)], &str); 4] = [
            (&[("base-url", "https://a"), ("token", "t"), ("colour", "x")], "`colour`"),
            (&[("base-url", "https://a"), ("token", "t"), ("token", "t")], "`token`"),
            (&[("base-url", ""), ("token", "t")], "`base-url`"),
            (&[("base-url", "https://a")], "`token`"),
        ];
        for (pairs, key) in cases {
            let settings: Vec<KeyValue> = pairs
                .iter()
                .map(|(k, v)| KeyValue { key: (*k).into(), value: (*v).into() })
                .collect();
            let Err(Error::InvalidConfig(why)) = Client::configure(&settings) else {
                panic!("{pairs:?} accepted");
            };
            assert!(why.contains(key), "{why} should name {key}");
        }
    }

    #[test]
    fn a_read_pages_with_a_cursor_and_sends_the_token() {
        let mut host = ScriptedHost::default()
            .expect(
                "GET https://api.example.com/v1/users?page=1",
                json_ok(json!({"users": [{"id": "u-1", "login": "ada"}], "next": 2})),
            )
            .expect(
                "GET https://api.example.com/v1/users?page=2",
                json_ok(json!({"users": [], "next": null})),
            );
        let mut c = client();
        let first = c.read(&mut host, Kind::User, None, None).unwrap();
        assert_eq!(first.items.len(), 1);
        let cursor = first.next_cursor.expect("more to come");
        let last = c.read(&mut host, Kind::User, Some(&cursor), None).unwrap();
        assert_eq!(last.next_cursor, None);
        assert_eq!(host.authorization(0), "Bearer t0k");
        host.assert_done();
    }

    #[test]
    fn failures_are_the_contract_s_errors() {
        let mut host = ScriptedHost::default()
            .expect(
                "GET https://api.example.com/v1/users?page=1",
                respond(429, &[("Retry-After", "7")], ""),
            )
            .expect(
                "GET https://api.example.com/v1/users?page=1",
                respond(401, &[], "bad token"),
            )
            .expect(
                "GET https://api.example.com/v1/users?page=1",
                respond(200, &[], "{\"users\": [{\"id\""),
            );
        let mut c = client();
        assert_eq!(c.check(&mut host), Err(Error::RateLimited(7000)));
        assert!(matches!(c.check(&mut host), Err(Error::Unauthorized(m)) if m.contains("bad token")));
        assert!(matches!(c.check(&mut host), Err(Error::Rejected(_))));
        assert!(matches!(
            c.read(&mut host, Kind::User, Some("page-2"), None),
            Err(Error::Rejected(_))
        ));
        host.assert_done();
    }
}
