//! How a connector plugs its own sign-in into the shared request flow, and the pieces of a
//! token grant that the platforms share.
//!
//! CXone signs in with an access-key grant and discovers its API endpoint; Central signs in
//! with a password grant whose reply names the API. [`Client`](crate::Client) needs neither
//! detail: it asks [`Auth::access`] for a token and the API base before each request and tells
//! [`Auth::refused`] when the API answers 401, then asks once more.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use connector_kit::{BaseUrl, Secret};

use crate::classify::{self, detail};
use crate::host::Host;
use crate::wit::http::Response;
use crate::wit::types::Error;

/// A bearer token and the API it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// The versioned Admin API base, e.g.
    /// `https://api-c7.incontact.com/inContactAPI/services/v27.0`; list paths such as
    /// `/agents` are appended to it.
    pub api_base: BaseUrl,
    /// The token sent as `Authorization: Bearer <token>`.
    pub token: Secret,
}

/// A connector's sign-in: obtaining, keeping and renewing the token, and knowing the API base.
pub trait Auth {
    /// The token to send with the next request and the API base to send it to, obtained (or
    /// renewed) first when there is none usable. Errors are the contract's: a refused grant is
    /// `unauthorized`.
    fn access(&mut self, host: &mut impl Host) -> Result<Access, Error>;

    /// The API answered 401 to the token of the last [`access`](Auth::access): the next
    /// `access` must obtain another one.
    fn refused(&mut self);
}

/// `base64(user:password)`, the credentials of an `Authorization: Basic` header. The parts are
/// joined with `:` as they are, not form-encoded first, as both platforms document it.
pub fn basic_credentials(user: &str, password: &str) -> Secret {
    Secret::new(STANDARD.encode(format!("{user}:{password}")))
}

/// Whether a failed token request means the credentials were refused: 401 or 403, or a 400
/// whose OAuth error is about the client or the grant.
pub fn grant_refused(response: &Response) -> bool {
    let oauth_error = serde_json::from_slice::<serde_json::Value>(&response.body)
        .ok()
        .and_then(|v| v.get("error")?.as_str().map(str::to_string));
    matches!(response.status, 401 | 403)
        || (response.status == 400
            && matches!(
                oauth_error.as_deref(),
                Some("invalid_client" | "invalid_grant" | "unauthorized_client")
            ))
}

/// The error for a token request (`what`) that did not succeed. A refused grant is
/// `unauthorized` (the operator must fix the credentials); anything else is classified as any
/// request is.
pub fn classify_grant_failure(what: &str, response: &Response) -> Error {
    if grant_refused(response) {
        let why = detail(response).unwrap_or_else(|| "no reason given".into());
        Error::Unauthorized(format!(
            "{what} refused the credentials ({}): {why}",
            response.status
        ))
    } else {
        classify::classify_status(what, response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn basic_credentials_are_base64_of_user_colon_password() {
        assert_eq!(
            basic_credentials("my client", "s3cr3t:x").expose(),
            "bXkgY2xpZW50OnMzY3IzdDp4"
        );
    }

    #[test]
    fn refused_grant_is_unauthorized_with_the_error_description() {
        let what = "POST /auth/token";
        let r = response(
            401,
            r#"{"error":"invalid_client","error_description":"Bad key"}"#,
        );
        assert_eq!(
            classify_grant_failure(what, &r),
            Error::Unauthorized("POST /auth/token refused the credentials (401): Bad key".into())
        );
        let r = response(
            400,
            r#"{"error":"invalid_grant","error_description":"Bad key"}"#,
        );
        assert!(matches!(
            classify_grant_failure(what, &r),
            Error::Unauthorized(_)
        ));
        let r = response(400, r#"{"error":"unsupported_grant_type"}"#);
        assert!(matches!(
            classify_grant_failure(what, &r),
            Error::Rejected(_)
        ));
        assert!(matches!(
            classify_grant_failure(what, &response(502, "")),
            Error::Transient(_)
        ));
    }
}
