//! The Ivinex token grant, as a request and a reply.
//!
//! Only the wire shapes live here (building the request, reading the reply, judging a refused
//! grant); when to ask for a token and how long to keep it is the client's business.

use connector_kit::grant::{self, Credentials, non_empty_token, token_reply};
use connector_kit::{Call, Secret};
use serde::Deserialize;
use serde_json::json;

use crate::classify::IVINEX;
use crate::settings::Settings;
use crate::wit::http::{Request, Response};
use crate::wit::types::Error;

/// Every API path starts with this, below `base-url`.
pub const API_ROOT: &str = "/api/v1";

/// How the token request is named in messages.
pub const TOKEN_WHAT: &str = "POST /auth/token";

/// The token request for these settings: the client id and secret in a JSON body.
pub fn token_request(settings: &Settings) -> Result<Request, Error> {
    let body = json!({
        "clientId": settings.client_id,
        "clientSecret": settings.client_secret.expose(),
    });
    Ok(
        Call::post(settings.base_url.join(&format!("{API_ROOT}/auth/token")))
            .accept_json()
            .json(&body)?
            .into(),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenReply {
    access_token: String,
}

/// The access token of a successful grant.
pub fn parse_token(body: &[u8]) -> Result<Secret, Error> {
    let reply: TokenReply = token_reply(TOKEN_WHAT, body)?;
    non_empty_token(TOKEN_WHAT, "accessToken", reply.access_token)
}

/// The error for a token request that did not succeed. A refused grant (401/403) is
/// `unauthorized`: the operator must fix `client-id` / `client-secret`.
pub fn classify_token_failure(response: &Response) -> Error {
    let credentials = Credentials {
        name: "client credentials",
        check: Some("client-id and client-secret"),
    };
    let refused = matches!(response.status, 401 | 403);
    grant::grant_failure(&IVINEX, TOKEN_WHAT, response, refused, credentials)
}

#[cfg(test)]
mod tests {
    use connector_kit::testing::response;

    use super::*;

    #[test]
    fn the_token_request_posts_the_client_credentials_as_json() {
        let settings = Settings::parse([
            ("base-url", "http://127.0.0.1:9/"),
            ("client-id", "my \"client\""),
            ("client-secret", "s3cr3t"),
        ])
        .unwrap();
        let request = token_request(&settings).unwrap();
        assert_eq!(request.method, "POST");
        assert_eq!(request.url, "http://127.0.0.1:9/api/v1/auth/token");
        let body: serde_json::Value = serde_json::from_slice(&request.body.unwrap()).unwrap();
        assert_eq!(
            body,
            json!({"clientId": "my \"client\"", "clientSecret": "s3cr3t"})
        );
    }

    #[test]
    fn a_token_reply_yields_the_access_token() {
        let body = br#"{"accessToken":"tok","tokenType":"Bearer","expiresIn":1800}"#;
        assert_eq!(parse_token(body).unwrap().expose(), "tok");
        assert!(matches!(parse_token(b"<html>"), Err(Error::Rejected(_))));
        assert!(matches!(
            parse_token(br#"{"accessToken":""}"#),
            Err(Error::Rejected(m)) if m.contains("empty accessToken")
        ));
    }

    #[test]
    fn a_refused_grant_is_unauthorized_with_ivinex_s_reason() {
        let refused = response(
            401,
            &[],
            r#"{"error":{"code":"invalid_client","message":"Unknown client or wrong client secret"}}"#,
        );
        assert_eq!(
            classify_token_failure(&refused),
            Error::Unauthorized(
                "POST /auth/token refused the client credentials (401): Unknown client or \
                 wrong client secret; check client-id and client-secret"
                    .into()
            )
        );
        assert!(matches!(
            classify_token_failure(&response(400, &[], "{}")),
            Error::Rejected(_)
        ));
        assert!(matches!(
            classify_token_failure(&response(502, &[], "")),
            Error::Transient(_)
        ));
    }
}
