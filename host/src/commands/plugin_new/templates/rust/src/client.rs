//! The API's HTTP: requests go out through the host's `http.send` import (the only way out of
//! the sandbox), and every failure is classified into the contract's `error`, which tells the
//! host what to do next:
//!
//! | outcome | error |
//! |---|---|
//! | 429 | `rate-limited(Retry-After × 1000 ms, or 30 s)`: the host waits |
//! | 5xx, timeout, broken connection | `transient`: the host retries with backoff |
//! | 401, 403 (a static token cannot be renewed) | `unauthorized`: the operator fixes `token` |
//! | 404 | `not-found` |
//! | 3xx (redirects are not followed), origin denied, malformed request | `invalid-config`: check `base-url` |
//! | 400 and other 4xx, a reply larger than the host allows | `rejected` |

use crate::ccsync::connector::http::{self, Header, HttpError, Request, Response};
use crate::ccsync::connector::types::Error;
use crate::settings::Settings;

/// The wait when a 429 has no usable `Retry-After`.
const DEFAULT_RETRY_AFTER_MS: u64 = 30_000;
/// The longest piece of an error body quoted in a message.
const BODY_QUOTE_CHARS: usize = 200;

/// One configured connection to the API.
pub struct Client {
    settings: Settings,
}

impl Client {
    pub fn new(settings: Settings) -> Client {
        Client { settings }
    }

    /// The body of page `page` of the users (pages count from 1).
    pub fn users_page(&self, page: u32) -> Result<Vec<u8>, Error> {
        self.get(&format!("/users?page={page}"))
    }

    /// `GET {base-url}{path}`: the body of a 2xx, else the classified failure.
    fn get(&self, path: &str) -> Result<Vec<u8>, Error> {
        let what = format!("GET {path}");
        let request = Request {
            method: "GET".into(),
            url: format!("{}{path}", self.settings.base_url),
            headers: vec![
                header("Accept", "application/json"),
                header("Authorization", &format!("Bearer {}", self.settings.token)),
            ],
            body: None,
        };
        let response = http::send(&request).map_err(|e| transport_error(&what, e))?;
        if (200..300).contains(&response.status) {
            Ok(response.body)
        } else {
            Err(status_error(&what, &response))
        }
    }
}

fn header(name: &str, value: &str) -> Header {
    Header {
        name: name.into(),
        value: value.into(),
    }
}

/// The error for a response whose status is not a success.
pub fn status_error(what: &str, response: &Response) -> Error {
    let described = describe(what, response);
    match response.status {
        429 => Error::RateLimited(retry_after_ms(&response.headers)),
        500..=599 => Error::Transient(described),
        401 | 403 => Error::Unauthorized(format!("{described}; check `token`")),
        404 => Error::NotFound(described),
        300..=399 => {
            let location = header_value(&response.headers, "Location").unwrap_or("no Location");
            Error::InvalidConfig(format!(
                "{described} (redirected to {location}); check `base-url`"
            ))
        }
        _ => Error::Rejected(described),
    }
}

/// The error for a request that got no response.
pub fn transport_error(what: &str, error: HttpError) -> Error {
    match error {
        HttpError::Denied(why) => Error::InvalidConfig(format!(
            "{what}: the host denied the request ({why}); the origin of `base-url` must be \
             allowed for this connection"
        )),
        HttpError::Timeout => Error::Transient(format!("{what}: timed out")),
        HttpError::Connection(why) => Error::Transient(format!("{what}: {why}")),
        HttpError::TooLarge(limit) => Error::Rejected(format!(
            "{what}: the reply is larger than the host allows ({limit} bytes)"
        )),
        HttpError::InvalidRequest(why) => Error::InvalidConfig(format!(
            "{what}: the host found the request malformed ({why}); check `base-url`"
        )),
    }
}

/// The wait a 429 asks for, in milliseconds; a missing or dated `Retry-After` waits 30 s.
fn retry_after_ms(headers: &[Header]) -> u64 {
    header_value(headers, "Retry-After")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(DEFAULT_RETRY_AFTER_MS, |secs| secs.saturating_mul(1000))
}

fn header_value<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

/// `what answered STATUS[: the start of the body]`.
fn describe(what: &str, response: &Response) -> String {
    let body = String::from_utf8_lossy(&response.body);
    let body: String = body.trim().chars().take(BODY_QUOTE_CHARS).collect();
    if body.is_empty() {
        format!("{what} answered {}", response.status)
    } else {
        format!("{what} answered {}: {body}", response.status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)]) -> Response {
        Response {
            status,
            headers: headers.iter().map(|(n, v)| header(n, v)).collect(),
            body: b"{\"error\":\"nope\"}".to_vec(),
        }
    }

    #[test]
    fn statuses_are_classified_as_the_contract_says() {
        let what = "GET /users?page=1";
        assert!(matches!(
            status_error(what, &response(429, &[("retry-after", "7")])),
            Error::RateLimited(7000)
        ));
        assert!(matches!(
            status_error(what, &response(429, &[])),
            Error::RateLimited(DEFAULT_RETRY_AFTER_MS)
        ));
        assert!(matches!(status_error(what, &response(503, &[])), Error::Transient(_)));
        assert!(matches!(status_error(what, &response(401, &[])), Error::Unauthorized(m) if m.contains("`token`")));
        assert!(matches!(status_error(what, &response(404, &[])), Error::NotFound(_)));
        assert!(matches!(status_error(what, &response(302, &[])), Error::InvalidConfig(m) if m.contains("`base-url`")));
        assert!(matches!(status_error(what, &response(400, &[])), Error::Rejected(m) if m.contains("nope")));
    }

    #[test]
    fn a_request_without_a_response_is_classified_too() {
        assert!(matches!(transport_error("GET /", HttpError::Timeout), Error::Transient(_)));
        assert!(matches!(
            transport_error("GET /", HttpError::Denied("origin".into())),
            Error::InvalidConfig(_)
        ));
    }
}
