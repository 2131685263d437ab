//! The token, its renewal, error classification and what the logs may carry.

use connector_kit::Secret;
use connector_kit::grant::basic_authorization;

use super::*;
use crate::wit::http::HttpError;
use crate::wit::types::{Error, Kind};

fn check_list() -> String {
    list("perPage=1&page=1")
}

#[test]
fn the_jwt_grant_authenticates_the_client_and_its_token_every_directory_request() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(check_list(), page(vec![], false))
        .expect(users_page(1), page(vec![], false));
    let mut c = client();
    c.check(&mut host).unwrap();
    c.read(&mut host, Kind::User, None, None).unwrap();
    host.assert_done();
    let basic = basic_authorization("cid", &Secret::new(CLIENT_SECRET));
    assert_eq!(host.authorization(0), basic.expose());
    let body = String::from_utf8(host.sent[0].body.clone().unwrap()).unwrap();
    assert!(body.ends_with(&format!("&assertion={JWT}")), "{body}");
    assert_eq!(host.authorization(1), format!("Bearer {TOKEN_1}"));
    assert_eq!(host.authorization(2), format!("Bearer {TOKEN_1}"));
}

#[test]
fn a_401_renews_the_token_and_retries_the_request_once() {
    let expired = r#"{"errorCode":"OAU-128","message":"Access token expired"}"#;
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(check_list(), respond(401, &[], expired))
        .expect(TOKEN, token(TOKEN_2))
        .expect(check_list(), page(vec![], false));
    client().check(&mut host).unwrap();
    host.assert_done();
    assert_eq!(host.authorization(3), format!("Bearer {TOKEN_2}"));
}

#[test]
fn a_second_401_after_renewal_is_unauthorized() {
    let unknown = || {
        respond(
            401,
            &[],
            r#"{"errorCode":"OAU-213","message":"Token not found"}"#,
        )
    };
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(check_list(), unknown())
        .expect(TOKEN, token(TOKEN_2))
        .expect(check_list(), unknown());
    assert_eq!(
        client().check(&mut host).unwrap_err(),
        Error::Unauthorized(
            "GET /extension (check) answered 401: OAU-213 Token not found, even with a renewed \
             token"
                .into()
        )
    );
    host.assert_done();
}

#[test]
fn a_refused_grant_is_unauthorized_naming_the_settings() {
    let mut host = ScriptedHost::default().expect(
        TOKEN,
        respond(
            400,
            &[],
            r#"{"error":"invalid_grant","error_description":"Invalid JWT assertion","errors":[{"errorCode":"OAU-140","message":"Invalid JWT assertion"}]}"#,
        ),
    );
    assert!(matches!(
        client().read(&mut host, Kind::User, None, None),
        Err(Error::Unauthorized(m)) if m.contains("OAU-140") && m.contains("jwt")
    ));
    host.assert_done();
}

#[test]
fn the_token_is_renewed_ahead_of_its_expiry() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(users_page(1), page(vec![], false))
        .expect(users_page(1), page(vec![], false))
        .expect(TOKEN, token(TOKEN_2))
        .expect(users_page(1), page(vec![], false));
    let mut c = client();
    c.read(&mut host, Kind::User, None, None).unwrap();
    // 3600 s token: still used 3539 s later, renewed from 3540 s (a minute ahead).
    host.advance(Duration::from_secs(3539));
    c.read(&mut host, Kind::User, None, None).unwrap();
    host.advance(Duration::from_secs(1));
    c.read(&mut host, Kind::User, None, None).unwrap();
    host.assert_done();
    assert_eq!(host.authorization(4), format!("Bearer {TOKEN_2}"));
}

#[test]
fn a_short_lived_token_is_renewed_after_nine_tenths_of_its_life() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token_for(TOKEN_1, 60))
        .expect(users_page(1), page(vec![], false))
        .expect(TOKEN, token_for(TOKEN_2, 60))
        .expect(users_page(1), page(vec![], false));
    let mut c = client();
    c.read(&mut host, Kind::User, None, None).unwrap();
    host.advance(Duration::from_secs(54));
    c.read(&mut host, Kind::User, None, None).unwrap();
    host.assert_done();
}

#[test]
fn http_statuses_and_failures_are_classified_for_the_host() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(
            users_page(1),
            respond(
                503,
                &[],
                r#"{"errorCode":"CMN-201","message":"Service Unavailable"}"#,
            ),
        )
        .expect(
            users_page(1),
            Err(HttpError::Denied("origin not allowed".into())),
        )
        .expect(users_page(1), Err(HttpError::Timeout))
        .expect(
            users_page(1),
            respond(
                400,
                &[],
                r#"{"errorCode":"CMN-101","message":"Parameter [page] value is invalid"}"#,
            ),
        )
        .expect(
            users_page(1),
            respond(
                403,
                &[],
                r#"{"errorCode":"CMN-401","message":"No permission"}"#,
            ),
        )
        .expect(users_page(1), respond(200, &[], "<html>proxy</html>"));
    let mut c = client();
    let mut read = || c.read(&mut host, Kind::User, None, None).unwrap_err();
    assert_eq!(
        read(),
        Error::Transient(
            "GET /extension (page 1) answered 503: CMN-201 Service Unavailable".into()
        )
    );
    assert!(matches!(read(), Error::InvalidConfig(m) if m.contains("origin not allowed")));
    assert!(matches!(read(), Error::Transient(_)));
    assert_eq!(
        read(),
        Error::Rejected(
            "GET /extension (page 1) answered 400: CMN-101 Parameter [page] value is invalid"
                .into()
        )
    );
    assert!(matches!(read(), Error::Unauthorized(m) if m.contains("CMN-401")));
    assert!(matches!(
        read(),
        Error::Rejected(m) if m.starts_with("GET /extension (page 1) answered a body that is not JSON")
    ));
    host.assert_done();
}

#[test]
fn logs_and_debug_output_never_carry_tokens_or_secrets() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(check_list(), respond(401, &[], ""))
        .expect(TOKEN, token(TOKEN_2))
        .expect(check_list(), page(vec![], false))
        .expect(
            users_page(1),
            page(vec![extension(1, "Ann", "a@x", "Enabled")], false),
        );
    let mut c = client();
    c.check(&mut host).unwrap();
    c.read(&mut host, Kind::User, None, None).unwrap();
    host.assert_done();
    assert!(host.logs.iter().any(|l| l.starts_with("read user page 1")));
    for line in &host.logs {
        for secret in [TOKEN_1, TOKEN_2, CLIENT_SECRET, JWT] {
            assert!(!line.contains(secret), "{line}");
        }
    }
    let debug = format!("{c:?}");
    for secret in [TOKEN_2, CLIENT_SECRET, JWT] {
        assert!(!debug.contains(secret), "{debug}");
    }
}
