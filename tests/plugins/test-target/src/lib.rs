//! A writable connector for the host's own tests of push and mapping flows.
//!
//! It speaks a small JSON protocol of the tests' own (served by `tests/all/support/target.rs`)
//! under its `base-url` setting:
//!
//! | call | request | answer |
//! |---|---|---|
//! | `read(user)` | `GET /users?page=N` | a JSON list of users; a full page (100) has a next one |
//! | `find-by-email` | `GET /users?email=a&email=b` | the users with any of those emails |
//! | `search-users` | `GET /users?q=name` | the users whose name contains it |
//! | `create` | `POST /records/{kind}` `{"external_id", "entity"}` | `201 {"id"}` |
//! | `update` | `PUT /records/{kind}/{id}` `{"entity"}` | `204` |
//! | `find` | `GET /records/{kind}?external_id=X` | `200 {"id"}`, `404` |
//! | `get` | `GET /records/{kind}/{id}` | `200` the entity, `404` |
//!
//! Errors: 401 -> `unauthorized`, 404 -> `not-found`, 422 -> `rejected` with the body's
//! `error`, 429 -> `rate-limited` after `Retry-After` seconds, 5xx and timeouts -> `transient`.
//! It never deletes nor deactivates (`deactivate` answers `unsupported`).

use std::sync::Mutex;

use ccsync::connector::http::{self, Header, HttpError, Request};
use ccsync::connector::types::{Entity, Error, KeyValue, Kind, NamedItem, Page, User};
use exports::ccsync::connector::connector::{Description, Guest};
use serde_json::{Value, json};

wit_bindgen::generate!({
    path: "../../../wit",
    world: "plugin",
});

static BASE: Mutex<Option<String>> = Mutex::new(None);
const PAGE: usize = 100;

fn base() -> Result<String, Error> {
    BASE.lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .ok_or_else(|| Error::InvalidConfig("configure was not called".into()))
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::User => "user",
        Kind::Team => "team",
        Kind::SecurityProfile => "security-profile",
        Kind::Campaign => "campaign",
        Kind::Disposition => "disposition",
        Kind::AgentStatus => "agent-status",
    }
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Sends a request; a 2xx answer's body as JSON (`null` when empty), any other as an error.
fn call(method: &str, path: &str, body: Option<Value>) -> Result<(u16, Value), Error> {
    let request = Request {
        method: method.into(),
        url: format!("{}{path}", base()?),
        headers: vec![Header {
            name: "content-type".into(),
            value: "application/json".into(),
        }],
        body: body.map(|b| b.to_string().into_bytes()),
    };
    let response = http::send(&request).map_err(|e| match e {
        HttpError::Timeout => Error::Transient("the target did not answer in time".into()),
        HttpError::Connection(m) => Error::Transient(m),
        HttpError::Denied(m) | HttpError::InvalidRequest(m) => Error::InvalidConfig(m),
        HttpError::TooLarge(n) => Error::Transient(format!("answer over {n} bytes")),
    })?;
    let json: Value = if response.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&response.body)
            .map_err(|e| Error::Transient(format!("the target's answer is not JSON: {e}")))?
    };
    let message = || {
        json["error"]
            .as_str()
            .unwrap_or("no reason given")
            .to_owned()
    };
    match response.status {
        200..=299 => Ok((response.status, json)),
        401 => Err(Error::Unauthorized(message())),
        404 => Ok((404, json)),
        422 => Err(Error::Rejected(message())),
        429 => {
            let seconds = response
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("retry-after"))
                .and_then(|h| h.value.parse::<u64>().ok())
                .unwrap_or(1);
            Err(Error::RateLimited(seconds * 1000))
        }
        status => Err(Error::Transient(format!("the target answered {status}"))),
    }
}

fn text(value: &Value, key: &str) -> Option<String> {
    value[key].as_str().map(str::to_owned)
}

