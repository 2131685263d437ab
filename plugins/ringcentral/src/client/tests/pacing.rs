//! Pacing over the scripted host: a spent budget or a 429 answers `rate-limited` before the
//! next request of its group is sent, for the wait that makes the next attempt safe.

use super::*;
use crate::wit::types::{Error, Kind};

#[test]
fn a_spent_budget_answers_rate_limited_without_sending_until_a_window_has_passed() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(users_page(1), page_with(vec![], false, Some(1)))
        .expect(users_page(1), page_with(vec![], false, Some(0)));
    let mut c = client();
    c.read(&mut host, Kind::User, None, None).unwrap();
    host.advance(Duration::from_secs(10));
    c.read(&mut host, Kind::User, None, None).unwrap();
    host.advance(Duration::from_secs(15));
    assert_eq!(
        c.read(&mut host, Kind::User, None, None),
        Err(Error::RateLimited(45_000)),
        "the rest of a whole window from the reply that spent the budget"
    );
    // Another group is not held back.
    host.then(
        format!("{LIST}/1"),
        respond(200, &[], &extension(1, "Ann", "a@x", "Enabled").to_string()),
    );
    c.get_user(&mut host, Kind::User, "1").unwrap();
    host.assert_done();
    // The host waits what it was told, then calls again: the request goes.
    host.advance(Duration::from_secs(45));
    host.then(users_page(1), page_with(vec![], false, Some(39)));
    c.read(&mut host, Kind::User, None, None).unwrap();
    host.assert_done();
}

#[test]
fn a_429_blocks_its_group_for_retry_after_so_no_request_restarts_the_penalty() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(
            users_page(1),
            respond(
                429,
                &[("Retry-After", "60"), ("X-Rate-Limit-Group", "Medium")],
                r#"{"errorCode":"CMN-301","message":"Request rate exceeded"}"#,
            ),
        );
    let mut c = client();
    assert_eq!(
        c.read(&mut host, Kind::User, None, None),
        Err(Error::RateLimited(60_000))
    );
    host.advance(Duration::from_secs(20));
    assert_eq!(
        c.read(&mut host, Kind::User, None, None),
        Err(Error::RateLimited(40_000))
    );
    host.assert_done();
    host.advance(Duration::from_secs(40));
    host.then(users_page(1), page(vec![], false));
    c.read(&mut host, Kind::User, None, None).unwrap();
    host.assert_done();
}

#[test]
fn token_requests_are_paced_in_their_own_group_and_a_due_renewal_waits_while_the_token_is_valid() {
    // The grant spends the Auth budget (free again at 60 s); the token lives 10 s, so its
    // renewal is due at 9 s.
    let token_reply = {
        let headers = limits("Auth", 0);
        let pairs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        respond(
            200,
            &pairs,
            &serde_json::json!({"access_token": TOKEN_1, "expires_in": 10}).to_string(),
        )
    };
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token_reply)
        .expect(users_page(1), page_with(vec![], false, Some(30)))
        .expect(users_page(1), page_with(vec![], false, Some(29)));
    let mut c = client();
    c.read(&mut host, Kind::User, None, None).unwrap();
    // Renewal due, Auth spent, token still valid: the request goes with it.
    host.advance(Duration::from_millis(9500));
    c.read(&mut host, Kind::User, None, None).unwrap();
    host.assert_done();
    // Expired: the call waits once, for the Auth window, and asks nothing meanwhile.
    host.advance(Duration::from_millis(500));
    assert_eq!(
        c.read(&mut host, Kind::User, None, None),
        Err(Error::RateLimited(50_000))
    );
    host.advance(Duration::from_secs(50));
    host.then(TOKEN, token(TOKEN_2));
    host.then(users_page(1), page_with(vec![], false, Some(39)));
    c.read(&mut host, Kind::User, None, None).unwrap();
    host.assert_done();
    assert_eq!(host.authorization(2), format!("Bearer {TOKEN_1}"));
    assert_eq!(host.authorization(4), format!("Bearer {TOKEN_2}"));
}

#[test]
fn a_search_interrupted_by_pacing_resumes_where_it_stopped() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(
            users_page(1),
            page_with(vec![extension(1, "Ann", "a@x", "Enabled")], true, Some(0)),
        );
    let mut c = client();
    assert_eq!(
        c.search_users(&mut host, "ann"),
        Err(Error::RateLimited(60_000))
    );
    host.assert_done();
    host.advance(Duration::from_secs(60));
    host.then(
        users_page(2),
        page_with(
            vec![extension(2, "Joann", "j@x", "Enabled")],
            false,
            Some(39),
        ),
    );
    let found = c.search_users(&mut host, "Ann").unwrap();
    let ids: Vec<&str> = found.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["1", "2"]);
    host.assert_done();
    // Another query starts over.
    host.then(users_page(1), page_with(vec![], false, Some(38)));
    assert!(c.search_users(&mut host, "bob").unwrap().is_empty());
    host.assert_done();
}
