//! Authentication: the token endpoint (client id and secret in a JSON body, a bearer token
//! with an expiry back) and the bearer check in front of every API call.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::reply::{self, ApiError};
use crate::guard::lock;
use crate::ivinex::Shared;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenRequest {
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// `POST /api/v1/auth/token`.
pub async fn token(State(shared): State<Arc<Shared>>, body: Bytes) -> Result<Response, ApiError> {
    let request: TokenRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::BadRequest(format!(
            "the body must be a JSON object {{\"clientId\", \"clientSecret\"}}: {e}"
        ))
    })?;
    let (Some(client_id), Some(client_secret)) = (request.client_id, request.client_secret) else {
        return Err(ApiError::BadRequest(
            "clientId and clientSecret are required".into(),
        ));
    };
    let expected = &shared.credentials;
    if client_id != expected.client_id || client_secret != expected.client_secret {
        return Err(ApiError::InvalidClient);
    }
    let mut tokens = lock(&shared.tokens);
    let issued = tokens.issue();
    Ok(reply::json(
        StatusCode::OK,
        &json!({
            "accessToken": issued.access_token,
            "tokenType": "Bearer",
            "expiresIn": tokens.lifetime().as_secs(),
        }),
    ))
}

/// Lets an API call through only with a valid bearer token.
pub async fn require_bearer(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let valid = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Bearer"))
        .is_some_and(|(_, token)| lock(&shared.tokens).is_valid(token.trim()));
    if valid {
        next.run(request).await
    } else {
        ApiError::InvalidToken.into_response()
    }
}
