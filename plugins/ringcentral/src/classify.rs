//! How RingCentral explains a failed response, for connector-kit's classification of HTTP
//! outcomes into the contract's `error` (the table of which outcome is which error is
//! [`connector_kit::classify`]'s): a 404 is `not-found` (`get` answers `none` instead), a 400
//! or other 4xx (`CMN-…`) `rejected`; a redirect or a malformed request points at `base-url`,
//! and a reply larger than the host allows is `rejected` (no setting makes it smaller).
//!
//! Messages name the request (`what`, e.g. `GET /extension (page 3)`) and carry RingCentral's
//! own explanation: the `errorCode` and `message` of its error envelope (or of the first entry
//! of `errors`, or the OAuth `error_description`).

use connector_kit::classify::{Classifier, quote_body};
use connector_kit::wit::http::Response;
use serde_json::Value;

/// How the connector classifies its failures.
pub const RINGCENTRAL: Classifier = Classifier {
    explain: detail,
    url_settings: "base-url",
    origin: "the origin of base-url",
    page_size: None,
};

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
        return quote_body(&response.body);
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

#[cfg(test)]
mod tests {
    use connector_kit::classify::BODY_QUOTE_CHARS;
    use connector_kit::testing::response;
    use connector_kit::wit::http::HttpError;
    use connector_kit::wit::types::Error;

    use super::*;

    #[test]
    fn the_error_envelope_gives_code_and_message() {
        let r = response(
            400,
            &[],
            r#"{"errorCode":"CMN-101","message":"Parameter [page] value is invalid","errors":[{"errorCode":"CMN-101","message":"Parameter [page] value is invalid"}]}"#,
        );
        assert_eq!(
            RINGCENTRAL.status("GET /extension (page 0)", &r),
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
            RINGCENTRAL.status("x", &only_list),
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
            RINGCENTRAL.status("x", &response(404, &[], "")),
            Error::NotFound(m) if m == "x answered 404"
        ));
        assert!(matches!(
            RINGCENTRAL.status("x", &response(403, &[], "forbidden")),
            Error::Unauthorized(m) if m == "x answered 403: forbidden"
        ));
        assert!(matches!(
            RINGCENTRAL.status("x", &response(302, &[("Location", "https://y")], "")),
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
            RINGCENTRAL.http_error("x", &HttpError::Denied("origin not allowed".into())),
            Error::InvalidConfig(m) if m.contains("origin not allowed")
        ));
        assert_eq!(
            RINGCENTRAL.http_error("x", &HttpError::Timeout),
            Error::Transient("x: timed out".into())
        );
        assert!(matches!(
            RINGCENTRAL.http_error("x", &HttpError::Connection("refused".into())),
            Error::Transient(_)
        ));
        assert!(matches!(
            RINGCENTRAL.http_error("x", &HttpError::TooLarge(1024)),
            Error::Rejected(m) if m.contains("1024 bytes")
        ));
    }
}
