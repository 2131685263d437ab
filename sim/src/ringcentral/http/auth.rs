//! Authentication: the token endpoint (Basic client credentials with the JWT bearer grant or a
//! refresh token) and the bearer check in front of every API call.

use std::sync::Arc;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::json;

use super::Malformed;
use super::reply::{self, ApiError};
use crate::guard::lock;
use crate::ringcentral::assumed::{
    self, BAD_ASSERTION, BAD_CLIENT, BAD_REFRESH_TOKEN, MISSING_PARAMETER, UNSUPPORTED_GRANT,
};
use crate::ringcentral::{
    ACCESS_TOKEN_LIFETIME_SECS, JWT_BEARER_GRANT, OWNER_ID, REFRESH_TOKEN_LIFETIME_SECS, Shared,
};
use crate::tokens::TokenState;

#[derive(Debug, Deserialize)]
pub(crate) struct TokenForm {
    grant_type: Option<String>,
    assertion: Option<String>,
    refresh_token: Option<String>,
}

/// The value after `<scheme> ` in an Authorization header (scheme case-insensitive).
fn credentials_of<'h>(headers: &'h HeaderMap, scheme: &str) -> Option<&'h str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (given, rest) = value.split_once(' ')?;
    given.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}

fn client_ok(shared: &Shared, headers: &HeaderMap) -> bool {
    credentials_of(headers, "Basic")
        .and_then(|basic| STANDARD.decode(basic).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .is_some_and(|pair| {
            pair.split_once(':').is_some_and(|(id, secret)| {
                id == shared.credentials.client_id && secret == shared.credentials.client_secret
            })
        })
}

/// `POST /restapi/oauth/token`.
pub(crate) async fn token(
    State(shared): State<Arc<Shared>>,
    malformed: Option<axum::Extension<Malformed>>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, ApiError> {
    if !client_ok(&shared, &headers) {
        return Err(ApiError::OAuth(BAD_CLIENT));
    }
    let Form(form) = form.map_err(|_| ApiError::OAuth(MISSING_PARAMETER))?;
    match form.grant_type.as_deref() {
        Some(JWT_BEARER_GRANT) => match form.assertion.as_deref() {
            None | Some("") => return Err(ApiError::OAuth(MISSING_PARAMETER)),
            Some(assertion) if assertion == shared.credentials.jwt => {}
            Some(_) => return Err(ApiError::OAuth(BAD_ASSERTION)),
        },
        Some("refresh_token") => {
            let token = form
                .refresh_token
                .as_deref()
                .filter(|t| !t.is_empty())
                .ok_or(ApiError::OAuth(MISSING_PARAMETER))?;
            if !lock(&shared.tokens).redeem_refresh(token) {
                return Err(ApiError::OAuth(BAD_REFRESH_TOKEN));
            }
        }
        Some(_) => return Err(ApiError::OAuth(UNSUPPORTED_GRANT)),
        None => return Err(ApiError::OAuth(MISSING_PARAMETER)),
    }
    let issued = lock(&shared.tokens).issue();
    shared.stats.count_token();
    let mut body = json!({
        "access_token": issued.access_token,
        "token_type": "bearer",
        "expires_in": shared.scale.real(ACCESS_TOKEN_LIFETIME_SECS).as_secs(),
        "refresh_token": issued.refresh_token,
        "refresh_token_expires_in": shared.scale.real(REFRESH_TOKEN_LIFETIME_SECS).as_secs(),
        "scope": assumed::SCOPE,
        "owner_id": OWNER_ID.to_string(),
    });
    if malformed.is_some()
        && let Some(fields) = body.as_object_mut()
    {
        fields.remove("access_token");
    }
    Ok(reply::json(StatusCode::OK, &body))
}

/// Lets an API call through only with a valid bearer token: an expired one gets 401
/// `OAU-128`, a missing or unknown one 401 as well.
pub(crate) async fn require_bearer(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let state = credentials_of(request.headers(), "Bearer").map_or(TokenState::Unknown, |token| {
        lock(&shared.tokens).access_state(token)
    });
    match state {
        TokenState::Valid => next.run(request).await,
        TokenState::Expired => ApiError::TokenExpired.into_response(),
        TokenState::Unknown => ApiError::TokenUnknown.into_response(),
    }
}
