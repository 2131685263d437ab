//! The client over a scripted host: each test lists the requests it expects, in order, with
//! the replies to give, and moves the host's clock by hand.

mod flow;
mod pacing;
mod reads;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Client, Host};
use crate::settings::Settings;
use crate::wit::http::{Header, HttpError, Request, Response};
use crate::wit::log::Level;
use crate::wit::types::{Entity, Page};

const BASE: &str = "http://127.0.0.1:7";
const LIST: &str = "GET http://127.0.0.1:7/restapi/v1.0/account/~/extension";
const TOKEN: &str = "POST http://127.0.0.1:7/restapi/oauth/token";
const TOKEN_1: &str = "tok-AAAA-1111";
const TOKEN_2: &str = "tok-BBBB-2222";
const CLIENT_SECRET: &str = "client-SECRET-x";
const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.SIGNATURE-z";

type Reply = Result<Response, HttpError>;

/// A host that answers from a script, checks each request against it, and has a clock that
/// only moves when a test moves it.
struct Fake {
    script: VecDeque<(String, Reply)>,
    sent: Vec<Request>,
    logs: Vec<String>,
    start: Instant,
    elapsed: Duration,
}

impl Default for Fake {
    fn default() -> Self {
        Self {
            script: VecDeque::new(),
            sent: Vec::new(),
            logs: Vec::new(),
            start: Instant::now(),
            elapsed: Duration::ZERO,
        }
    }
}

impl Fake {
    fn expect(mut self, call: impl Into<String>, reply: Reply) -> Self {
        self.script.push_back((call.into(), reply));
        self
    }

    fn then(&mut self, call: impl Into<String>, reply: Reply) {
        self.script.push_back((call.into(), reply));
    }

    fn advance(&mut self, by: Duration) {
        self.elapsed += by;
    }

    fn assert_done(&self) {
        let left: Vec<_> = self.script.iter().map(|(c, _)| c).collect();
        assert!(left.is_empty(), "requests never made: {left:?}");
    }

    fn authorization(&self, index: usize) -> &str {
        self.sent[index]
            .headers
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

    fn now(&self) -> Instant {
        self.start + self.elapsed
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
