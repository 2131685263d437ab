//! The Admin API resources: `/agents` (paged, filtered, with `lastPollTime` and `_links`), the
//! small lists (teams, security profiles, campaigns, dispositions, unavailable codes), and the
//! agent writes (`POST`/`PUT /agents`), which are applied and show up in the request log.

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Json};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value, json};

use super::BreakFirstRecord;
use super::params::ListParams;
use super::reply::{self, ApiError};
use super::wire::{List, WireAgent, list_records};
use crate::admin::directory::{Filter, Record};
use crate::admin::model::format_iso_millis;
use crate::admin::{AdminState, SimError, Typing, read};

type Pairs = Result<Query<Vec<(String, String)>>, QueryRejection>;
type Broken = Option<Extension<BreakFirstRecord>>;

fn list_params(query: Pairs) -> Result<ListParams, ApiError> {
    let Query(pairs) = query.map_err(|r| ApiError::BadRequest(format!("Bad query string: {r}")))?;
    ListParams::parse(&pairs)
}

/// `GET /agents`.
pub async fn agents(
    State(shared): State<Arc<AdminState>>,
    OriginalUri(uri): OriginalUri,
    broken: Broken,
    query: Pairs,
) -> Result<Response, ApiError> {
    let params = list_params(query)?;
    let filter = Filter {
        updated_since: params.updated_since,
        is_active: params.is_active,
        well_formed_only: false,
    };
    let (poll_time, total, records) = {
        let dir = read(&shared.directory);
        // Read under the lock so that the poll time orders consistently with changes.
        let poll_time = shared.clock.tick();
        let (total, records) = dir.page(&filter, params.skip, params.top);
        (poll_time, total, records)
    };
    if records.is_empty() {
        return Ok(reply::no_content());
    }
    let link = |skip: u64| link(&shared.base_url, uri.path(), &params, skip);
    let end = params.skip + records.len() as u64;
    let body = AgentsPage {
        business_unit_id: shared.business_unit_id,
        typing: shared.typing,
        break_first: broken.is_some(),
        last_poll_time: format_iso_millis(poll_time),
        total,
        self_link: link(params.skip),
        next: (end < total).then(|| link(end)),
        previous: (params.skip > 0).then(|| link(params.skip.saturating_sub(params.top))),
        records: &records,
    };
    Ok(reply::json(StatusCode::OK, &body))
}

fn link(base: &str, path: &str, params: &ListParams, skip: u64) -> String {
    let mut url = format!("{base}{path}?");
    if let Some(since) = params.updated_since {
        url.push_str(&format!("updatedSince={}&", format_iso_millis(since)));
    }
    if let Some(active) = params.is_active {
        url.push_str(&format!("isActive={active}&"));
    }
    url.push_str(&format!("skip={skip}&top={}&orderBy=agentId", params.top));
    url
}

/// The body of a `GET /agents` page.
struct AgentsPage<'a> {
    business_unit_id: u64,
    typing: Typing,
    /// Break the first record's `agentId` (the malformed-record fault).
    break_first: bool,
    last_poll_time: String,
    total: u64,
    self_link: String,
    next: Option<String>,
    previous: Option<String>,
    records: &'a [Record],
}

impl Serialize for AgentsPage<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(5))?;
        map.serialize_entry("businessUnitId", &self.business_unit_id)?;
        map.serialize_entry("lastPollTime", &self.last_poll_time)?;
        map.serialize_entry("totalRecords", &self.total)?;
        map.serialize_entry(
            "_links",
            &json!({"self": self.self_link, "next": self.next, "previous": self.previous}),
        )?;
        let records = self
            .records
            .iter()
            .enumerate()
            .map(|(at, record)| WireAgent {
                record,
                typing: self.typing,
                break_id: self.break_first && at == 0,
            });
        map.serialize_entry("agents", &Seq(records))?;
        map.end()
    }
}

/// Serialises the items of an iterator as a JSON array without collecting them.
struct Seq<I>(I);

impl<I> Serialize for Seq<I>
where
    I: Iterator + Clone,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.clone())
    }
}

/// One page of a small list: `{"totalRecords": n, "<key>": [...]}`, or 204 past the end.
fn list_page<T: Serialize>(
    shared: &AdminState,
    list: List,
    items: impl FnOnce(&crate::admin::catalog::Catalog) -> &[T],
    broken: Broken,
    query: Pairs,
) -> Result<Response, ApiError> {
    let params = list_params(query)?;
    let dir = read(&shared.directory);
    let items = items(&dir.catalog);
    let start = usize::try_from(params.skip)
        .unwrap_or(usize::MAX)
        .min(items.len());
    let end = start
        .saturating_add(usize::try_from(params.top).unwrap_or(usize::MAX))
        .min(items.len());
    if start == end {
        return Ok(reply::no_content());
    }
    let key = list.key();
    let records = list_records(list, &items[start..end], shared.typing, broken.is_some())
        .map_err(|e| ApiError::Internal(format!("cannot serialise {key}: {e}")))?;
    let mut body = Map::new();
    body.insert("totalRecords".into(), json!(items.len()));
    body.insert(key.into(), records);
    Ok(reply::json(StatusCode::OK, &body))
}

