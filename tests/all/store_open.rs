//! Several `ccsync` processes opening a fresh store at the same moment (a daemon starting
//! while an operator asks for its status) all succeed: none sees "database is locked" or
//! takes the half-created store for somebody else's database.

use std::process::{Command, Stdio};

#[test]
fn processes_opening_a_fresh_store_at_once_all_succeed() {
    for round in 0..30 {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("ccsync.toml");
        std::fs::write(&config, "data_dir = \"data\"\n").unwrap();
        let children: Vec<_> = (0..8)
            .map(|_| {
                Command::new(env!("CARGO_BIN_EXE_ccsync"))
                    .arg("--config")
                    .arg(&config)
                    .args(["runs", "--json"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().unwrap();
            assert!(
                output.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}
