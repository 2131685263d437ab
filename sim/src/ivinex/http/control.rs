//! The control API over HTTP under `/_sim/`, so that an out-of-process client (or anyone
//! driving the standalone binary) can do what in-process tests do through
//! [`crate::IvinexSim`]: act as an administrator, inject faults, read the counters. These
//! endpoints take no credentials and are never logged, faulted or counted.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::reply;
use crate::guard::lock;
use crate::ivinex::account::WriteError;
use crate::ivinex::input::Writer;
use crate::ivinex::model::Record;
use crate::ivinex::{
    API_ROOT, Fault, GROUPS, IvinexError, LISTS, Malformation, RecordKind, Shared,
};

/// A failed control request: `{"error": "..."}` with 400 or 404.
#[derive(Debug)]
pub struct ControlError(StatusCode, String);

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        reply::json(self.0, &json!({"error": self.1}))
    }
}

impl From<IvinexError> for ControlError {
    fn from(error: IvinexError) -> Self {
        let status = match error {
            IvinexError::UnknownRecord { .. } => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        };
        ControlError(status, error.to_string())
    }
}

impl From<JsonRejection> for ControlError {
    fn from(rejection: JsonRejection) -> Self {
        bad(format!("bad JSON body: {rejection}"))
    }
}

fn bad(message: impl Into<String>) -> ControlError {
    ControlError(StatusCode::BAD_REQUEST, message.into())
}

type Reply = Result<Response, ControlError>;

fn ok(value: impl serde::Serialize) -> Reply {
    Ok(reply::json(StatusCode::OK, &value))
}

fn done() -> Reply {
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/info", get(info))
        .route("/records/{collection}", get(list).post(add))
        .route("/records/{collection}/malformed", post(inject_malformed))
        .route(
            "/records/{collection}/{id}",
            get(one).patch(edit).delete(remove),
        )
        .route("/tokens/expire", post(expire_tokens))
        .route("/faults", post(fail_next).delete(clear_faults))
        .route("/held", get(held))
        .route("/counts", get(counts))
        .route("/counts/reset", post(reset_counts))
        .route("/requests", get(request_count))
        .route("/request-log", get(request_log).delete(reset_request_log))
        .route("/reset", post(reset))
}

fn kind_of(collection: &str) -> Result<RecordKind, ControlError> {
    RecordKind::from_collection(collection).ok_or_else(|| {
        ControlError(
            StatusCode::NOT_FOUND,
            format!(
                "no collection '{collection}' (users, campaigns, dispositions, agent-statuses)"
            ),
        )
    })
}

fn counts_of(shared: &Shared) -> Value {
    let account = lock(&shared.account);
    let by_kind: BTreeMap<&str, _> = RecordKind::ALL
        .iter()
        .map(|kind| (kind.collection(), account.counts(*kind)))
        .collect();
    json!(by_kind)
}

async fn info(State(shared): State<Arc<Shared>>) -> Reply {
    let lists: Vec<Value> = LISTS
        .iter()
        .map(|(kind, name)| json!({"name": name, "kind": kind}))
        .collect();
    ok(json!({
        "baseUrl": shared.base_url,
        "apiUrl": format!("{}{API_ROOT}", shared.base_url),
        "seed": shared.seed,
        "credentials": shared.credentials,
        "groups": GROUPS,
        "lists": lists,
        "counts": counts_of(&shared),
    }))
}

/// The record as the account holds it (never broken: malformations are the API's).
fn shown(record: &Record) -> Reply {
    match record {
        Record::User(user) => ok(user),
        Record::Item(item) => ok(item),
    }
}

async fn list(State(shared): State<Arc<Shared>>, Path(collection): Path<String>) -> Reply {
    let kind = kind_of(&collection)?;
    let account = lock(&shared.account);
    match kind {
        RecordKind::User => ok(account.users()),
        _ => ok(account.items(kind)),
    }
}

async fn one(
    State(shared): State<Arc<Shared>>,
    Path((collection, id)): Path<(String, u64)>,
) -> Reply {
    let kind = kind_of(&collection)?;
    let account = lock(&shared.account);
    let record = account
        .record(kind, id)
        .ok_or(IvinexError::UnknownRecord { kind, id })?;
    shown(record)
}

