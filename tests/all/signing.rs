//! Signed plugin modules, end to end through the real binary: a vendor generates a key and
//! signs, an operator trusts the key, and the host loads exactly what the vendor signed and
//! refuses everything else with the reason.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ccsync_bundled::test_plugins;
use sha2::{Digest, Sha256};

/// The well-behaved test connector's manifest, as its vendor would write it.
const MANIFEST: &str = r#"
name = "test-well-behaved"
version = "1.0.0"
vendor = "Acme Connectors"
reads = ["user"]
origins = ["http://127.0.0.1:*"]
"#;

struct Workspace {
    dir: tempfile::TempDir,
}

fn ccsync(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ccsync"))
        .args(args)
        .output()
        .expect("the ccsync binary runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

impl Workspace {
    /// A vendor key `acme`, the test connector as `plugin.wasm` and its `plugin.toml`, and a
    /// config whose flow runs that plugin (it reads three users, no network).
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("plugin.wasm"), test_plugins::WELL_BEHAVED).unwrap();
        std::fs::write(dir.path().join("plugin.toml"), MANIFEST).unwrap();
        std::fs::write(
            dir.path().join("ccsync.toml"),
            r#"
[plugins.test]
path = "plugin.wasm"

[connections.source]
plugin = "test"
tenant = "t1"

[flows.users]
source = "source"
target = "wfm"
kinds = ["user"]
manual = true
"#,
        )
        .unwrap();
        let ws = Workspace { dir };
        ws.ok(&["key", "generate", "--out", &ws.path("acme")]);
        ws
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn run(&self, args: &[&str]) -> Output {
        let config = self.path("ccsync.toml");
        let mut all = vec!["--config", config.as_str()];
        all.extend_from_slice(args);
        ccsync(&all)
    }

    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "{args:?} failed:\n{}",
            text(&output)
        );
        text(&output)
    }

    fn fails(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            !output.status.success(),
            "{args:?} should fail:\n{}",
            text(&output)
        );
        text(&output)
    }

    fn sign(&self, key: &str) {
        self.ok(&[
            "plugin",
            "sign",
            "--key",
            &self.path(&format!("{key}.key")),
            "--manifest",
            &self.path("plugin.toml"),
            &self.path("plugin.wasm"),
        ]);
    }

    fn trust(&self, key: &str) -> String {
        let out = self.ok(&[
            "trust",
            "add",
            &self.path(&format!("{key}.pub")),
            "--name",
            key,
        ]);
        // "trusted key <id> (<name>) in <file>"
        out.split_whitespace().nth(2).unwrap().to_owned()
    }

    fn key_id(&self, key: &str) -> String {
        let list = self.run(&["trust", "list", "--json"]);
        let keys: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
        keys.as_array()
            .unwrap()
            .iter()
            .find(|k| k["name"] == key)
            .map(|k| k["id"].as_str().unwrap().to_owned())
            .unwrap()
    }

    fn cache_entries(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.dir.path().join("data/cache"))
            .map(|dir| dir.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default()
    }
}

