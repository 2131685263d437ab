//! Central's legacy sign-in: `POST /InContactAuthorizationServer/Token` with
//! `Authorization: basic base64("App@Vendor:BusinessUnit")` and a JSON body, granting a token
//! pair for the API user's password or for an unused refresh token. The reply names the
//! resource server the Admin API lives on. The bearer check in front of the Admin API is the
//! shared one.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Json, Router};
use serde_json::{Map, Value, json};

use super::{CentralPlatform, TOKEN_PATH, assumed, population};
use crate::admin::http::BreakFirstRecord;
use crate::admin::http::auth::basic_pair;
use crate::admin::http::reply::{self, ApiError};
use crate::admin::{PlatformState, lock};

type CentralState = PlatformState<CentralPlatform>;

/// The token endpoint (also the `refresh_token_server_uri`).
pub(crate) fn routes(state: CentralState) -> Router {
    Router::new()
        .route(TOKEN_PATH, post(token))
        .with_state(state)
}

/// A refused token request: 401 for credentials, 400 for a malformed request.
#[derive(Debug)]
enum Refusal {
    /// Wrong or missing application or business unit.
    Client(String),
    /// Wrong user or password, or an unusable refresh token.
    Grant(String),
    /// The body is not a JSON object, or a field is missing or not a string.
    Malformed(String),
    /// A grant other than `password` or `refresh_token`.
    UnsupportedGrant(String),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, error, why) = match self {
            Refusal::Client(why) => (StatusCode::UNAUTHORIZED, assumed::ERROR_BAD_CLIENT, why),
            Refusal::Grant(why) => (StatusCode::UNAUTHORIZED, assumed::ERROR_BAD_GRANT, why),
            Refusal::Malformed(why) => (StatusCode::BAD_REQUEST, "invalid_request", why),
            Refusal::UnsupportedGrant(why) => {
                (StatusCode::BAD_REQUEST, "unsupported_grant_type", why)
            }
        };
        ApiError::Refused {
            status,
            error,
            description: why,
        }
        .into_response()
    }
}

/// `POST /InContactAuthorizationServer/Token`.
async fn token(
    State(state): State<CentralState>,
    headers: HeaderMap,
    broken: Option<Extension<BreakFirstRecord>>,
    body: Result<Json<Value>, JsonRejection>,
) -> Response {
    match grant(&state, &headers, body) {
        Ok(mut reply) => {
            if broken.is_some() {
                reply::drop_access_token(&mut reply);
            }
            reply::json(StatusCode::OK, &reply)
        }
        Err(refusal) => {
            state
                .platform
                .counts
                .refused
                .fetch_add(1, Ordering::Relaxed);
            refusal.into_response()
        }
    }
}

fn grant(
    state: &CentralState,
    headers: &HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Value, Refusal> {
    let central = &state.platform;
    let (application, business_unit) = basic_pair(headers).map_err(Refusal::Client)?;
    if application != central.credentials.application
        || business_unit != central.credentials.business_unit.to_string()
    {
        return Err(Refusal::Client(
            "Unknown application or business unit".into(),
        ));
    }
    let Json(body) = body.map_err(|rejection| {
        Refusal::Malformed(format!("The token request must be JSON: {rejection}"))
    })?;
    let Value::Object(fields) = body else {
        return Err(Refusal::Malformed(
            "The token request must be a JSON object".into(),
        ));
    };
    let scope = match required(&fields, "grant_type")? {
        "password" => {
            let username = required(&fields, "username")?;
            let password = required(&fields, "password")?;
            if username != central.credentials.username || password != central.credentials.password
            {
                return Err(Refusal::Grant("Invalid username or password".into()));
            }
            let scope = optional(&fields, "scope")?
                .filter(|s| !s.trim().is_empty())
                .unwrap_or(assumed::DEFAULT_SCOPE)
                .to_owned();
            central.counts.password.fetch_add(1, Ordering::Relaxed);
            scope
        }
        "refresh_token" => {
            let refresh = required(&fields, "refresh_token")?;
            let usable = lock(&state.admin.tokens).redeem_refresh(refresh);
            let scope = lock(&central.scopes).remove(refresh);
            let scope = scope.filter(|_| usable).ok_or_else(|| {
                Refusal::Grant("The refresh token is unknown, used or expired".into())
            })?;
            central.counts.refresh.fetch_add(1, Ordering::Relaxed);
            scope
        }
        other => {
            return Err(Refusal::UnsupportedGrant(format!(
                "Unsupported grant_type '{other}': use password or refresh_token"
            )));
        }
    };
    Ok(issue(state, scope))
}

/// A new token pair for `scope`, as the reply body.
fn issue(state: &CentralState, scope: String) -> Value {
    let (issued, lifetime) = {
        let mut tokens = lock(&state.admin.tokens);
        (tokens.issue(), tokens.lifetime())
    };
    let expires_in = lifetime.as_secs() + u64::from(lifetime.subsec_nanos() > 0);
    lock(&state.platform.scopes).insert(issued.refresh_token.clone(), scope.clone());
    let base = &state.admin.base_url;
    json!({
        "access_token": issued.access_token,
        "refresh_token": issued.refresh_token,
        "resource_server_base_uri": super::resource_server_base_uri(base),
        "refresh_token_server_uri": format!("{base}{TOKEN_PATH}"),
        "expires_in": expires_in,
        "token_type": "bearer",
        "scope": scope,
        "agent_id": assumed::API_USER_AGENT_ID,
        "team_id": population::api_user_team_id(),
        "bus_no": state.platform.credentials.business_unit,
    })
}

/// A string field the request must have.
fn required<'a>(fields: &'a Map<String, Value>, name: &str) -> Result<&'a str, Refusal> {
    optional(fields, name)?.ok_or_else(|| Refusal::Malformed(format!("Missing {name}")))
}

/// A string field the request may have (absent or null: none).
fn optional<'a>(fields: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, Refusal> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(Refusal::Malformed(format!("{name} must be a string"))),
    }
}
