//! The connector's conversation with one RingCentral account: the JWT grant (renewed before it
//! expires, and once on a 401), paced requests that never spend a rate-limit group's budget
//! past zero, and the directory calls built on them (`reads`, `search`).
//!
//! Everything reaches the network through connector-kit's [`Host`], which the component
//! implements with the WIT `http`/`log` imports and the monotonic clock, and the unit tests
//! with a scripted fake and a hand-moved clock, so the whole flow is tested natively.

mod reads;
mod search;
#[cfg(test)]
mod tests;

use std::time::{Duration, Instant};

use connector_kit::classify::retry_after_ms;
use connector_kit::rate_limit::wait_ms;
use connector_kit::{About, Call, Connector, Host, Secret, key_values, success, with_renewal};

use crate::auth::{self, TOKEN_WHAT};
use crate::classify::RINGCENTRAL;
use crate::describe::{ABOUT, READ_ONLY};
use crate::pacing::{Pacer, Route};
use crate::settings::Settings;
use crate::wit::http::Response;
use crate::wit::log::Level;
use crate::wit::types::{Entity, Error, KeyValue, Kind, Page, User};
use search::SearchProgress;

/// Every directory path is below this (the caller's own account).
pub const ACCOUNT_PATH: &str = "/restapi/v1.0/account/~";

/// The longest a token is renewed before it expires; a short-lived token is renewed after
/// nine tenths of its life instead.
const RENEW_AHEAD: Duration = Duration::from_secs(60);

/// An access token, when to renew it and when it expires (both `None` when the grant did not
/// say how long the token lives: it is then kept until a 401).
#[derive(Debug)]
struct Token {
    value: Secret,
    renew_at: Option<Instant>,
    expires_at: Option<Instant>,
}

/// One configured connection and what it has learnt so far: its token, the rate-limit state
/// of each group, and a search that was interrupted by pacing.
#[derive(Debug)]
pub struct Client {
    settings: Settings,
    token: Option<Token>,
    pacer: Pacer,
    search: Option<SearchProgress>,
}

/// The connector: the inherent methods (spread over `reads` and `search`) serve each call;
/// `Client::read` and the like name them, as inherent methods come first in path resolution.
impl Connector for Client {
    const ABOUT: About = ABOUT;
    const NO_WRITES: &'static str = READ_ONLY;

    fn configure(settings: &[KeyValue]) -> Result<Self, Error> {
        Ok(Self::new(Settings::parse(key_values(settings))?))
    }

    fn check<H: Host>(&mut self, host: &mut H) -> Result<(), Error> {
        Client::check(self, host)
    }

    fn read<H: Host>(
        &mut self,
        host: &mut H,
        kind: Kind,
        cursor: Option<&str>,
        since: Option<&str>,
    ) -> Result<Page, Error> {
        Client::read(self, host, kind, cursor, since)
    }

    fn get<H: Host>(
        &mut self,
        host: &mut H,
        kind: Kind,
        id: &str,
    ) -> Result<Option<Entity>, Error> {
        self.get_user(host, kind, id)
    }

    fn search_users<H: Host>(&mut self, host: &mut H, query: &str) -> Result<Vec<User>, Error> {
        Client::search_users(self, host, query)
    }

    fn find_by_email<H: Host>(
        &mut self,
        host: &mut H,
        emails: &[String],
    ) -> Result<Vec<User>, Error> {
        Client::find_by_email(self, host, emails)
    }
}