/// A body of record fields: a JSON object, or nothing (no change).
fn fields_of(body: &[u8]) -> Result<Map<String, Value>, ControlError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(_) => Err(bad("body must be a JSON object of record fields")),
        Err(error) => Err(bad(format!("bad JSON body: {error}"))),
    }
}

fn refused(kind: RecordKind, error: WriteError) -> ControlError {
    IvinexError::from_write(kind, error).into()
}

/// Adds a record by hand; an administrator's body needs `username` (users) or `name` and
/// `list` (items), and may set `passwordSet` and `externalId`.
async fn add(
    State(shared): State<Arc<Shared>>,
    Path(collection): Path<String>,
    body: Bytes,
) -> Reply {
    let kind = kind_of(&collection)?;
    let fields = fields_of(&body)?;
    let now = shared.clock.tick();
    let mut account = lock(&shared.account);
    let id = account
        .create(kind, &fields, Writer::Admin, now)
        .map_err(|e| refused(kind, e))?;
    let record = account
        .record(kind, id)
        .ok_or(IvinexError::UnknownRecord { kind, id })?;
    shown(record)
}

/// Changes a record as an administrator: `{"passwordSet": true}` sets a password.
async fn edit(
    State(shared): State<Arc<Shared>>,
    Path((collection, id)): Path<(String, u64)>,
    body: Bytes,
) -> Reply {
    let kind = kind_of(&collection)?;
    let fields = fields_of(&body)?;
    let now = shared.clock.tick();
    let mut account = lock(&shared.account);
    account
        .update(kind, id, &fields, Writer::Admin, now)
        .ok_or(IvinexError::UnknownRecord { kind, id })?
        .map_err(|e| refused(kind, e))?;
    let record = account
        .record(kind, id)
        .ok_or(IvinexError::UnknownRecord { kind, id })?;
    shown(record)
}

async fn remove(
    State(shared): State<Arc<Shared>>,
    Path((collection, id)): Path<(String, u64)>,
) -> Reply {
    let kind = kind_of(&collection)?;
    if lock(&shared.account).remove(kind, id) {
        done()
    } else {
        Err(IvinexError::UnknownRecord { kind, id }.into())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MalformedRequest {
    kind: Malformation,
}

async fn inject_malformed(
    State(shared): State<Arc<Shared>>,
    Path(collection): Path<String>,
    body: Result<Json<MalformedRequest>, JsonRejection>,
) -> Reply {
    let kind = kind_of(&collection)?;
    let Json(request) = body?;
    ok(json!({ "id": shared.inject_malformed(kind, request.kind)? }))
}

async fn expire_tokens(State(shared): State<Arc<Shared>>) -> Reply {
    lock(&shared.tokens).expire_all();
    done()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FaultRequest {
    method: Option<String>,
    path_prefix: String,
    count: usize,
    fault: Fault,
}

async fn fail_next(
    State(shared): State<Arc<Shared>>,
    body: Result<Json<FaultRequest>, JsonRejection>,
) -> Reply {
    let Json(request) = body?;
    shared.fail_next(
        request.method.as_deref(),
        &request.path_prefix,
        request.count,
        request.fault,
    )?;
    done()
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> Reply {
    shared.traffic.clear_faults();
    done()
}

async fn held(State(shared): State<Arc<Shared>>) -> Reply {
    ok(json!({"held": shared.held.count()}))
}

async fn counts(State(shared): State<Arc<Shared>>) -> Reply {
    ok(counts_of(&shared))
}

async fn reset_counts(State(shared): State<Arc<Shared>>) -> Reply {
    shared.reset_counters();
    done()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CountQuery {
    prefix: Option<String>,
    method: Option<String>,
}

async fn request_count(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<CountQuery>,
) -> Reply {
    let prefix = query.prefix.unwrap_or_else(|| "/".to_owned());
    let count = shared.requests(query.method.as_deref(), &prefix);
    ok(json!({"prefix": prefix, "method": query.method, "count": count}))
}

async fn request_log(State(shared): State<Arc<Shared>>) -> Reply {
    ok(shared.traffic.log())
}

async fn reset_request_log(State(shared): State<Arc<Shared>>) -> Reply {
    shared.traffic.reset_log();
    done()
}

async fn reset(State(shared): State<Arc<Shared>>) -> Reply {
    shared.reset()?;
    done()
}
