//! How the Admin API explains a failed response, for connector-kit's classification of HTTP
//! outcomes into the contract's `error` (the table of which outcome is which error is
//! [`connector_kit::classify`]'s).
//!
//! Messages name the request (`what`, e.g. `GET /agents (skip 1000)`) and carry the platform's
//! own explanation: the `icStatusDescription` header, else the body's `error_description`. A
//! redirect or a malformed request points at the connection's URL settings (each connector
//! has its own), a reply larger than the host allows at `page-size`.

use connector_kit::classify::{Classifier, quote_body};
use connector_kit::header_value;
use connector_kit::wit::http::Response;
use serde_json::Value;

/// How every Admin API connector classifies its failures.
pub const ADMIN_API: Classifier = Classifier {
    explain: detail,
    url_settings: "the connection's URL settings",
    origin: "the origin",
    page_size: Some("page-size"),
};

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
        Err(_) => quote_body(&response.body),
    }
}

#[cfg(test)]
mod tests {
    use connector_kit::testing::response;
    use connector_kit::wit::types::Error;

    use super::*;

    #[test]
    fn server_errors_are_transient_and_carry_ic_status_description() {
        let r = response(
            503,
            &[("icStatusDescription", "Service unavailable")],
            r#"{"error":"server_error","error_description":"down"}"#,
        );
        assert_eq!(
            ADMIN_API.status("GET /teams (skip 0)", &r),
            Error::Transient("GET /teams (skip 0) answered 503: Service unavailable".into())
        );
        let r = response(
            500,
            &[],
            r#"{"error":"server_error","error_description":"boom"}"#,
        );
        assert_eq!(
            ADMIN_API.status("GET /teams", &r),
            Error::Transient("GET /teams answered 500: boom".into())
        );
    }

    #[test]
    fn bad_request_is_rejected_with_the_reason() {
        let r = response(400, &[("ICSTATUSDESCRIPTION", "Invalid updatedSince")], "");
        assert_eq!(
            ADMIN_API.status("GET /agents (skip 0)", &r),
            Error::Rejected("GET /agents (skip 0) answered 400: Invalid updatedSince".into())
        );
    }

    #[test]
    fn not_found_unauthorized_and_redirect_map_to_their_variants() {
        assert!(matches!(
            ADMIN_API.status("x", &response(404, &[], "")),
            Error::NotFound(m) if m == "x answered 404"
        ));
        assert!(matches!(
            ADMIN_API.status("x", &response(403, &[], "forbidden")),
            Error::Unauthorized(m) if m == "x answered 403: forbidden"
        ));
        assert!(matches!(
            ADMIN_API.status("x", &response(301, &[("Location", "https://y")], "")),
            Error::InvalidConfig(m) if m.contains("redirect to https://y")
        ));
    }
}