fn digest_hex(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

#[test]
fn key_generate_writes_a_private_secret_key_and_never_overwrites() {
    let ws = Workspace::new();
    let secret = ws.dir.path().join("acme.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secret).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let before = std::fs::read(&secret).unwrap();
    let out = ws.fails(&["key", "generate", "--out", &ws.path("acme")]);
    assert!(out.contains("acme.key"), "{out}");
    assert_eq!(std::fs::read(&secret).unwrap(), before);
}

#[test]
fn signed_plugin_of_a_trusted_vendor_is_verified_and_runs() {
    let ws = Workspace::new();
    ws.sign("acme");
    let id = ws.trust("acme");
    let out = ws.ok(&["plugin", "verify", &ws.path("plugin.wasm")]);
    assert!(
        out.contains(&format!("signed by key {id} (acme): trusted")),
        "{out}"
    );
    assert!(out.contains("this host would load it"), "{out}");
    // inspect reads the claims without running anything.
    let out = ws.ok(&["plugin", "inspect", "--no-run", &ws.path("plugin.wasm")]);
    assert!(
        out.contains("manifest: test-well-behaved 1.0.0 by Acme Connectors"),
        "{out}"
    );
    assert!(out.contains(&format!("signatures: key {id}")), "{out}");
    let output = ws.run(&["sync", "users", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["status"], "succeeded", "{}", text(&output));
    assert_eq!(report["counts"]["created"], 3);
}

#[test]
fn unsigned_plugin_is_refused_by_default() {
    let ws = Workspace::new();
    ws.trust("acme");
    let out = ws.fails(&["plugin", "verify", &ws.path("plugin.wasm")]);
    assert!(out.contains("REFUSE"), "{out}");
    let out = ws.fails(&["sync", "users"]);
    assert!(
        out.contains("plugin.wasm"),
        "the refusal names the file: {out}"
    );
    assert!(out.contains("not signed"), "{out}");
    assert!(
        ws.cache_entries()
            .iter()
            .all(|p| p.extension().is_none_or(|e| e != "cwasm"))
    );
}

#[test]
fn allow_unsigned_loads_an_unsigned_development_build_with_a_warning() {
    let ws = Workspace::new();
    ws.ok(&[
        "plugin",
        "embed-manifest",
        "--manifest",
        &ws.path("plugin.toml"),
        &ws.path("plugin.wasm"),
    ]);
    ws.fails(&["sync", "users"]);
    let out = ws.ok(&["--allow-unsigned", "sync", "users"]);
    assert!(out.contains("WARN"), "a loud warning: {out}");
    assert!(out.contains("UNSIGNED"), "{out}");
}

#[test]
fn plugin_signed_by_an_unknown_key_is_refused() {
    let ws = Workspace::new();
    ws.sign("acme");
    let out = ws.fails(&["sync", "users"]);
    assert!(out.contains("keys the trust store does not know"), "{out}");
}

#[test]
fn plugin_signed_by_a_revoked_key_is_refused_even_with_allow_unsigned() {
    let ws = Workspace::new();
    ws.sign("acme");
    let id = ws.trust("acme");
    ws.ok(&["trust", "revoke", &id, "--reason", "key leaked"]);
    let out = ws.fails(&["--allow-unsigned", "sync", "users"]);
    assert!(out.contains("revoked"), "{out}");
    // Revocation is permanent: the key cannot be trusted again.
    let out = ws.fails(&["trust", "add", &ws.path("acme.pub"), "--name", "acme"]);
    assert!(out.contains("revoked"), "{out}");
    let list = ws.ok(&["trust", "list"]);
    assert!(list.contains("revoked at"), "{list}");
}

#[test]
fn a_single_flipped_byte_anywhere_is_refused_and_never_compiled() {
    let ws = Workspace::new();
    ws.sign("acme");
    ws.trust("acme");
    let signed = std::fs::read(ws.dir.path().join("plugin.wasm")).unwrap();
    let manifest_at = signed
        .windows(b"test-well-behaved".len())
        .position(|w| w == b"test-well-behaved")
        .unwrap();
    let positions = [
        8,                 // the first section
        signed.len() / 4,  // code
        signed.len() / 2,  // code
        manifest_at,       // the embedded manifest
        signed.len() - 70, // inside the signature
        signed.len() - 1,  // the signature's last byte
    ];
    for position in positions {
        let mut tampered = signed.clone();
        tampered[position] ^= 0x01;
        let path = ws.dir.path().join("plugin.wasm");
        std::fs::write(&path, &tampered).unwrap();
        let out = ws.fails(&["sync", "users"]);
        assert!(
            out.contains("tampered") || out.contains("not a plugin component"),
            "byte {position}: {out}"
        );
        let digest = digest_hex(&path);
        assert!(
            !ws.cache_entries().iter().any(|p| p
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&digest)),
            "byte {position}: a refused plugin was compiled"
        );
    }
}

#[test]
fn rotation_keeps_a_plugin_loadable_while_one_trusted_signer_remains() {
    let ws = Workspace::new();
    ws.ok(&["key", "generate", "--out", &ws.path("acme-2027")]);
    ws.sign("acme");
    ws.sign("acme-2027");
    ws.trust("acme");
    ws.trust("acme-2027");
    let old = ws.key_id("acme");
    ws.ok(&["trust", "revoke", &old, "--reason", "rotated"]);
    let out = ws.ok(&["plugin", "verify", &ws.path("plugin.wasm")]);
    assert!(
        out.contains(&format!("signed by key {old} (acme): REVOKED")),
        "{out}"
    );
    assert!(out.contains("this host would load it"), "{out}");
    ws.ok(&["sync", "users"]);
    let new = ws.key_id("acme-2027");
    ws.ok(&["trust", "revoke", &new, "--reason", "vendor gone"]);
    let out = ws.fails(&["sync", "users"]);
    assert!(out.contains("revoked"), "{out}");
}

#[test]
fn plugin_whose_describe_disagrees_with_its_signed_manifest_is_refused() {
    let ws = Workspace::new();
    // The vendor signed a manifest that declares only one API origin, but the plugin asks for
    // loopback in describe().
    std::fs::write(
        ws.dir.path().join("plugin.toml"),
        MANIFEST.replace("http://127.0.0.1:*", "https://api.acme.test"),
    )
    .unwrap();
    ws.sign("acme");
    ws.trust("acme");
    // `plugin verify` takes the same decision as the load: it refuses too.
    for args in [
        &["plugin", "verify", &ws.path("plugin.wasm")][..],
        &["sync", "users"][..],
    ] {
        let out = ws.fails(args);
        assert!(
            out.contains("does not match its manifest"),
            "{args:?}: {out}"
        );
        assert!(
            out.contains("http://127.0.0.1:*"),
            "the undeclared origin is named: {out}"
        );
    }
    assert!(
        !ws.fails(&["plugin", "verify", &ws.path("plugin.wasm")])
            .contains("would load it")
    );
}

#[test]
fn plugin_verify_refuses_a_manifest_claiming_another_plugins_name_and_version() {
    let ws = Workspace::new();
    std::fs::write(
        ws.dir.path().join("plugin.toml"),
        MANIFEST
            .replace("test-well-behaved", "cxone-acd")
            .replace("1.0.0", "9.9.9"),
    )
    .unwrap();
    ws.sign("acme");
    ws.trust("acme");
    for args in [
        &["plugin", "verify", &ws.path("plugin.wasm")][..],
        &["sync", "users"][..],
    ] {
        let out = ws.fails(args);
        assert!(
            out.contains("name is `test-well-behaved`, the manifest says `cxone-acd`"),
            "{args:?}: {out}"
        );
        assert!(
            out.contains("version is `1.0.0`, the manifest says `9.9.9`"),
            "{args:?}: {out}"
        );
    }
    let out = ws.fails(&["plugin", "verify", "--json", &ws.path("plugin.wasm")]);
    assert!(out.contains("\"loads\": false"), "{out}");
}

#[test]
fn revoking_a_key_remembers_the_code_of_the_configured_plugins_it_signed() {
    let ws = Workspace::new();
    ws.sign("acme");
    let id = ws.trust("acme");
    ws.ok(&["sync", "users"]);
    let out = ws.ok(&["trust", "revoke", &id, "--reason", "key leaked"]);
    assert!(
        out.contains("plugin test (") && out.contains("refused in every mode"),
        "{out}"
    );
    // No load between the revocation and the stripping: the revocation itself reached the code.
    std::fs::write(
        ws.dir.path().join("plugin.wasm"),
        test_plugins::WELL_BEHAVED,
    )
    .unwrap();
    ws.ok(&[
        "plugin",
        "embed-manifest",
        "--manifest",
        &ws.path("plugin.toml"),
        &ws.path("plugin.wasm"),
    ]);
    let out = ws.fails(&["--allow-unsigned", "sync", "users"]);
    assert!(
        out.contains(&format!("was seen signed by revoked key {id}")),
        "{out}"
    );
}

#[test]
fn code_signed_by_a_revoked_key_stays_refused_with_its_signature_stripped() {
    let ws = Workspace::new();
    ws.sign("acme");
    let id = ws.trust("acme");
    ws.ok(&["trust", "revoke", &id, "--reason", "key leaked"]);
    // The host sees the signed file once after the revocation (a verify or a load)...
    let out = ws.fails(&["plugin", "verify", &ws.path("plugin.wasm")]);
    assert!(out.contains("revoked key"), "{out}");
    // ...then someone strips the signature and offers the same code as a development build.
    std::fs::write(
        ws.dir.path().join("plugin.wasm"),
        test_plugins::WELL_BEHAVED,
    )
    .unwrap();
    ws.ok(&[
        "plugin",
        "embed-manifest",
        "--manifest",
        &ws.path("plugin.toml"),
        &ws.path("plugin.wasm"),
    ]);
    for args in [
        &["--allow-unsigned", "sync", "users"][..],
        &[
            "--allow-unsigned",
            "plugin",
            "verify",
            &ws.path("plugin.wasm"),
        ][..],
        &["sync", "users"][..],
    ] {
        let out = ws.fails(args);
        assert!(
            out.contains(&format!("was seen signed by revoked key {id}")),
            "{args:?}: {out}"
        );
        assert!(out.contains("refused in every mode"), "{out}");
    }
    // The memory is the trust store's, on disk, and the operator sees it.
    let store = std::fs::read_to_string(ws.dir.path().join("data/trust.json")).unwrap();
    assert!(store.contains("revoked_code"), "{store}");
    let list = ws.ok(&["trust", "list"]);
    assert!(
        list.contains(&format!("(signed by key {id}, seen at")),
        "{list}"
    );
    // A different build (other code) is not affected.
    std::fs::write(ws.dir.path().join("plugin.wasm"), test_plugins::PANIC).unwrap();
    std::fs::write(
        ws.dir.path().join("plugin.toml"),
        MANIFEST.replace("test-well-behaved", "test-panic"),
    )
    .unwrap();
    ws.ok(&[
        "plugin",
        "embed-manifest",
        "--manifest",
        &ws.path("plugin.toml"),
        &ws.path("plugin.wasm"),
    ]);
    let out = ws.ok(&[
        "--allow-unsigned",
        "plugin",
        "verify",
        &ws.path("plugin.wasm"),
    ]);
    assert!(out.contains("this host would load it"), "{out}");
}
