//! Access tokens issued by a simulator's token endpoint: which are valid, until when, and the
//! control to invalidate them all at once.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::rng::mix;

/// The tokens one simulator issued and when each expires.
#[derive(Debug)]
pub struct TokenStore {
    seed: u64,
    lifetime: Duration,
    issued: u64,
    valid: HashMap<String, Instant>,
}

/// The strings handed out by one successful token request.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub access_token: String,
    pub refresh_token: String,
}

impl TokenStore {
    /// Tokens that are strings of `seed` and live for `lifetime`.
    pub fn new(seed: u64, lifetime: Duration) -> Self {
        Self {
            seed,
            lifetime,
            issued: 0,
            valid: HashMap::new(),
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
        self.valid.retain(|_, expires| *expires > now);
        self.valid.insert(access_token.clone(), now + self.lifetime);
        IssuedToken {
            access_token,
            refresh_token,
        }
    }

    /// How long an issued token lives.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    pub fn is_valid(&self, token: &str) -> bool {
        self.valid
            .get(token)
            .is_some_and(|expires| *expires > Instant::now())
    }

    /// Every token issued so far stops working.
    pub fn expire_all(&mut self) {
        self.valid.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_are_distinct_and_valid_until_expired() {
        let mut store = TokenStore::new(1, Duration::from_secs(60));
        let a = store.issue();
        let b = store.issue();
        assert_ne!(a.access_token, b.access_token);
        assert!(store.is_valid(&a.access_token) && store.is_valid(&b.access_token));
        assert!(!store.is_valid("made-up"));
        store.expire_all();
        assert!(!store.is_valid(&a.access_token));
        let c = store.issue();
        assert!(store.is_valid(&c.access_token));
    }

    #[test]
    fn a_token_past_its_lifetime_is_no_longer_valid() {
        let mut store = TokenStore::new(1, Duration::ZERO);
        let a = store.issue();
        assert!(!store.is_valid(&a.access_token));
    }
}
