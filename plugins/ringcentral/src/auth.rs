//! The JWT bearer grant, as a request and a reply.
//!
//! Only the wire shapes live here (building the request, reading the reply, judging a refused
//! grant); when to ask for a token, how long to keep it and how to pace token requests is the
//! client's business.

use std::time::Duration;

use connector_kit::grant::{
    self, Credentials, basic_authorization, grant_refused, non_empty_token, token_reply,
};
use connector_kit::{Call, Secret};
use serde::Deserialize;

use crate::classify::RINGCENTRAL;
use crate::settings::Settings;
use crate::wit::http::{Request, Response};
use crate::wit::types::Error;

/// The token endpoint, below the base URL.
pub const TOKEN_PATH: &str = "/restapi/oauth/token";
/// How the token request is named in messages.
pub const TOKEN_WHAT: &str = "POST /restapi/oauth/token";
/// The `grant_type` of the JWT bearer grant (RFC 7523).
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The token request for these settings: the JWT, sent as it is, is the assertion, with the
/// client's `Basic base64(client_id:client_secret)`.
pub fn token_request(settings: &Settings) -> Request {
    Call::post(settings.base_url.join(TOKEN_PATH))
        .header(
            "Authorization",
            basic_authorization(&settings.client_id, &settings.client_secret).expose(),
        )
        .accept_json()
        .form([
            ("grant_type", JWT_BEARER_GRANT),
            ("assertion", settings.jwt.expose()),
        ])
        .into()
}

/// What a successful grant gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Granted {
    /// The access token.
    pub access_token: Secret,
    /// How long it lives (`expires_in`), when the reply says.
    pub lifetime: Option<Duration>,
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
    expires_in: Option<u64>,
}

/// The access token of a successful grant.
pub fn parse_token(body: &[u8]) -> Result<Granted, Error> {
    let reply: TokenReply = token_reply(TOKEN_WHAT, body)?;
    Ok(Granted {
        access_token: non_empty_token(TOKEN_WHAT, "access_token", reply.access_token)?,
        lifetime: reply.expires_in.map(Duration::from_secs),
    })
}

/// The error for a token request that did not succeed. A refused grant (401/403, or a 400 with
/// an OAuth credential error such as a JWT that is not the app's) is `unauthorized`: the
/// operator must fix the credentials.
pub fn classify_token_failure(response: &Response) -> Error {
    let credentials = Credentials {
        name: "credentials",
        check: Some("client-id, client-secret and jwt"),
    };
    let refused = grant_refused(response);
    grant::grant_failure(&RINGCENTRAL, TOKEN_WHAT, response, refused, credentials)
}

#[cfg(test)]
mod tests {
    use connector_kit::testing::response;

    use super::*;

    #[test]
    fn token_request_is_a_form_encoded_jwt_bearer_grant_with_basic_client_credentials() {
        let settings = Settings::parse([
            ("base-url", "http://127.0.0.1:9000/"),
            ("client-id", "my client"),
            ("client-secret", "s3cr3t:x"),
            ("jwt", "aa.bb.c_c-"),
        ])
        .unwrap();
        let req = token_request(&settings);
        assert_eq!(req.method, "POST");
        assert_eq!(req.url, "http://127.0.0.1:9000/restapi/oauth/token");
        assert_eq!(
            String::from_utf8(req.body.unwrap()).unwrap(),
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=aa.bb.c_c-"
        );
        let authorization = req.headers.iter().find(|h| h.name == "Authorization");
        assert_eq!(
            authorization.map(|h| h.value.as_str()),
            Some("Basic bXkgY2xpZW50OnMzY3IzdDp4")
        );
    }

    #[test]
    fn token_reply_yields_the_access_token_and_its_lifetime() {
        let body = br#"{"access_token":"tok","token_type":"bearer","expires_in":3600,"refresh_token":"r","refresh_token_expires_in":604799,"scope":"ReadAccounts","owner_id":"1"}"#;
        let granted = parse_token(body).unwrap();
        assert_eq!(granted.access_token.expose(), "tok");
        assert_eq!(granted.lifetime, Some(Duration::from_secs(3600)));
        assert_eq!(
            parse_token(br#"{"access_token":"t"}"#).unwrap().lifetime,
            None
        );
        assert!(matches!(parse_token(b"<html>"), Err(Error::Rejected(_))));
        assert!(matches!(
            parse_token(br#"{"access_token":""}"#),
            Err(Error::Rejected(m)) if m.contains("empty access_token")
        ));
    }

    #[test]
    fn a_refused_client_or_jwt_is_unauthorized_with_the_ringcentral_code() {
        let bad_client = response(
            401,
            &[],
            r#"{"error":"invalid_client","error_description":"Invalid client","errors":[{"errorCode":"OAU-123","message":"Invalid client"}]}"#,
        );
        assert!(matches!(
            classify_token_failure(&bad_client),
            Error::Unauthorized(m) if m.contains("(401): OAU-123 Invalid client")
        ));
        let bad_jwt = response(
            400,
            &[],
            r#"{"error":"invalid_grant","errors":[{"errorCode":"OAU-140","message":"Invalid JWT assertion"}]}"#,
        );
        assert!(matches!(
            classify_token_failure(&bad_jwt),
            Error::Unauthorized(_)
        ));
        let unsupported = response(400, &[], r#"{"error":"unsupported_grant_type"}"#);
        assert!(matches!(
            classify_token_failure(&unsupported),
            Error::Rejected(_)
        ));
        assert!(matches!(
            classify_token_failure(&response(503, &[], "")),
            Error::Transient(_)
        ));
    }
}
