//! The control API over HTTP under `/_sim/`, so that an out-of-process client (or anyone
//! driving the standalone binary) can do what in-process tests do through
//! [`crate::RingCentralSim`]. These endpoints take no credentials and are never rate-limited,
//! logged or faulted.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::reply;
use crate::guard::{lock, read};
use crate::ringcentral::{Fault, RingCentralError, Shared};

/// A failed control request: `{"error": "..."}` with 400 or 404.
#[derive(Debug)]
pub(crate) struct ControlError(StatusCode, String);

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        reply::json(self.0, &json!({"error": self.1}))
    }
}

impl From<RingCentralError> for ControlError {
    fn from(error: RingCentralError) -> Self {
        let status = match error {
            RingCentralError::UnknownExtension(_) => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        };
        ControlError(status, error.to_string())
    }
}

impl From<JsonRejection> for ControlError {
    fn from(rejection: JsonRejection) -> Self {
        ControlError(
            StatusCode::BAD_REQUEST,
            format!("bad JSON body: {rejection}"),
        )
    }
}

type Reply = Result<Response, ControlError>;

fn ok(value: impl serde::Serialize) -> Reply {
    Ok(reply::json(StatusCode::OK, &value))
}

fn no_content() -> Reply {
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/info", get(info))
        .route("/extensions", post(add_extension))
        .route(
            "/extensions/{id}",
            get(get_extension)
                .patch(update_extension)
                .delete(remove_extension),
        )
        .route("/matches", get(matches))
        .route("/tokens/expire", post(expire_tokens))
        .route("/faults", post(fail_next).delete(clear_faults))
        .route("/counters", get(counters).delete(reset_counters))
        .route("/rate-limits", delete(clear_rate_limits))
        .route("/requests", get(request_count))
        .route("/request-log", get(request_log))
}

async fn info(State(shared): State<Arc<Shared>>) -> Reply {
    ok(json!({
        "baseUrl": shared.base_url,
        "seed": shared.seed,
        "users": shared.users,
        "acdTenantId": shared.acd_tenant_id,
        "credentials": shared.credentials,
        "timeScale": shared.scale.get(),
        "limits": shared.limits,
        "extensions": read(&shared.directory).len(),
    }))
}

async fn get_extension(State(shared): State<Arc<Shared>>, Path(id): Path<u64>) -> Reply {
    let record = read(&shared.directory)
        .get(id)
        .cloned()
        .ok_or(RingCentralError::UnknownExtension(id))?;
    ok(record)
}

/// A body of extension wire fields to merge in: a JSON object, or nothing (no change).
fn patch_of(body: &[u8]) -> Result<Map<String, Value>, ControlError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(_) => Err(ControlError(
            StatusCode::BAD_REQUEST,
            "body must be a JSON object of extension fields".into(),
        )),
        Err(error) => Err(ControlError(
            StatusCode::BAD_REQUEST,
            format!("bad JSON body: {error}"),
        )),
    }
}

async fn update_extension(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<u64>,
    body: Bytes,
) -> Reply {
    let patch = patch_of(&body)?;
    ok(shared.update_extension(id, |extension| {
        *extension = extension.patched(&patch)?;
        Ok(())
    })?)
}

async fn add_extension(State(shared): State<Arc<Shared>>, body: Bytes) -> Reply {
    let patch = patch_of(&body)?;
    ok(shared.add_extension(|extension| {
        *extension = extension.patched(&patch)?;
        Ok::<(), RingCentralError>(())
    })?)
}

async fn remove_extension(State(shared): State<Arc<Shared>>, Path(id): Path<u64>) -> Reply {
    shared.remove_extension(id)?;
    no_content()
}

#[derive(Debug, Deserialize)]
struct MatchQuery {
    email: String,
}

async fn matches(State(shared): State<Arc<Shared>>, Query(query): Query<MatchQuery>) -> Reply {
    ok(read(&shared.directory).user_matches(&query.email))
}

async fn expire_tokens(State(shared): State<Arc<Shared>>) -> Reply {
    lock(&shared.tokens).expire_all();
    no_content()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FaultRequest {
    path_prefix: String,
    count: usize,
    fault: Fault,
}

async fn fail_next(
    State(shared): State<Arc<Shared>>,
    body: Result<Json<FaultRequest>, JsonRejection>,
) -> Reply {
    let Json(request) = body?;
    shared.fail_next(&request.path_prefix, request.count, request.fault)?;
    no_content()
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> Reply {
    shared.traffic.clear_faults();
    no_content()
}

async fn counters(State(shared): State<Arc<Shared>>) -> Reply {
    ok(shared.stats.snapshot())
}

async fn reset_counters(State(shared): State<Arc<Shared>>) -> Reply {
    shared.reset_counters();
    no_content()
}

async fn clear_rate_limits(State(shared): State<Arc<Shared>>) -> Reply {
    lock(&shared.limiter).clear();
    no_content()
}

#[derive(Debug, Deserialize)]
struct CountQuery {
    prefix: Option<String>,
}

async fn request_count(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<CountQuery>,
) -> Reply {
    let prefix = query.prefix.unwrap_or_else(|| "/".to_owned());
    ok(json!({"prefix": prefix, "count": shared.requests(&prefix)}))
}

async fn request_log(State(shared): State<Arc<Shared>>) -> Reply {
    ok(shared.traffic.log())
}
