//! The sandbox limits of a plugin instance: how much memory it may grow to, how much CPU and
//! wall-clock time one call may take and how many requests it may make, how much it may
//! return and log; and how a breach is told apart from any other trap.
//!
//! Memory is capped by a [`wasmtime::ResourceLimiter`] that refuses growth past the cap and
//! remembers that it did; CPU is capped with epoch interruption: a ticker thread advances the
//! engine's epoch every [`TICK`], and a store's deadline callback counts the ticks during which
//! its guest was running. CPU time alone would let a plugin park in host calls (slow HTTP,
//! thousands of requests) for ever, so every call also has a wall-clock deadline that counts
//! its host calls (enforced around the call, see `connector.rs`) and a cap on its requests.

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
    /// The most wall-clock time one call into the plugin may take, its host calls (HTTP
    /// requests) included.
    pub wall_timeout: Duration,
    /// The longest one outbound HTTP request may take, body included.
    pub http_timeout: Duration,
    /// The largest response body the host hands to a plugin, in bytes.
    pub max_response_bytes: u64,
    /// The most outbound HTTP requests one call into the plugin may make.
    pub max_requests_per_call: u32,
    /// The largest text field (or id, cursor, watermark, reason) a plugin may return, in bytes.
    pub max_field_bytes: u64,
    /// The largest record a plugin may return (the sum of its text), in bytes.
    pub max_record_bytes: u64,
    /// The largest result one call may return (a page, a list of users), in bytes. It is also
    /// the component model's "hostcall fuel": what the guest may transfer to the host in one
    /// call or return.
    pub max_page_bytes: u64,
    /// The longest log message or output line kept from a plugin, in bytes (longer ones are
    /// truncated).
    pub max_log_message_bytes: u64,
    /// Log lines (log calls, stdout and stderr lines) per second one instance may write.
    pub log_rate: u32,
    /// Log lines one instance may write at once before `log_rate` applies.
    pub log_burst: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 256 << 20,
            call_timeout: Duration::from_secs(30),
            wall_timeout: Duration::from_secs(120),
            http_timeout: Duration::from_secs(30),
            max_response_bytes: 16 << 20,
            max_requests_per_call: 500,
            max_field_bytes: 64 << 10,
            max_record_bytes: 1 << 20,
            max_page_bytes: 64 << 20,
            max_log_message_bytes: 8 << 10,
            log_rate: 100,
            log_burst: 1000,
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
    /// The call tried to make more requests than allowed.
    Requests,
}

/// Per-store bookkeeping of the memory cap, the CPU deadline and the request count.
pub(crate) struct Sandbox {
    memory_cap: usize,
    ticks_allowed: u64,
    ticks_used: u64,
    requests_allowed: u32,
    requests_made: u32,
    breach: Option<Breach>,
}

impl Sandbox {
    pub(crate) fn new(limits: &Limits) -> Self {
        Sandbox {
            memory_cap: usize::try_from(limits.memory_bytes).unwrap_or(usize::MAX),
            ticks_allowed: limits.call_ticks(),
            ticks_used: 0,
            requests_allowed: limits.max_requests_per_call,
            requests_made: 0,
            breach: None,
        }
    }

    /// Starts the CPU and request budgets of a new call.
    pub(crate) fn start_call(&mut self) {
        self.ticks_used = 0;
        self.requests_made = 0;
        self.breach = None;
    }

    /// How many requests one call may make.
    pub(crate) fn requests_allowed(&self) -> u32 {
        self.requests_allowed
    }

    /// Counts one outbound request; `false` (and a breach that fails the call) once the call
    /// has made as many as allowed.
    pub(crate) fn take_request(&mut self) -> bool {
        if self.requests_made >= self.requests_allowed {
            self.breach = Some(Breach::Requests);
            return false;
        }
        self.requests_made += 1;
        true
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
    fn requests_past_the_per_call_cap_are_refused_until_the_next_call() {
        let limits = Limits {
            max_requests_per_call: 2,
            ..Limits::default()
        };
        let mut sandbox = Sandbox::new(&limits);
        sandbox.start_call();
        assert!(sandbox.take_request());
        assert!(sandbox.take_request());
        assert!(!sandbox.take_request());
        assert_eq!(sandbox.breach(), Some(Breach::Requests));
        sandbox.start_call();
        assert!(sandbox.take_request());
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
