//! The client's request flow over a scripted host: every request it sends is checked against
//! the script, in order, and answered from it.

use connector_kit::testing::{Reply, ScriptedHost, respond};
use serde_json::{Value, json};

use super::*;
use crate::wit::http::HttpError;
use crate::wit::types::{NamedItem, User};

const API: &str = "http://127.0.0.1:7/api/v1";
const TOKEN: &str = "POST http://127.0.0.1:7/api/v1/auth/token";
const TOKEN_1: &str = "tok-AAAA-1111";
const TOKEN_2: &str = "tok-BBBB-2222";
const SECRET: &str = "client-SECRET-x";

fn json_reply(status: u16, body: Value) -> Reply {
    respond(status, &[], &body.to_string())
}

fn token(value: &str) -> Reply {
    json_reply(
        200,
        json!({"accessToken": value, "tokenType": "Bearer", "expiresIn": 1800}),
    )
}

fn api(method: &str, path_and_query: &str) -> String {
    format!("{method} {API}{path_and_query}")
}

fn invalid_token() -> Reply {
    json_reply(
        401,
        json!({"error": {"code": "invalid_token", "message": "The access token is expired"}}),
    )
}

fn client() -> Client {
    Client::new(
        Settings::parse([
            ("base-url", "http://127.0.0.1:7"),
            ("client-id", "cid"),
            ("client-secret", SECRET),
            ("page-size", "2"),
        ])
        .unwrap(),
    )
}

fn wire_user(id: u64, external_id: Option<&str>) -> Value {
    json!({"id": id, "externalId": external_id, "username": format!("u{id}"),
        "firstName": "F", "lastName": "L", "email": null, "active": true,
        "groups": ["Call Center Agents"], "passwordSet": false,
        "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:00:00.000Z"})
}

fn agent() -> Entity {
    Entity::User(User {
        id: "100005".into(),
        username: Some("ada.lovelace".into()),
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        email: Some("ada@example.com".into()),
        active: true,
        team_id: Some("2001".into()),
        security_profile_id: None,
        roles: vec!["Agent".into()],
        permissions: vec![],
        primary_phone: None,
        phones: vec![],
        employee_id: None,
        site_id: None,
        groups: vec!["Call Center Agents".into()],
        password_set: Some(false),
        extra: vec![],
    })
}

fn campaign() -> Entity {
    Entity::Campaign(NamedItem {
        id: "4001".into(),
        name: "Sales".into(),
        active: true,
        group: Some("CC Campaigns".into()),
        extra: vec![],
    })
}

#[test]
fn a_read_gets_a_token_then_pages_on_with_the_cursor_until_there_is_no_next() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(
            api("GET", "/users?page=1&pageSize=2"),
            json_reply(
                200,
                json!({"items": [wire_user(1001, None), wire_user(1002, Some("t/user/2"))],
                "page": 1, "pageSize": 2, "total": 3, "next": "/api/v1/users?page=2&pageSize=2"}),
            ),
        )
        .expect(
            api("GET", "/users?page=2&pageSize=2"),
            json_reply(
                200,
                json!({"items": [wire_user(1003, None)], "page": 2, "pageSize": 2,
                "total": 3, "next": null}),
            ),
        );
    let mut c = client();
    let first = c.read(&mut host, Kind::User, None, None).unwrap();
    assert_eq!(first.items.len(), 2);
    let Entity::User(user) = &first.items[1] else {
        panic!("not a user")
    };
    assert_eq!(user.id, "1002");
    assert_eq!(user.password_set, Some(false));
    assert_eq!(user.extra[0].value, "t/user/2");
    let cursor = first.next_cursor.unwrap();
    let last = c
        .read(&mut host, Kind::User, Some(&cursor), Some("ignored"))
        .unwrap();
    assert_eq!(last.items.len(), 1);
    assert_eq!(last.next_cursor, None);
    assert_eq!(host.authorization(1), format!("Bearer {TOKEN_1}"));
    host.assert_done();
}

#[test]
fn a_refused_token_is_renewed_once_and_the_request_sent_again() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(api("POST", "/campaigns"), invalid_token())
        .expect(TOKEN, token(TOKEN_2))
        .expect(
            api("POST", "/campaigns"),
            json_reply(201, json!({"id": 1042, "name": "Sales"})),
        );
    let id = client()
        .create(&mut host, &campaign(), "acme/campaign/4001")
        .unwrap();
    assert_eq!(id, "1042");
    assert_eq!(host.authorization(3), format!("Bearer {TOKEN_2}"));
    host.assert_done();
}

