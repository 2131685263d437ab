//! The HTTP face of the Ivinex simulator: routes, and the traffic layer in front of everything
//! but the `/_sim/` control endpoints (the log, injected faults, lost replies, and the count of
//! `DELETE` calls, taken before anything can refuse them).

mod api;
mod auth;
mod control;
mod reply;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::watch;

use super::{API_ROOT, Fault, RecordKind, RequestRecord, Shared};
use crate::guard::lock;
use reply::ApiError;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/{collection}", get(api::list).post(api::create))
        .route(
            "/{collection}/{id}",
            get(api::get).patch(api::update).delete(api::delete),
        )
        .route_layer(from_fn_with_state(shared.clone(), auth::require_bearer));
    let served = Router::new()
        .route(&format!("{API_ROOT}/auth/token"), post(auth::token))
        .nest(API_ROOT, api)
        .fallback(unknown_endpoint)
        .layer(from_fn_with_state(shared.clone(), traffic));
    Router::new()
        .merge(served)
        .nest("/_sim", control::router())
        .with_state(shared)
}

async fn unknown_endpoint() -> ApiError {
    ApiError::NotFound("no such endpoint".into())
}

/// Counts `DELETE` calls, answers injected faults, holds lost replies, and logs every request
/// it answered.
async fn traffic(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    if method == "DELETE"
        && let Some(kind) = kind_of(&path)
    {
        lock(&shared.account).count_delete_call(kind);
    }
    let fault = shared.traffic.take_fault(&method, &path);
    let response = match fault.and_then(ApiError::injected) {
        Some(answer) => answer.into_response(),
        None => next.run(request).await,
    };
    shared.traffic.record(RequestRecord {
        method,
        path,
        query,
        status: response.status().as_u16(),
    });
    if fault == Some(Fault::LoseReply) {
        // Done, and logged as done; the client waits until it gives up (dropping this future).
        shared.held.hold().await;
        return ApiError::ShuttingDown.into_response();
    }
    response
}

/// The kind whose collection an API path is in.
fn kind_of(path: &str) -> Option<RecordKind> {
    let rest = path.strip_prefix(API_ROOT)?.strip_prefix('/')?;
    RecordKind::from_collection(rest.split('/').next()?)
}

/// The replies [`Fault::LoseReply`] holds back: counted while held, and let go only when the
/// simulator stops.
#[derive(Debug)]
pub(crate) struct Held {
    count: watch::Sender<usize>,
    released: watch::Sender<bool>,
}

impl Default for Held {
    fn default() -> Self {
        Self {
            count: watch::Sender::new(0),
            released: watch::Sender::new(false),
        }
    }
}

/// Counts one held reply for as long as it lives (the client going away drops it).
struct HeldGuard<'a>(&'a watch::Sender<usize>);

impl Drop for HeldGuard<'_> {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n -= 1);
    }
}

impl Held {
    /// Waits until the simulator stops.
    async fn hold(&self) {
        let mut released = self.released.subscribe();
        self.count.send_modify(|n| *n += 1);
        let _guard = HeldGuard(&self.count);
        // The sender lives as long as `self`: the wait ends only on release.
        let _ = released.wait_for(|done| *done).await;
    }

    pub(crate) fn release(&self) {
        self.released.send_replace(true);
    }

    pub(crate) fn count(&self) -> usize {
        *self.count.borrow()
    }

    pub(crate) async fn wait_until(&self, n: usize) {
        let mut count = self.count.subscribe();
        let _ = count.wait_for(|held| *held >= n).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delete_calls_are_told_apart_by_collection() {
        assert_eq!(kind_of("/api/v1/users/1001"), Some(RecordKind::User));
        assert_eq!(
            kind_of("/api/v1/agent-statuses/7"),
            Some(RecordKind::AgentStatus)
        );
        assert_eq!(kind_of("/api/v1/teams/7"), None);
        assert_eq!(kind_of("/_sim/records/users/7"), None);
    }

    #[tokio::test]
    async fn a_held_reply_counts_until_its_client_goes_away() {
        let held = Arc::new(Held::default());
        let waiting = {
            let held = held.clone();
            tokio::spawn(async move { held.hold().await })
        };
        held.wait_until(1).await;
        assert_eq!(held.count(), 1);
        waiting.abort();
        let _ = waiting.await;
        assert_eq!(held.count(), 0);
    }
}
