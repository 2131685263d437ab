//! Turns HTTP outcomes into the contract's `error`, which tells the host what to do next.
//!
//! | outcome | error |
//! |---|---|
//! | 429 | `rate-limited(Retry-After × 1000 ms, or 30 s)` |
//! | 5xx, timeout, broken connection | `transient` |
//! | 401 (after one token renewal), 403 | `unauthorized` |
//! | 400 and other 4xx | `rejected` |
//! | 404 | `not-found` |
//! | 3xx (redirects are not followed) | `invalid-config` (the URL setting is off) |
//! | origin denied by the host, malformed request | `invalid-config` |
//! | body larger than the host allows | `invalid-config` (lower `page-size`) |
//!
//! Messages name the request (`what`, e.g. `GET /agents (skip 1000)`) and carry the platform's
//! own explanation: the `icStatusDescription` header, else the body's `error_description`.

use serde_json::Value;

use crate::wit::http::{Header, HttpError, Response};
use crate::wit::types::Error;

/// The wait when a 429 has no usable `Retry-After`.
pub const DEFAULT_RETRY_AFTER_MS: u64 = 30_000;

/// The longest piece of a non-JSON error body quoted in a message.
const BODY_QUOTE_CHARS: usize = 200;

/// The value of the first header called `name` (case-insensitive).
pub fn header_value<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

/// The platform's explanation of a failed response, if it gave one.
pub fn detail(response: &Response) -> Option<String> {
    if let Some(d) =
        header_value(&response.headers, "icStatusDescription").filter(|d| !d.is_empty())
    {
        return Some(d.to_string());
    }
    match serde_json::from_slice::<Value>(&response.body) {
        Ok(body) => ["error_description", "error"]
            .iter()
            .find_map(|key| body.get(key)?.as_str().filter(|s| !s.is_empty()))
            .map(str::to_string),
        Err(_) => {
            let text = String::from_utf8_lossy(&response.body);
            let text = text.trim();
            (!text.is_empty()).then(|| text.chars().take(BODY_QUOTE_CHARS).collect())
        }
    }
}

/// The wait a 429 asks for, in milliseconds. `Retry-After` as an HTTP date is not understood
/// (it would take a date parser and the wall clock) and falls back to the default.
pub fn retry_after_ms(headers: &[Header]) -> u64 {
    header_value(headers, "Retry-After")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(DEFAULT_RETRY_AFTER_MS, |secs| secs.saturating_mul(1000))
}

/// `what answered STATUS[: detail]`.
pub fn describe(what: &str, response: &Response) -> String {
    match detail(response) {
        Some(d) => format!("{what} answered {}: {d}", response.status),
        None => format!("{what} answered {}", response.status),
    }
}

/// The error for a response whose status is not a success.
pub fn classify_status(what: &str, response: &Response) -> Error {
    let status = response.status;
    match status {
        429 => Error::RateLimited(retry_after_ms(&response.headers)),
        500..=599 => Error::Transient(describe(what, response)),
        401 | 403 => Error::Unauthorized(describe(what, response)),
        404 => Error::NotFound(describe(what, response)),
        300..=399 => {
            let target = header_value(&response.headers, "Location").unwrap_or("no Location");
            Error::InvalidConfig(format!(
                "{what} answered {status} (redirect to {target}); redirects are not followed: \
                 check the connection's URL settings"
            ))
        }
        _ => Error::Rejected(describe(what, response)),
    }
}

/// The error for a request that got no response.
pub fn classify_http_error(what: &str, error: &HttpError) -> Error {
    match error {
        HttpError::Denied(reason) => Error::InvalidConfig(format!(
            "{what}: the host refused the request ({reason}); the origin must be allowed for \
             this connection"
        )),
        HttpError::Timeout => Error::Transient(format!("{what}: timed out")),
        HttpError::Connection(reason) => {
            Error::Transient(format!("{what}: connection failed: {reason}"))
        }
        HttpError::TooLarge(limit) => Error::InvalidConfig(format!(
            "{what}: the response is larger than the host allows ({limit} bytes); lower page-size"
        )),
        HttpError::InvalidRequest(reason) => Error::InvalidConfig(format!(
            "{what}: the host found the request malformed ({reason}); check the connection's URL \
             settings"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| Header {
                    name: n.to_string(),
                    value: v.to_string(),
                })
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn rate_limit_waits_retry_after_seconds_in_ms_or_30s_by_default() {
        let limited = |h: &[(&str, &str)]| classify_status("GET /agents", &response(429, h, ""));
        assert_eq!(limited(&[("retry-after", "7")]), Error::RateLimited(7000));
        assert_eq!(limited(&[]), Error::RateLimited(30_000));
        assert_eq!(
            limited(&[("Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT")]),
            Error::RateLimited(30_000)
        );
        assert_eq!(
            limited(&[("Retry-After", "18446744073709551615")]),
            Error::RateLimited(u64::MAX)
        );
    }

    #[test]
    fn server_errors_are_transient_and_carry_ic_status_description() {
        let r = response(
            503,
            &[("icStatusDescription", "Service unavailable")],
            r#"{"error":"server_error","error_description":"down"}"#,
        );
        assert_eq!(
            classify_status("GET /teams (skip 0)", &r),
            Error::Transient("GET /teams (skip 0) answered 503: Service unavailable".into())
        );
        let r = response(
            500,
            &[],
            r#"{"error":"server_error","error_description":"boom"}"#,
        );
        assert_eq!(
            classify_status("GET /teams", &r),
            Error::Transient("GET /teams answered 500: boom".into())
        );
    }

    #[test]
    fn bad_request_is_rejected_with_the_reason() {
        let r = response(400, &[("ICSTATUSDESCRIPTION", "Invalid updatedSince")], "");
        assert_eq!(
            classify_status("GET /agents (skip 0)", &r),
            Error::Rejected("GET /agents (skip 0) answered 400: Invalid updatedSince".into())
        );
    }

    #[test]
    fn not_found_unauthorized_and_redirect_map_to_their_variants() {
        assert!(matches!(
            classify_status("x", &response(404, &[], "")),
            Error::NotFound(m) if m == "x answered 404"
        ));
        assert!(matches!(
            classify_status("x", &response(403, &[], "forbidden")),
            Error::Unauthorized(m) if m == "x answered 403: forbidden"
        ));
        assert!(matches!(
            classify_status("x", &response(301, &[("Location", "https://y")], "")),
            Error::InvalidConfig(m) if m.contains("redirect to https://y")
        ));
    }

    #[test]
    fn http_failures_map_denied_to_config_and_network_to_transient() {
        assert!(matches!(
            classify_http_error("x", &HttpError::Denied("origin not allowed".into())),
            Error::InvalidConfig(m) if m.contains("origin not allowed")
        ));
        assert_eq!(
            classify_http_error("x", &HttpError::Timeout),
            Error::Transient("x: timed out".into())
        );
        assert!(matches!(
            classify_http_error("x", &HttpError::Connection("refused".into())),
            Error::Transient(m) if m.contains("refused")
        ));
        assert!(matches!(
            classify_http_error("x", &HttpError::TooLarge(1024)),
            Error::InvalidConfig(m) if m.contains("1024 bytes")
        ));
    }

    #[test]
    fn long_non_json_error_bodies_are_quoted_truncated() {
        let body = "x".repeat(1000);
        let d = detail(&response(502, &[], &body)).unwrap();
        assert_eq!(d.len(), BODY_QUOTE_CHARS);
    }
}
