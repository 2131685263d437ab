//! The request flow over a scripted host and a fake sign-in that hands out tokens from a list.

use std::collections::VecDeque;

use connector_kit::testing::{Reply, ScriptedHost, json_ok, no_content, respond};
use connector_kit::wit::http::HttpError;
use connector_kit::wit::types::Entity;
use connector_kit::{BaseUrl, Secret};
use serde_json::{Value, json};

use super::*;
use crate::auth::Access;

const API: &str = "http://127.0.0.1:7/inContactAPI/services/v27.0";
const TOKEN_1: &str = "tok-AAAA-1111";
const TOKEN_2: &str = "tok-BBBB-2222";

/// A sign-in that hands out the tokens of its list, one per renewal, and counts refusals.
#[derive(Debug)]
struct FakeAuth {
    tokens: VecDeque<&'static str>,
    current: Option<Secret>,
    refusals: usize,
}

impl Auth for FakeAuth {
    fn access(&mut self, _host: &mut impl Host) -> Result<Access, Error> {
        let token = match &self.current {
            Some(token) => token.clone(),
            None => {
                let next = self
                    .tokens
                    .pop_front()
                    .ok_or_else(|| Error::Unauthorized("the fake has no more tokens".into()))?;
                let token = Secret::new(next);
                self.current = Some(token.clone());
                token
            }
        };
        let api_base = BaseUrl::parse(API).map_err(Error::InvalidConfig)?;
        Ok(Access { api_base, token })
    }

    fn refused(&mut self) {
        self.current = None;
        self.refusals += 1;
    }
}

fn client_with(tokens: &[&'static str]) -> Client<FakeAuth> {
    let auth = FakeAuth {
        tokens: tokens.iter().copied().collect(),
        current: None,
        refusals: 0,
    };
    Client::new(auth, 2)
}

fn client() -> Client<FakeAuth> {
    client_with(&[TOKEN_1, TOKEN_2])
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
fn user_read_gets_agents_and_profiles_once_then_pages_on_with_the_cursor() {
    let mut host = ScriptedHost::default()
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

    let bearer = format!("Bearer {TOKEN_1}");
    for i in 0..host.sent.len() {
        assert_eq!(host.authorization(i), bearer, "request {i}");
        assert_eq!(host.header(i, "Accept"), "application/json", "request {i}");
    }
}

#[test]
fn incremental_read_passes_since_through_on_every_page_and_keeps_it_on_204() {
    let since = "2026-11-24T07:00:00.000Z";
    let encoded = "updatedSince=2026-11-24T07%3A00%3A00.000Z";
    let mut host = ScriptedHost::default()
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
    let mut host = ScriptedHost::default()
        .expect(
            teams.clone(),
            respond(401, &[("icStatusDescription", "Invalid token")], ""),
        )
        .expect(teams, json_ok(json!({"teams": []})));
    let mut c = client();
    c.check(&mut host).unwrap();
    host.assert_done();
    assert_eq!(c.auth.refusals, 1);
    assert_eq!(host.authorization(0), format!("Bearer {TOKEN_1}"));
    assert_eq!(host.authorization(1), format!("Bearer {TOKEN_2}"));
}

#[test]
fn second_401_after_renewal_is_unauthorized() {
    let teams = get("/teams?skip=0&top=1");
    let invalid = || respond(401, &[("icStatusDescription", "Invalid token")], "");
    let mut host = ScriptedHost::default()
        .expect(teams.clone(), invalid())
        .expect(teams, invalid());
    let mut c = client_with(&[TOKEN_1, TOKEN_2, "never-used"]);
    let err = c.check(&mut host).unwrap_err();
    assert_eq!(
        err,
        Error::Unauthorized(
            "GET /teams (check) answered 401: Invalid token, even with a renewed token".into()
        )
    );
    assert_eq!(c.auth.refusals, 2, "the refused token is not kept");
    host.assert_done();
}

#[test]
fn a_failed_sign_in_ends_the_call_before_any_api_request() {
    let mut host = ScriptedHost::default();
    let err = client_with(&[])
        .read(&mut host, Kind::Team, None, None)
        .unwrap_err();
    assert_eq!(
        err,
        Error::Unauthorized("the fake has no more tokens".into())
    );
    assert!(host.sent.is_empty());
}

#[test]
fn agent_with_unknown_profile_triggers_one_refetch_then_is_reported_invalid() {
    let mut host = ScriptedHost::default()
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
    let mut host = ScriptedHost::default()
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
    let mut host = ScriptedHost::default()
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
    let mut host = ScriptedHost::default();
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
        Err(Error::Rejected(m)) if m.contains("cannot be read by the Admin API connector")
    ));
    assert!(host.sent.is_empty());
}

#[test]
fn logs_never_carry_tokens() {
    let mut host = ScriptedHost::default()
        .expect(get("/teams?skip=0&top=1"), respond(401, &[], ""))
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
        for token in [TOKEN_1, TOKEN_2] {
            assert!(!line.contains(token), "{line}");
        }
    }
    let debug = format!("{c:?}");
    assert!(!debug.contains(TOKEN_2), "{debug}");
}

#[test]
fn reply_with_every_field_as_a_string_reads_like_a_typed_one() {
    let stringly_agent = json!({"agentId": "1", "userName": "u1", "isActive": "1",
        "profileId": "7", "profileName": "P7"});
    let stringly_profiles = json!({"totalRecords": "1", "profiles": [{"securityProfileId": "7",
        "securityProfileName": "P7", "permissions": ["perm-7"]}]});
    let mut host = ScriptedHost::default()
        .expect(
            get("/agents?skip=0&top=2&orderBy=agentId"),
            json_ok(json!({"totalRecords": "1", "lastPollTime": "P1", "agents": [stringly_agent]})),
        )
        .expect(
            get("/security-profiles?skip=0&top=2"),
            json_ok(stringly_profiles),
        )
        .expect(
            get("/agents?skip=0&top=2&orderBy=agentId"),
            json_ok(json!({"totalRecords": 1, "lastPollTime": "P1", "agents": [agent(1, 7)]})),
        );
    let mut c = client();
    let stringly = c.read(&mut host, Kind::User, None, None).unwrap();
    let typed = c.read(&mut host, Kind::User, None, None).unwrap();
    assert!(stringly.invalid.is_empty(), "{:?}", stringly.invalid);
    assert_eq!(stringly.items, typed.items);
    host.assert_done();
}
