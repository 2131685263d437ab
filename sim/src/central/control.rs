//! The Central business unit's own control endpoints under `/_sim/`: what the simulator is and
//! the settings a `central` connection needs (`/info`), what the token endpoint did
//! (`/counters`), and the Primary Phone of a user. The rest of the control API is the shared
//! one.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{CentralPlatform, TOKEN_PATH, assumed, resource_server_base_uri};
use crate::admin::http::control::{self, Reply, ok};
use crate::admin::{PlatformState, SimError};

type CentralState = PlatformState<CentralPlatform>;

/// `/info`, `/counters` and `/agents/{id}/primary-phone`.
pub(crate) fn routes(state: CentralState) -> Router {
    Router::new()
        .route("/info", get(info))
        .route("/counters", get(counters))
        .route("/agents/{id}/primary-phone", put(set_primary_phone))
        .with_state(state)
}

async fn info(State(state): State<CentralState>) -> Reply {
    let base = &state.admin.base_url;
    let credentials = &state.platform.credentials;
    let settings: Map<String, Value> = [
        ("base-url", json!(base)),
        ("application", json!(credentials.application)),
        (
            "business-unit",
            json!(credentials.business_unit.to_string()),
        ),
        ("username", json!(credentials.username)),
        ("password", json!(credentials.password)),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value))
    .collect();
    let mut info = control::info(&state.admin);
    info.insert("tokenUrl".into(), json!(format!("{base}{TOKEN_PATH}")));
    info.insert(
        "resourceServerBaseUri".into(),
        json!(resource_server_base_uri(base)),
    );
    info.insert("credentials".into(), json!(credentials));
    info.insert("settings".into(), Value::Object(settings));
    ok(info)
}

async fn counters(State(state): State<CentralState>) -> Reply {
    ok(json!({
        "tokens": state.platform.token_counts(),
        "writes": state.admin.api_writes(),
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PhoneRequest {
    phone: Option<String>,
}

async fn set_primary_phone(
    State(state): State<CentralState>,
    Path(id): Path<u64>,
    body: Result<Json<PhoneRequest>, JsonRejection>,
) -> Reply {
    let Json(request) = body?;
    let agent = state.admin.update_agent(id, |_, agent| {
        assumed::set_primary_phone(agent, request.phone);
        Ok::<(), SimError>(())
    })?;
    ok(agent)
}
