//! Contract versions side by side: a component built against `ccsync:connector@0.1.0` (the
//! `legacy-connector` test plugin) still loads after the bump to 0.2.0, says which version it
//! speaks, and syncs; calls its version lacks answer `unsupported`.

use std::process::Command;

use crate::support::Hub;

#[test]
fn plugin_inspect_says_which_contract_version_a_component_speaks() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, version) in [
        (
            "legacy.wasm",
            ccsync_bundled::test_plugins::LEGACY_0_1,
            "0.1.0",
        ),
        ("target.wasm", ccsync_bundled::test_plugins::TARGET, "0.2.0"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_ccsync"))
            .args(["plugin", "inspect", "--json"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            json["contract"],
            format!("ccsync:connector@{version}"),
            "{json}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_component_built_against_0_1_0_still_loads_and_syncs_users_into_the_hub() {
    let hub = Hub::start(5, 100).await;
    hub.install_plugin(
        "legacy",
        ccsync_bundled::test_plugins::LEGACY_0_1,
        include_str!("../plugins/legacy-connector/plugin.toml"),
    );
    let config = hub.config_text(100, true)
        + r#"
[plugins.legacy]
path = "plugins/legacy.wasm"

[connections.old]
plugin = "legacy"
tenant = "old"

[flows.old-wfm]
source = "old"
target = "wfm"
kinds = ["user"]
manual = true
"#;
    hub.write_config(&config);
    let report = hub.json(&["sync", "old-wfm", "--full", "--json"]).await;
    assert_eq!(report["status"], "succeeded", "{report}");
    assert_eq!(report["counts"]["created"], 2, "{report}");
    let users = hub.users().await;
    let old: Vec<&serde_json::Value> = users.iter().filter(|u| u["tenant"] == "old").collect();
    assert_eq!(old.len(), 2, "{users:?}");
    assert_eq!(old[0]["user"]["username"], "legacy1", "{old:?}");
}
