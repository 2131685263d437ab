//! Turns HTTP outcomes into the contract's `error`, which tells the host what to do next.
//!
//! | outcome | error |
//! |---|---|
//! | 429 | `rate-limited(Retry-After × 1000 ms, or 30 s)` |
//! | 5xx, timeout, broken connection | `transient` |
//! | 401 (after one token renewal), 403 | `unauthorized` |
//! | 404 | `not-found` |
//! | 422 (validation), 409 (conflict), 400 and other 4xx | `rejected`, naming the fields |
//! | 3xx (redirects are not followed) | `invalid-config` (`base-url` is off) |
//! | origin denied by the host, malformed request, body too large | `invalid-config` |
//!
//! Messages name the request (`what`, e.g. `POST /users`) and carry Ivinex's own explanation:
//! the fields of a 422 (`email: 'x' is not an email address; groups[0]: …`), else the error's
//! `message`. A 409 on a create is not classified here: the client resolves it.

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

/// The `error` object of an Ivinex error body.
fn error_object(body: &[u8]) -> Option<Value> {
    let mut body: Value = serde_json::from_slice(body).ok()?;
    Some(body.get_mut("error")?.take()).filter(Value::is_object)
}

/// Ivinex's explanation of a failed response, if it gave one: the invalid fields, else the
/// message, else the start of a body that is not Ivinex's error form.
pub fn detail(response: &Response) -> Option<String> {
    let Some(error) = error_object(&response.body) else {
        let text = String::from_utf8_lossy(&response.body);
        let text = text.trim();
        return (!text.is_empty()).then(|| text.chars().take(BODY_QUOTE_CHARS).collect());
    };
    let fields: Vec<String> = error
        .get("fields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|f| {
            let field = f.get("field")?.as_str()?;
            let message = f.get("message")?.as_str().unwrap_or("is invalid");
            Some(format!("{field}: {message}"))
        })
        .collect();
    if !fields.is_empty() {
        return Some(fields.join("; "));
    }
    error
        .get("message")
        .or_else(|| error.get("code"))
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty())
        .map(str::to_string)
}

/// The `existingId` of a 409 on a create: the record that already has the external id.
pub fn existing_id(response: &Response) -> Option<String> {
    match error_object(&response.body)?.get("existingId")? {
        Value::Number(id) => id.as_u64().map(|id| id.to_string()),
        Value::String(id) if !id.is_empty() => Some(id.clone()),
        _ => None,
    }
}

/// The wait a 429 asks for, in milliseconds. `Retry-After` as an HTTP date is not understood
/// (the plugin has no clock) and falls back to the default.
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
    fn a_validation_failure_is_rejected_naming_every_field() {
        let body = r#"{"error":{"code":"validation_failed","message":"The user was not saved",
            "fields":[{"field":"email","message":"'x' is not an email address"},
            {"field":"groups[0]","message":"no group is named 'A'"}]}}"#;
        assert_eq!(
            classify_status("POST /users", &response(422, &[], body)),
            Error::Rejected(
                "POST /users answered 422: email: 'x' is not an email address; groups[0]: no \
                 group is named 'A'"
                    .into()
            )
        );
    }

    #[test]
    fn rate_limit_waits_retry_after_seconds_in_ms_or_30s_by_default() {
        let limited = |h: &[(&str, &str)]| classify_status("GET /users", &response(429, h, ""));
        assert_eq!(limited(&[("retry-after", "7")]), Error::RateLimited(7000));
        assert_eq!(limited(&[]), Error::RateLimited(30_000));
        assert_eq!(
            limited(&[("Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT")]),
            Error::RateLimited(30_000)
        );
    }

    #[test]
    fn statuses_map_to_what_the_host_does_next() {
        let error = r#"{"error":{"code":"x","message":"why"}}"#;
        let classify = |status| classify_status("GET /users", &response(status, &[], error));
        assert_eq!(
            classify(503),
            Error::Transient("GET /users answered 503: why".into())
        );
        assert!(matches!(classify(401), Error::Unauthorized(_)));
        assert!(matches!(classify(403), Error::Unauthorized(_)));
        assert!(matches!(classify(404), Error::NotFound(_)));
        assert!(matches!(classify(409), Error::Rejected(_)));
        assert!(matches!(classify(400), Error::Rejected(_)));
        assert!(matches!(
            classify_status("x", &response(302, &[("Location", "https://y")], "")),
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
            classify_http_error("x", &HttpError::Connection("reset".into())),
            Error::Transient(m) if m.contains("reset")
        ));
        assert!(matches!(
            classify_http_error("x", &HttpError::TooLarge(1024)),
            Error::InvalidConfig(m) if m.contains("1024 bytes")
        ));
    }

    #[test]
    fn a_conflict_names_the_existing_record() {
        let body = r#"{"error":{"code":"conflict","message":"m","existingId":1042}}"#;
        assert_eq!(
            existing_id(&response(409, &[], body)).as_deref(),
            Some("1042")
        );
        assert_eq!(existing_id(&response(409, &[], "{}")), None);
    }

    #[test]
    fn long_non_json_error_bodies_are_quoted_truncated() {
        let body = "x".repeat(1000);
        let d = detail(&response(502, &[], &body)).unwrap();
        assert_eq!(d.len(), BODY_QUOTE_CHARS);
    }
}
