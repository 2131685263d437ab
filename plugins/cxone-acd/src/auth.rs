//! The CXone access-key token grant and the API endpoint discovery, as requests and replies.
//!
//! Only the wire shapes live here (building the requests, reading the replies, judging a
//! refused grant); when to ask for a token and how long to keep it is [`AccessKeyAuth`]'s
//! business (`client.rs`).
//!
//! [`AccessKeyAuth`]: crate::client::AccessKeyAuth

use ccsync_admin_api::classify::ADMIN_API;
use ccsync_admin_api::classify_grant_failure;
use connector_kit::grant::{basic_authorization, non_empty_token, token_reply};
use connector_kit::{BaseUrl, Call, Secret};
use serde::Deserialize;

use crate::settings::Settings;
use crate::wit::http::{Request, Response};
use crate::wit::types::Error;

/// How the token request is named in messages.
pub const TOKEN_WHAT: &str = "POST /auth/token";
/// How the discovery request is named in messages.
pub const DISCOVERY_WHAT: &str = "GET /.well-known/cxone-configuration";

/// The token request for these settings: the access-key grant, a form with the client's
/// `Basic base64(client_id:client_secret)` as CXone expects it (the id and secret are not
/// form-encoded first).
pub fn token_request(settings: &Settings) -> Request {
    Call::post(settings.auth_url.join("/auth/token"))
        .header(
            "Authorization",
            basic_authorization(&settings.client_id, &settings.client_secret).expose(),
        )
        .accept_json()
        .form([
            ("grant_type", "password"),
            ("username", settings.access_key_id.as_str()),
            ("password", settings.access_key_secret.expose()),
        ])
        .into()
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
}

/// The access token of a successful grant.
pub fn parse_token(body: &[u8]) -> Result<Secret, Error> {
    let reply: TokenReply = token_reply(TOKEN_WHAT, body)?;
    non_empty_token(TOKEN_WHAT, "access_token", reply.access_token)
}

/// The error for a token request that did not succeed: a refused grant (401/403, or a 400
/// with an OAuth credential error) is `unauthorized`, since the operator must fix the
/// credentials.
pub fn classify_token_failure(response: &Response) -> Error {
    classify_grant_failure(TOKEN_WHAT, response)
}

/// The discovery request for a tenant.
pub fn discovery_call(auth_url: &BaseUrl, tenant_id: &str) -> Call {
    Call::get(auth_url.join("/.well-known/cxone-configuration"))
        .query("tenantId", tenant_id)
        .accept_json()
}

#[derive(Deserialize)]
struct Discovery {
    api_endpoint: String,
}

/// The API endpoint a discovery reply names.
pub fn parse_discovery(body: &[u8]) -> Result<BaseUrl, Error> {
    let reply: Discovery = serde_json::from_slice(body).map_err(|e| {
        Error::Rejected(format!(
            "{DISCOVERY_WHAT} answered 200 without a usable configuration: {e}"
        ))
    })?;
    BaseUrl::parse(&reply.api_endpoint).map_err(|reason| {
        Error::Rejected(format!(
            "{DISCOVERY_WHAT} answered an unusable api_endpoint: {reason}"
        ))
    })
}

/// The error for a discovery request that did not succeed. A 404 means the tenant is unknown,
/// which is a settings problem.
pub fn classify_discovery_failure(response: &Response, tenant_id: &str) -> Error {
    if response.status == 404 {
        Error::InvalidConfig(format!(
            "{}; check tenant-id `{tenant_id}` (or set api-url)",
            ADMIN_API.describe(DISCOVERY_WHAT, response)
        ))
    } else {
        ADMIN_API.status(DISCOVERY_WHAT, response)
    }
}

/// `{api_endpoint}/inContactAPI/services/{version}`.
pub fn api_base(api_endpoint: &BaseUrl, api_version: &str) -> BaseUrl {
    api_endpoint.child(&format!("/inContactAPI/services/{api_version}"))
}

#[cfg(test)]
mod tests {
    use connector_kit::testing::response;

    use super::*;

    fn settings() -> Settings {
        Settings::parse([
            ("auth-url", "http://127.0.0.1:9000"),
            ("api-url", "http://127.0.0.1:9000"),
            ("client-id", "my client"),
            ("client-secret", "s3cr3t:x"),
            ("access-key-id", "AK&1"),
            ("access-key-secret", "p=w d"),
        ])
        .unwrap()
    }

    #[test]
    fn token_request_is_a_form_encoded_password_grant() {
        let req = token_request(&settings());
        assert_eq!(req.method, "POST");
        assert_eq!(req.url, "http://127.0.0.1:9000/auth/token");
        assert_eq!(
            String::from_utf8(req.body.unwrap()).unwrap(),
            "grant_type=password&username=AK%261&password=p%3Dw+d"
        );
        let content_type = req
            .headers
            .iter()
            .find(|h| h.name == "Content-Type")
            .unwrap();
        assert_eq!(content_type.value, "application/x-www-form-urlencoded");
    }

    #[test]
    fn token_reply_yields_the_access_token() {
        let body = br#"{"access_token":"tok","token_type":"bearer","refresh_token":"r","expires_in":3600,"id_token":"a.b.c"}"#;
        assert_eq!(parse_token(body).unwrap().expose(), "tok");
        assert!(matches!(parse_token(b"<html>"), Err(Error::Rejected(_))));
        assert!(matches!(
            parse_token(br#"{"access_token":""}"#),
            Err(Error::Rejected(m)) if m.contains("empty access_token")
        ));
    }

    #[test]
    fn refused_grant_is_unauthorized_naming_the_token_request() {
        let r = response(
            401,
            &[],
            r#"{"error":"invalid_client","error_description":"Bad key"}"#,
        );
        assert_eq!(
            classify_token_failure(&r),
            Error::Unauthorized("POST /auth/token refused the credentials (401): Bad key".into())
        );
    }

    #[test]
    fn discovery_asks_for_the_tenant_and_yields_the_api_endpoint() {
        let auth = BaseUrl::parse("https://au1.nice-incontact.com").unwrap();
        assert_eq!(
            discovery_call(&auth, "t 1&x").request().url,
            "https://au1.nice-incontact.com/.well-known/cxone-configuration?tenantId=t+1%26x"
        );
        let body = br#"{"api_endpoint":"http://127.0.0.1:5/","auth_endpoint":"x","area":"na1","cluster":"c1","tenantId":"t"}"#;
        let api = parse_discovery(body).unwrap();
        assert_eq!(
            api_base(&api, "v27.0").as_str(),
            "http://127.0.0.1:5/inContactAPI/services/v27.0"
        );
        assert!(matches!(
            parse_discovery(br#"{"api_endpoint":"nowhere"}"#),
            Err(Error::Rejected(_))
        ));
        assert!(matches!(
            classify_discovery_failure(&response(404, &[], ""), "t"),
            Error::InvalidConfig(m) if m.contains("tenant-id `t`")
        ));
    }
}
