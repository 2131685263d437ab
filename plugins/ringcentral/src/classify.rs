//! Turns HTTP outcomes into the contract's `error`, which tells the host what to do next.
//!
//! | outcome | error |
//! |---|---|
//! | 429 | `rate-limited(Retry-After × 1000 ms, or 30 s)` |
//! | 5xx, timeout, broken connection | `transient` |
//! | 401 (after one token renewal), 403 | `unauthorized` |
//! | 404 | `not-found` (`get` answers `none` instead) |
//! | 400 and other 4xx (`CMN-…`) | `rejected` |
//! | 3xx (redirects are not followed) | `invalid-config` (check `base-url`) |
//! | origin denied by the host, malformed request | `invalid-config` |
//! | body larger than the host allows | `rejected` |
//!
//! Messages name the request (`what`, e.g. `GET /extension (page 3)`) and carry RingCentral's
//! own explanation: the `errorCode` and `message` of its error envelope (or of the first entry
//! of `errors`, or the OAuth `error_description`).

use serde_json::Value;

use crate::wit::http::{Header, HttpError, Response};
use crate::wit::types::Error;

/// The wait when a 429 has no usable `Retry-After`.
pub const DEFAULT_RETRY_AFTER_MS: u64 = 30_000;

/// The longest piece of a non-JSON error body quoted in a message.
const BODY_QUOTE_CHARS: usize = 200;

/// The first header called `name` (case-insensitive).
pub fn header<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

/// RingCentral's `errorCode` of a failed response: at the top of its envelope, else in the first
/// entry of `errors`.
pub fn error_code(response: &Response) -> Option<String> {
    let body: Value = serde_json::from_slice(&response.body).ok()?;
    body.get("errorCode")
        .or_else(|| body.get("errors")?.get(0)?.get("errorCode"))?
        .as_str()
        .map(str::to_string)
}

/// RingCentral's explanation of a failed response (`CODE message`), if it gave one.
pub fn detail(response: &Response) -> Option<String> {
    let Ok(body) = serde_json::from_slice::<Value>(&response.body) else {
        let text = String::from_utf8_lossy(&response.body);
        let text = text.trim();
        return (!text.is_empty()).then(|| text.chars().take(BODY_QUOTE_CHARS).collect());
    };
    let first = body.get("errors").and_then(|e| e.get(0));
    let text = |key: &str| {
        body.get(key)
            .or_else(|| first?.get(key))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let message = text("message").or_else(|| text("error_description"));
    match (error_code(response), message) {
        (Some(code), Some(message)) => Some(format!("{code} {message}")),
        (Some(code), None) => Some(code),
        (None, Some(message)) => Some(message.to_string()),
        (None, None) => text("error").map(str::to_string),
    }
}

/// The wait a 429 asks for, in milliseconds (`Retry-After` in seconds; an HTTP date or a
/// missing header falls back to 30 s).
pub fn retry_after_ms(headers: &[Header]) -> u64 {
    header(headers, "Retry-After")
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
            let target = header(&response.headers, "Location").unwrap_or("no Location");
            Error::InvalidConfig(format!(
                "{what} answered {status} (redirect to {target}); redirects are not followed: \
                 check base-url"
            ))
        }
        _ => Error::Rejected(describe(what, response)),
    }
}

/// The error for a request that got no response.
pub fn classify_http_error(what: &str, error: &HttpError) -> Error {
    match error {
        HttpError::Denied(reason) => Error::InvalidConfig(format!(
            "{what}: the host refused the request ({reason}); the origin of base-url must be \
             allowed for this connection"
        )),
        HttpError::Timeout => Error::Transient(format!("{what}: timed out")),
        HttpError::Connection(reason) => {
            Error::Transient(format!("{what}: connection failed: {reason}"))
        }
        HttpError::TooLarge(limit) => Error::Rejected(format!(
            "{what}: the response is larger than the host allows ({limit} bytes)"
        )),
        HttpError::InvalidRequest(reason) => Error::InvalidConfig(format!(
            "{what}: the host found the request malformed ({reason}); check base-url"
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
        let limited = |h: &[(&str, &str)]| classify_status("x", &response(429, h, ""));
        assert_eq!(limited(&[("retry-after", "7")]), Error::RateLimited(7000));
        assert_eq!(limited(&[]), Error::RateLimited(30_000));
        assert_eq!(
            limited(&[("Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT")]),
            Error::RateLimited(30_000)
        );
    }

    #[test]
    fn the_error_envelope_gives_code_and_message() {
        let r = response(
            400,
            &[],
            r#"{"errorCode":"CMN-101","message":"Parameter [page] value is invalid","errors":[{"errorCode":"CMN-101","message":"Parameter [page] value is invalid"}]}"#,
        );
        assert_eq!(
            classify_status("GET /extension (page 0)", &r),
            Error::Rejected(
                "GET /extension (page 0) answered 400: CMN-101 Parameter [page] value is invalid"
                    .into()
            )
        );
        let only_list = response(
            503,
            &[],
            r#"{"errors":[{"errorCode":"CMN-201","message":"Service Unavailable"}]}"#,
        );
        assert_eq!(
            classify_status("x", &only_list),
            Error::Transient("x answered 503: CMN-201 Service Unavailable".into())
        );
    }

    #[test]
    fn oauth_errors_give_the_code_and_description() {
        let r = response(
            400,
            &[],
            r#"{"error":"invalid_grant","error_description":"Invalid JWT","errors":[{"errorCode":"OAU-140","message":"Invalid JWT"}]}"#,
        );
        assert_eq!(error_code(&r).as_deref(), Some("OAU-140"));
        assert_eq!(detail(&r).as_deref(), Some("OAU-140 Invalid JWT"));
    }

    #[test]
    fn statuses_map_to_their_variants() {
        assert!(matches!(
            classify_status("x", &response(404, &[], "")),
            Error::NotFound(m) if m == "x answered 404"
        ));
        assert!(matches!(
            classify_status("x", &response(403, &[], "forbidden")),
            Error::Unauthorized(m) if m == "x answered 403: forbidden"
        ));
        assert!(matches!(
            classify_status("x", &response(302, &[("Location", "https://y")], "")),
            Error::InvalidConfig(m) if m.contains("redirect to https://y")
        ));
        let long = "x".repeat(1000);
        assert_eq!(
            detail(&response(502, &[], &long)).unwrap().len(),
            BODY_QUOTE_CHARS
        );
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
            Error::Transient(_)
        ));
        assert!(matches!(
            classify_http_error("x", &HttpError::TooLarge(1024)),
            Error::Rejected(m) if m.contains("1024 bytes")
        ));
    }
}
