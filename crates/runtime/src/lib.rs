//! The plugin runtime of ccsync: loads connector components with wasmtime and runs them in a
//! sandbox.
//!
//! A connector is untrusted code. Each instance gets a memory cap, a CPU and a wall-clock
//! deadline and a request budget per call, an empty WASI context (no files, no environment, no
//! sockets) and one way out: the host's `http.send`, limited to the contract's methods and
//! headers and to origins the plugin declared and the operator allowed. What it returns and
//! logs is bounded in size and rate, and cleaned of the connection's secrets. Compiled
//! components are cached on disk, keyed and authenticated so that a cached artifact can never
//! stand in for another component. The generated WIT bindings stay inside this crate; callers
//! see the domain types of `ccsync-model`.

#![warn(missing_docs)]

mod bindings;
mod cache;
mod connector;
mod host;
mod limits;
mod output;
mod redact;
mod runtime;
mod transport;

pub use cache::{CacheError, CacheOutcome, ComponentCache};
pub use connector::{CallError, Connection, Connector, Fault};
pub use limits::Limits;
pub use redact::Redactor;
pub use runtime::{LoadError, LoadedPlugin, Runtime, RuntimeOptions};
pub use transport::{
    HttpFailure, HttpRequest, HttpResponse, NetworkTransport, SendFuture, Transport, classify,
};