pub async fn teams(
    State(shared): State<Arc<AdminState>>,
    broken: Broken,
    query: Pairs,
) -> Result<Response, ApiError> {
    list_page(&shared, List::Teams, |c| &c.teams, broken, query)
}

pub async fn security_profiles(
    State(shared): State<Arc<AdminState>>,
    broken: Broken,
    query: Pairs,
) -> Result<Response, ApiError> {
    list_page(
        &shared,
        List::SecurityProfiles,
        |c| &c.profiles,
        broken,
        query,
    )
}

pub async fn campaigns(
    State(shared): State<Arc<AdminState>>,
    broken: Broken,
    query: Pairs,
) -> Result<Response, ApiError> {
    list_page(&shared, List::Campaigns, |c| &c.campaigns, broken, query)
}

pub async fn dispositions(
    State(shared): State<Arc<AdminState>>,
    broken: Broken,
    query: Pairs,
) -> Result<Response, ApiError> {
    list_page(
        &shared,
        List::Dispositions,
        |c| &c.dispositions,
        broken,
        query,
    )
}

pub async fn unavailable_codes(
    State(shared): State<Arc<AdminState>>,
    broken: Broken,
    query: Pairs,
) -> Result<Response, ApiError> {
    list_page(
        &shared,
        List::UnavailableCodes,
        |c| &c.unavailable_codes,
        broken,
        query,
    )
}

/// The `agents` array of a write body, each item a JSON object or a per-item error.
fn write_items(body: Result<Json<Value>, JsonRejection>) -> Result<Vec<Value>, ApiError> {
    let Json(body) = body.map_err(|r| ApiError::BadRequest(format!("Bad JSON body: {r}")))?;
    match body {
        Value::Object(mut fields) => match fields.remove("agents") {
            Some(Value::Array(items)) => Ok(items),
            _ => Err(ApiError::BadRequest(
                "Body must be {\"agents\": [ ... ]}".into(),
            )),
        },
        _ => Err(ApiError::BadRequest("Body must be a JSON object".into())),
    }
}

/// The per-item outcome of a write: `{errorCount, agentResults: [{agentId, success, error}]}`.
fn write_results(results: Vec<(Option<u64>, Result<(), String>)>) -> Response {
    let error_count = results.iter().filter(|(_, r)| r.is_err()).count();
    let agent_results: Vec<Value> = results
        .into_iter()
        .map(|(id, outcome)| match outcome {
            Ok(()) => json!({"agentId": id, "success": true, "error": null}),
            Err(why) => json!({"agentId": id, "success": false, "error": why}),
        })
        .collect();
    reply::json(
        StatusCode::OK,
        &json!({"errorCount": error_count, "agentResults": agent_results}),
    )
}

/// Fields a new agent must name.
const REQUIRED_ON_CREATE: &[&str] = &["userName", "firstName", "lastName", "teamId", "profileId"];

/// `POST /agents`: creates each agent; per-item failures do not stop the others.
pub async fn create_agents(
    State(shared): State<Arc<AdminState>>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let items = write_items(body)?;
    let results = items
        .iter()
        .enumerate()
        .map(|(index, item)| match create_one(&shared, item) {
            Ok(id) => (Some(id), Ok(())),
            Err(why) => (None, Err(format!("agents[{index}]: {why}"))),
        })
        .collect();
    Ok(write_results(results))
}

fn create_one(shared: &AdminState, item: &Value) -> Result<u64, String> {
    let fields = item.as_object().ok_or("not a JSON object")?;
    if let Some(missing) = REQUIRED_ON_CREATE
        .iter()
        .find(|f| !fields.contains_key(**f))
    {
        return Err(format!("{missing} is required"));
    }
    check_refs(shared, fields)?;
    shared
        .add_agent(|agent| {
            *agent = agent.patched(fields)?;
            Ok(())
        })
        .map(|agent| agent.agent_id)
}

/// `PUT /agents`: updates each agent named by `agentId`.
pub async fn update_agents(
    State(shared): State<Arc<AdminState>>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let items = write_items(body)?;
    let results = items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let id = item.get("agentId").and_then(Value::as_u64);
            let outcome =
                update_one(&shared, id, item).map_err(|why| format!("agents[{index}]: {why}"));
            (id, outcome)
        })
        .collect();
    Ok(write_results(results))
}

fn update_one(shared: &AdminState, id: Option<u64>, item: &Value) -> Result<(), String> {
    let fields = item.as_object().ok_or("not a JSON object")?;
    let id = id.ok_or("agentId (integer) is required")?;
    check_refs(shared, fields)?;
    shared
        .update_agent(id, |_, agent| {
            *agent = agent.patched(fields).map_err(SimError::InvalidAgent)?;
            Ok(())
        })
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// A written `teamId`/`profileId` must exist.
fn check_refs(shared: &AdminState, fields: &Map<String, Value>) -> Result<(), String> {
    let dir = read(&shared.directory);
    if let Some(team) = fields.get("teamId") {
        let known = team
            .as_u64()
            .is_some_and(|id| dir.catalog.team(id).is_some());
        if !known {
            return Err(format!("teamId {team} does not exist"));
        }
    }
    if let Some(profile) = fields.get("profileId") {
        let known = profile
            .as_u64()
            .is_some_and(|id| dir.catalog.profile(id).is_some());
        if !known {
            return Err(format!("profileId {profile} does not exist"));
        }
    }
    Ok(())
}
