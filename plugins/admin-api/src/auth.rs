//! How a connector plugs its own sign-in into the shared request flow, and how an Admin API
//! token grant that did not succeed is reported.
//!
//! CXone signs in with an access-key grant and discovers its API endpoint; Central signs in
//! with a password grant whose reply names the API. [`Client`](crate::Client) needs neither
//! detail: it asks [`Auth::access`] for a token and the API base before each request and tells
//! [`Auth::refused`] when the API answers 401, then asks once more.

use connector_kit::grant::{self, Credentials, grant_refused};
use connector_kit::wit::http::Response;
use connector_kit::wit::types::Error;
use connector_kit::{BaseUrl, Host, Secret};

use crate::classify::ADMIN_API;

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

/// The error for a token request (`what`) that did not succeed. A refused grant (401 or 403,
/// or a 400 with an OAuth credential error) is `unauthorized` (the operator must fix the
/// credentials); anything else is classified as any request is.
pub fn classify_grant_failure(what: &str, response: &Response) -> Error {
    let credentials = Credentials {
        name: "credentials",
        check: None,
    };
    grant::grant_failure(
        &ADMIN_API,
        what,
        response,
        grant_refused(response),
        credentials,
    )
}

#[cfg(test)]
mod tests {
    use connector_kit::testing::response;

    use super::*;

    #[test]
    fn refused_grant_is_unauthorized_with_the_error_description() {
        let what = "POST /auth/token";
        let r = response(
            401,
            &[],
            r#"{"error":"invalid_client","error_description":"Bad key"}"#,
        );
        assert_eq!(
            classify_grant_failure(what, &r),
            Error::Unauthorized("POST /auth/token refused the credentials (401): Bad key".into())
        );
        let r = response(
            400,
            &[],
            r#"{"error":"invalid_grant","error_description":"Bad key"}"#,
        );
        assert!(matches!(
            classify_grant_failure(what, &r),
            Error::Unauthorized(_)
        ));
        let r = response(400, &[], r#"{"error":"unsupported_grant_type"}"#);
        assert!(matches!(
            classify_grant_failure(what, &r),
            Error::Rejected(_)
        ));
        assert!(matches!(
            classify_grant_failure(what, &response(502, &[], "")),
            Error::Transient(_)
        ));
    }
}
