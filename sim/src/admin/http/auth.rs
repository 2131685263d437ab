//! What every platform's sign-in shares: reading the Authorization header (Basic credentials
//! for a token request, the bearer token of an API call), and the bearer check in front of
//! every Admin API call. The token endpoints themselves are each platform's own.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::reply::ApiError;
use crate::admin::{AdminState, lock};

/// The value after `<scheme> ` in an Authorization header (scheme case-insensitive).
pub(crate) fn credentials_of<'h>(headers: &'h HeaderMap, scheme: &str) -> Option<&'h str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (given, rest) = value.split_once(' ')?;
    given.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}

/// The two halves of `Authorization: Basic base64(left:right)` (split at the first `:`), or
/// why there are none: the header is missing, not base64 text, or has no `:`.
pub(crate) fn basic_pair(headers: &HeaderMap) -> Result<(String, String), String> {
    let encoded = credentials_of(headers, "Basic").ok_or("Missing Basic credentials")?;
    let decoded = STANDARD
        .decode(encoded)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or("Basic credentials are not base64 text")?;
    let (left, right) = decoded
        .split_once(':')
        .ok_or("Basic credentials lack a ':'")?;
    Ok((left.to_owned(), right.to_owned()))
}

/// Lets an Admin API call through only with a valid bearer token.
pub(crate) async fn require_bearer(
    State(shared): State<Arc<AdminState>>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn the_basic_scheme_is_case_insensitive_and_splits_at_the_first_colon() {
        let encoded = STANDARD.encode("App@Vendor:4600001:x");
        for scheme in ["Basic", "basic", "BASIC"] {
            let pair = basic_pair(&headers(&format!("{scheme} {encoded}"))).unwrap();
            assert_eq!(pair, ("App@Vendor".into(), "4600001:x".into()));
        }
    }

    #[test]
    fn missing_or_undecodable_basic_credentials_say_why() {
        assert!(
            basic_pair(&HeaderMap::new())
                .unwrap_err()
                .contains("Missing")
        );
        assert!(
            basic_pair(&headers("Basic %%%"))
                .unwrap_err()
                .contains("base64")
        );
        let no_colon = STANDARD.encode("nocolon");
        assert!(
            basic_pair(&headers(&format!("Basic {no_colon}")))
                .unwrap_err()
                .contains("':'")
        );
        assert!(basic_pair(&headers("Bearer abc")).is_err());
    }
}
