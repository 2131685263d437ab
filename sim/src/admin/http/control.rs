//! The control API over HTTP under `/_sim/` that every Admin API simulator offers, so that an
//! out-of-process client (or anyone driving the standalone binary) can do what in-process
//! tests do through [`crate::admin::AdminSim`]. A platform adds its own (`/info` at least).
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
use crate::admin::model::format_iso_millis;
use crate::admin::{AdminState, Fault, Malformation, SimError, Typing, read};

/// A failed control request: `{"error": "..."}` with 400 or 404.
#[derive(Debug)]
pub(crate) struct ControlError(pub(crate) StatusCode, pub(crate) String);

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        reply::json(self.0, &json!({"error": self.1}))
    }
}

impl From<SimError> for ControlError {
    fn from(error: SimError) -> Self {
        let status = match error {
            SimError::UnknownAgent(_) | SimError::UnknownTeam(_) | SimError::UnknownProfile(_) => {
                StatusCode::NOT_FOUND
            }
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

/// What a control handler answers.
pub(crate) type Reply = Result<Response, ControlError>;

/// 200 with `value` as JSON.
pub(crate) fn ok(value: impl serde::Serialize) -> Reply {
    Ok(reply::json(StatusCode::OK, &value))
}

pub(crate) fn router() -> Router<Arc<AdminState>> {
    Router::new()
        .route("/agents", post(add_agent))
        .route("/agents/malformed", post(inject_malformed))
        .route(
            "/agents/{id}",
            get(get_agent).patch(update_agent).delete(remove_agent),
        )
        .route("/agents/{id}/deactivate", post(deactivate_agent))
        .route("/agents/{id}/reactivate", post(reactivate_agent))
        .route("/agents/{id}/team", put(move_agent))
        .route("/agents/{id}/profile", put(set_agent_profile))
        .route("/tokens/expire", post(expire_tokens))
        .route("/faults", post(fail_next).delete(clear_faults))
        .route("/stalls", post(stall).get(stalled))
        .route("/stalls/release", post(release_stalls))
        .route("/requests", get(request_count))
        .route("/request-log", get(request_log).delete(reset_request_log))
}

/// What `/_sim/info` says of the Admin API part: seed, typing, agent count, creation instant.
pub(crate) fn info(shared: &AdminState) -> Map<String, Value> {
    let mut info = Map::new();
    info.insert("baseUrl".into(), json!(shared.base_url));
    info.insert("seed".into(), json!(shared.seed));
    info.insert(
        "stringTyped".into(),
        json!(shared.typing == Typing::Strings),
    );
    info.insert("agents".into(), json!(shared.agent_count()));
    info.insert(
        "createdAt".into(),
        json!(format_iso_millis(read(&shared.directory).created())),
    );
    info
}

async fn get_agent(State(shared): State<Arc<AdminState>>, Path(id): Path<u64>) -> Reply {
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
    State(shared): State<Arc<AdminState>>,
    Path(id): Path<u64>,
    body: Bytes,
) -> Reply {
    let patch = patch_of(&body)?;
    let agent = shared.update_agent(id, |_, agent| {
        *agent = agent.patched(&patch).map_err(SimError::InvalidAgent)?;
        Ok(())
    })?;
    ok(agent)
}

async fn deactivate_agent(State(shared): State<Arc<AdminState>>, Path(id): Path<u64>) -> Reply {
    ok(shared.set_agent_active(id, false)?)
}

async fn reactivate_agent(State(shared): State<Arc<AdminState>>, Path(id): Path<u64>) -> Reply {
    ok(shared.set_agent_active(id, true)?)
}

/// A team or profile named by id or by name.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Target {
    id: Option<u64>,
    name: Option<String>,
}

impl Target {
    /// The id this names, looked up by name in `names` (id, name) when no id is given.
    fn resolve<'a>(
        &self,
        what: &str,
        mut names: impl Iterator<Item = (u64, &'a str)>,
    ) -> Result<u64, ControlError> {
        match (self.id, &self.name) {
            (Some(id), None) => Ok(id),
            (None, Some(name)) => names
                .find(|(_, candidate)| candidate == name)
                .map(|(id, _)| id)
                .ok_or_else(|| {
                    ControlError(StatusCode::NOT_FOUND, format!("no {what} named '{name}'"))
                }),
            _ => Err(ControlError(
                StatusCode::BAD_REQUEST,
                format!("name the {what} with exactly one of \"id\" and \"name\""),
            )),
        }
    }
}

async fn move_agent(
    State(shared): State<Arc<AdminState>>,
    Path(id): Path<u64>,
    body: Result<Json<Target>, JsonRejection>,
) -> Reply {
    let Json(target) = body?;
    let team_id = {
        let dir = read(&shared.directory);
        let teams = dir.catalog.teams.iter();
        target.resolve("team", teams.map(|t| (t.team_id, t.team_name.as_str())))?
    };
    ok(shared.move_agent(id, team_id)?)
}

async fn set_agent_profile(
    State(shared): State<Arc<AdminState>>,
    Path(id): Path<u64>,
    body: Result<Json<Target>, JsonRejection>,
) -> Reply {
    let Json(target) = body?;
    let profile_id = {
        let dir = read(&shared.directory);
        let profiles = dir.catalog.profiles.iter();
        target.resolve(
            "security profile",
            profiles.map(|p| (p.security_profile_id, p.security_profile_name.as_str())),
        )?
    };
    ok(shared.set_agent_profile(id, profile_id)?)
}

async fn add_agent(State(shared): State<Arc<AdminState>>, body: Bytes) -> Reply {
    let patch = patch_of(&body)?;
    let agent = shared.add_agent(|agent| {
        *agent = agent.patched(&patch).map_err(SimError::InvalidAgent)?;
        Ok::<(), SimError>(())
    })?;
    ok(agent)
}

async fn remove_agent(State(shared): State<Arc<AdminState>>, Path(id): Path<u64>) -> Reply {
    shared.remove_agent(id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize)]
struct MalformedRequest {
    kind: Malformation,
}

async fn inject_malformed(
    State(shared): State<Arc<AdminState>>,
    body: Result<Json<MalformedRequest>, JsonRejection>,
) -> Reply {
    let Json(request) = body?;
    ok(json!({"slot": shared.inject_malformed_agent(request.kind)}))
}

async fn expire_tokens(State(shared): State<Arc<AdminState>>) -> Reply {
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
    State(shared): State<Arc<AdminState>>,
    body: Result<Json<FaultRequest>, JsonRejection>,
) -> Reply {
    let Json(request) = body?;
    shared.fail_next(&request.path_prefix, request.count, request.fault)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn clear_faults(State(shared): State<Arc<AdminState>>) -> Reply {
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
    State(shared): State<Arc<AdminState>>,
    body: Result<Json<StallRequest>, JsonRejection>,
) -> Reply {
    let Json(request) = body?;
    shared.traffic.stall(&request.path_prefix, request.skip);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn stalled(State(shared): State<Arc<AdminState>>) -> Reply {
    ok(json!({"stalled": shared.traffic.stalled()}))
}

async fn release_stalls(State(shared): State<Arc<AdminState>>) -> Reply {
    shared.traffic.release_stalls();
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize)]
struct CountQuery {
    prefix: Option<String>,
}

async fn request_count(
    State(shared): State<Arc<AdminState>>,
    Query(query): Query<CountQuery>,
) -> Reply {
    let prefix = query.prefix.unwrap_or_else(|| "/".to_owned());
    ok(json!({
        "prefix": prefix,
        "count": shared.traffic.count(&prefix),
        "writes": shared.api_writes(),
    }))
}

async fn request_log(State(shared): State<Arc<AdminState>>) -> Reply {
    ok(shared.traffic.log())
}

async fn reset_request_log(State(shared): State<Arc<AdminState>>) -> Reply {
    shared.traffic.reset_log();
    Ok(StatusCode::NO_CONTENT.into_response())
}
