//! The CXone tenant's own control endpoints under `/_sim/`: what the simulator is (`/info`)
//! and the "WFM Advanced" feature of a team. The rest of the control API is the shared one.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::{AcdPlatform, assumed};
use crate::admin::PlatformState;
use crate::admin::http::control::{self, Reply, ok};

type AcdState = PlatformState<AcdPlatform>;

/// `/info` and `/teams/{id}/features`.
pub(crate) fn routes(state: AcdState) -> Router {
    Router::new()
        .route("/info", get(info))
        .route("/teams/{id}/features", put(set_team_features))
        .with_state(state)
}

async fn info(State(state): State<AcdState>) -> Reply {
    let mut info = control::info(&state.admin);
    info.insert("tenantId".into(), json!(state.platform.tenant_id));
    info.insert("credentials".into(), json!(state.platform.credentials));
    ok(info)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FeaturesRequest {
    wfm_advanced: bool,
}

async fn set_team_features(
    State(state): State<AcdState>,
    Path(id): Path<u64>,
    body: Result<Json<FeaturesRequest>, JsonRejection>,
) -> Reply {
    let Json(request) = body?;
    let team = state.admin.update_team(id, |team| {
        assumed::set_wfm_advanced(team, request.wfm_advanced);
    })?;
    ok(team)
}
