//! The writable target the test connector `tests/plugins/test-target` speaks to: records kept
//! by kind with the external id each was created with, a directory of users, and the faults a
//! push must survive (a record refused, a 429, a create whose reply is lost after it stored).
//! Its protocol is the test connector's (see that crate's docs); it counts every request, so a
//! test proves what a run sent, and that nothing was ever deleted.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use tokio::task::JoinHandle;

/// One record the target holds.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The target's id.
    pub id: String,
    /// The external id the record was created with.
    pub external_id: String,
    /// The record as last written.
    pub entity: Value,
    /// Writes to it: 1 after its create, one more per update.
    pub writes: u32,
}

#[derive(Default)]
struct TargetState {
    /// By kind, then target id.
    records: BTreeMap<String, BTreeMap<String, Stored>>,
    next_id: u64,
    /// The directory `read`, `find-by-email` and `search-users` see.
    directory: Vec<Value>,
    /// Creates of a user with this username are refused (422).
    refuse_username: Option<String>,
    /// The next write requests get 429 with `Retry-After: 1`.
    rate_limited: u32,
    /// The next create stores its record, then answers only after this long.
    lose_create_reply: Option<Duration>,
    /// Requests by method.
    requests: BTreeMap<String, usize>,
}

/// A running target.
pub struct Target {
    base_url: String,
    state: Arc<Mutex<TargetState>>,
    task: JoinHandle<()>,
}

