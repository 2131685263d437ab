//! `ccsync plugin inspect` on real components, through the real binary.

use std::process::Command;

use ccsync_bundled::test_plugins;

fn ccsync() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ccsync"))
}

fn write_plugin(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn inspect_prints_what_describe_returns() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_plugin(&dir, "good.wasm", test_plugins::WELL_BEHAVED);
    let out = ccsync()
        .args(["plugin", "inspect"])
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("manifest: none embedded"), "{stdout}");
    assert!(stdout.contains("signatures: (none)\n"), "{stdout}");
    assert!(
        stdout.contains("describe():\n  test-well-behaved 1.0.0\n"),
        "{stdout}"
    );
    assert!(stdout.contains("  reads:        user\n"), "{stdout}");
    assert!(stdout.contains("  writes:       (none)\n"), "{stdout}");
    assert!(
        stdout.contains("  origins:      http://127.0.0.1:*\n"),
        "{stdout}"
    );
}

#[test]
fn inspect_json_is_machine_readable() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_plugin(&dir, "good.wasm", test_plugins::WELL_BEHAVED);
    let out = ccsync()
        .args(["plugin", "inspect", "--json"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let description = &json["description"];
    assert_eq!(description["name"], "test-well-behaved");
    assert_eq!(description["reads"], serde_json::json!(["user"]));
    assert_eq!(description["writes"], serde_json::json!([]));
    assert_eq!(json["manifest"], serde_json::Value::Null);
    assert_eq!(json["signatures"], serde_json::json!([]));
}

#[test]
fn inspect_of_a_file_that_is_not_a_component_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_plugin(&dir, "junk.wasm", b"not wasm at all");
    let out = ccsync()
        .args(["plugin", "inspect"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("junk.wasm"), "{stderr}");
    assert!(stderr.contains("not a WebAssembly file"), "{stderr}");
}
