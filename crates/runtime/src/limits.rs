//! The sandbox limits of a plugin instance: how much memory it may grow to and how much CPU
//! one call may burn, and how a breach is told apart from any other trap.
//!
//! Memory is capped by a [`wasmtime::ResourceLimiter`] that refuses growth past the cap and
//! remembers that it did; CPU is capped with epoch interruption: a ticker thread advances the
//! engine's epoch every [`TICK`], and a store's deadline callback counts the ticks during which
//! its guest was running. Time a guest spends waiting in a host call (an HTTP request) is not
//! counted, so a slow platform does not look like a runaway plugin.

use std::time::Duration;

use wasmtime::UpdateDeadline;

/// The interval of the epoch ticker: the granularity of CPU deadlines.
pub const TICK: Duration = Duration::from_millis(10);

/// Limits applied to every plugin instance and every outbound request it makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The most linear memory one instance may hold, in bytes.
    pub memory_bytes: u64,
    /// The most CPU time one call into the plugin may use.
    pub call_timeout: Duration,
    /// The longest one outbound HTTP request may take, body included.
    pub http_timeout: Duration,
    /// The largest response body the host hands to a plugin, in bytes.
    pub max_response_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 256 << 20,
            call_timeout: Duration::from_secs(30),
            http_timeout: Duration::from_secs(30),
            max_response_bytes: 16 << 20,
        }
    }
}

impl Limits {
    /// The call timeout in epoch ticks (at least one).
    pub(crate) fn call_ticks(&self) -> u64 {
        (self.call_timeout.as_millis() / TICK.as_millis()).max(1) as u64
    }
}

/// Why a call was stopped by the sandbox rather than by the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Breach {
    Memory,
    Deadline,
}

/// Per-store bookkeeping of the memory cap and the CPU deadline.
pub(crate) struct Sandbox {
    memory_cap: usize,
    ticks_allowed: u64,
    ticks_used: u64,
    breach: Option<Breach>,
}

impl Sandbox {
    pub(crate) fn new(limits: &Limits) -> Self {
        Sandbox {
            memory_cap: usize::try_from(limits.memory_bytes).unwrap_or(usize::MAX),
            ticks_allowed: limits.call_ticks(),
            ticks_used: 0,
            breach: None,
        }
    }

    /// Starts the CPU budget of a new call.
    pub(crate) fn start_call(&mut self) {
        self.ticks_used = 0;
        self.breach = None;
    }

    /// The breach that stopped the last call, if any.
    pub(crate) fn breach(&self) -> Option<Breach> {
        self.breach
    }

    /// Called by the store's epoch-deadline callback on every tick the guest is running:
    /// yields to the executor so other flows keep going, and stops the call once its budget
    /// is spent.
    pub(crate) fn on_tick(&mut self) -> wasmtime::Result<UpdateDeadline> {
        self.ticks_used += 1;
        if self.ticks_used >= self.ticks_allowed {
            self.breach = Some(Breach::Deadline);
            return Err(wasmtime::Error::msg("CPU deadline exceeded"));
        }
        Ok(UpdateDeadline::Yield(1))
    }
}

impl wasmtime::ResourceLimiter for Sandbox {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_cap {
            self.breach = Some(Breach::Memory);
            return Err(wasmtime::Error::msg(format!(
                "memory limit of {} bytes exceeded (wanted {desired})",
                self.memory_cap
            )));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Tables hold function references; a connector needs a few thousand at most.
        const MAX_TABLE_ELEMENTS: usize = 1 << 20;
        if desired > MAX_TABLE_ELEMENTS {
            self.breach = Some(Breach::Memory);
            return Err(wasmtime::Error::msg(format!(
                "table limit of {MAX_TABLE_ELEMENTS} elements exceeded"
            )));
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::ResourceLimiter;

    #[test]
    fn deadline_breaches_after_the_allowed_ticks() {
        let limits = Limits {
            call_timeout: TICK * 3,
            ..Limits::default()
        };
        let mut sandbox = Sandbox::new(&limits);
        sandbox.start_call();
        assert!(sandbox.on_tick().is_ok());
        assert!(sandbox.on_tick().is_ok());
        assert!(sandbox.on_tick().is_err());
        assert_eq!(sandbox.breach(), Some(Breach::Deadline));
        sandbox.start_call();
        assert_eq!(sandbox.breach(), None);
    }

    #[test]
    fn memory_growth_past_the_cap_is_refused_and_remembered() {
        let limits = Limits {
            memory_bytes: 1 << 20,
            ..Limits::default()
        };
        let mut sandbox = Sandbox::new(&limits);
        assert!(sandbox.memory_growing(0, 1 << 20, None).unwrap());
        assert!(sandbox.memory_growing(1 << 20, 2 << 20, None).is_err());
        assert_eq!(sandbox.breach(), Some(Breach::Memory));
    }
}
