//! The response shapes of the simulated API: JSON bodies serialised straight to bytes, and the
//! CXone error forms (`{error, error_description}` bodies, the `icStatusDescription` header,
//! `Retry-After` on 429).

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use serde_json::Value;

use crate::admin::Fault;

/// The header CXone puts the reason of a failure in.
pub const IC_STATUS_DESCRIPTION: HeaderName = HeaderName::from_static("icstatusdescription");

/// A JSON response serialised with serde_json directly (large pages skip any intermediate
/// `Value`).
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

/// `204 No Content` with an empty body: what CXone answers when a list has nothing (left).
pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// A token reply broken by [`Fault::MalformedRecord`]: it lacks `access_token`.
pub fn drop_access_token(body: &mut Value) {
    if let Value::Object(fields) = body {
        fields.remove("access_token");
    }
}

/// Every failure the simulated API answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 401 on an API call: missing, unknown or expired bearer token.
    InvalidToken,
    /// 401 on the token endpoint: wrong client or access key (CXone), wrong application or
    /// business unit (Central).
    InvalidClient(String),
    /// 400 on the token endpoint: missing or malformed form fields.
    InvalidRequest(String),
    /// 400 on the token endpoint: a grant it does not take.
    UnsupportedGrantType(String),
    /// A sign-in refusal a platform words itself: `{error, error_description}` with `status`.
    Refused {
        /// 400 or 401.
        status: StatusCode,
        /// The `error` code.
        error: &'static str,
        /// The `error_description` (and `icStatusDescription`).
        description: String,
    },
    /// 400 on an API call: a bad parameter or body.
    BadRequest(String),
    /// 404: an unknown API version, an unknown discovery tenant.
    NotFound(String),
    /// 500: the simulator failed (a response that could not be serialised).
    Internal(String),
    /// An injected fault.
    Injected(Fault),
}

fn error_response(
    status: StatusCode,
    error: &str,
    description: &str,
    extra: Option<(HeaderName, HeaderValue)>,
) -> Response {
    let body = serde_json::json!({"error": error, "error_description": description});
    let mut response = json(status, &body);
    let headers = response.headers_mut();
    // A description with characters a header cannot carry goes in the body only.
    if let Ok(value) = HeaderValue::from_str(description) {
        headers.insert(IC_STATUS_DESCRIPTION, value);
    }
    if let Some((name, value)) = extra {
        headers.insert(name, value);
    }
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::InvalidToken => error_response(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "Invalid token",
                None,
            ),
            ApiError::InvalidClient(why) => {
                error_response(StatusCode::UNAUTHORIZED, "invalid_client", &why, None)
            }
            ApiError::InvalidRequest(why) => {
                error_response(StatusCode::BAD_REQUEST, "invalid_request", &why, None)
            }
            ApiError::UnsupportedGrantType(why) => error_response(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &why,
                None,
            ),
            ApiError::Refused {
                status,
                error,
                description,
            } => error_response(status, error, &description, None),
            ApiError::BadRequest(why) => {
                error_response(StatusCode::BAD_REQUEST, "invalid_request", &why, None)
            }
            ApiError::NotFound(why) => {
                error_response(StatusCode::NOT_FOUND, "not_found", &why, None)
            }
            ApiError::Internal(why) => error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                &why,
                None,
            ),
            ApiError::Injected(Fault::RateLimited { retry_after_secs }) => error_response(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Rate limit exceeded",
                Some((header::RETRY_AFTER, HeaderValue::from(retry_after_secs))),
            ),
            // The traffic layer passes this fault to the handlers instead; if one ever gets
            // here it is the simulator's mistake.
            ApiError::Injected(Fault::MalformedRecord) => error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "A malformed-record fault reached the error path",
                None,
            ),
            ApiError::Injected(Fault::Status(code)) => {
                let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                match status.as_u16() {
                    401 => ApiError::InvalidToken.into_response(),
                    429 => ApiError::Injected(Fault::RateLimited {
                        retry_after_secs: 1,
                    })
                    .into_response(),
                    400..=499 => error_response(
                        status,
                        "invalid_request",
                        status.canonical_reason().unwrap_or("Request failed"),
                        None,
                    ),
                    _ => error_response(
                        status,
                        "server_error",
                        status.canonical_reason().unwrap_or("Server error"),
                        None,
                    ),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_carries_retry_after_and_status_description() {
        let response = ApiError::Injected(Fault::RateLimited {
            retry_after_secs: 7,
        })
        .into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "7");
        assert!(response.headers().contains_key(IC_STATUS_DESCRIPTION));
    }

    #[test]
    fn injected_server_error_keeps_its_status_and_says_why_in_the_header() {
        let response = ApiError::Injected(Fault::Status(502)).into_response();
        assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
        assert_eq!(response.headers()[IC_STATUS_DESCRIPTION], "Bad Gateway");
    }
}
