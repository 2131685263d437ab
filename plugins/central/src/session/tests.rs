//! The sign-in through the shared client, over a scripted host: the password grant, the API
//! base from its reply, refresh ahead of expiry and on a 401, the password fallback, and one
//! page read through the library.

use ccsync_admin_api::Client;
use connector_kit::testing::{Reply, ScriptedHost, json_ok, respond};
use serde_json::{Value, json};

use super::*;
use crate::wit::types::{Entity, Kind, Page, Team};

const ROOT: &str = "http://127.0.0.1:7";
const TOKEN: &str = "POST http://127.0.0.1:7/InContactAuthorizationServer/Token";
const REFRESH_URL: &str = "http://127.0.0.1:9/InContactAuthorizationServer/Token";
const REFRESH: &str = "POST http://127.0.0.1:9/InContactAuthorizationServer/Token";
const RESOURCE_SERVER: &str = "http://127.0.0.1:8/inContactAPI/";
const API: &str = "http://127.0.0.1:8/inContactAPI/services/v27.0";
const TOKEN_1: &str = "tok-AAAA-1111";
const TOKEN_2: &str = "tok-BBBB-2222";
const PASSWORD: &str = "pa55-SECRET";
// base64("Sync@Acme:4600001")
const BASIC: &str = "basic U3luY0BBY21lOjQ2MDAwMDE=";

/// A grant reply with `token`, living `expires_in` seconds, with a refresh token and URL.
fn grant(token: &str, expires_in: u64) -> Value {
    json!({"access_token": token, "token_type": "bearer", "expires_in": expires_in,
        "refresh_token": format!("ref-{token}"), "scope": "AdminApi",
        "resource_server_base_uri": RESOURCE_SERVER, "refresh_token_server_uri": REFRESH_URL,
        "agent_id": 12, "team_id": 34, "bus_no": 4600001})
}

fn get(path_and_query: &str) -> String {
    format!("GET {API}{path_and_query}")
}

fn teams() -> Reply {
    json_ok(json!({"totalRecords": 1, "teams": [
        {"teamId": 11, "teamName": "iWFO Enabled", "isActive": 1}]}))
}

fn client() -> Client<PasswordAuth> {
    let settings = Settings::parse([
        ("base-url", ROOT),
        ("application", "Sync@Acme"),
        ("business-unit", "4600001"),
        ("username", "api.user"),
        ("password", PASSWORD),
        ("page-size", "2"),
    ])
    .unwrap();
    let page_size = settings.page_size;
    Client::new(PasswordAuth::new(settings), page_size)
}

fn read_teams(c: &mut Client<PasswordAuth>, host: &mut ScriptedHost) -> Result<Page, Error> {
    c.read(host, Kind::Team, None, None)
}

#[test]
fn first_read_signs_in_with_the_password_grant_and_reads_a_page_from_the_resource_server() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, json_ok(grant(TOKEN_1, 3600)))
        .expect(get("/teams?skip=0&top=2"), teams());
    let page = read_teams(&mut client(), &mut host).unwrap();
    host.assert_done();
    assert_eq!(
        page.items,
        [Entity::Team(Team {
            id: "11".into(),
            name: "iWFO Enabled".into(),
            features: vec![],
            active: true,
        })]
    );
    assert_eq!(host.authorization(0), BASIC);
    assert_eq!(host.header(0, "Content-Type"), "application/json");
    assert_eq!(
        host.json_body(0),
        json!({"grant_type": "password", "username": "api.user", "password": PASSWORD,
            "scope": "AdminApi"})
    );
    assert_eq!(host.authorization(1), format!("Bearer {TOKEN_1}"));
}

