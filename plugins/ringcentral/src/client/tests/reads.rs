//! Reads, look-ups by id and by email, and search, over the scripted host.

use serde_json::json;

use super::*;
use crate::wit::types::{Error, Kind};

#[test]
fn a_full_read_pages_users_of_every_status_a_thousand_at_a_time_with_the_page_as_cursor() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(
            users_page(1),
            page(
                vec![
                    extension(1, "Ann", "ann@x.com", "Enabled"),
                    extension(2, "Bob", "bob@x.com", "Disabled"),
                ],
                true,
            ),
        )
        .expect(
            users_page(2),
            page(vec![extension(3, "Cy", "", "Frozen")], false),
        );
    let mut c = client();
    let first = c
        .read(&mut host, Kind::User, None, Some("ignored"))
        .unwrap();
    assert_eq!(user_ids(&first), ["1", "2"]);
    assert_eq!(first.next_cursor.as_deref(), Some("v=1&kind=user&page=2"));
    assert_eq!(first.watermark, None);
    let second = c
        .read(&mut host, Kind::User, Some("v=1&kind=user&page=2"), None)
        .unwrap();
    assert_eq!(user_ids(&second), ["3"]);
    assert_eq!(second.next_cursor, None);
    host.assert_done();
    assert!(host.logs.iter().any(|l| l.contains("since is ignored")));
}

#[test]
fn a_record_that_cannot_be_mapped_is_reported_and_the_rest_of_the_page_is_mapped() {
    let mut broken = extension(2, "Bob", "bob@x.com", "Enabled");
    broken["contact"] = json!("<malformed contact>");
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(
            users_page(1),
            page(vec![extension(1, "Ann", "a@x", "Enabled"), broken], false),
        );
    let read = client().read(&mut host, Kind::User, None, None).unwrap();
    assert_eq!(user_ids(&read), ["1"]);
    assert_eq!(read.invalid.len(), 1);
    assert_eq!(read.invalid[0].id.as_deref(), Some("2"));
    assert_eq!(
        read.invalid[0].reason,
        "records[1] of GET /extension (page 1) (name \"Bob Lee\"): contact is not an object \
         (found a string)"
    );
}

#[test]
fn other_kinds_and_foreign_cursors_are_refused_without_a_request() {
    let mut host = ScriptedHost::default();
    let mut c = client();
    assert!(matches!(
        c.read(&mut host, Kind::Team, None, None),
        Err(Error::Unsupported(_))
    ));
    for cursor in ["0", "v=1&kind=user&skip=2", ""] {
        assert!(matches!(
            c.read(&mut host, Kind::User, Some(cursor), None),
            Err(Error::Rejected(m)) if m.contains("cannot be read by ringcentral")
        ));
    }
    assert!(matches!(
        c.get_user(&mut host, Kind::Campaign, "1"),
        Err(Error::Unsupported(_))
    ));
    assert!(host.sent.is_empty());
}

#[test]
fn get_answers_the_extension_or_none_on_404_or_an_id_that_is_no_number() {
    let one = format!("{LIST}/2570000001");
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(
            one.clone(),
            respond(
                200,
                &[],
                &extension(2_570_000_001, "Ann", "a@x", "Enabled").to_string(),
            ),
        )
        .expect(
            format!("{LIST}/5"),
            respond(
                404,
                &[],
                r#"{"errorCode":"CMN-102","message":"Resource not found"}"#,
            ),
        )
        .expect(one, respond(200, &[], r#"{"id": 1, "contact": {}}"#));
    let mut c = client();
    let Some(Entity::User(ann)) = c.get_user(&mut host, Kind::User, "2570000001").unwrap() else {
        panic!("no user")
    };
    assert_eq!(ann.first_name.as_deref(), Some("Ann"));
    assert_eq!(c.get_user(&mut host, Kind::User, "5").unwrap(), None);
    assert_eq!(c.get_user(&mut host, Kind::User, "ext-5").unwrap(), None);
    assert!(matches!(
        c.get_user(&mut host, Kind::User, "2570000001"),
        Err(Error::Rejected(m)) if m.contains("status is missing")
    ));
    host.assert_done();
}

fn emails(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("user{i:03}@x.com")).collect()
}

fn lookup_query(batch: &[String], page: u32) -> String {
    let mut query = String::from("type=User&perPage=1000");
    for email in batch {
        query.push_str(&format!("&email={}", email.replace('@', "%40")));
    }
    list(&format!("{query}&page={page}"))
}

#[test]
fn fifty_addresses_are_one_request_and_more_are_batched_by_fifty() {
    let all = emails(120);
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(lookup_query(&all[..50], 1), page(vec![], false));
    let mut c = client();
    assert!(c.find_by_email(&mut host, &all[..50]).unwrap().is_empty());
    host.assert_done();
    for range in [0..50, 50..100, 100..120] {
        host.then(lookup_query(&all[range], 1), page(vec![], false));
    }
    assert!(c.find_by_email(&mut host, &all).unwrap().is_empty());
    host.assert_done();
}

#[test]
fn look_ups_are_trimmed_case_folded_deduplicated_and_return_every_status_once() {
    let asked = vec![
        " Ann@X.com ".to_string(),
        "ann@x.com".to_string(),
        "BOB@x.com".to_string(),
        "  ".to_string(),
    ];
    let normalized = ["ann@x.com".to_string(), "bob@x.com".to_string()];
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(
            lookup_query(&normalized, 1),
            page(
                vec![
                    extension(3, "Bob", " Bob@X.COM", "Disabled"),
                    extension(1, "Ann", "ann@x.com", "Enabled"),
                    // A server that ignored the filter would send others: they are left out.
                    extension(9, "Cy", "cy@x.com", "Enabled"),
                ],
                true,
            ),
        )
        .expect(
            lookup_query(&normalized, 2),
            page(vec![extension(4, "Ann", "ANN@x.com", "Enabled")], false),
        );
    let found = client().find_by_email(&mut host, &asked).unwrap();
    let ids: Vec<&str> = found.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["1", "3", "4"], "every status, each once, in id order");
    assert!(!found[1].active);
    host.assert_done();
}

#[test]
fn search_pages_the_directory_and_keeps_names_that_contain_the_query() {
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(
            users_page(1),
            page(
                vec![
                    extension(1, "Annika", "a@x", "Enabled"),
                    extension(2, "Bob", "b@x", "Enabled"),
                ],
                true,
            ),
        )
        .expect(
            users_page(2),
            page(vec![extension(3, "Joann", "j@x", "Disabled")], false),
        );
    let found = client().search_users(&mut host, "  ANN ").unwrap();
    let ids: Vec<&str> = found.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["1", "3"]);
    host.assert_done();
    assert!(matches!(
        client().search_users(&mut host, " "),
        Err(Error::Rejected(_))
    ));
}

#[test]
fn search_stops_reading_once_it_has_a_hundred_matches() {
    let many: Vec<_> = (1..=120)
        .map(|i| extension(i, "Lee", "l@x", "Enabled"))
        .collect();
    let mut host = ScriptedHost::default()
        .expect(TOKEN, token(TOKEN_1))
        .expect(users_page(1), page(many, true));
    let found = client().search_users(&mut host, "lee").unwrap();
    assert_eq!(found.len(), 100);
    host.assert_done();
}
