//! The connector's conversation with one CXone tenant: discovery, the token, list requests
//! with one token renewal on a 401, and the security-profile cache that users need.
//!
//! Everything reaches the network through [`Host`], which the component implements with the
//! WIT `http`/`log` imports and the unit tests implement with a scripted fake, so the whole
//! flow (token renewal, paging, profile refetch) is tested natively.

use std::collections::BTreeSet;

use crate::auth::{self, DISCOVERY_WHAT, TOKEN_WHAT, header};
use crate::classify::{classify_http_error, classify_status, describe};
use crate::cursor::Cursor;
use crate::endpoint::{Endpoint, endpoint, kind_name};
use crate::mapping::{Profiles, profile_entry, unknown_profile_ids};
use crate::page::{Position, Reply, build_page, parse_list};
use crate::settings::{ApiLocation, BaseUrl, Secret, Settings};
use crate::wit::http::{HttpError, Request, Response};
use crate::wit::log::Level;
use crate::wit::types::{Error, Kind, Page};

/// What the connector needs from the host.
pub trait Host {
    /// Sends one HTTP request.
    fn send(&mut self, request: &Request) -> Result<Response, HttpError>;
    /// Writes one log line (never a secret).
    fn log(&mut self, level: Level, message: &str);
}

static NO_PROFILES: Profiles = Profiles::new();

/// One configured connection and what it has learnt so far (API base, token, profiles).
#[derive(Debug)]
pub struct Client {
    settings: Settings,
    api_base: Option<BaseUrl>,
    token: Option<Secret>,
    profiles: Option<Profiles>,
    /// Profile ids that were still unknown after a refetch; they do not cause another one.
    missing_profiles: BTreeSet<i64>,
}

