//! Authentication: the token endpoint (Basic client credentials + password grant with the access
//! key), the discovery document, and the bearer check in front of every Admin API call.

use std::sync::Arc;

use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Deserialize;
use serde_json::json;

use super::reply::{self, ApiError};
use crate::acd::{Shared, assumed, lock};

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    grant_type: Option<String>,
    username: Option<String>,
    password: Option<String>,
}

/// The value after `<scheme> ` in an Authorization header (scheme case-insensitive).
fn credentials_of<'h>(headers: &'h HeaderMap, scheme: &str) -> Option<&'h str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (given, rest) = value.split_once(' ')?;
    given.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}

/// `POST /auth/token`.
pub async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let expected = &shared.credentials;
    let basic = credentials_of(&headers, "Basic")
        .ok_or_else(|| ApiError::InvalidClient("Missing Basic client credentials".into()))?;
    let decoded = STANDARD
        .decode(basic)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| ApiError::InvalidClient("Basic credentials are not base64 text".into()))?;
    let client_ok = decoded
        .split_once(':')
        .is_some_and(|(id, secret)| id == expected.client_id && secret == expected.client_secret);
    if !client_ok {
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
        let mut tokens = lock(&shared.tokens);
        (tokens.issue(), tokens.lifetime().as_secs())
    };
    let now = jiff::Timestamp::now().as_second();
    Ok(reply::json(
        StatusCode::OK,
        &json!({
            "access_token": issued.access_token,
            "token_type": "bearer",
            "refresh_token": issued.refresh_token,
            "expires_in": lifetime,
            "id_token": id_token(&shared, now, lifetime),
        }),
    ))
}

/// A JWT-shaped id token carrying the tenant id (unsigned: nothing should verify it).
fn id_token(shared: &Shared, now: i64, lifetime: u64) -> String {
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": "ccsync-sim"});
    let claims = json!({
        "iss": shared.base_url,
        "sub": format!("user:{}", shared.credentials.access_key_id),
        "aud": shared.credentials.client_id,
        assumed::ID_TOKEN_TENANT_CLAIM: shared.tenant_id,
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
pub struct DiscoveryQuery {
    #[serde(rename = "tenantId")]
    tenant_id: Option<String>,
}

/// `GET /.well-known/cxone-configuration?tenantId=…`.
pub async fn discovery(
    State(shared): State<Arc<Shared>>,
    query: Result<Query<DiscoveryQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|r| ApiError::BadRequest(format!("Bad query: {r}")))?;
    let tenant = query
        .tenant_id
        .ok_or_else(|| ApiError::BadRequest("Missing tenantId".into()))?;
    if tenant != shared.tenant_id {
        return Err(ApiError::NotFound(format!("Unknown tenantId '{tenant}'")));
    }
    Ok(reply::json(
        StatusCode::OK,
        &json!({
            "api_endpoint": shared.base_url,
            "auth_endpoint": shared.base_url,
            "area": "na1",
            "cluster": "c1",
            "tenantId": shared.tenant_id,
        }),
    ))
}

/// Lets an Admin API call through only with a valid bearer token.
pub async fn require_bearer(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let valid = credentials_of(request.headers(), "Bearer")
        .is_some_and(|token| lock(&shared.tokens).is_valid(token));
    if valid {
        next.run(request).await
    } else {
        ApiError::InvalidToken.into_response()
    }
}