#[test]
fn a_refusal_of_the_renewed_token_is_unauthorized() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(api("GET", "/users?page=1&pageSize=1"), invalid_token())
        .expect(TOKEN, token(TOKEN_2))
        .expect(api("GET", "/users?page=1&pageSize=1"), invalid_token());
    assert_eq!(
        client().check(&mut host),
        Err(Error::Unauthorized(
            "GET /users (check) answered 401: The access token is expired, even with a \
             renewed token"
                .into()
        ))
    );
    host.assert_done();
}

#[test]
fn refused_client_credentials_are_unauthorized_naming_the_settings() {
    let refused = json_reply(
        401,
        json!({"error": {"code": "invalid_client", "message": "Unknown client or wrong client secret"}}),
    );
    let mut host = ScriptedHost::default().expect(TOKEN, refused);
    let error = client().check(&mut host).unwrap_err();
    assert!(
        matches!(&error, Error::Unauthorized(m) if m.contains("check client-id and client-secret")),
        "{error:?}"
    );
}

#[test]
fn a_create_sends_what_the_entity_says_with_the_external_id_and_no_password() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(
            api("POST", "/users"),
            json_reply(201, wire_user(1050, Some("acme/user/100005"))),
        );
    let id = client()
        .create(&mut host, &agent(), "acme/user/100005")
        .unwrap();
    assert_eq!(id, "1050");
    assert_eq!(
        host.json_body(1),
        json!({"externalId": "acme/user/100005", "username": "ada.lovelace",
            "firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com",
            "active": true, "groups": ["Call Center Agents"]})
    );
    let content_type = host.sent[1]
        .headers
        .iter()
        .find(|h| h.name == "Content-Type");
    assert_eq!(
        content_type.map(|h| h.value.as_str()),
        Some("application/json")
    );
    host.assert_done();
}

#[test]
fn a_create_that_meets_its_external_id_updates_that_record_and_returns_its_id() {
    let conflict = json_reply(
        409,
        json!({"error": {"code": "conflict", "message": "exists", "existingId": 1077}}),
    );
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(api("POST", "/users"), conflict)
        .expect(
            api("PATCH", "/users/1077"),
            json_reply(200, wire_user(1077, Some("acme/user/100005"))),
        );
    let id = client()
        .create(&mut host, &agent(), "acme/user/100005")
        .unwrap();
    assert_eq!(id, "1077");
    assert!(host.json_body(2).get("externalId").is_none());
    assert_eq!(host.json_body(2)["username"], "ada.lovelace");
    assert!(host.logs.iter().any(|l| l.contains("updating it instead")));
    host.assert_done();
}

#[test]
fn a_conflict_that_does_not_name_the_record_is_resolved_by_a_look_up() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(api("POST", "/campaigns"), respond(409, &[], ""))
        .expect(
            api("GET", "/campaigns?externalId=acme%2Fcampaign%2F4001"),
            json_reply(
                200,
                json!({"items": [{"id": 1090, "externalId": "acme/campaign/4001",
                "name": "Old", "active": true, "list": "CC Campaigns"}], "next": null}),
            ),
        )
        .expect(api("PATCH", "/campaigns/1090"), json_reply(200, json!({})));
    let id = client()
        .create(&mut host, &campaign(), "acme/campaign/4001")
        .unwrap();
    assert_eq!(id, "1090");
    host.assert_done();
}

#[test]
fn a_conflicting_record_removed_meanwhile_is_transient() {
    let conflict = json_reply(409, json!({"error": {"existingId": 1077}}));
    let gone = json_reply(
        404,
        json!({"error": {"code": "not_found", "message": "no user"}}),
    );
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(api("POST", "/users"), conflict)
        .expect(api("PATCH", "/users/1077"), gone);
    let error = client().create(&mut host, &agent(), "x").unwrap_err();
    assert!(
        matches!(&error, Error::Transient(m) if m.contains("removed meanwhile")),
        "{error:?}"
    );
}

#[test]
fn a_lost_create_reply_is_transient_and_the_connector_never_sends_the_create_again() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(api("POST", "/users"), Err(HttpError::Timeout));
    assert_eq!(
        client().create(&mut host, &agent(), "acme/user/100005"),
        Err(Error::Transient("POST /users: timed out".into()))
    );
    host.assert_done();
}

#[test]
fn a_record_ivinex_refuses_is_rejected_naming_the_field() {
    let invalid = json_reply(
        422,
        json!({"error": {"code": "validation_failed", "message": "The user was not saved",
            "fields": [{"field": "username", "message": "'admin' is already taken by user 1001"}]}}),
    );
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(api("POST", "/users"), invalid);
    assert_eq!(
        client().create(&mut host, &agent(), "x"),
        Err(Error::Rejected(
            "POST /users answered 422: username: 'admin' is already taken by user 1001".into()
        ))
    );
}

