//! The legacy inContact token flow, as requests and replies.
//!
//! - Password grant: `POST {base-url}/InContactAuthorizationServer/Token` with
//!   `Authorization: basic base64("App@Vendor:BusinessUnit")` and the JSON body
//!   `{"grant_type": "password", "username", "password", "scope"}`.
//! - Refresh grant: the same header, `{"grant_type": "refresh_token", "refresh_token"}`, at the
//!   reply's `refresh_token_server_uri` (or the token URL when it names none).
//! - Reply: `{access_token, refresh_token, resource_server_base_uri, refresh_token_server_uri,
//!   expires_in, token_type, scope, agent_id, team_id, bus_no}`; the Admin API base is
//!   `resource_server_base_uri` + `services/{api-version}`.
//!
//! Only the wire shapes live here; when to ask for which grant is [`PasswordAuth`]'s business.
//!
//! [`PasswordAuth`]: crate::session::PasswordAuth

use connector_kit::fields::{FieldError, Fields};
use connector_kit::grant::basic_credentials;
use connector_kit::{BaseUrl, Call, Secret};
use serde_json::{Value, json};

use crate::settings::Settings;
use crate::wit::http::Request;
use crate::wit::types::Error;

/// The token endpoint below `base-url`.
const TOKEN_PATH: &str = "/InContactAuthorizationServer/Token";
/// How the password grant is named in messages.
pub const TOKEN_WHAT: &str = "POST /InContactAuthorizationServer/Token";
/// How the refresh grant is named in messages.
pub const REFRESH_WHAT: &str = "POST refresh_token_server_uri (refresh_token grant)";

/// What a successful grant answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The bearer token.
    pub access_token: Secret,
    /// The token of the next refresh grant, when the server gave one.
    pub refresh_token: Option<Secret>,
    /// Where the Admin API lives (`…/inContactAPI/`), when the reply names it.
    pub resource_server: Option<BaseUrl>,
    /// Where to refresh, when the reply names a usable URL.
    pub refresh_url: Option<BaseUrl>,
    /// How long the token lives, in seconds, when the reply says.
    pub expires_in: Option<u64>,
}

/// The token URL for these settings.
pub fn token_url(settings: &Settings) -> BaseUrl {
    settings.base_url.child(TOKEN_PATH)
}

/// The password grant for these settings.
pub fn password_request(settings: &Settings) -> Result<Request, Error> {
    let body = json!({
        "grant_type": "password",
        "username": settings.username,
        "password": settings.password.expose(),
        "scope": settings.scope,
    });
    grant_request(settings, token_url(settings).as_str(), &body)
}

/// The refresh grant for these settings, sent to `url`.
pub fn refresh_request(
    settings: &Settings,
    url: &BaseUrl,
    refresh_token: &Secret,
) -> Result<Request, Error> {
    let body = json!({
        "grant_type": "refresh_token",
        "refresh_token": refresh_token.expose(),
    });
    grant_request(settings, url.as_str(), &body)
}

/// `basic base64("App@Vendor:BusinessUnit")`, spelt as the legacy documentation spells it (the
/// scheme name is case-insensitive).
pub fn basic_authorization(settings: &Settings) -> Secret {
    let credentials = basic_credentials(&settings.application, &settings.business_unit);
    Secret::new(format!("basic {}", credentials.expose()))
}

fn grant_request(settings: &Settings, url: &str, body: &Value) -> Result<Request, Error> {
    Ok(Call::post(url)
        .header("Authorization", basic_authorization(settings).expose())
        .accept_json()
        .json(body)?
        .into())
}

/// Reads a 200 reply of a grant (`what`). The access token is required; the other fields are
/// taken when present, `expires_in` as a number or a digit string. A `refresh_token_server_uri`
/// that is not an `http(s)` URL is left out, so the refresh goes to the token URL.
pub fn parse_grant(what: &str, body: &[u8]) -> Result<Grant, Error> {
    let unusable = |why: String| Error::Rejected(format!("{what} answered 200 {why}"));
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| unusable(format!("with a body that is not JSON: {e}")))?;
    let object = value
        .as_object()
        .ok_or_else(|| unusable("with JSON that is not an object".into()))?;
    let f = Fields::new(object);
    // Field errors name the field, never its value: no token is quoted.
    let problem = |e: FieldError| unusable(format!("but {e}"));
    let access_token = f
        .non_empty_str("access_token")
        .map_err(problem)?
        .ok_or_else(|| unusable("without an access_token".into()))?;
    let resource_server = f
        .non_empty_str("resource_server_base_uri")
        .map_err(problem)?
        .map(|uri| {
            BaseUrl::parse(uri).map_err(|reason| {
                unusable(format!(
                    "with an unusable resource_server_base_uri: {reason}"
                ))
            })
        })
        .transpose()?;
    let refresh_url = f
        .non_empty_str("refresh_token_server_uri")
        .map_err(problem)?
        .and_then(|uri| BaseUrl::parse(uri).ok());
    let expires_in = f
        .optional_int("expires_in")
        .map_err(problem)?
        .map(|seconds| u64::try_from(seconds).unwrap_or(0));
    Ok(Grant {
        access_token: Secret::new(access_token),
        refresh_token: f
            .non_empty_str("refresh_token")
            .map_err(problem)?
            .map(Secret::new),
        resource_server,
        refresh_url,
        expires_in,
    })
}