impl Client {
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            api_base: None,
            token: None,
            profiles: None,
            missing_profiles: BTreeSet::new(),
        }
    }

    /// Discovers the API when needed, obtains a token and lists one team.
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
        let reply = if response.status == 204 {
            Reply::NoContent
        } else {
            Reply::List(parse_list(&what, &endpoint, &response.body)?)
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
        let top = self.settings.page_size;
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
        let cursor = Cursor::decode(text).map_err(|e| Error::Rejected(e.to_string()))?;
        if cursor.kind != kind {
            return Err(Error::Rejected(format!(
                "cursor `{text}` belongs to a read of {}, not {}",
                kind_name(cursor.kind),
                kind_name(kind)
            )));
        }
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
        agents: &[serde_json::Value],
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
        let top = self.settings.page_size;
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
            let items = parse_list(&what, &endpoint, &response.body)?.items;
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

    /// GETs an API path with the bearer token; on a 401 renews the token and tries once more.
    /// Returns only 2xx responses; any other status is classified.
    fn get(
        &mut self,
        host: &mut impl Host,
        path: &str,
        query: &[(&str, &str)],
        what: &str,
    ) -> Result<Response, Error> {
        let base = self.api_base(host)?;
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(query)
            .finish();
        let url = base.join(&format!("{path}?{query}"));
        let mut renewed = false;
        loop {
            let token = self.token(host)?;
            let request = Request {
                method: "GET".into(),
                url: url.clone(),
                headers: vec![
                    header("Authorization", &format!("Bearer {}", token.expose())),
                    header("Accept", "application/json"),
                ],
                body: None,
            };
            let response = host
                .send(&request)
                .map_err(|e| classify_http_error(what, &e))?;
            match response.status {
                200..=299 => return Ok(response),
                401 => {
                    self.token = None;
                    if renewed {
                        return Err(Error::Unauthorized(format!(
                            "{}, even with a renewed token",
                            describe(what, &response)
                        )));
                    }
                    renewed = true;
                    host.log(
                        Level::Debug,
                        &format!("{what}: token refused (401); renewing it and retrying once"),
                    );
                }
                _ => return Err(classify_status(what, &response)),
            }
        }
    }

    /// The cached token, or a new one from the access-key grant.
    fn token(&mut self, host: &mut impl Host) -> Result<Secret, Error> {
        if let Some(token) = &self.token {
            return Ok(token.clone());
        }
        let response = host
            .send(&auth::token_request(&self.settings))
            .map_err(|e| classify_http_error(TOKEN_WHAT, &e))?;
        if !(200..=299).contains(&response.status) {
            return Err(auth::classify_token_failure(&response));
        }
        let token = auth::parse_token(&response.body)?;
        host.log(Level::Debug, "obtained an access token");
        self.token = Some(token.clone());
        Ok(token)
    }

    /// The versioned API base, discovering the API endpoint on first use when `api-url` is
    /// not set.
    fn api_base(&mut self, host: &mut impl Host) -> Result<BaseUrl, Error> {
        if let Some(base) = &self.api_base {
            return Ok(base.clone());
        }
        let api_endpoint = match &self.settings.api {
            ApiLocation::Given(url) => url.clone(),
            ApiLocation::Discover { tenant_id } => {
                let request = Request {
                    method: "GET".into(),
                    url: auth::discovery_url(&self.settings.auth_url, tenant_id),
                    headers: vec![header("Accept", "application/json")],
                    body: None,
                };
                let response = host
                    .send(&request)
                    .map_err(|e| classify_http_error(DISCOVERY_WHAT, &e))?;
                if !(200..=299).contains(&response.status) {
                    return Err(auth::classify_discovery_failure(&response, tenant_id));
                }
                let found = auth::parse_discovery(&response.body)?;
                host.log(
                    Level::Debug,
                    &format!("discovered API endpoint {}", found.as_str()),
                );
                found
            }
        };
        let base = auth::api_base(&api_endpoint, &self.settings.api_version);
        self.api_base = Some(base.clone());
        Ok(base)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use serde_json::{Value, json};

    use super::*;
    use crate::wit::http::Header;
    use crate::wit::types::Entity;

    const ROOT: &str = "http://127.0.0.1:7";
    const API: &str = "http://127.0.0.1:7/inContactAPI/services/v27.0";
    const TOKEN: &str = "POST http://127.0.0.1:7/auth/token";
    const TOKEN_1: &str = "tok-AAAA-1111";
    const TOKEN_2: &str = "tok-BBBB-2222";

    type Reply = Result<Response, HttpError>;

    /// A host that answers from a script and checks each request against it, in order.
    #[derive(Default)]
    struct Fake {
        script: VecDeque<(String, Reply)>,
        sent: Vec<Request>,
        logs: Vec<String>,
    }

    impl Fake {
        fn expect(mut self, call: impl Into<String>, reply: Reply) -> Self {
            self.script.push_back((call.into(), reply));
            self
        }

        fn assert_done(&self) {
            let left: Vec<_> = self.script.iter().map(|(c, _)| c).collect();
            assert!(left.is_empty(), "requests never made: {left:?}");
        }

        fn authorization(&self, index: usize) -> &str {
            let headers = &self.sent[index].headers;
            headers
                .iter()
                .find(|h| h.name == "Authorization")
                .map(|h| h.value.as_str())
                .unwrap_or_default()
        }
    }

    impl Host for Fake {
        fn send(&mut self, request: &Request) -> Reply {
            self.sent.push(request.clone());
            let call = format!("{} {}", request.method, request.url);
            let (expected, reply) = self
                .script
                .pop_front()
                .unwrap_or_else(|| panic!("unexpected request {call}"));
            assert_eq!(call, expected);
            reply
        }

        fn log(&mut self, _level: Level, message: &str) {
            self.logs.push(message.to_string());
        }
    }

    fn respond(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
        Ok(Response {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| Header {
                    name: n.to_string(),
                    value: v.to_string(),
                })
                .collect(),
            body: body.as_bytes().to_vec(),
        })
    }

    fn json_ok(body: Value) -> Reply {
        respond(200, &[], &body.to_string())
    }

    fn no_content() -> Reply {
        respond(204, &[], "")
    }

    fn token(value: &str) -> Reply {
        json_ok(
            json!({"access_token": value, "token_type": "bearer", "refresh_token": "r",
            "expires_in": 3600, "id_token": "h.p.s"}),
        )
    }

    fn get(path_and_query: &str) -> String {
        format!("GET {API}{path_and_query}")
    }

    fn agent(id: i64, profile: i64) -> Value {
        json!({"agentId": id, "userName": format!("u{id}"), "isActive": true,
            "profileId": profile, "profileName": format!("P{profile}")})
    }

    fn profiles(ids: &[i64]) -> Reply {
        let list: Vec<Value> = ids
            .iter()
            .map(|id| {
                json!({"securityProfileId": id, "securityProfileName": format!("P{id}"),
                "permissions": [format!("perm-{id}")]})
            })
            .collect();
        json_ok(json!({ "profiles": list }))
    }

    fn settings(api_url: Option<&str>) -> Settings {
        let mut pairs = vec![
            ("auth-url", ROOT),
            ("tenant-id", "T1"),
            ("client-id", "cid"),
            ("client-secret", "client-SECRET-x"),
            ("access-key-id", "AK"),
            ("access-key-secret", "key-SECRET-y"),
            ("page-size", "2"),
        ];
        if let Some(url) = api_url {
            pairs.push(("api-url", url));
        }
        Settings::parse(pairs).unwrap()
    }

    fn client() -> Client {
        Client::new(settings(Some(ROOT)))
    }

    fn user_ids(page: &Page) -> Vec<String> {
        page.items
            .iter()
            .map(|e| match e {
                Entity::User(u) => u.id.clone(),
                other => panic!("not a user: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn user_read_gets_token_agents_and_profiles_once_then_pages_on_with_the_cursor() {
        let mut host = Fake::default()
            .expect(TOKEN, token(TOKEN_1))
            .expect(
                get("/agents?skip=0&top=2&orderBy=agentId"),
                json_ok(json!({"lastPollTime": "P1", "totalRecords": 3,
                    "agents": [agent(1, 7), agent(2, 7)]})),
            )
            .expect(get("/security-profiles?skip=0&top=2"), profiles(&[7]))
            .expect(
                get("/agents?skip=2&top=2&orderBy=agentId"),
                json_ok(json!({"lastPollTime": "P2", "agents": [agent(3, 7)]})),
            );
        let mut c = client();

        let first = c.read(&mut host, Kind::User, None, None).unwrap();
        assert_eq!(user_ids(&first), ["1", "2"]);
        let Entity::User(u) = &first.items[0] else {
            panic!()
        };
        assert_eq!(u.permissions, ["perm-7"]);
        assert_eq!(first.watermark.as_deref(), Some("P1"));
        let cursor = first.next_cursor.clone().unwrap();

        let second = c.read(&mut host, Kind::User, Some(&cursor), None).unwrap();
        assert_eq!(user_ids(&second), ["3"]);
        assert_eq!(
            second.watermark.as_deref(),
            Some("P1"),
            "first page's poll time"
        );
        assert_eq!(second.next_cursor, None);
        host.assert_done();

        let basic = auth::basic_authorization("cid", &Secret::new("client-SECRET-x"));
        assert_eq!(host.authorization(0), basic.expose());
        let bearer = format!("Bearer {TOKEN_1}");
        for i in 1..host.sent.len() {
            assert_eq!(host.authorization(i), bearer, "request {i}");
        }
    }

    #[test]
    fn incremental_read_passes_since_through_on_every_page_and_keeps_it_on_204() {
        let since = "2026-11-24T07:00:00.000Z";
        let encoded = "updatedSince=2026-11-24T07%3A00%3A00.000Z";
        let mut host = Fake::default()
            .expect(TOKEN, token(TOKEN_1))
            .expect(
                get(&format!("/agents?{encoded}&skip=0&top=2&orderBy=agentId")),
                json_ok(json!({"lastPollTime": "P1", "agents": [agent(1, 7), agent(2, 7)]})),
            )
            .expect(get("/security-profiles?skip=0&top=2"), profiles(&[7]))
            .expect(
                get(&format!("/agents?{encoded}&skip=2&top=2&orderBy=agentId")),
                no_content(),
            )
            .expect(
                get(&format!("/agents?{encoded}&skip=0&top=2&orderBy=agentId")),
                no_content(),
            );
        let mut c = client();

        let first = c.read(&mut host, Kind::User, None, Some(since)).unwrap();
        let cursor = first.next_cursor.unwrap();
        let last = c
            .read(&mut host, Kind::User, Some(&cursor), Some(since))
            .unwrap();
        assert!(last.items.is_empty());
        assert_eq!(last.next_cursor, None);
        assert_eq!(last.watermark.as_deref(), Some("P1"));

        let nothing_new = c.read(&mut host, Kind::User, None, Some(since)).unwrap();
        assert_eq!(nothing_new.next_cursor, None);
        assert_eq!(nothing_new.watermark.as_deref(), Some(since));
        host.assert_done();
    }

    #[test]
    fn api_401_renews_the_token_and_retries_the_request_once() {
        let teams = get("/teams?skip=0&top=1");
        let mut host = Fake::default()
            .expect(TOKEN, token(TOKEN_1))
            .expect(
                teams.clone(),
                respond(401, &[("icStatusDescription", "Invalid token")], ""),
            )
            .expect(TOKEN, token(TOKEN_2))
            .expect(teams, json_ok(json!({"teams": []})));
        client().check(&mut host).unwrap();
        host.assert_done();
        assert_eq!(host.authorization(3), format!("Bearer {TOKEN_2}"));
    }

    #[test]
    fn second_401_after_renewal_is_unauthorized() {
        let teams = get("/teams?skip=0&top=1");
        let invalid = || respond(401, &[("icStatusDescription", "Invalid token")], "");
        let mut host = Fake::default()
            .expect(TOKEN, token(TOKEN_1))
            .expect(teams.clone(), invalid())
            .expect(TOKEN, token(TOKEN_2))
            .expect(teams, invalid());
        let err = client().check(&mut host).unwrap_err();
        assert_eq!(
            err,
            Error::Unauthorized(
                "GET /teams (check) answered 401: Invalid token, even with a renewed token".into()
            )
        );
        host.assert_done();
    }

    #[test]
    fn token_endpoint_401_is_unauthorized_with_the_error_description() {
        let mut host = Fake::default().expect(
            TOKEN,
            respond(
                401,
                &[],
                r#"{"error":"invalid_client","error_description":"Unknown key"}"#,
            ),
        );
        let err = client()
            .read(&mut host, Kind::Team, None, None)
            .unwrap_err();
        assert_eq!(
            err,
            Error::Unauthorized(
                "POST /auth/token refused the credentials (401): Unknown key".into()
            )
        );
        host.assert_done();
    }

    #[test]
    fn without_api_url_the_endpoint_is_discovered_once_per_instance() {
        let found = "http://127.0.0.1:8";
        let teams = format!("GET {found}/inContactAPI/services/v27.0/teams?skip=0&top=1");
        let mut host = Fake::default()
            .expect(
                format!("GET {ROOT}/.well-known/cxone-configuration?tenantId=T1"),
                json_ok(
                    json!({"api_endpoint": found, "auth_endpoint": ROOT, "area": "na1",
                    "cluster": "c1", "tenantId": "T1"}),
                ),
            )
            .expect(TOKEN, token(TOKEN_1))
            .expect(teams.clone(), no_content())
            .expect(teams, json_ok(json!({"teams": []})));
        let mut c = Client::new(settings(None));
        c.check(&mut host).unwrap();
        c.check(&mut host).unwrap();
        host.assert_done();
    }

    #[test]
    fn agent_with_unknown_profile_triggers_one_refetch_then_is_reported_invalid() {
        let mut host = Fake::default()
            .expect(TOKEN, token(TOKEN_1))
            .expect(
                get("/agents?skip=0&top=2&orderBy=agentId"),
                json_ok(json!({"lastPollTime": "P1", "agents": [agent(1, 7), agent(2, 9)]})),
            )
            .expect(get("/security-profiles?skip=0&top=2"), profiles(&[7]))
            .expect(get("/security-profiles?skip=0&top=2"), profiles(&[7]))
            .expect(
                get("/agents?skip=2&top=2&orderBy=agentId"),
                json_ok(json!({"lastPollTime": "P2", "agents": [agent(3, 9)]})),
            );
        let mut c = client();
        let first = c.read(&mut host, Kind::User, None, None).unwrap();
        assert_eq!(user_ids(&first), ["1"]);
        assert_eq!(first.invalid.len(), 1);
        assert_eq!(first.invalid[0].id.as_deref(), Some("2"));
        assert_eq!(
            first.invalid[0].reason,
            "agents[1] at skip 0 (userName \"u2\"): profileId 9 is not among the security \
             profiles, so its permissions are unknown"
        );
        let cursor = first.next_cursor.unwrap();
        let second = c.read(&mut host, Kind::User, Some(&cursor), None).unwrap();
        assert_eq!(
            second.invalid.len(),
            1,
            "still unknown, and no second refetch"
        );
        host.assert_done();
    }

    #[test]
    fn profile_created_after_the_cache_was_loaded_is_found_by_the_refetch() {
        let mut host = Fake::default()
            .expect(TOKEN, token(TOKEN_1))
            .expect(
                get("/agents?skip=0&top=2&orderBy=agentId"),
                json_ok(json!({"lastPollTime": "P1", "agents": [agent(1, 7)]})),
            )
            .expect(get("/security-profiles?skip=0&top=2"), profiles(&[7]))
            .expect(
                get("/agents?skip=0&top=2&orderBy=agentId"),
                json_ok(json!({"lastPollTime": "P2", "agents": [agent(1, 7), agent(2, 9)]})),
            )
            .expect(get("/security-profiles?skip=0&top=2"), profiles(&[7, 9]))
            .expect(get("/security-profiles?skip=2&top=2"), no_content());
        let mut c = client();
        c.read(&mut host, Kind::User, None, None).unwrap();
        let page = c.read(&mut host, Kind::User, None, None).unwrap();
        assert_eq!(user_ids(&page), ["1", "2"]);
        assert!(page.invalid.is_empty());
        host.assert_done();
    }

    #[test]
    fn http_statuses_and_failures_are_classified_for_the_host() {
        let teams = get("/teams?skip=0&top=2");
        let mut host = Fake::default()
            .expect(TOKEN, token(TOKEN_1))
            .expect(teams.clone(), respond(429, &[("Retry-After", "3")], ""))
            .expect(
                teams.clone(),
                respond(503, &[("icStatusDescription", "Maintenance")], ""),
            )
            .expect(
                teams.clone(),
                Err(HttpError::Denied("origin not allowed".into())),
            )
            .expect(teams.clone(), Err(HttpError::Timeout))
            .expect(
                teams.clone(),
                respond(400, &[("icStatusDescription", "Bad skip")], ""),
            )
            .expect(teams, respond(200, &[], "<html>proxy</html>"));
        let mut c = client();
        let mut read = || c.read(&mut host, Kind::Team, None, None).unwrap_err();
        assert_eq!(read(), Error::RateLimited(3000));
        assert_eq!(
            read(),
            Error::Transient("GET /teams (skip 0) answered 503: Maintenance".into())
        );
        assert!(matches!(read(), Error::InvalidConfig(m) if m.contains("origin not allowed")));
        assert!(matches!(read(), Error::Transient(_)));
        assert_eq!(
            read(),
            Error::Rejected("GET /teams (skip 0) answered 400: Bad skip".into())
        );
        assert!(matches!(
            read(),
            Error::Rejected(m) if m.starts_with("GET /teams (skip 0) answered a body that is not JSON")
        ));
        host.assert_done();
    }

    #[test]
    fn foreign_cursors_are_refused_without_a_request() {
        let mut host = Fake::default();
        let mut c = client();
        let team_cursor = "v=1&kind=team&skip=2";
        assert!(matches!(
            c.read(&mut host, Kind::User, Some(team_cursor), None),
            Err(Error::Rejected(m)) if m.contains("belongs to a read of team, not user")
        ));
        let since_cursor = "v=1&kind=user&skip=2&since=A";
        assert!(matches!(
            c.read(&mut host, Kind::User, Some(since_cursor), Some("B")),
            Err(Error::Rejected(m)) if m.contains("another `since`")
        ));
        assert!(matches!(
            c.read(&mut host, Kind::User, Some("garbage"), None),
            Err(Error::Rejected(m)) if m.contains("not a cxone-acd cursor")
        ));
        assert!(host.sent.is_empty());
    }

    #[test]
    fn logs_never_carry_tokens_or_secrets() {
        let mut host = Fake::default()
            .expect(TOKEN, token(TOKEN_1))
            .expect(get("/teams?skip=0&top=1"), respond(401, &[], ""))
            .expect(TOKEN, token(TOKEN_2))
            .expect(get("/teams?skip=0&top=1"), json_ok(json!({"teams": []})))
            .expect(
                get("/agents?skip=0&top=2&orderBy=agentId"),
                json_ok(json!({"lastPollTime": "P1", "agents": [agent(1, 7)]})),
            )
            .expect(get("/security-profiles?skip=0&top=2"), profiles(&[7]));
        let mut c = client();
        c.check(&mut host).unwrap();
        c.read(&mut host, Kind::User, None, None).unwrap();
        host.assert_done();
        assert!(
            host.logs
                .iter()
                .any(|l| l.starts_with("read user skip=0 top=2"))
        );
        for line in &host.logs {
            for secret in [TOKEN_1, TOKEN_2, "client-SECRET-x", "key-SECRET-y"] {
                assert!(!line.contains(secret), "{line}");
            }
        }
        let debug = format!("{c:?}");
        for secret in [TOKEN_2, "client-SECRET-x", "key-SECRET-y"] {
            assert!(!debug.contains(secret), "{debug}");
        }
    }
}
