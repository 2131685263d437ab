//! The HTTP face of the simulator: routes, and the layer in front of everything but the
//! `/_sim/` control endpoints that rate-limits, answers injected faults, adds the
//! `X-Rate-Limit-*` headers to every reply of a rate-limited path and logs the request.

mod api;
mod auth;
mod control;
mod params;
mod reply;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::fault::below_account;
use super::limits::{Admission, RateGroup};
use super::{API_ACCOUNT_ROOT, Shared, TOKEN_PATH};
use crate::guard::lock;
use crate::traffic::RequestRecord;
use reply::ApiError;

/// Marks a request whose reply must carry a broken record (an injected
/// [`Fault::MalformedRecord`](super::Fault::MalformedRecord)).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Malformed;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route(
            &format!("{API_ACCOUNT_ROOT}/{{account}}/extension"),
            get(api::list),
        )
        .route(
            &format!("{API_ACCOUNT_ROOT}/{{account}}/extension/{{id}}"),
            get(api::get_one),
        )
        .route_layer(from_fn_with_state(shared.clone(), auth::require_bearer));
    let served = Router::new()
        .route(TOKEN_PATH, post(auth::token))
        .merge(api)
        .layer(from_fn_with_state(shared.clone(), traffic));
    Router::new()
        .merge(served)
        .nest("/_sim", control::router())
        .with_state(shared)
}

/// The rate-limit group of a path: the token endpoint is Auth, the extension list Medium, one
/// extension Light; other paths are not rate-limited (and not served).
fn group_of(path: &str) -> Option<RateGroup> {
    if path == TOKEN_PATH {
        return Some(RateGroup::Auth);
    }
    let rest = below_account(path)?.strip_prefix("/extension")?;
    match rest {
        "" | "/" => Some(RateGroup::Medium),
        id if id.len() > 1 && !id[1..].contains('/') => Some(RateGroup::Light),
        _ => None,
    }
}

const GROUP: HeaderName = HeaderName::from_static("x-rate-limit-group");
const LIMIT: HeaderName = HeaderName::from_static("x-rate-limit-limit");
const REMAINING: HeaderName = HeaderName::from_static("x-rate-limit-remaining");
const WINDOW: HeaderName = HeaderName::from_static("x-rate-limit-window");

/// Rate limit, faults, headers and the log, in that order: a request over the limit is
/// answered 429 before a fault is taken, and every reply of a rate-limited path (401s, 404s
/// and injected faults included) carries the group's headers.
async fn traffic(State(shared): State<Arc<Shared>>, mut request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let verdict = group_of(&path).map(|group| {
        let (admission, limit, window) = {
            let mut limiter = lock(&shared.limiter);
            let admission = limiter.admit(group, Instant::now());
            (admission, limiter.limit(group), limiter.window_secs())
        };
        shared.stats.count(group, admission);
        (group, admission, limit, window)
    });
    let mut response = match verdict {
        Some((_, Admission::Limited { .. }, _, window)) => ApiError::RateLimited {
            retry_after_secs: window,
        }
        .into_response(),
        _ => match shared.traffic.take_fault(&method, &path) {
            Some(fault) => match reply::fault_response(fault) {
                Some(response) => response,
                None => {
                    request.extensions_mut().insert(Malformed);
                    next.run(request).await
                }
            },
            None => next.run(request).await,
        },
    };
    if let Some((group, admission, limit, window)) = verdict {
        let remaining = match admission {
            Admission::Admitted { remaining } => remaining,
            Admission::Limited { .. } => 0,
        };
        let headers = response.headers_mut();
        headers.insert(GROUP, HeaderValue::from_static(group.as_str()));
        headers.insert(LIMIT, HeaderValue::from(limit));
        headers.insert(REMAINING, HeaderValue::from(remaining));
        headers.insert(WINDOW, HeaderValue::from(window));
    }
    shared.traffic.record(RequestRecord {
        method,
        path,
        query,
        status: response.status().as_u16(),
    });
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_belong_to_the_platforms_groups() {
        assert_eq!(group_of("/restapi/oauth/token"), Some(RateGroup::Auth));
        assert_eq!(
            group_of("/restapi/v1.0/account/~/extension"),
            Some(RateGroup::Medium)
        );
        assert_eq!(
            group_of("/restapi/v1.0/account/~/extension/2570000001"),
            Some(RateGroup::Light)
        );
        assert_eq!(
            group_of("/restapi/v1.0/account/~/extension/1/presence"),
            None
        );
        assert_eq!(group_of("/elsewhere"), None);
    }
}
