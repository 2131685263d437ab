//! The response shapes of the simulated Ivinex API: JSON bodies, and one error form for every
//! failure, `{"error": {"code", "message", …}}` (with `fields` on a 422 and `existingId` on a
//! 409), plus `Retry-After` on a 429 and `WWW-Authenticate` on a 401.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use crate::ivinex::{Fault, FieldError};

/// A JSON response (a body that cannot be serialised is a 500).
pub fn json<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            Body::from(bytes),
        )
            .into_response(),
        Err(error) => {
            ApiError::Internal(format!("cannot serialise the response: {error}")).into_response()
        }
    }
}

/// Every failure the simulated API answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 401 on an API call: a missing, unknown or expired bearer token.
    InvalidToken,
    /// 401 on the token endpoint: unknown client or wrong secret.
    InvalidClient,
    /// 400: a body or query the API cannot read.
    BadRequest(String),
    /// 404.
    NotFound(String),
    /// 409 on a create: the kind already has a record with the external id.
    Conflict {
        noun: &'static str,
        existing: u64,
        external_id: String,
    },
    /// 422: the record's fields' problems.
    Validation {
        noun: &'static str,
        fields: Vec<FieldError>,
    },
    /// 500.
    Internal(String),
    /// 429 with `Retry-After` (seconds): only injected, Ivinex publishes no limits.
    RateLimited(u64),
    /// An injected error status (400..=599).
    Status(u16),
    /// 503 for a reply held by [`Fault::LoseReply`] when the simulator stops.
    ShuttingDown,
}

impl ApiError {
    /// The answer of an injected fault; `None` for [`Fault::LoseReply`], whose request is
    /// carried out.
    pub fn injected(fault: Fault) -> Option<Self> {
        match fault {
            Fault::Unauthorized => Some(ApiError::InvalidToken),
            Fault::RateLimited { retry_after_secs } => {
                Some(ApiError::RateLimited(retry_after_secs))
            }
            Fault::Status(code) => Some(ApiError::Status(code)),
            Fault::LoseReply => None,
        }
    }
}

fn error_body(code: &str, message: &str, more: Option<(&str, Value)>) -> Value {
    let mut error = json!({"code": code, "message": message});
    if let (Some((key, value)), Value::Object(fields)) = (more, &mut error) {
        fields.insert(key.to_owned(), value);
    }
    json!({ "error": error })
}

fn plain(status: StatusCode, code: &str, message: &str) -> Response {
    json(status, &error_body(code, message, None))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::InvalidToken => {
                let mut response = plain(
                    StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    "The access token is missing, unknown or expired",
                );
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
                response
            }
            ApiError::InvalidClient => plain(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Unknown client or wrong client secret",
            ),
            ApiError::BadRequest(why) => plain(StatusCode::BAD_REQUEST, "bad_request", &why),
            ApiError::NotFound(why) => plain(StatusCode::NOT_FOUND, "not_found", &why),
            ApiError::Conflict {
                noun,
                existing,
                external_id,
            } => json(
                StatusCode::CONFLICT,
                &error_body(
                    "conflict",
                    &format!("{noun} {existing} already has externalId '{external_id}'"),
                    Some(("existingId", json!(existing))),
                ),
            ),
            ApiError::Validation { noun, fields } => {
                let message = format!(
                    "The {noun} was not saved: {} field{} invalid",
                    fields.len(),
                    if fields.len() == 1 { " is" } else { "s are" }
                );
                json(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &error_body(
                        "validation_failed",
                        &message,
                        Some(("fields", json!(fields))),
                    ),
                )
            }
            ApiError::Internal(why) => {
                plain(StatusCode::INTERNAL_SERVER_ERROR, "server_error", &why)
            }
            ApiError::ShuttingDown => plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "The simulator stopped; this reply was lost",
            ),
            ApiError::RateLimited(retry_after_secs) => {
                let mut response = plain(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    "Too many requests; retry later",
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                response
            }
            ApiError::Status(code) => {
                let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                let reason = status.canonical_reason().unwrap_or("Request failed");
                match status.as_u16() {
                    401 => ApiError::InvalidToken.into_response(),
                    429 => ApiError::RateLimited(1).into_response(),
                    400..=499 => plain(status, "bad_request", reason),
                    _ => plain(status, "server_error", reason),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_carries_retry_after() {
        let response = ApiError::RateLimited(7).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "7");
    }

    #[test]
    fn an_injected_401_is_an_invalid_token_with_its_challenge() {
        let response = ApiError::Status(401).into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(response.headers().contains_key(header::WWW_AUTHENTICATE));
    }
}
