//! The HTTP face of the simulator: routes, and the traffic layer (log, faults, stalls) in front
//! of everything but the `/_sim/` control endpoints.

mod api;
mod auth;
mod control;
mod params;
mod reply;

use std::sync::Arc;

use axum::Router;
use axum::extract::{OriginalUri, Request, State};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::{API_ROOT, RequestRecord, Shared};
use reply::ApiError;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route(
            "/agents",
            get(api::agents)
                .post(api::create_agents)
                .put(api::update_agents),
        )
        .route("/teams", get(api::teams))
        .route("/security-profiles", get(api::security_profiles))
        .route("/campaigns", get(api::campaigns))
        .route("/dispositions", get(api::dispositions))
        .route("/unavailable-codes", get(api::unavailable_codes))
        .route_layer(from_fn_with_state(shared.clone(), auth::require_bearer))
        .route_layer(from_fn_with_state(shared.clone(), known_version));
    let served = Router::new()
        .route("/auth/token", post(auth::token))
        .route("/.well-known/cxone-configuration", get(auth::discovery))
        .nest(&format!("{API_ROOT}/{{version}}"), api)
        .layer(from_fn_with_state(shared.clone(), traffic));
    Router::new()
        .merge(served)
        .nest("/_sim", control::router())
        .with_state(shared)
}

/// `vNN.0` is a version the real platform could serve; anything else is 404.
async fn known_version(request: Request, next: Next) -> Response {
    // Nesting strips the prefix from `uri()`; the original keeps it.
    let path = match request.extensions().get::<OriginalUri>() {
        Some(OriginalUri(uri)) => uri.path(),
        None => request.uri().path(),
    };
    let version = path
        .strip_prefix(API_ROOT)
        .and_then(|rest| rest.strip_prefix('/'))
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default();
    let known = version
        .strip_prefix('v')
        .and_then(|v| v.strip_suffix(".0"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if known {
        next.run(request).await
    } else {
        ApiError::NotFound(format!("Unknown API version '{version}'")).into_response()
    }
}

/// Logs every answered request, answers injected faults, and holds stalled requests.
async fn traffic(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let response = match shared.traffic.take_fault(&method, &path) {
        Some(fault) => ApiError::Injected(fault).into_response(),
        None => {
            shared
                .traffic
                .wait_if_stalled(&path, skip_of(query.as_deref()))
                .await;
            next.run(request).await
        }
    };
    shared.traffic.record(RequestRecord {
        method,
        path,
        query,
        status: response.status().as_u16(),
    });
    response
}

/// The `skip` query parameter (0 when absent or unparseable), to match stalls by page.
fn skip_of(query: Option<&str>) -> u64 {
    query
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| name.eq_ignore_ascii_case("skip"))
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_is_read_from_the_query_for_stall_matching() {
        assert_eq!(skip_of(Some("top=10&skip=200&orderBy=agentId")), 200);
        assert_eq!(skip_of(Some("top=10")), 0);
        assert_eq!(skip_of(None), 0);
    }
}
