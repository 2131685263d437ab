//! Access and refresh tokens issued by a simulator's token endpoint: which are valid, which
//! have expired, until when, and the control to expire them all at once.
//!
//! Lifetimes are real durations: a simulator that runs faster than real time hands in lifetimes
//! already divided by its time scale.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::rng::mix;

/// What a presented access token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    /// Issued and not expired.
    Valid,
    /// Issued, then expired (by age or by [`TokenStore::expire_all`]).
    Expired,
    /// Never issued here (or forgotten long after it expired).
    Unknown,
}

/// The tokens one simulator issued and when each expires.
#[derive(Debug)]
pub struct TokenStore {
    seed: u64,
    lifetime: Duration,
    refresh_lifetime: Duration,
    issued: u64,
    /// Access token -> when it expires; expired ones are kept (a while) to answer "expired".
    access: HashMap<String, Instant>,
    /// Unused refresh token -> when it expires.
    refresh: HashMap<String, Instant>,
}

/// The strings handed out by one successful token request.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub access_token: String,
    pub refresh_token: String,
}

impl TokenStore {
    /// Tokens that are strings of `seed`; access and refresh tokens both live for `lifetime`.
    pub fn new(seed: u64, lifetime: Duration) -> Self {
        Self {
            seed,
            lifetime,
            refresh_lifetime: lifetime,
            issued: 0,
            access: HashMap::new(),
            refresh: HashMap::new(),
        }
    }

    /// The same store whose refresh tokens live for `refresh_lifetime` instead.
    pub fn with_refresh_lifetime(self, refresh_lifetime: Duration) -> Self {
        Self {
            refresh_lifetime,
            ..self
        }
    }

    pub fn issue(&mut self) -> IssuedToken {
        self.issued += 1;
        let n = self.issued;
        let access_token = format!(
            "sim-at-{:016x}{:016x}",
            mix(self.seed ^ n),
            mix(n.wrapping_mul(31))
        );
        let refresh_token = format!("sim-rt-{:016x}", mix(!self.seed ^ n));
        let now = Instant::now();
        // Expired access tokens are remembered for one more lifetime, so a client that comes
        // back with one soon after hears "expired" rather than "unknown".
        let forget_before = now.checked_sub(self.lifetime).unwrap_or(now);
        self.access.retain(|_, expires| *expires > forget_before);
        self.refresh.retain(|_, expires| *expires > now);
        self.access
            .insert(access_token.clone(), now + self.lifetime);
        self.refresh
            .insert(refresh_token.clone(), now + self.refresh_lifetime);
        IssuedToken {
            access_token,
            refresh_token,
        }
    }

    /// How long an issued access token lives.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    pub fn access_state(&self, token: &str) -> TokenState {
        match self.access.get(token) {
            Some(expires) if *expires > Instant::now() => TokenState::Valid,
            Some(_) => TokenState::Expired,
            None => TokenState::Unknown,
        }
    }

    pub fn is_valid(&self, token: &str) -> bool {
        self.access_state(token) == TokenState::Valid
    }

    /// Uses up a refresh token: `true` if it was issued here, unused and not expired.
    pub fn redeem_refresh(&mut self, token: &str) -> bool {
        self.refresh
            .remove(token)
            .is_some_and(|expires| expires > Instant::now())
    }

    /// Every access token issued so far expires now (refresh tokens stay usable).
    pub fn expire_all(&mut self) {
        let now = Instant::now();
        for expires in self.access.values_mut() {
            *expires = (*expires).min(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> TokenStore {
        TokenStore::new(1, Duration::from_secs(3600))
            .with_refresh_lifetime(Duration::from_secs(7200))
    }

    #[test]
    fn issued_tokens_are_distinct_and_valid_until_expired() {
        let mut store = store();
        let a = store.issue();
        let b = store.issue();
        assert_ne!(a.access_token, b.access_token);
        assert!(store.is_valid(&a.access_token) && store.is_valid(&b.access_token));
        assert_eq!(store.access_state("made-up"), TokenState::Unknown);
        store.expire_all();
        assert_eq!(store.access_state(&a.access_token), TokenState::Expired);
        assert!(!store.is_valid(&a.access_token));
        let c = store.issue();
        assert!(store.is_valid(&c.access_token));
    }

    #[test]
    fn a_refresh_token_is_redeemed_once() {
        let mut store = store();
        let a = store.issue();
        assert!(store.redeem_refresh(&a.refresh_token));
        assert!(!store.redeem_refresh(&a.refresh_token));
        assert!(!store.redeem_refresh("made-up"));
    }

    #[test]
    fn expiring_every_access_token_leaves_refresh_tokens_usable() {
        let mut store = store();
        let a = store.issue();
        store.expire_all();
        assert!(store.redeem_refresh(&a.refresh_token));
    }

    #[test]
    fn a_token_past_its_lifetime_is_no_longer_valid() {
        let mut store = TokenStore::new(1, Duration::ZERO);
        let a = store.issue();
        assert_eq!(store.access_state(&a.access_token), TokenState::Expired);
        assert!(!store.redeem_refresh(&a.refresh_token));
    }
}
