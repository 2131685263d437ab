//! The connector components built from this repository (by this crate's build script),
//! embedded so that the demo runs with nothing but the `ccsync` binary, and the test
//! connectors that prove the sandbox holds.

#![warn(missing_docs)]

/// A connector component built from this repository, with its manifest.
#[derive(Debug, Clone, Copy)]
pub struct BundledPlugin {
    /// The plugin's name (its crate under `plugins/`).
    pub name: &'static str,
    /// The component, unsigned, as built.
    pub component: &'static [u8],
    /// The plugin's manifest (`plugin.toml`).
    pub manifest: &'static str,
}

/// Every connector of this repository.
pub const CONNECTORS: &[BundledPlugin] = &[
    BundledPlugin {
        name: "cxone-acd",
        component: include_bytes!(concat!(env!("OUT_DIR"), "/cxone-acd.wasm")),
        manifest: include_str!("../../../plugins/cxone-acd/plugin.toml"),
    },
    BundledPlugin {
        name: "central",
        component: include_bytes!(concat!(env!("OUT_DIR"), "/central.wasm")),
        manifest: include_str!("../../../plugins/central/plugin.toml"),
    },
    BundledPlugin {
        name: "ivinex",
        component: include_bytes!(concat!(env!("OUT_DIR"), "/ivinex.wasm")),
        manifest: include_str!("../../../plugins/ivinex/plugin.toml"),
    },
    BundledPlugin {
        name: "ringcentral",
        component: include_bytes!(concat!(env!("OUT_DIR"), "/ringcentral.wasm")),
        manifest: include_str!("../../../plugins/ringcentral/plugin.toml"),
    },
];

/// Finds a bundled connector by name.
pub fn connector(name: &str) -> Option<&'static BundledPlugin> {
    CONNECTORS.iter().find(|p| p.name == name)
}

/// Connectors for the host's own tests (`tests/plugins/test-connector`, one build per
/// misbehaviour).
#[cfg(feature = "test-plugins")]
pub mod test_plugins {
    macro_rules! component {
        ($name:literal) => {
            include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".wasm"))
        };
    }

    /// Reads two pages of users and calls `{base-url}/ping`.
    pub const WELL_BEHAVED: &[u8] = component!("test-well-behaved");
    /// Loops forever in `read`.
    pub const SPIN: &[u8] = component!("test-spin");
    /// Allocates without bound in `read`.
    pub const HOG: &[u8] = component!("test-hog");
    /// Calls an origin it did not declare in `read`.
    pub const INTRUDER: &[u8] = component!("test-intruder");
    /// Panics in `read`.
    pub const PANIC: &[u8] = component!("test-panic");
    /// GETs its `target` setting `requests` times (default 1) in `read`.
    pub const SLOW_HTTP: &[u8] = component!("test-slow-http");
    /// Recurses in `read` until its stack overflows.
    pub const RECURSE: &[u8] = component!("test-recurse");
    /// Returns, in `read`, a user `big` with a `big-field`-byte username, a user `wide` with
    /// `big-record` bytes of roles, and `users` small users (settings; 0 or absent: none).
    pub const BLOAT: &[u8] = component!("test-bloat");
    /// Makes `logs` log calls, one log call of `log-bytes` bytes and writes `stdout-bytes`
    /// bytes to stdout without a newline in `read`.
    pub const CHATTY: &[u8] = component!("test-chatty");
    /// Sends the request its settings name (`method`, `url`, `header` as `Name: value`) in
    /// `read`, and returns the response status as user `1`'s `extra` `status`.
    pub const SMUGGLER: &[u8] = component!("test-smuggler");
    /// Copies its `api-key` setting (as is, upper-cased, hex, base64, split in two) into the
    /// user and invalid record it returns from `read`, and into its log.
    pub const LEAKER: &[u8] = component!("test-leaker");
    /// A writable target for push and mapping flows (`tests/plugins/test-target`).
    pub const TARGET: &[u8] = component!("test-target");
    /// Built against `ccsync:connector@0.1.0`: reads two users
    /// (`tests/plugins/legacy-connector`).
    pub const LEGACY_0_1: &[u8] = component!("test-legacy-0-1");
}
