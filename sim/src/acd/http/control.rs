//! The control API over HTTP under `/_sim/`, so that an out-of-process client (or anyone
//! driving the standalone binary) can do what in-process tests do through [`crate::AcdSim`].
//! These endpoints take no credentials and are never logged, faulted or stalled.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::reply;
use crate::acd::{Fault, Malformation, Shared, SimError, read};

/// A failed control request: `{"error": "..."}` with 400 or 404.
#[derive(Debug)]
pub struct ControlError(StatusCode, String);

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        reply::json(self.0, &json!({"error": self.1}))
    }
}

impl From<SimError> for ControlError {
    fn from(error: SimError) -> Self {
        let status = match error {
            SimError::UnknownAgent(_) | SimError::UnknownTeam(_) => StatusCode::NOT_FOUND,
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

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/info", get(info))
        .route("/agents", post(add_agent))
        .route("/agents/malformed", post(inject_malformed))
        .route(
            "/agents/{id}",
            get(get_agent).patch(update_agent).delete(remove_agent),
        )
        .route("/agents/{id}/deactivate", post(deactivate_agent))
        .route("/teams/{id}/features", put(set_team_features))
        .route("/tokens/expire", post(expire_tokens))
        .route("/faults", post(fail_next).delete(clear_faults))
        .route("/stalls", post(stall).get(stalled))
        .route("/stalls/release", post(release_stalls))
        .route("/requests", get(request_count))
        .route("/request-log", get(request_log).delete(reset_request_log))
}

async fn info(State(shared): State<Arc<Shared>>) -> Reply {
    ok(json!({
        "baseUrl": shared.base_url,
        "tenantId": shared.tenant_id,
        "seed": shared.seed,
        "credentials": shared.credentials,
        "agents": shared.agent_count(),
        "createdAt": crate::acd::model::format_iso_millis(read(&shared.directory).created()),
    }))
}

async fn get_agent(State(shared): State<Arc<Shared>>, Path(id): Path<u64>) -> Reply {
    let agent = shared.agent(id).ok_or(SimError::UnknownAgent(id))?;
    ok(agent)
}

/// A body of agent wire fields: a JSON object, or nothing (no change).
fn patch_of(body: &[u8]) -> Result<Map<String, Value>, ControlError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(_) => Err(ControlError(
            StatusCode::BAD_REQUEST,
            "body must be a JSON object of agent fields".into(),
        )),
        Err(error) => Err(ControlError(
            StatusCode::BAD_REQUEST,
            format!("bad JSON body: {error}"),
        )),
    }
}

async fn update_agent(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<u64>,
    body: Bytes,
) -> Reply {
    let patch = patch_of(&body)?;
    let agent = shared.update_agent(id, |agent| {
        *agent = agent.patched(&patch).map_err(SimError::InvalidAgent)?;
        Ok(())
    })?;
    ok(agent)
}

async fn deactivate_agent(State(shared): State<Arc<Shared>>, Path(id): Path<u64>) -> Reply {
    let agent = shared.update_agent(id, |agent| {
        agent.is_active = false;
        Ok(())
    })?;
    ok(agent)
}

async fn add_agent(State(shared): State<Arc<Shared>>, body: Bytes) -> Reply {
    let patch = patch_of(&body)?;
    let agent = shared.add_agent(|agent| {
        *agent = agent.patched(&patch).map_err(SimError::InvalidAgent)?;
        Ok::<(), SimError>(())
    })?;
    ok(agent)
}

async fn remove_agent(State(shared): State<Arc<Shared>>, Path(id): Path<u64>) -> Reply {
    shared.remove_agent(id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize)]
struct MalformedRequest {
    kind: Malformation,
}

async fn inject_malformed(
    State(shared): State<Arc<Shared>>,
    body: Result<Json<MalformedRequest>, JsonRejection>,
) -> Reply {
    let Json(request) = body?;
    ok(json!({"slot": shared.inject_malformed_agent(request.kind)}))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FeaturesRequest {
    wfm_advanced: bool,
}

async fn set_team_features(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<u64>,
    body: Result<Json<FeaturesRequest>, JsonRejection>,
) -> Reply {
    let Json(request) = body?;
    ok(shared.set_team_features(id, request.wfm_advanced)?)
}

async fn expire_tokens(State(shared): State<Arc<Shared>>) -> Reply {
    shared.expire_tokens();
    Ok(StatusCode::NO_CONTENT.into_response())
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
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> Reply {
    shared.traffic.clear_faults();
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StallRequest {
    path_prefix: String,
    #[serde(default)]
    skip: u64,
}

async fn stall(
    State(shared): State<Arc<Shared>>,
    body: Result<Json<StallRequest>, JsonRejection>,
) -> Reply {
    let Json(request) = body?;
    shared.traffic.stall(&request.path_prefix, request.skip);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn stalled(State(shared): State<Arc<Shared>>) -> Reply {
    ok(json!({"stalled": shared.traffic.stalled()}))
}

async fn release_stalls(State(shared): State<Arc<Shared>>) -> Reply {
    shared.traffic.release_stalls();
    Ok(StatusCode::NO_CONTENT.into_response())
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
    ok(json!({
        "prefix": prefix,
        "count": shared.traffic.count(&prefix),
        "writes": shared.api_writes(),
    }))
}

async fn request_log(State(shared): State<Arc<Shared>>) -> Reply {
    ok(shared.traffic.log())
}

async fn reset_request_log(State(shared): State<Arc<Shared>>) -> Reply {
    shared.traffic.reset_log();
    Ok(StatusCode::NO_CONTENT.into_response())
}
