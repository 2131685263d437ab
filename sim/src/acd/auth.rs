//! The CXone sign-in: the token endpoint (Basic client credentials + password grant with the
//! access key) and the discovery document. The bearer check in front of the Admin API is the
//! shared one.

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::json;

use super::{AcdPlatform, assumed};
use crate::admin::http::BreakFirstRecord;
use crate::admin::http::auth::basic_pair;
use crate::admin::http::reply::{self, ApiError};
use crate::admin::{PlatformState, lock};

type AcdState = PlatformState<AcdPlatform>;

/// The token endpoint and the discovery document.
pub(crate) fn routes(state: AcdState) -> Router {
    Router::new()
        .route("/auth/token", post(token))
        .route("/.well-known/cxone-configuration", get(discovery))
        .with_state(state)
}

#[derive(Debug, Deserialize)]
struct TokenForm {
    grant_type: Option<String>,
    username: Option<String>,
    password: Option<String>,
}

/// `POST /auth/token`.
async fn token(
    State(state): State<AcdState>,
    headers: HeaderMap,
    broken: Option<Extension<BreakFirstRecord>>,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let expected = &state.platform.credentials;
    let (id, secret) = basic_pair(&headers).map_err(ApiError::InvalidClient)?;
    if id != expected.client_id || secret != expected.client_secret {
        return Err(ApiError::InvalidClient(
            "Unknown client or wrong client secret".into(),
        ));
    }
    let Form(form) = form.map_err(|rejection| {
        ApiError::InvalidRequest(format!("Token request must be a form: {rejection}"))
    })?;
    match form.grant_type.as_deref() {
        Some("password") => {}
        Some(other) => {
            return Err(ApiError::UnsupportedGrantType(format!(
                "Unsupported grant_type '{other}': use password"
            )));
        }
        None => return Err(ApiError::InvalidRequest("Missing grant_type".into())),
    }
    let key_ok = form.username.as_deref() == Some(expected.access_key_id.as_str())
        && form.password.as_deref() == Some(expected.access_key_secret.as_str());
    if !key_ok {
        return Err(ApiError::InvalidClient(
            "Unknown access key or wrong secret".into(),
        ));
    }
    let (issued, lifetime) = {
        let mut tokens = lock(&state.admin.tokens);
        (tokens.issue(), tokens.lifetime().as_secs())
    };
    let now = jiff::Timestamp::now().as_second();
    let mut body = json!({
        "access_token": issued.access_token,
        "token_type": "bearer",
        "refresh_token": issued.refresh_token,
        "expires_in": lifetime,
        "id_token": id_token(&state, now, lifetime),
    });
    if broken.is_some() {
        reply::drop_access_token(&mut body);
    }
    Ok(reply::json(StatusCode::OK, &body))
}

/// A JWT-shaped id token carrying the tenant id (unsigned: nothing should verify it).
fn id_token(state: &AcdState, now: i64, lifetime: u64) -> String {
    let acd = &state.platform;
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": "ccsync-sim"});
    let claims = json!({
        "iss": state.admin.base_url,
        "sub": format!("user:{}", acd.credentials.access_key_id),
        "aud": acd.credentials.client_id,
        assumed::ID_TOKEN_TENANT_CLAIM: acd.tenant_id,
        "iat": now,
        "exp": now.saturating_add_unsigned(lifetime),
    });
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode("ccsync-sim-unsigned"),
    )
}

#[derive(Debug, Deserialize)]
struct DiscoveryQuery {
    #[serde(rename = "tenantId")]
    tenant_id: Option<String>,
}

/// `GET /.well-known/cxone-configuration?tenantId=…`.
async fn discovery(
    State(state): State<AcdState>,
    query: Result<Query<DiscoveryQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|r| ApiError::BadRequest(format!("Bad query: {r}")))?;
    let tenant = query
        .tenant_id
        .ok_or_else(|| ApiError::BadRequest("Missing tenantId".into()))?;
    let (base_url, tenant_id) = (&state.admin.base_url, &state.platform.tenant_id);
    if tenant != *tenant_id {
        return Err(ApiError::NotFound(format!("Unknown tenantId '{tenant}'")));
    }
    Ok(reply::json(
        StatusCode::OK,
        &json!({
            "api_endpoint": base_url,
            "auth_endpoint": base_url,
            "area": "na1",
            "cluster": "c1",
            "tenantId": tenant_id,
        }),
    ))
}
