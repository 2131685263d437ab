//! The client over a scripted host: each test lists the requests it expects, in order, with
//! the replies to give, and moves the host's clock by hand.

mod flow;
mod pacing;
mod reads;

use std::time::Duration;

use connector_kit::testing::{Reply, ScriptedHost, respond};
use serde_json::{Value, json};

use super::Client;
use crate::settings::Settings;
use crate::wit::types::{Entity, Page};

const BASE: &str = "http://127.0.0.1:7";
const LIST: &str = "GET http://127.0.0.1:7/restapi/v1.0/account/~/extension";
const TOKEN: &str = "POST http://127.0.0.1:7/restapi/oauth/token";
const TOKEN_1: &str = "tok-AAAA-1111";
const TOKEN_2: &str = "tok-BBBB-2222";
const CLIENT_SECRET: &str = "client-SECRET-x";
const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.SIGNATURE-z";

/// The rate-limit headers of a reply in `group` with `remaining` left of a 60 s window.
fn limits(group: &'static str, remaining: u32) -> [(&'static str, String); 4] {
    [
        ("X-Rate-Limit-Group", group.to_string()),
        ("X-Rate-Limit-Limit", "40".to_string()),
        ("X-Rate-Limit-Remaining", remaining.to_string()),
        ("X-Rate-Limit-Window", "60".to_string()),
    ]
}

fn with_limits(status: u16, group: &'static str, remaining: u32, body: &str) -> Reply {
    let headers = limits(group, remaining);
    let pairs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    respond(status, &pairs, body)
}

fn token(value: &str) -> Reply {
    token_for(value, 3600)
}

fn token_for(value: &str, expires_in: u64) -> Reply {
    respond(
        200,
        &[],
        &json!({"access_token": value, "token_type": "bearer", "expires_in": expires_in,
            "refresh_token": "r", "refresh_token_expires_in": 604_799, "scope": "ReadAccounts",
            "owner_id": "1"})
        .to_string(),
    )
}

fn extension(id: u64, first: &str, email: &str, status: &str) -> Value {
    json!({"uri": format!("{BASE}/restapi/v1.0/account/1/extension/{id}"), "id": id,
        "extensionNumber": (1000 + id).to_string(), "name": format!("{first} Lee"),
        "type": "User", "status": status,
        "contact": {"firstName": first, "lastName": "Lee", "email": email}})
}

/// A list page; `next` says whether `navigation.nextPage` is present.
fn page(records: Vec<Value>, next: bool) -> Reply {
    page_with(records, next, None)
}

fn page_with(records: Vec<Value>, next: bool, remaining: Option<u32>) -> Reply {
    let mut navigation = json!({"firstPage": {"uri": "f"}, "lastPage": {"uri": "l"}});
    if next {
        navigation["nextPage"] = json!({"uri": "n"});
    }
    let body = json!({"records": records, "paging": {}, "navigation": navigation}).to_string();
    match remaining {
        Some(remaining) => with_limits(200, "Medium", remaining, &body),
        None => respond(200, &[], &body),
    }
}

fn list(query: &str) -> String {
    format!("{LIST}?{query}")
}

fn users_page(n: u32) -> String {
    list(&format!("type=User&perPage=1000&page={n}"))
}

fn settings() -> Settings {
    Settings::parse([
        ("base-url", BASE),
        ("client-id", "cid"),
        ("client-secret", CLIENT_SECRET),
        ("jwt", JWT),
    ])
    .unwrap()
}

fn client() -> Client {
    Client::new(settings())
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