/// The versioned Admin API base: `{resource_server_base_uri}services/{version}`, whether or not
/// the URI ends with a slash.
pub fn api_base(resource_server: &BaseUrl, api_version: &str) -> BaseUrl {
    resource_server.child(&format!("/services/{api_version}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings::parse([
            ("base-url", "https://api.incontact.com"),
            ("application", "Sync@Acme"),
            ("business-unit", "4600001"),
            ("username", "api.user@acme.test"),
            ("password", "pa55-SECRET"),
        ])
        .unwrap()
    }

    fn header_of<'a>(request: &'a Request, name: &str) -> &'a str {
        request
            .headers
            .iter()
            .find(|h| h.name == name)
            .map(|h| h.value.as_str())
            .unwrap_or_default()
    }

    fn json_body(request: &Request) -> Value {
        serde_json::from_slice(request.body.as_deref().unwrap_or_default()).unwrap()
    }

    #[test]
    fn password_grant_is_json_with_basic_app_at_vendor_colon_business_unit() {
        let req = password_request(&settings()).unwrap();
        assert_eq!(req.method, "POST");
        assert_eq!(
            req.url,
            "https://api.incontact.com/InContactAuthorizationServer/Token"
        );
        // base64("Sync@Acme:4600001")
        assert_eq!(
            header_of(&req, "Authorization"),
            "basic U3luY0BBY21lOjQ2MDAwMDE="
        );
        assert_eq!(header_of(&req, "Content-Type"), "application/json");
        assert_eq!(
            json_body(&req),
            json!({"grant_type": "password", "username": "api.user@acme.test",
                "password": "pa55-SECRET", "scope": "AdminApi"})
        );
    }

    #[test]
    fn refresh_grant_sends_the_refresh_token_as_json_to_the_given_url() {
        let url = BaseUrl::parse("https://api-c7.incontact.com/InContactAuthorizationServer/Token")
            .unwrap();
        let req = refresh_request(&settings(), &url, &Secret::new("ref-1")).unwrap();
        assert_eq!(req.url, url.as_str());
        assert_eq!(
            header_of(&req, "Authorization"),
            "basic U3luY0BBY21lOjQ2MDAwMDE="
        );
        assert_eq!(
            json_body(&req),
            json!({"grant_type": "refresh_token", "refresh_token": "ref-1"})
        );
    }

    #[test]
    fn grant_reply_yields_token_refresh_token_resource_server_and_expiry() {
        let body = json!({"access_token": "tok", "refresh_token": "ref",
            "resource_server_base_uri": "https://api-c7.incontact.com/inContactAPI/",
            "refresh_token_server_uri": "https://api-c7.incontact.com/InContactAuthorizationServer/Token",
            "expires_in": 3600, "token_type": "bearer", "scope": "AdminApi",
            "agent_id": 1, "team_id": "2", "bus_no": 4600001});
        let grant = parse_grant(TOKEN_WHAT, body.to_string().as_bytes()).unwrap();
        assert_eq!(grant.access_token.expose(), "tok");
        assert_eq!(
            grant.refresh_token.as_ref().map(Secret::expose),
            Some("ref")
        );
        assert_eq!(
            grant.resource_server.as_ref().map(BaseUrl::as_str),
            Some("https://api-c7.incontact.com/inContactAPI")
        );
        assert_eq!(
            grant.refresh_url.as_ref().map(BaseUrl::as_str),
            Some("https://api-c7.incontact.com/InContactAuthorizationServer/Token")
        );
        assert_eq!(grant.expires_in, Some(3600));
    }

    #[test]
    fn grant_reply_takes_expires_in_as_a_string_and_drops_an_unusable_refresh_uri() {
        let body =
            br#"{"access_token":"tok","expires_in":"3600","refresh_token_server_uri":"/Token"}"#;
        let grant = parse_grant(TOKEN_WHAT, body).unwrap();
        assert_eq!(grant.expires_in, Some(3600));
        assert_eq!(grant.refresh_url, None);
        assert_eq!(grant.refresh_token, None);
        assert_eq!(grant.resource_server, None);
    }

    #[test]
    fn grant_reply_without_a_usable_token_or_base_is_rejected_without_quoting_it() {
        let rejected = |body: &[u8]| match parse_grant(TOKEN_WHAT, body) {
            Err(Error::Rejected(m)) => m,
            other => panic!("{other:?}"),
        };
        assert!(rejected(b"<html>").contains("not JSON"));
        assert!(rejected(br#"{"access_token":""}"#).ends_with("without an access_token"));
        assert_eq!(
            rejected(br#"{"access_token":7}"#),
            "POST /InContactAuthorizationServer/Token answered 200 but access_token is not a \
             string (found a number)"
        );
        let m = rejected(br#"{"access_token":"tok-SECRET","resource_server_base_uri":"x"}"#);
        assert!(m.contains("unusable resource_server_base_uri"), "{m}");
        assert!(!m.contains("tok-SECRET"), "{m}");
    }

    #[test]
    fn api_base_appends_services_and_version_with_or_without_a_trailing_slash() {
        for uri in [
            "https://api-c7.incontact.com/inContactAPI/",
            "https://api-c7.incontact.com/inContactAPI",
        ] {
            let base = BaseUrl::parse(uri).unwrap();
            assert_eq!(
                api_base(&base, "v27.0").as_str(),
                "https://api-c7.incontact.com/inContactAPI/services/v27.0"
            );
        }
    }
}
