//! The pieces of a connector's WIT glue that do not depend on the platform: the client slot of
//! a component instance, the `configure` pairs, and the `unsupported` answers.
//!
//! Each connector's `component` module keeps only what is its own: which client it makes from
//! which settings, and which calls it serves.

use std::sync::{Mutex, PoisonError};

use crate::host::WitHost;
use crate::settings::SettingsError;
use crate::wit::types::{Error, KeyValue};

/// The client of a component instance. Each instance serves one connection, so its client
/// lives in a static; the host calls `configure` first and then the other functions one at a
/// time.
#[derive(Debug)]
pub struct ClientSlot<C>(Mutex<Option<C>>);

impl<C> ClientSlot<C> {
    /// An empty slot, before `configure`.
    pub const fn new() -> Self {
        Self(Mutex::new(None))
    }

    /// Puts the client `configure` made in the slot (replacing any earlier one).
    pub fn set(&self, client: C) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(client);
    }

    /// Runs `call` with the configured client and the component's host; `invalid-config` when
    /// `configure` was not called first.
    pub fn with<T>(
        &self,
        call: impl FnOnce(&mut C, &mut WitHost) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut guard = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let client = guard.as_mut().ok_or_else(|| {
            Error::InvalidConfig("configure was not called before this call".into())
        })?;
        call(client, &mut WitHost)
    }
}

impl<C> Default for ClientSlot<C> {
    fn default() -> Self {
        Self::new()
    }
}

/// The `configure` pairs as `(key, value)`, as the connectors' settings parsers read them.
pub fn key_values(settings: &[KeyValue]) -> impl Iterator<Item = (&str, &str)> {
    settings
        .iter()
        .map(|kv| (kv.key.as_str(), kv.value.as_str()))
}

/// Settings a connector cannot use are the connection's configuration to fix.
impl From<SettingsError> for Error {
    fn from(error: SettingsError) -> Self {
        Error::InvalidConfig(error.to_string())
    }
}

/// The answer of a call the connector does not serve, saying why.
pub fn unsupported<T>(why: &str) -> Result<T, Error> {
    Err(Error::Unsupported(why.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_before_configure_is_invalid_config_and_after_it_reaches_the_client() {
        let slot: ClientSlot<u32> = ClientSlot::new();
        assert_eq!(
            slot.with(|_, _| Ok(())),
            Err(Error::InvalidConfig(
                "configure was not called before this call".into()
            ))
        );
        slot.set(7);
        assert_eq!(slot.with(|client, _| Ok(*client)), Ok(7));
    }

    #[test]
    fn settings_errors_are_invalid_config_naming_the_key() {
        assert_eq!(
            Error::from(SettingsError::Missing("base-url")),
            Error::InvalidConfig("setting `base-url` is required but missing".into())
        );
    }
}