#[test]
fn find_answers_the_id_of_exactly_that_external_id_or_none() {
    let list = |items: Value| json_reply(200, json!({"items": items, "next": null}));
    let path = api("GET", "/users?externalId=acme%2Fuser%2F1+x");
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(
            path.clone(),
            list(json!([wire_user(1005, Some("acme/user/1 x"))])),
        )
        .expect(path.clone(), list(json!([])))
        .expect(path, list(json!([wire_user(1006, Some("other"))])));
    let mut c = client();
    let mut find = || c.find(&mut host, Kind::User, "acme/user/1 x").unwrap();
    assert_eq!(find().as_deref(), Some("1005"));
    assert_eq!(find(), None);
    assert_eq!(
        find(),
        None,
        "a record with another external id is not the one"
    );
    host.assert_done();
}

#[test]
fn get_maps_the_record_and_answers_none_for_a_missing_one() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(
            api("GET", "/agent-statuses/1011"),
            json_reply(
                200,
                json!({"id": 1011, "externalId": null, "name": "Lunch",
                "active": true, "list": "CC Agent Status"}),
            ),
        )
        .expect(
            api("GET", "/agent-statuses/1012"),
            json_reply(
                404,
                json!({"error": {"code": "not_found", "message": "no"}}),
            ),
        )
        .expect(
            api("GET", "/agent-statuses/1013"),
            json_reply(200, json!({"id": 1013, "active": true})),
        );
    let mut c = client();
    let Some(Entity::AgentStatus(item)) = c.get(&mut host, Kind::AgentStatus, "1011").unwrap()
    else {
        panic!("not an agent status")
    };
    assert_eq!(item.group.as_deref(), Some("CC Agent Status"));
    assert_eq!(c.get(&mut host, Kind::AgentStatus, "1012").unwrap(), None);
    assert!(matches!(
        c.get(&mut host, Kind::AgentStatus, "1013"),
        Err(Error::Rejected(m)) if m.contains("name is missing")
    ));
    assert_eq!(
        c.get(&mut host, Kind::AgentStatus, "source-7").unwrap(),
        None,
        "not an Ivinex id: no request"
    );
    host.assert_done();
}

#[test]
fn an_update_of_a_record_ivinex_no_longer_has_is_not_found() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(
            api("PATCH", "/campaigns/1200"),
            json_reply(
                404,
                json!({"error": {"code": "not_found", "message": "no campaign with id 1200"}}),
            ),
        );
    let mut c = client();
    assert_eq!(
        c.update(&mut host, "1200", &campaign()),
        Err(Error::NotFound(
            "PATCH /campaigns/1200 answered 404: no campaign with id 1200".into()
        ))
    );
    assert!(matches!(
        c.update(&mut host, "abc", &campaign()),
        Err(Error::NotFound(_))
    ));
    assert_eq!(
        host.json_body(1),
        json!({"name": "Sales", "active": true, "list": "CC Campaigns"})
    );
    host.assert_done();
}

#[test]
fn rate_limits_server_errors_and_lost_connections_tell_the_host_to_wait_or_retry() {
    let page = api("GET", "/dispositions?page=1&pageSize=2");
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(page.clone(), respond(429, &[("Retry-After", "3")], ""))
        .expect(page.clone(), respond(503, &[], ""))
        .expect(page, Err(HttpError::Connection("reset".into())));
    let mut c = client();
    let mut read = || {
        c.read(&mut host, Kind::Disposition, None, None)
            .unwrap_err()
    };
    assert_eq!(read(), Error::RateLimited(3000));
    assert_eq!(
        read(),
        Error::Transient("GET /dispositions (page 1) answered 503".into())
    );
    assert!(matches!(read(), Error::Transient(m) if m.contains("reset")));
    host.assert_done();
}

#[test]
fn teams_and_security_profiles_are_unsupported_without_a_request() {
    let mut host = ScriptedHost::default();
    let mut c = client();
    assert!(matches!(
        c.read(&mut host, Kind::Team, None, None),
        Err(Error::Unsupported(_))
    ));
    assert!(matches!(
        c.find(&mut host, Kind::SecurityProfile, "x"),
        Err(Error::Unsupported(_))
    ));
    assert!(host.sent.is_empty());
}

#[test]
fn logs_never_carry_tokens_or_secrets() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(api("GET", "/users?page=1&pageSize=1"), invalid_token())
        .expect(TOKEN, token(TOKEN_2))
        .expect(
            api("GET", "/users?page=1&pageSize=1"),
            json_reply(200, json!({"items": [], "next": null})),
        );
    let mut c = client();
    c.check(&mut host).unwrap();
    host.assert_done();
    assert!(!host.logs.is_empty());
    for line in &host.logs {
        for secret in [TOKEN_1, TOKEN_2, SECRET] {
            assert!(!line.contains(secret), "{line}");
        }
    }
    let debug = format!("{c:?}");
    for secret in [TOKEN_2, SECRET] {
        assert!(!debug.contains(secret), "{debug}");
    }
}
