//! The response shapes of the simulated API: JSON bodies, RingCentral's error envelope
//! (`{errorCode, message, errors:[{errorCode, message}]}`), the OAuth error form of the token
//! endpoint, and `Retry-After` on 429.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use crate::ringcentral::Fault;
use crate::ringcentral::assumed::{self, OAuthFailure};

/// A JSON response.
pub(crate) fn json<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
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
pub(crate) enum ApiError {
    /// 400 `CMN-101`: a query parameter with a value the API does not take.
    InvalidParameter { name: String, value: String },
    /// 404 `CMN-102`: no such resource.
    NotFound(String),
    /// 401 `OAU-128`: the access token expired.
    TokenExpired,
    /// 401: no token, or one never issued.
    TokenUnknown,
    /// A refused token request.
    OAuth(OAuthFailure),
    /// 429 `CMN-301` with `Retry-After`.
    RateLimited { retry_after_secs: u64 },
    /// 500.
    Internal(String),
}

fn envelope(status: StatusCode, code: &str, message: &str, parameter: Option<&str>) -> Response {
    let mut detail = json!({"errorCode": code, "message": message});
    if let Some(name) = parameter {
        detail["parameterName"] = json!(name);
    }
    json(
        status,
        &json!({"errorCode": code, "message": message, "errors": [detail]}),
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::InvalidParameter { name, value } => envelope(
                StatusCode::BAD_REQUEST,
                "CMN-101",
                &format!("Parameter [{name}] value is invalid: '{value}'"),
                Some(&name),
            ),
            ApiError::NotFound(what) => envelope(StatusCode::NOT_FOUND, "CMN-102", &what, None),
            ApiError::TokenExpired => {
                let (code, message) = assumed::TOKEN_EXPIRED;
                envelope(StatusCode::UNAUTHORIZED, code, message, None)
            }
            ApiError::TokenUnknown => {
                let (code, message) = assumed::TOKEN_UNKNOWN;
                envelope(StatusCode::UNAUTHORIZED, code, message, None)
            }
            ApiError::OAuth(failure) => json(
                StatusCode::from_u16(failure.status).unwrap_or(StatusCode::BAD_REQUEST),
                &json!({
                    "error": failure.error,
                    "error_description": failure.message,
                    "errors": [{"errorCode": failure.code, "message": failure.message}],
                }),
            ),
            ApiError::RateLimited { retry_after_secs } => {
                let mut response = envelope(
                    StatusCode::TOO_MANY_REQUESTS,
                    "CMN-301",
                    "Request rate exceeded",
                    None,
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                response
            }
            ApiError::Internal(why) => {
                envelope(StatusCode::INTERNAL_SERVER_ERROR, "CMN-201", &why, None)
            }
        }
    }
}

/// The answer to an injected fault other than a malformed record.
pub(crate) fn fault_response(fault: Fault) -> Option<Response> {
    match fault {
        Fault::RateLimited { retry_after_secs } => {
            Some(ApiError::RateLimited { retry_after_secs }.into_response())
        }
        Fault::Status(code) => Some(injected(code)),
        Fault::MalformedRecord => None,
    }
}

fn injected(code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let reason = status.canonical_reason().unwrap_or("Request failed");
    match status.as_u16() {
        401 => ApiError::TokenExpired.into_response(),
        429 => ApiError::RateLimited {
            retry_after_secs: 1,
        }
        .into_response(),
        404 => ApiError::NotFound(reason.to_owned()).into_response(),
        403 => envelope(status, "CMN-401", reason, None),
        400..=499 => envelope(status, "CMN-101", reason, None),
        _ => envelope(status, "CMN-201", reason, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(response: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn errors_carry_the_code_at_the_top_and_in_the_errors_list() {
        let response = ApiError::InvalidParameter {
            name: "perPage".into(),
            value: "x".into(),
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body = body(response).await;
        assert_eq!(body["errorCode"], "CMN-101");
        assert_eq!(body["errors"][0]["errorCode"], "CMN-101");
        assert_eq!(body["errors"][0]["parameterName"], "perPage");
    }

    #[tokio::test]
    async fn oauth_failures_use_the_oauth_form_with_the_ringcentral_code() {
        let response = ApiError::OAuth(assumed::BAD_CLIENT).into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body = body(response).await;
        assert_eq!(body["error"], "invalid_client");
        assert_eq!(body["errors"][0]["errorCode"], "OAU-123");
    }

    #[tokio::test]
    async fn injected_statuses_keep_their_status_and_401_reads_as_expired() {
        let response = fault_response(Fault::Status(401)).unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(body(response).await["errorCode"], "OAU-128");
        let response = fault_response(Fault::Status(503)).unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let response = fault_response(Fault::RateLimited {
            retry_after_secs: 7,
        })
        .unwrap();
        assert_eq!(response.headers()[header::RETRY_AFTER], "7");
        assert!(fault_response(Fault::MalformedRecord).is_none());
    }
}