impl Drop for Target {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock(state: &Mutex<TargetState>) -> MutexGuard<'_, TargetState> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

type Shared = Arc<Mutex<TargetState>>;

impl Target {
    /// Serves a target on a loopback port.
    pub async fn start() -> Target {
        let state: Shared = Arc::default();
        let app = Router::new()
            .route("/users", get(users))
            .route("/records/{kind}", get(find).post(create))
            .route("/records/{kind}/{id}", get(one).put(update).delete(delete))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the target");
        let addr = listener.local_addr().expect("the target's address");
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("serving the target");
        });
        Target {
            base_url: format!("http://{addr}"),
            state,
            task,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The records of a kind (`user`, `campaign`, …), by target id.
    pub fn records(&self, kind: &str) -> BTreeMap<String, Stored> {
        lock(&self.state)
            .records
            .get(kind)
            .cloned()
            .unwrap_or_default()
    }

    /// How many requests of `method` (`POST`, `PUT`, `DELETE`, `GET`) the target answered.
    pub fn requests(&self, method: &str) -> usize {
        lock(&self.state).requests.get(method).copied().unwrap_or(0)
    }

    /// Refuses (422) every create of a user with this username.
    pub fn refuse_username(&self, username: &str) {
        lock(&self.state).refuse_username = Some(username.to_owned());
    }

    /// Answers the next `n` writes with 429 and `Retry-After: 1`.
    pub fn rate_limit_next_writes(&self, n: u32) {
        lock(&self.state).rate_limited = n;
    }

    /// Stores the next create's record, then answers only after `delay` (longer than the
    /// host's HTTP timeout: the reply is lost).
    pub fn lose_next_create_reply(&self, delay: Duration) {
        lock(&self.state).lose_create_reply = Some(delay);
    }

    /// Adds a user to the directory.
    pub fn add_directory_user(&self, id: &str, name: &str, email: &str) {
        lock(&self.state).directory.push(json!({
            "id": id, "username": name, "first_name": name, "last_name": "",
            "email": email, "active": true,
        }));
    }
}

fn count(state: &Shared, method: &Method) {
    *lock(state)
        .requests
        .entry(method.as_str().to_owned())
        .or_default() += 1;
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

fn rate_limited(state: &Shared) -> Option<Response> {
    let mut s = lock(state);
    if s.rate_limited == 0 {
        return None;
    }
    s.rate_limited -= 1;
    let mut headers = HeaderMap::new();
    headers.insert("retry-after", HeaderValue::from_static("1"));
    Some((StatusCode::TOO_MANY_REQUESTS, headers, "{}").into_response())
}

async fn users(
    State(state): State<Shared>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    count(&state, &Method::GET);
    let s = lock(&state);
    let emails: Vec<String> = query
        .iter()
        .filter(|(k, _)| k == "email")
        .map(|(_, v)| v.trim().to_lowercase())
        .collect();
    let q = query
        .iter()
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v.to_lowercase());
    let page: Option<usize> = query
        .iter()
        .find(|(k, _)| k == "page")
        .and_then(|(_, v)| v.parse().ok());
    let matching: Vec<Value> = s
        .directory
        .iter()
        .filter(|u| {
            let email = u["email"].as_str().unwrap_or("").trim().to_lowercase();
            let name = u["username"].as_str().unwrap_or("").to_lowercase();
            match (&q, emails.is_empty()) {
                (Some(q), _) => name.contains(q.as_str()),
                (None, false) => emails.contains(&email),
                (None, true) => true,
            }
        })
        .cloned()
        .collect();
    let listed: Vec<Value> = match page {
        Some(page) => matching.into_iter().skip(page * 100).take(100).collect(),
        None => matching,
    };
    Json(Value::Array(listed)).into_response()
}

async fn find(
    State(state): State<Shared>,
    Path(kind): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    count(&state, &Method::GET);
    let Some(external) = query.get("external_id") else {
        return error(StatusCode::BAD_REQUEST, "external_id is missing");
    };
    let s = lock(&state);
    let found = s
        .records
        .get(&kind)
        .and_then(|records| records.values().find(|r| &r.external_id == external));
    match found {
        Some(record) => Json(json!({ "id": record.id })).into_response(),
        None => error(StatusCode::NOT_FOUND, "no such record"),
    }
}

async fn create(
    State(state): State<Shared>,
    Path(kind): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    count(&state, &Method::POST);
    if let Some(limited) = rate_limited(&state) {
        return limited;
    }
    let (Some(external), entity) = (body["external_id"].as_str(), body["entity"].clone()) else {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "external_id is missing");
    };
    let (id, lose) = {
        let mut s = lock(&state);
        if kind == "user" && s.refuse_username.as_deref() == entity["username"].as_str() {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "username is not allowed here",
            );
        }
        if s.records
            .get(&kind)
            .is_some_and(|r| r.values().any(|r| r.external_id == external))
        {
            return error(StatusCode::UNPROCESSABLE_ENTITY, "duplicate external id");
        }
        s.next_id += 1;
        let id = format!("T-{}", s.next_id);
        let stored = Stored {
            id: id.clone(),
            external_id: external.to_owned(),
            entity,
            writes: 1,
        };
        s.records
            .entry(kind)
            .or_default()
            .insert(id.clone(), stored);
        (id, s.lose_create_reply.take())
    };
    if let Some(delay) = lose {
        tokio::time::sleep(delay).await;
    }
    (StatusCode::CREATED, Json(json!({ "id": id }))).into_response()
}

async fn one(State(state): State<Shared>, Path((kind, id)): Path<(String, String)>) -> Response {
    count(&state, &Method::GET);
    let s = lock(&state);
    match s.records.get(&kind).and_then(|r| r.get(&id)) {
        Some(record) => Json(record.entity.clone()).into_response(),
        None => error(StatusCode::NOT_FOUND, "no such record"),
    }
}

async fn update(
    State(state): State<Shared>,
    Path((kind, id)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    count(&state, &Method::PUT);
    if let Some(limited) = rate_limited(&state) {
        return limited;
    }
    let mut s = lock(&state);
    match s.records.get_mut(&kind).and_then(|r| r.get_mut(&id)) {
        Some(record) => {
            record.entity = body["entity"].clone();
            record.writes += 1;
            StatusCode::NO_CONTENT.into_response()
        }
        None => error(StatusCode::NOT_FOUND, "no such record"),
    }
}

async fn delete(State(state): State<Shared>, Path(_): Path<(String, String)>) -> Response {
    // Counted, so a test proves that no run ever deletes; never honoured.
    count(&state, &Method::DELETE);
    error(StatusCode::METHOD_NOT_ALLOWED, "this target never deletes")
}
