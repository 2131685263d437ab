//! Builds the connector components of this repository for wasm32-wasip2, so the host can
//! embed them (the demo) and the tests can load them, with one `cargo build`/`cargo test`.
//!
//! The nested cargo uses its own target directory (`target/guest`): sharing the outer one
//! would deadlock on cargo's build lock.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// (package, file name of the embedded component)
const CONNECTORS: &[(&str, &str)] = &[
    ("cxone-acd", "cxone-acd"),
    ("central", "central"),
    ("ivinex", "ivinex"),
    ("ringcentral", "ringcentral"),
];

/// (feature of the test-connector crate, file name of the component)
const TEST_PLUGINS: &[(&str, &str)] = &[
    ("", "test-well-behaved"),
    ("spin", "test-spin"),
    ("hog", "test-hog"),
    ("intruder", "test-intruder"),
    ("panic", "test-panic"),
    ("slow-http", "test-slow-http"),
    ("recurse", "test-recurse"),
    ("bloat", "test-bloat"),
    ("chatty", "test-chatty"),
    ("smuggler", "test-smuggler"),
    ("leaker", "test-leaker"),
];

/// (package, file name of the component): the other test connectors.
const OTHER_TEST_PLUGINS: &[(&str, &str)] = &[
    ("test-target", "test-target"),
    ("legacy-connector", "test-legacy-0-1"),
];

const TARGET: &str = "wasm32-wasip2";
const PROFILE: &str = "guest";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir.join("../..");
    for watched in [
        "wit",
        "plugins",
        "tests/plugins",
        "Cargo.lock",
        "Cargo.toml",
    ] {
        println!(
            "cargo:rerun-if-changed={}",
            workspace.join(watched).display()
        );
    }
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    let target_dir = env::var_os("CCSYNC_GUEST_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target/guest"));
    println!("cargo:rerun-if-env-changed=CCSYNC_GUEST_TARGET_DIR");

    if env::var_os("CARGO_FEATURE_TEST_PLUGINS").is_some() {
        for (feature, name) in TEST_PLUGINS {
            build(&workspace, &target_dir, "test-connector", feature);
            copy(&target_dir, "test-connector", &out_dir, name);
        }
        for (package, name) in OTHER_TEST_PLUGINS {
            build(&workspace, &target_dir, package, "");
            copy(&target_dir, package, &out_dir, name);
        }
    }
    for (package, name) in CONNECTORS {
        build(&workspace, &target_dir, package, "");
        copy(&target_dir, package, &out_dir, name);
    }
}

fn build(workspace: &Path, target_dir: &Path, package: &str, feature: &str) {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace)
        .args([
            "build",
            "--quiet",
            "--package",
            package,
            "--target",
            TARGET,
            "--profile",
            PROFILE,
        ])
        .env("CARGO_TARGET_DIR", target_dir)
        // Clippy's driver and the outer build's flags are for host code, not for guests.
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CLIPPY_ARGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS");
    if !feature.is_empty() {
        cmd.args(["--features", feature]);
    }
    let output = cmd
        .output()
        .expect("could not run cargo to build the connector components");
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let hint = if stderr.contains("may not be installed")
            || stderr.contains("can't find crate for `core`")
        {
            "\n\nhint: the wasm32-wasip2 target is missing: run `rustup target add wasm32-wasip2`"
        } else {
            ""
        };
        panic!(
            "building the `{package}` component (features: {feature:?}) failed:\n{stderr}{hint}"
        );
    }
}

fn copy(target_dir: &Path, package: &str, out_dir: &Path, name: &str) {
    let built = target_dir
        .join(TARGET)
        .join(PROFILE)
        .join(format!("{}.wasm", package.replace('-', "_")));
    let dest = out_dir.join(format!("{name}.wasm"));
    std::fs::copy(&built, &dest)
        .unwrap_or_else(|e| panic!("copying {} to {}: {e}", built.display(), dest.display()));
}
