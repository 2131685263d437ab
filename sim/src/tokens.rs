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
pub(crate) enum TokenState {
    /// Issued and not expired.
    Valid,
    /// Issued, then expired (by age or by [`TokenStore::expire_all`]).
    Expired,
    /// Never issued here (or forgotten long after it expired).
    Unknown,
}

#[derive(Debug)]
pub(crate) struct TokenStore {
    seed: u64,
    issued: u64,
    access_lifetime: Duration,
    refresh_lifetime: Duration,
    /// Access token -> when it expires; expired ones are kept (a while) to answer "expired".
    access: HashMap<String, Instant>,
    /// Unused refresh token -> when it expires.
    refresh: HashMap<String, Instant>,
}

/// The strings handed out by one successful token request.
#[derive(Debug, Clone)]
pub(crate) struct IssuedToken {
    pub(crate) access_token: String,
    pub(crate) refresh_token: String,
}

impl TokenStore {
    pub(crate) fn new(seed: u64, access_lifetime: Duration, refresh_lifetime: Duration) -> Self {
        Self {
            seed,
            issued: 0,
            access_lifetime,
            refresh_lifetime,
            access: HashMap::new(),
            refresh: HashMap::new(),
        }
    }

    pub(crate) fn issue(&mut self) -> IssuedToken {
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
        let forget_before = now.checked_sub(self.access_lifetime).unwrap_or(now);
        self.access.retain(|_, expires| *expires > forget_before);
        self.refresh.retain(|_, expires| *expires > now);
        self.access
            .insert(access_token.clone(), now + self.access_lifetime);
        self.refresh
            .insert(refresh_token.clone(), now + self.refresh_lifetime);
        IssuedToken {
            access_token,
            refresh_token,
        }
    }

    pub(crate) fn access_state(&self, token: &str) -> TokenState {
        match self.access.get(token) {
            Some(expires) if *expires > Instant::now() => TokenState::Valid,
            Some(_) => TokenState::Expired,
            None => TokenState::Unknown,
        }
    }

    /// Uses up a refresh token: `true` if it was issued here, unused and not expired.
    pub(crate) fn redeem_refresh(&mut self, token: &str) -> bool {
        self.refresh
            .remove(token)
            .is_some_and(|expires| expires > Instant::now())
    }

    /// Every access token issued so far expires now (refresh tokens stay usable).
    pub(crate) fn expire_all(&mut self) {
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
        TokenStore::new(1, Duration::from_secs(3600), Duration::from_secs(7200))
    }

    #[test]
    fn issued_tokens_are_distinct_and_valid_until_expired() {
        let mut store = store();
        let a = store.issue();
        let b = store.issue();
        assert_ne!(a.access_token, b.access_token);
        assert_eq!(store.access_state(&a.access_token), TokenState::Valid);
        assert_eq!(store.access_state(&b.access_token), TokenState::Valid);
        assert_eq!(store.access_state("made-up"), TokenState::Unknown);
        store.expire_all();
        assert_eq!(store.access_state(&a.access_token), TokenState::Expired);
        let c = store.issue();
        assert_eq!(store.access_state(&c.access_token), TokenState::Valid);
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
    fn tokens_expire_with_their_lifetime() {
        let mut store = TokenStore::new(1, Duration::ZERO, Duration::ZERO);
        let a = store.issue();
        assert_eq!(store.access_state(&a.access_token), TokenState::Expired);
        assert!(!store.redeem_refresh(&a.refresh_token));
    }
}