#[test]
fn agents_page_maps_telephone1_to_primary_phone_and_profiles_by_name() {
    let agent = json!({"agentId": "100001", "userName": "jdoe", "isActive": "True",
        "teamId": 11, "teamName": "iWFO Enabled", "profileId": 3001, "profileName": "iWFOUser",
        "telephone1": "+15550001", "telephone2": "+15550002"});
    let mut host = ScriptedHost::default()
        .expect(TOKEN, json_ok(grant(TOKEN_1, 3600)))
        .expect(
            get("/agents?skip=0&top=2&orderBy=agentId"),
            json_ok(json!({"lastPollTime": "P1", "agents": [agent]})),
        )
        .expect(
            get("/security-profiles?skip=0&top=2"),
            json_ok(json!({"profiles": [{"securityProfileId": 3001,
                "securityProfileName": "iWFOUser", "permissions": []}]})),
        );
    let page = client().read(&mut host, Kind::User, None, None).unwrap();
    host.assert_done();
    let [Entity::User(user)] = page.items.as_slice() else {
        panic!("{page:?}");
    };
    assert_eq!(user.id, "100001");
    assert!(user.active);
    assert_eq!(user.primary_phone.as_deref(), Some("+15550001"));
    assert_eq!(user.phones, ["+15550001", "+15550002"]);
    assert_eq!(user.roles, ["iWFOUser"]);
    assert_eq!(user.team_id.as_deref(), Some("11"));
    assert_eq!(page.watermark.as_deref(), Some("P1"));
}

#[test]
fn token_about_to_expire_is_refreshed_at_the_refresh_uri_before_the_next_request() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, json_ok(grant(TOKEN_1, 0)))
        .expect(get("/teams?skip=0&top=2"), teams())
        .expect(REFRESH, json_ok(grant(TOKEN_2, 3600)))
        .expect(get("/teams?skip=0&top=2"), teams())
        .expect(get("/teams?skip=0&top=2"), teams());
    let mut c = client();
    for _ in 0..3 {
        read_teams(&mut c, &mut host).unwrap();
    }
    host.assert_done();
    assert_eq!(host.authorization(2), BASIC);
    assert_eq!(
        host.json_body(2),
        json!({"grant_type": "refresh_token", "refresh_token": format!("ref-{TOKEN_1}")})
    );
    assert_eq!(host.authorization(3), format!("Bearer {TOKEN_2}"));
    assert_eq!(host.authorization(4), format!("Bearer {TOKEN_2}"));
}

#[test]
fn refresh_goes_to_the_token_url_when_the_reply_names_no_refresh_uri() {
    let mut first = grant(TOKEN_1, 0);
    first["refresh_token_server_uri"] = Value::Null;
    let mut host = ScriptedHost::default()
        .expect(TOKEN, json_ok(first))
        .expect(get("/teams?skip=0&top=2"), teams())
        .expect(TOKEN, json_ok(grant(TOKEN_2, 3600)))
        .expect(get("/teams?skip=0&top=2"), teams());
    let mut c = client();
    read_teams(&mut c, &mut host).unwrap();
    read_teams(&mut c, &mut host).unwrap();
    host.assert_done();
    assert_eq!(host.json_body(2)["grant_type"], "refresh_token");
}

#[test]
fn api_401_refreshes_the_token_and_retries_once() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, json_ok(grant(TOKEN_1, 3600)))
        .expect(
            get("/teams?skip=0&top=1"),
            respond(401, &[("icStatusDescription", "Invalid token")], ""),
        )
        .expect(REFRESH, json_ok(grant(TOKEN_2, 3600)))
        .expect(get("/teams?skip=0&top=1"), teams());
    client().check(&mut host).unwrap();
    host.assert_done();
    assert_eq!(host.authorization(3), format!("Bearer {TOKEN_2}"));
}

#[test]
fn refused_refresh_falls_back_to_the_password_grant() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, json_ok(grant(TOKEN_1, 0)))
        .expect(get("/teams?skip=0&top=2"), teams())
        .expect(
            REFRESH,
            respond(
                400,
                &[],
                r#"{"error":"invalid_grant","error_description":"Expired"}"#,
            ),
        )
        .expect(TOKEN, json_ok(grant(TOKEN_2, 3600)))
        .expect(get("/teams?skip=0&top=2"), teams());
    let mut c = client();
    read_teams(&mut c, &mut host).unwrap();
    read_teams(&mut c, &mut host).unwrap();
    host.assert_done();
    assert_eq!(host.json_body(3)["grant_type"], "password");
    assert_eq!(host.authorization(4), format!("Bearer {TOKEN_2}"));
}