impl Client {
    /// A client that has sent nothing yet.
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            token: None,
            pacer: Pacer::default(),
            search: None,
        }
    }

    /// Obtains a token and lists one extension.
    pub fn check(&mut self, host: &mut impl Host) -> Result<(), Error> {
        self.get(
            host,
            Route::List,
            "/extension",
            &[("perPage", "1"), ("page", "1")],
            "GET /extension (check)",
        )?;
        host.log(
            Level::Debug,
            "check: token obtained and GET /extension answered",
        );
        Ok(())
    }

    /// The held token if it may be used at `now`: before its renewal is due, or after that
    /// while it is still valid and token requests must wait (renewal is deferred rather than
    /// making the call wait).
    fn held_token(&self, now: Instant) -> Option<&Secret> {
        let token = self.token.as_ref()?;
        let fresh = token.renew_at.is_none_or(|at| now < at);
        let deferrable = token.expires_at.is_some_and(|at| now < at)
            && self.pacer.wait(Route::Token, now).is_some();
        (fresh || deferrable).then_some(&token.value)
    }

    /// Answers `rate-limited` when one of `routes` must wait: the whole wait at once, so that
    /// the host's next attempt finds every group it needs ready.
    fn pace(&self, host: &mut impl Host, routes: &[Route]) -> Result<(), Error> {
        match self.pacer.wait_any(routes, host.now()) {
            None => Ok(()),
            Some(wait) => {
                let ms = wait_ms(wait);
                host.log(
                    Level::Debug,
                    &format!(
                        "pacing: the rate-limit budget of {routes:?} is spent; waiting {ms} ms"
                    ),
                );
                Err(Error::RateLimited(ms))
            }
        }
    }

    /// GETs `path` (with `query`) below the account with the bearer token, paced; on a 401
    /// renews the token and repeats once. Returns 2xx responses; any other status is classified (a 429
    /// also blocks its group for its `Retry-After`).
    fn get(
        &mut self,
        host: &mut impl Host,
        route: Route,
        path: &str,
        query: &[(&str, &str)],
        what: &str,
    ) -> Result<Response, Error> {
        let url = self
            .settings
            .base_url
            .join(&format!("{ACCOUNT_PATH}{path}"));
        let forget = |client: &mut Self| client.token = None;
        let response = with_renewal(host, &RINGCENTRAL, what, self, forget, |client, host| {
            if client.held_token(host.now()).is_some() {
                client.pace(host, &[route])?;
            } else {
                client.pace(host, &[Route::Token, route])?;
            }
            let token = client.token(host)?;
            let response = Call::get(url.as_str())
                .queries(query)
                .bearer(&token)
                .accept_json()
                .send(host, &RINGCENTRAL, what)?;
            client.pacer.observe(route, &response.headers, host.now());
            Ok(response)
        })?;
        match response.status {
            429 => Err(self.limited(host, route, what, &response)),
            _ => success(&RINGCENTRAL, what, response),
        }
    }

    /// The error for a 429, after blocking the route's group for the wait it asks for.
    fn limited(
        &mut self,
        host: &mut impl Host,
        route: Route,
        what: &str,
        response: &Response,
    ) -> Error {
        let ms = retry_after_ms(&response.headers);
        self.pacer
            .penalize(route, Duration::from_millis(ms), host.now());
        host.log(
            Level::Warn,
            &format!(
                "{}; nothing of its group for {ms} ms",
                RINGCENTRAL.describe(what, response)
            ),
        );
        Error::RateLimited(ms)
    }

    /// The held token while it may be used, else a new one from the JWT grant (paced: token
    /// requests have a budget of their own).
    fn token(&mut self, host: &mut impl Host) -> Result<Secret, Error> {
        if let Some(token) = self.held_token(host.now()) {
            return Ok(token.clone());
        }
        if self.token.take().is_some() {
            host.log(Level::Debug, "renewing the access token before it expires");
        }
        self.pace(host, &[Route::Token])?;
        let response = host
            .send(&auth::token_request(&self.settings))
            .map_err(|e| RINGCENTRAL.http_error(TOKEN_WHAT, &e))?;
        let received = host.now();
        self.pacer
            .observe(Route::Token, &response.headers, received);
        match response.status {
            200..=299 => {}
            429 => return Err(self.limited(host, Route::Token, TOKEN_WHAT, &response)),
            _ => return Err(auth::classify_token_failure(&response)),
        }
        let granted = auth::parse_token(&response.body)?;
        // A lifetime too long for the clock is as good as none.
        let expires_at = granted.lifetime.and_then(|life| received.checked_add(life));
        let renew_at = granted
            .lifetime
            .zip(expires_at)
            .map(|(life, at)| at - RENEW_AHEAD.min(life / 10));
        host.log(Level::Debug, "obtained an access token");
        self.token = Some(Token {
            value: granted.access_token.clone(),
            renew_at,
            expires_at,
        });
        Ok(granted.access_token)
    }
}
