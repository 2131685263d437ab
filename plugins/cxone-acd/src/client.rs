//! The connector's conversation with one CXone tenant: the shared Admin API client signed in
//! with [`AccessKeyAuth`], which discovers the API endpoint once and keeps one token.
//!
//! The token is not renewed ahead of `expires_in`: a 401 from the API renews it (the shared
//! flow repeats the request once).

use ccsync_admin_api::classify::ADMIN_API;
use ccsync_admin_api::{Access, Auth, Platform};
use connector_kit::grant::{KeptToken, send_grant};
use connector_kit::{About, BaseUrl, Host, Secret, key_values};

use crate::auth::{self, DISCOVERY_WHAT, TOKEN_WHAT};
use crate::describe;
use crate::settings::{ApiLocation, Settings};
use crate::wit::log::Level;
use crate::wit::types::{Error, KeyValue};

/// CXone's sign-in: the access-key grant, and the API endpoint from `api-url` or discovery.
#[derive(Debug)]
pub struct AccessKeyAuth {
    settings: Settings,
    api_base: Option<BaseUrl>,
    token: KeptToken,
}

impl AccessKeyAuth {
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            api_base: None,
            token: KeptToken::default(),
        }
    }

    /// The kept token, or a new one from the access-key grant.
    fn token(&mut self, host: &mut impl Host) -> Result<Secret, Error> {
        self.token.get_or_obtain(host, |host| {
            let response = send_grant(
                host,
                &ADMIN_API,
                TOKEN_WHAT,
                &auth::token_request(&self.settings),
                auth::classify_token_failure,
            )?;
            auth::parse_token(&response.body)
        })
    }

    /// The versioned API base, discovering the API endpoint on first use when `api-url` is
    /// not set.
    fn api_base(&mut self, host: &mut impl Host) -> Result<BaseUrl, Error> {
        if let Some(base) = &self.api_base {
            return Ok(base.clone());
        }
        let api_endpoint = match &self.settings.api {
            ApiLocation::Given(url) => url.clone(),
            ApiLocation::Discover { tenant_id } => {
                let response = auth::discovery_call(&self.settings.auth_url, tenant_id).send(
                    host,
                    &ADMIN_API,
                    DISCOVERY_WHAT,
                )?;
                if !(200..=299).contains(&response.status) {
                    return Err(auth::classify_discovery_failure(&response, tenant_id));
                }
                let found = auth::parse_discovery(&response.body)?;
                host.log(
                    Level::Debug,
                    &format!("discovered API endpoint {}", found.as_str()),
                );
                found
            }
        };
        let base = auth::api_base(&api_endpoint, &self.settings.api_version);
        self.api_base = Some(base.clone());
        Ok(base)
    }
}

impl Auth for AccessKeyAuth {
    /// Discovers the API when needed, then the token.
    fn access(&mut self, host: &mut impl Host) -> Result<Access, Error> {
        let api_base = self.api_base(host)?;
        let token = self.token(host)?;
        Ok(Access { api_base, token })
    }

    fn refused(&mut self) {
        self.token.forget();
    }
}

/// The cxone-acd connector: the shared Admin API client signed in with CXone's access-key
/// grant.
pub type Client = ccsync_admin_api::Client<AccessKeyAuth>;

/// The connector for these settings (natively: tests, benchmarks).
pub fn client(settings: Settings) -> Client {
    let page_size = settings.page_size;
    Client::new(AccessKeyAuth::new(settings), page_size)
}

impl Platform for AccessKeyAuth {
    const ABOUT: About = describe::ABOUT;
    const NO_WRITES: &'static str = describe::READ_ONLY;
    const NO_SEARCH: &'static str = describe::NO_SEARCH;

    fn configure(settings: &[KeyValue]) -> Result<(Self, u32), Error> {
        let settings = Settings::parse(key_values(settings))?;
        let page_size = settings.page_size;
        Ok((Self::new(settings), page_size))
    }
}

#[cfg(test)]
mod tests {
    use connector_kit::grant::basic_authorization;
    use connector_kit::testing::{Reply, ScriptedHost, json_ok, no_content, respond};
    use serde_json::json;

    use super::*;
    use crate::wit::types::Kind;

    const ROOT: &str = "http://127.0.0.1:7";
    const API: &str = "http://127.0.0.1:7/inContactAPI/services/v27.0";
    const TOKEN: &str = "POST http://127.0.0.1:7/auth/token";
    const TOKEN_1: &str = "tok-AAAA-1111";
    const TOKEN_2: &str = "tok-BBBB-2222";

    fn token(value: &str) -> Reply {
        json_ok(
            json!({"access_token": value, "token_type": "bearer", "refresh_token": "r",
            "expires_in": 3600, "id_token": "h.p.s"}),
        )
    }

