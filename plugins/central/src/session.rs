//! The token's life: [`PasswordAuth`] signs in with the password grant, refreshes the token
//! shortly before it expires and when the API refuses it (a 401), and signs in with the
//! password again when the refresh is refused.
//!
//! The Admin API base comes from the token reply (`resource_server_base_uri`), so it is known
//! once the first grant succeeded. Expiry is measured on the monotonic clock the component's
//! WASI environment provides.

use std::time::{Duration, Instant};

use ccsync_admin_api::classify::ADMIN_API;
use ccsync_admin_api::{Access, Auth, Platform, classify_grant_failure};
use connector_kit::grant::send_grant;
use connector_kit::{About, BaseUrl, Host, Secret, key_values};

use crate::auth::{self, Grant, REFRESH_WHAT, TOKEN_WHAT};
use crate::describe::{ABOUT, READ_ONLY};
use crate::settings::Settings;
use crate::wit::log::Level;
use crate::wit::types::{Error, KeyValue};

/// How long before its expiry a token is refreshed (at most half its life).
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// A signed-in session: the token and what the grant said about it.
#[derive(Debug)]
struct Session {
    token: Secret,
    /// The API answered 401 to `token`.
    refused: bool,
    refresh_token: Option<Secret>,
    refresh_url: Option<BaseUrl>,
    api_base: BaseUrl,
    /// When to refresh ahead of expiry; `None` when the reply gave no `expires_in`.
    renew_at: Option<Instant>,
}

impl Session {
    fn new(grant: Grant, api_base: BaseUrl, now: Instant) -> Self {
        Self {
            token: grant.access_token,
            refused: false,
            refresh_token: grant.refresh_token,
            refresh_url: grant.refresh_url,
            api_base,
            renew_at: grant.expires_in.and_then(|seconds| renew_at(now, seconds)),
        }
    }

    fn usable(&self, now: Instant) -> bool {
        !self.refused && self.renew_at.is_none_or(|at| now < at)
    }

    fn access(&self) -> Access {
        Access {
            api_base: self.api_base.clone(),
            token: self.token.clone(),
        }
    }
}

/// When to renew a token that lives `seconds` from `now`: [`REFRESH_MARGIN`] before it
/// expires, or halfway through a shorter life.
fn renew_at(now: Instant, seconds: u64) -> Option<Instant> {
    let life = Duration::from_secs(seconds);
    now.checked_add(life - REFRESH_MARGIN.min(life / 2))
}

/// Central's sign-in: the legacy password grant, refreshed with the refresh grant.
#[derive(Debug)]
pub struct PasswordAuth {
    settings: Settings,
    session: Option<Session>,
}

impl PasswordAuth {
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            session: None,
        }
    }

    /// A new session from the password grant; a refused grant is `unauthorized`.
    fn password_grant(&self, host: &mut impl Host) -> Result<Session, Error> {
        let request = auth::password_request(&self.settings)?;
        let response = send_grant(host, &ADMIN_API, TOKEN_WHAT, &request, |response| {
            classify_grant_failure(TOKEN_WHAT, response)
        })?;
        let grant = auth::parse_grant(TOKEN_WHAT, &response.body)?;
        let resource_server = grant.resource_server.as_ref().ok_or_else(|| {
            Error::Rejected(format!(
                "{TOKEN_WHAT} answered 200 without a resource_server_base_uri"
            ))
        })?;
        let api_base = auth::api_base(resource_server, &self.settings.api_version);
        host.log(
            Level::Debug,
            &format!(
                "signed in with the password grant; the Admin API is at {}",
                api_base.as_str()
            ),
        );
        Ok(Session::new(grant, api_base, Instant::now()))
    }

    /// A refreshed session, or `None` when the server refused the refresh (any 4xx but 429:
    /// an expired or revoked refresh token, which the password grant replaces). What the
    /// reply leaves out is kept from `old`.
    fn refresh_grant(
        &self,
        host: &mut impl Host,
        old: &Session,
        refresh_token: &Secret,
    ) -> Result<Option<Session>, Error> {
        let url = old
            .refresh_url
            .clone()
            .unwrap_or_else(|| auth::token_url(&self.settings));
        let response = host
            .send(&auth::refresh_request(&self.settings, &url, refresh_token)?)
            .map_err(|e| ADMIN_API.http_error(REFRESH_WHAT, &e))?;
        match response.status {
            200..=299 => {}
            400..=499 if response.status != 429 => {
                host.log(
                    Level::Debug,
                    &format!(
                        "{}; signing in with the password again",
                        ADMIN_API.describe(REFRESH_WHAT, &response)
                    ),
                );
                return Ok(None);
            }
            _ => return Err(ADMIN_API.status(REFRESH_WHAT, &response)),
        }
        let mut grant = auth::parse_grant(REFRESH_WHAT, &response.body)?;
        let api_base = match &grant.resource_server {
            Some(server) => auth::api_base(server, &self.settings.api_version),
            None => old.api_base.clone(),
        };
        grant.refresh_token = grant.refresh_token.or_else(|| old.refresh_token.clone());
        grant.refresh_url = grant.refresh_url.or_else(|| old.refresh_url.clone());
        host.log(Level::Debug, "refreshed the access token");
        Ok(Some(Session::new(grant, api_base, Instant::now())))
    }

    /// A session to replace `old` (refused or about to expire): refreshed when it has a
    /// refresh token the server still accepts, else from the password grant.
    fn renew(&self, host: &mut impl Host, old: &Session) -> Result<Session, Error> {
        let why = if old.refused {
            "the API refused the token"
        } else {
            "the token is about to expire"
        };
        match &old.refresh_token {
            Some(refresh_token) => {
                host.log(Level::Debug, &format!("{why}; refreshing it"));
                if let Some(session) = self.refresh_grant(host, old, refresh_token)? {
                    return Ok(session);
                }
            }
            None => host.log(
                Level::Debug,
                &format!("{why} and there is no refresh token; signing in with the password again"),
            ),
        }
        self.password_grant(host)
    }
}

impl Auth for PasswordAuth {
    fn access(&mut self, host: &mut impl Host) -> Result<Access, Error> {
        if let Some(session) = &self.session
            && session.usable(Instant::now())
        {
            return Ok(session.access());
        }
        let fresh = match &self.session {
            Some(old) => self.renew(host, old)?,
            None => self.password_grant(host)?,
        };
        let access = fresh.access();
        self.session = Some(fresh);
        Ok(access)
    }

    fn refused(&mut self) {
        if let Some(session) = &mut self.session {
            session.refused = true;
        }
    }
}

/// The central connector: the shared Admin API client signed in with Central's password grant.
pub type Client = ccsync_admin_api::Client<PasswordAuth>;

impl Platform for PasswordAuth {
    const ABOUT: About = ABOUT;
    const NO_WRITES: &'static str = READ_ONLY;
    const NO_SEARCH: &'static str = READ_ONLY;
    const NO_GET: &'static str = READ_ONLY;

    fn configure(settings: &[KeyValue]) -> Result<(Self, u32), Error> {
        let settings = Settings::parse(key_values(settings))?;
        let page_size = settings.page_size;
        Ok((Self::new(settings), page_size))
    }
}

#[cfg(test)]
mod tests;
