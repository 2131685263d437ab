//! Turns HTTP outcomes into the contract's `error`, which tells the host what to do next.
//!
//! | outcome | error |
//! |---|---|
//! | 429 | `rate-limited(Retry-After in ms, or 30 s)`: delay-seconds or an HTTP date |
//! | 5xx, 408, timeout, broken connection | `transient` |
//! | 401 (after one token renewal), 403 | `unauthorized` |
//! | 404 | `not-found` |
//! | 400 and other 4xx | `rejected` |
//! | 3xx (redirects are not followed) | `invalid-config` (the URL setting is off) |
//! | origin denied by the host, malformed request | `invalid-config` |
//! | body larger than the host allows | `invalid-config` (lower the page size), or `rejected` where no setting shrinks a reply |
//!
//! Every connector follows this table; what differs is how a platform explains a failure and
//! which settings a message points at, which each connector gives as its [`Classifier`].
//! Messages name the request (`what`, e.g. `GET /users (page 2)`) and carry the platform's
//! explanation when it gave one.

use std::time::SystemTime;

use crate::host::header_value;
use crate::rate_limit::{self, wait_ms};
use crate::wit::http::{Header, HttpError, Response};
use crate::wit::types::Error;

/// The wait when a 429 has no usable `Retry-After`.
pub const DEFAULT_RETRY_AFTER_MS: u64 = 30_000;

/// The longest piece of an error body that is not the platform's error form quoted in a
/// message.
pub const BODY_QUOTE_CHARS: usize = 200;

/// Where one platform's failures differ: its explanation of a failed response, and the
/// settings its messages point at.
#[derive(Debug, Clone, Copy)]
pub struct Classifier {
    /// The platform's explanation of a failed response, if it gave one.
    pub explain: fn(&Response) -> Option<String>,
    /// What to check when a request is redirected or malformed, as in `check {url_settings}`
    /// (`base-url`).
    pub url_settings: &'static str,
    /// Whose origin the host must allow, as in `{origin} must be allowed for this connection`
    /// (`the origin`).
    pub origin: &'static str,
    /// The setting that makes replies smaller, when the connector has one: a reply larger than
    /// the host allows is then `invalid-config` (lower it), else `rejected`.
    pub page_size: Option<&'static str>,
}

impl Classifier {
    /// The platform's explanation of a failed response, if it gave one.
    pub fn detail(&self, response: &Response) -> Option<String> {
        (self.explain)(response)
    }

    /// `what answered STATUS[: detail]`.
    pub fn describe(&self, what: &str, response: &Response) -> String {
        match self.detail(response) {
            Some(d) => format!("{what} answered {}: {d}", response.status),
            None => format!("{what} answered {}", response.status),
        }
    }

    /// The error for a response whose status is not a success.
    pub fn status(&self, what: &str, response: &Response) -> Error {
        let status = response.status;
        match status {
            429 => Error::RateLimited(retry_after_ms(&response.headers)),
            408 | 500..=599 => Error::Transient(self.describe(what, response)),
            401 | 403 => Error::Unauthorized(self.describe(what, response)),
            404 => Error::NotFound(self.describe(what, response)),
            300..=399 => {
                let target = header_value(&response.headers, "Location").unwrap_or("no Location");
                Error::InvalidConfig(format!(
                    "{what} answered {status} (redirect to {target}); redirects are not \
                     followed: check {}",
                    self.url_settings
                ))
            }
            _ => Error::Rejected(self.describe(what, response)),
        }
    }

    /// The error for a request that got no response.
    pub fn http_error(&self, what: &str, error: &HttpError) -> Error {
        match error {
            HttpError::Denied(reason) => Error::InvalidConfig(format!(
                "{what}: the host refused the request ({reason}); {} must be allowed for this \
                 connection",
                self.origin
            )),
            HttpError::Timeout => Error::Transient(format!("{what}: timed out")),
            HttpError::Connection(reason) => {
                Error::Transient(format!("{what}: connection failed: {reason}"))
            }
            HttpError::TooLarge(limit) => match self.page_size {
                Some(setting) => Error::InvalidConfig(format!(
                    "{what}: the response is larger than the host allows ({limit} bytes); lower \
                     {setting}"
                )),
                None => Error::Rejected(format!(
                    "{what}: the response is larger than the host allows ({limit} bytes)"
                )),
            },
            HttpError::InvalidRequest(reason) => Error::InvalidConfig(format!(
                "{what}: the host found the request malformed ({reason}); check {}",
                self.url_settings
            )),
        }
    }
}