    fn get(path_and_query: &str) -> String {
        format!("GET {API}{path_and_query}")
    }

    fn settings(api_url: Option<&str>) -> Settings {
        let mut pairs = vec![
            ("auth-url", ROOT),
            ("tenant-id", "T1"),
            ("client-id", "cid"),
            ("client-secret", "client-SECRET-x"),
            ("access-key-id", "AK"),
            ("access-key-secret", "key-SECRET-y"),
            ("page-size", "2"),
        ];
        if let Some(url) = api_url {
            pairs.push(("api-url", url));
        }
        Settings::parse(pairs).unwrap()
    }

    fn client() -> Client {
        super::client(settings(Some(ROOT)))
    }

    #[test]
    fn first_request_obtains_a_token_with_the_client_credentials_and_sends_it_as_bearer() {
        let mut host = ScriptedHost::default()
            .expect(TOKEN, token(TOKEN_1))
            .expect(get("/teams?skip=0&top=2"), json_ok(json!({"teams": []})))
            .expect(get("/campaigns?skip=0&top=2"), no_content());
        let mut c = client();
        c.read(&mut host, Kind::Team, None, None).unwrap();
        c.read(&mut host, Kind::Campaign, None, None).unwrap();
        host.assert_done();
        let basic = basic_authorization("cid", &Secret::new("client-SECRET-x"));
        assert_eq!(host.authorization(0), basic.expose());
        assert_eq!(host.authorization(1), format!("Bearer {TOKEN_1}"));
        assert_eq!(host.authorization(2), format!("Bearer {TOKEN_1}"));
    }

    #[test]
    fn api_401_obtains_a_new_token_and_retries_the_request_once() {
        let teams = get("/teams?skip=0&top=1");
        let mut host = ScriptedHost::default()
            .expect(TOKEN, token(TOKEN_1))
            .expect(
                teams.clone(),
                respond(401, &[("icStatusDescription", "Invalid token")], ""),
            )
            .expect(TOKEN, token(TOKEN_2))
            .expect(teams, json_ok(json!({"teams": []})));
        client().check(&mut host).unwrap();
        host.assert_done();
        assert_eq!(host.authorization(3), format!("Bearer {TOKEN_2}"));
    }

    #[test]
    fn token_endpoint_401_is_unauthorized_with_the_error_description() {
        let mut host = ScriptedHost::default().expect(
            TOKEN,
            respond(
                401,
                &[],
                r#"{"error":"invalid_client","error_description":"Unknown key"}"#,
            ),
        );
        let err = client()
            .read(&mut host, Kind::Team, None, None)
            .unwrap_err();
        assert_eq!(
            err,
            Error::Unauthorized(
                "POST /auth/token refused the credentials (401): Unknown key".into()
            )
        );
        host.assert_done();
    }

    #[test]
    fn without_api_url_the_endpoint_is_discovered_once_per_instance() {
        let found = "http://127.0.0.1:8";
        let teams = format!("GET {found}/inContactAPI/services/v27.0/teams?skip=0&top=1");
        let mut host = ScriptedHost::default()
            .expect(
                format!("GET {ROOT}/.well-known/cxone-configuration?tenantId=T1"),
                json_ok(
                    json!({"api_endpoint": found, "auth_endpoint": ROOT, "area": "na1",
                    "cluster": "c1", "tenantId": "T1"}),
                ),
            )
            .expect(TOKEN, token(TOKEN_1))
            .expect(teams.clone(), no_content())
            .expect(teams, json_ok(json!({"teams": []})));
        let mut c = super::client(settings(None));
        c.check(&mut host).unwrap();
        c.check(&mut host).unwrap();
        host.assert_done();
    }

    #[test]
    fn logs_never_carry_tokens_or_secrets() {
        let mut host = ScriptedHost::default()
            .expect(TOKEN, token(TOKEN_1))
            .expect(get("/teams?skip=0&top=1"), respond(401, &[], ""))
            .expect(TOKEN, token(TOKEN_2))
            .expect(get("/teams?skip=0&top=1"), json_ok(json!({"teams": []})));
        let mut c = client();
        c.check(&mut host).unwrap();
        host.assert_done();
        for line in &host.logs {
            for secret in [TOKEN_1, TOKEN_2, "client-SECRET-x", "key-SECRET-y"] {
                assert!(!line.contains(secret), "{line}");
            }
        }
        let debug = format!("{c:?}");
        for secret in [TOKEN_2, "client-SECRET-x", "key-SECRET-y"] {
            assert!(!debug.contains(secret), "{debug}");
        }
    }
}