#[test]
fn api_refusing_the_renewed_token_too_is_unauthorized() {
    let invalid = || respond(401, &[("icStatusDescription", "Invalid token")], "");
    let mut host = ScriptedHost::default()
        .expect(TOKEN, json_ok(grant(TOKEN_1, 3600)))
        .expect(get("/teams?skip=0&top=1"), invalid())
        .expect(REFRESH, respond(401, &[], ""))
        .expect(TOKEN, json_ok(grant(TOKEN_2, 3600)))
        .expect(get("/teams?skip=0&top=1"), invalid());
    let err = client().check(&mut host).unwrap_err();
    host.assert_done();
    assert_eq!(
        err,
        Error::Unauthorized(
            "GET /teams (check) answered 401: Invalid token, even with a renewed token".into()
        )
    );
}

#[test]
fn refused_password_grant_is_unauthorized_with_the_reason() {
    let mut host = ScriptedHost::default().expect(
        TOKEN,
        respond(
            400,
            &[],
            r#"{"error":"invalid_grant","error_description":"Invalid username or password"}"#,
        ),
    );
    let err = read_teams(&mut client(), &mut host).unwrap_err();
    assert_eq!(
        err,
        Error::Unauthorized(
            "POST /InContactAuthorizationServer/Token refused the credentials (400): Invalid \
             username or password"
                .into()
        )
    );
}

#[test]
fn refresh_failing_transiently_keeps_the_session_for_the_next_call() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, json_ok(grant(TOKEN_1, 0)))
        .expect(get("/teams?skip=0&top=2"), teams())
        .expect(
            REFRESH,
            respond(503, &[("icStatusDescription", "Down")], ""),
        )
        .expect(REFRESH, json_ok(grant(TOKEN_2, 3600)))
        .expect(get("/teams?skip=0&top=2"), teams());
    let mut c = client();
    read_teams(&mut c, &mut host).unwrap();
    assert_eq!(
        read_teams(&mut c, &mut host).unwrap_err(),
        Error::Transient(format!("{REFRESH_WHAT} answered 503: Down"))
    );
    read_teams(&mut c, &mut host).unwrap();
    host.assert_done();
}

#[test]
fn password_grant_without_a_resource_server_is_rejected() {
    let mut reply = grant(TOKEN_1, 3600);
    reply
        .as_object_mut()
        .map(|o| o.remove("resource_server_base_uri"));
    let mut host = ScriptedHost::default().expect(TOKEN, json_ok(reply));
    assert_eq!(
        read_teams(&mut client(), &mut host).unwrap_err(),
        Error::Rejected(format!(
            "{TOKEN_WHAT} answered 200 without a resource_server_base_uri"
        ))
    );
}

#[test]
fn logs_and_debug_output_never_carry_tokens_or_the_password() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, json_ok(grant(TOKEN_1, 3600)))
        .expect(get("/teams?skip=0&top=1"), respond(401, &[], ""))
        .expect(REFRESH, respond(400, &[], ""))
        .expect(TOKEN, json_ok(grant(TOKEN_2, 3600)))
        .expect(get("/teams?skip=0&top=1"), teams());
    let mut c = client();
    c.check(&mut host).unwrap();
    host.assert_done();
    assert!(host.logs.iter().any(|l| l.contains("refresh_token grant")));
    let debug = format!("{c:?}");
    for text in host.logs.iter().chain([&debug]) {
        for secret in [TOKEN_1, TOKEN_2, "ref-tok", PASSWORD] {
            assert!(!text.contains(secret), "{text}");
        }
    }
}