fn user_from(value: &Value) -> User {
    User {
        id: text(value, "id").unwrap_or_default(),
        username: text(value, "username"),
        first_name: text(value, "first_name"),
        last_name: text(value, "last_name"),
        email: text(value, "email"),
        active: value["active"].as_bool().unwrap_or(true),
        team_id: None,
        security_profile_id: None,
        roles: vec![],
        permissions: vec![],
        primary_phone: None,
        phones: vec![],
        employee_id: None,
        site_id: None,
        groups: value["groups"]
            .as_array()
            .map(|g| {
                g.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        password_set: value["password_set"].as_bool(),
        extra: vec![],
    }
}

fn users(value: &Value) -> Vec<User> {
    value
        .as_array()
        .map(|list| list.iter().map(user_from).collect())
        .unwrap_or_default()
}

fn entity_json(entity: &Entity) -> Value {
    let named =
        |i: &NamedItem| json!({"id": i.id, "name": i.name, "active": i.active, "group": i.group});
    match entity {
        Entity::User(u) => json!({
            "id": u.id, "username": u.username, "first_name": u.first_name,
            "last_name": u.last_name, "email": u.email, "active": u.active,
            "groups": u.groups, "password_set": u.password_set,
        }),
        Entity::Team(t) => json!({"id": t.id, "name": t.name, "active": t.active}),
        Entity::SecurityProfile(p) => json!({"id": p.id, "name": p.name}),
        Entity::Campaign(i) | Entity::Disposition(i) | Entity::AgentStatus(i) => named(i),
    }
}

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct Component;

impl Guest for Component {
    fn describe() -> Description {
        Description {
            name: "test-target".into(),
            version: "0.2.0".into(),
            reads: vec![Kind::User],
            writes: vec![
                Kind::User,
                Kind::Campaign,
                Kind::Disposition,
                Kind::AgentStatus,
            ],
            origins: vec!["http://127.0.0.1:*".into()],
            capabilities: vec!["search-users".into(), "find-by-email".into()],
        }
    }

    fn configure(settings: Vec<KeyValue>) -> Result<(), Error> {
        let base = settings
            .into_iter()
            .find(|kv| kv.key == "base-url")
            .map(|kv| kv.value.trim_end_matches('/').to_owned())
            .ok_or_else(|| Error::InvalidConfig("base-url: missing".into()))?;
        *BASE.lock().unwrap_or_else(|e| e.into_inner()) = Some(base);
        Ok(())
    }

    fn check() -> Result<(), Error> {
        call("GET", "/users?page=0", None).map(|_| ())
    }

    fn read(kind: Kind, cursor: Option<String>, _since: Option<String>) -> Result<Page, Error> {
        if kind != Kind::User {
            return Err(Error::Unsupported(format!(
                "cannot read {}",
                kind_name(kind)
            )));
        }
        let page: usize = cursor
            .as_deref()
            .unwrap_or("0")
            .parse()
            .map_err(|_| Error::InvalidConfig(format!("unknown cursor {cursor:?}")))?;
        let (_, body) = call("GET", &format!("/users?page={page}"), None)?;
        let items: Vec<Entity> = users(&body).into_iter().map(Entity::User).collect();
        let next_cursor = (items.len() == PAGE).then(|| (page + 1).to_string());
        Ok(Page {
            items,
            invalid: vec![],
            next_cursor,
            watermark: None,
        })
    }

    fn create(entity: Entity, external_id: String) -> Result<String, Error> {
        let kind = kind_name(entity_kind(&entity));
        let body = json!({"external_id": external_id, "entity": entity_json(&entity)});
        let (_, answer) = call("POST", &format!("/records/{kind}"), Some(body))?;
        text(&answer, "id").ok_or_else(|| Error::Transient("the target gave no id".into()))
    }

    fn update(id: String, entity: Entity) -> Result<(), Error> {
        let kind = kind_name(entity_kind(&entity));
        let body = json!({"entity": entity_json(&entity)});
        match call(
            "PUT",
            &format!("/records/{kind}/{}", encode(&id)),
            Some(body),
        )? {
            (404, _) => Err(Error::NotFound(format!("no {kind} {id}"))),
            _ => Ok(()),
        }
    }

    fn deactivate(_kind: Kind, _id: String) -> Result<(), Error> {
        Err(Error::Unsupported("test-target never deactivates".into()))
    }

    fn find(kind: Kind, external_id: String) -> Result<Option<String>, Error> {
        let path = format!(
            "/records/{}?external_id={}",
            kind_name(kind),
            encode(&external_id)
        );
        match call("GET", &path, None)? {
            (404, _) => Ok(None),
            (_, answer) => Ok(text(&answer, "id")),
        }
    }

    fn get(kind: Kind, id: String) -> Result<Option<Entity>, Error> {
        let path = format!("/records/{}/{}", kind_name(kind), encode(&id));
        match call("GET", &path, None)? {
            (404, _) => Ok(None),
            (_, answer) if kind == Kind::User => Ok(Some(Entity::User(user_from(&answer)))),
            (_, answer) => Ok(Some(Entity::Campaign(NamedItem {
                id: text(&answer, "id").unwrap_or_default(),
                name: text(&answer, "name").unwrap_or_default(),
                active: answer["active"].as_bool().unwrap_or(true),
                group: text(&answer, "group"),
                extra: vec![],
            }))),
        }
    }

    fn search_users(query: String) -> Result<Vec<User>, Error> {
        let (_, body) = call("GET", &format!("/users?q={}", encode(&query)), None)?;
        Ok(users(&body))
    }

    fn find_by_email(emails: Vec<String>) -> Result<Vec<User>, Error> {
        let query: Vec<String> = emails
            .iter()
            .map(|e| format!("email={}", encode(e)))
            .collect();
        let (_, body) = call("GET", &format!("/users?{}", query.join("&")), None)?;
        Ok(users(&body))
    }
}

fn entity_kind(entity: &Entity) -> Kind {
    match entity {
        Entity::User(_) => Kind::User,
        Entity::Team(_) => Kind::Team,
        Entity::SecurityProfile(_) => Kind::SecurityProfile,
        Entity::Campaign(_) => Kind::Campaign,
        Entity::Disposition(_) => Kind::Disposition,
        Entity::AgentStatus(_) => Kind::AgentStatus,
    }
}

// Exported for wasm32 only: natively the crate builds as an empty library.
#[cfg(target_arch = "wasm32")]
export!(Component);