/// The wait a 429 asks for, in milliseconds: its `Retry-After` (delay-seconds, or an HTTP date
/// read against the wall clock), else [`DEFAULT_RETRY_AFTER_MS`].
pub fn retry_after_ms(headers: &[Header]) -> u64 {
    rate_limit::retry_after(headers, SystemTime::now()).map_or(DEFAULT_RETRY_AFTER_MS, wait_ms)
}

/// The start of an error body that is not the platform's error form (an HTML page, a proxy's
/// text), trimmed; `None` when it is blank.
pub fn quote_body(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    (!text.is_empty()).then(|| text.chars().take(BODY_QUOTE_CHARS).collect())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::testing::{CLASSIFIER, response};

    #[test]
    fn rate_limit_waits_retry_after_seconds_in_ms_or_30s_by_default() {
        let limited = |h: &[(&str, &str)]| CLASSIFIER.status("GET /agents", &response(429, h, ""));
        assert_eq!(limited(&[("retry-after", "7")]), Error::RateLimited(7000));
        assert_eq!(limited(&[]), Error::RateLimited(30_000));
        // An HTTP date is read against the wall clock (a date has whole seconds).
        let in_90s = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(90));
        let Error::RateLimited(ms) = limited(&[("Retry-After", &in_90s)]) else {
            panic!("not rate-limited");
        };
        assert!((88_000..=90_000).contains(&ms), "{ms}");
        assert_eq!(
            limited(&[("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")]),
            Error::RateLimited(1)
        );
        assert_eq!(
            limited(&[("Retry-After", "18446744073709551615")]),
            Error::RateLimited(3_600_000)
        );
    }

    #[test]
    fn each_status_class_maps_to_its_error_naming_the_request_and_the_reason() {
        let classify = |status| CLASSIFIER.status("GET /users", &response(status, &[], "why"));
        let why = |status| format!("GET /users answered {status}: why");
        for (status, expected) in [
            (500, Error::Transient(why(500))),
            (503, Error::Transient(why(503))),
            (408, Error::Transient(why(408))),
            (401, Error::Unauthorized(why(401))),
            (403, Error::Unauthorized(why(403))),
            (404, Error::NotFound(why(404))),
            (400, Error::Rejected(why(400))),
            (409, Error::Rejected(why(409))),
            (422, Error::Rejected(why(422))),
        ] {
            assert_eq!(classify(status), expected, "{status}");
        }
        assert_eq!(
            CLASSIFIER.status("x", &response(404, &[], "")),
            Error::NotFound("x answered 404".into())
        );
        assert_eq!(
            CLASSIFIER.status("x", &response(302, &[("Location", "https://y")], "")),
            Error::InvalidConfig(
                "x answered 302 (redirect to https://y); redirects are not followed: check \
                 base-url"
                    .into()
            )
        );
    }

    #[test]
    fn http_failures_map_denied_to_config_and_network_to_transient() {
        assert_eq!(
            CLASSIFIER.http_error("x", &HttpError::Denied("origin not allowed".into())),
            Error::InvalidConfig(
                "x: the host refused the request (origin not allowed); the origin must be \
                 allowed for this connection"
                    .into()
            )
        );
        assert_eq!(
            CLASSIFIER.http_error("x", &HttpError::Timeout),
            Error::Transient("x: timed out".into())
        );
        assert!(matches!(
            CLASSIFIER.http_error("x", &HttpError::Connection("refused".into())),
            Error::Transient(m) if m.contains("refused")
        ));
        assert!(matches!(
            CLASSIFIER.http_error("x", &HttpError::TooLarge(1024)),
            Error::InvalidConfig(m) if m.contains("1024 bytes") && m.ends_with("lower page-size")
        ));
        let no_page_size = Classifier {
            page_size: None,
            ..CLASSIFIER
        };
        assert!(matches!(
            no_page_size.http_error("x", &HttpError::TooLarge(1024)),
            Error::Rejected(m) if m.ends_with("(1024 bytes)")
        ));
        assert!(matches!(
            CLASSIFIER.http_error("x", &HttpError::InvalidRequest("bad".into())),
            Error::InvalidConfig(m) if m.ends_with("check base-url")
        ));
    }

    #[test]
    fn long_non_json_error_bodies_are_quoted_truncated() {
        let body = "x".repeat(1000);
        let d = CLASSIFIER.detail(&response(502, &[], &body)).unwrap();
        assert_eq!(d.len(), BODY_QUOTE_CHARS);
        assert_eq!(quote_body(b" \n "), None);
    }
}
