//! The plugin sandbox as an operator sees it, through the real binary: hostile test plugins
//! (signed by a vendor key the workspace trusts, as the default policy requires) run by
//! `ccsync sync`, and what reaches the run report, the database, `ccsync log` and the host's
//! own output.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use ccsync_bundled::test_plugins;
use ccsync_plugin::{Manifest, SecretKey, TrustStore};
use serde_json::Value;

const SECRET_ENV: &str = "CCSYNC_TEST_SANDBOX_API_KEY";

/// A workspace whose flow `users` reads from one test plugin.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    /// `plugin` signed by a trusted key, with these `[runtime]` lines and connection settings.
    fn new(plugin: &[u8], name: &str, runtime: &str, settings: &[(&str, &str)]) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        let manifest = Manifest::from_toml_str(
            &format!(
                "name = \"{name}\"\nversion = \"1.0.0\"\nvendor = \"Acme\"\nreads = [\"user\"]\n\
                 origins = [\"http://127.0.0.1:*\"]\n"
            ),
            "plugin.toml",
        )
        .unwrap();
        let key = SecretKey::generate().unwrap();
        let signed = ccsync_plugin::sign(plugin, &manifest, &key).unwrap();
        std::fs::write(dir.path().join("plugin.wasm"), signed).unwrap();
        std::fs::create_dir_all(dir.path().join("data")).unwrap();
        TrustStore::open(dir.path().join("data/trust.json"))
            .and_then(|mut trust| trust.add(key.public_key(), "acme"))
            .unwrap();
        let settings: String = settings
            .iter()
            .map(|(k, v)| format!("{k} = \"{v}\"\n"))
            .collect();
        std::fs::write(
            dir.path().join("ccsync.toml"),
            format!(
                r#"data_dir = "data"

[runtime]
{runtime}

[plugins.test]
path = "plugin.wasm"

[connections.source]
plugin = "test"
tenant = "t1"
allowed_origins = ["http://127.0.0.1:*"]

[connections.source.settings]
{settings}
[connections.source.secrets]
api-key = {{ env = "{SECRET_ENV}" }}

[flows.users]
source = "source"
target = "wfm"
kinds = ["user"]
manual = true
"#
            ),
        )
        .unwrap();
        Workspace { dir }
    }

    fn run(&self, args: &[&str], secret: &str) -> Output {
        let config = self.dir.path().join("ccsync.toml");
        Command::new(env!("CARGO_BIN_EXE_ccsync"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .env(SECRET_ENV, secret)
            .env_remove("RUST_LOG")
            .env_remove("CCSYNC_CONFIG")
            .output()
            .expect("the ccsync binary runs")
    }

    /// `ccsync sync users --json`: the report, the host's stderr and how long it took.
    fn sync(&self, secret: &str) -> (Value, String, Duration) {
        let started = Instant::now();
        let output = self.run(&["sync", "users", "--json"], secret);
        let took = started.elapsed();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "no JSON report ({e}): {}\n{stderr}",
                String::from_utf8_lossy(&output.stdout)
            )
        });
        (report, stderr, took)
    }

    fn json(&self, args: &[&str]) -> Value {
        let output = self.run(args, "unused");
        assert!(output.status.success(), "{args:?}: {output:?}");
        serde_json::from_slice(&output.stdout).unwrap()
    }
}

/// The database's bytes, its write-ahead log included.
fn database(ws: &Workspace) -> Vec<u8> {
    let mut bytes = std::fs::read(ws.dir.path().join("data/ccsync.db")).unwrap();
    if let Ok(wal) = std::fs::read(ws.dir.path().join("data/ccsync.db-wal")) {
        bytes.extend(wal);
    }
    bytes
}

#[test]
fn plugin_trap_fails_the_run_at_once_with_its_reason_and_no_retry() {
    for (plugin, name, reason) in [
        (test_plugins::SPIN, "test-spin", "CPU deadline"),
        (
            test_plugins::HOG,
            "test-hog",
            "memory limit of 33554432 bytes",
        ),
        (test_plugins::PANIC, "test-panic", "panics on purpose"),
        (test_plugins::RECURSE, "test-recurse", "trapped"),
    ] {
        let runtime = "call_timeout = \"300ms\"\nmemory_limit = \"32MiB\"";
        let ws = Workspace::new(plugin, name, runtime, &[]);
        let (report, stderr, took) = ws.sync("unused-secret");
        assert_eq!(report["status"], "failed", "{report}");
        let error = report["error"].as_str().unwrap_or_default();
        assert!(error.contains(reason), "{name}: {error}");
        assert!(!stderr.contains("retrying"), "{name} was retried: {stderr}");
        // Five attempts with backoff took 7 s and more.
        assert!(took < Duration::from_secs(7), "{name}: {took:?}");
    }
}

/// A loopback HTTP server that answers every request after `delay`.
fn slow_server(delay: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut socket in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf);
                std::thread::sleep(delay);
                let _ = socket.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                );
            });
        }
    });
    format!("http://{addr}")
}

/// A loopback HTTP server that records the head of every request it receives.
fn recording_server() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut socket in listener.incoming().flatten() {
            let mut head = Vec::new();
            let mut buf = [0u8; 4096];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            record
                .lock()
                .unwrap()
                .push(String::from_utf8_lossy(&head).into_owned());
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
        }
    });
    (format!("http://{addr}"), seen)
}

#[test]
fn plugin_requests_that_break_the_http_contract_never_leave_the_host() {
    let (base, seen) = recording_server();
    let url = format!("{base}/target");
    let with_userinfo = base.replace("http://", "http://admin:hunter2@");
    for (settings, refusal) in [
        (
            vec![("url", url.as_str()), ("header", "Host: admin.internal")],
            "header `Host` is not allowed",
        ),
        (
            vec![("url", url.as_str()), ("method", "TRACE")],
            "is not allowed (allowed: GET, POST, PUT, PATCH, DELETE)",
        ),
        (
            vec![("url", with_userinfo.as_str())],
            "the URL carries credentials",
        ),
    ] {
        let ws = Workspace::new(test_plugins::SMUGGLER, "test-smuggler", "", &settings);
        let (report, _, _) = ws.sync("unused-secret");
        assert_eq!(report["status"], "failed", "{report}");
        let error = report["error"].as_str().unwrap_or_default();
        assert!(error.contains(refusal), "{error}");
    }
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:?}",
        seen.lock().unwrap()
    );
    // The control: a request within the contract reaches the server, Host set by the host.
    let ws = Workspace::new(
        test_plugins::SMUGGLER,
        "test-smuggler",
        "",
        &[
            ("url", &url),
            ("method", "PATCH"),
            ("header", "X-Custom: 1"),
        ],
    );
    let (report, _, _) = ws.sync("unused-secret");
    assert_eq!(report["status"], "succeeded", "{report}");
    let seen = seen.lock().unwrap();
    let [head] = seen.as_slice() else {
        panic!("{seen:?}")
    };
    assert!(head.starts_with("PATCH /target HTTP/1.1\r\n"), "{head}");
    assert!(head.to_lowercase().contains("host: 127.0.0.1:"), "{head}");
}

#[test]
fn wall_deadline_counts_time_in_http_and_fails_the_run_naming_the_limit() {
    let target = format!("{}/slow", slow_server(Duration::from_secs(8)));
    let ws = Workspace::new(
        test_plugins::SLOW_HTTP,
        "test-slow-http",
        "wall_timeout = \"1s\"",
        &[("target", &target)],
    );
    let (report, _, took) = ws.sync("unused-secret");
    assert_eq!(report["status"], "failed", "{report}");
    let error = report["error"].as_str().unwrap_or_default();
    assert!(error.contains("wall-clock deadline of 1s"), "{error}");
    assert!(took < Duration::from_secs(6), "{took:?}");
}

#[test]
fn over_size_record_is_logged_invalid_with_its_size_and_never_stored() {
    let ws = Workspace::new(
        test_plugins::BLOAT,
        "test-bloat",
        "max_field_size = \"64KiB\"",
        &[("big-field", "5000000"), ("users", "2")],
    );
    let (report, _, _) = ws.sync("unused-secret");
    assert_eq!(report["status"], "partial", "{report}");
    let users = ws.json(&["users", "list", "--json"]);
    let ids: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["1", "2"]);
    let log = ws.json(&["log", "--json"]);
    let invalid: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "invalid")
        .collect();
    assert_eq!(invalid.len(), 1, "{log:#}");
    let reason = invalid[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("field `username` is 5000000 bytes") && reason.contains("(max_field_size)"),
        "{reason}"
    );
    let db = database(&ws).len();
    assert!(db < 2 << 20, "the database grew to {db} bytes");
}

#[test]
fn plugin_log_flood_is_throttled_and_cut_in_the_host_output() {
    let ws = Workspace::new(
        test_plugins::CHATTY,
        "test-chatty",
        "log_rate = 10\nlog_burst = 20\nmax_log_message_size = \"1KiB\"",
        &[
            ("logs", "100000"),
            ("log-bytes", "5000000"),
            ("stdout-bytes", "5000000"),
        ],
    );
    let (report, stderr, _) = ws.sync("unused-secret");
    assert_eq!(report["status"], "succeeded", "{report}");
    assert!(
        stderr.len() < 64 << 10,
        "the host printed {} bytes",
        stderr.len()
    );
    assert!(stderr.contains("lines dropped"), "{stderr}");
}

#[test]
fn secrets_a_plugin_copies_into_records_and_reasons_never_reach_the_database_or_the_log() {
    const SECRET: &str = "Qm7-operator-api-key-9x";
    let ws = Workspace::new(test_plugins::LEAKER, "test-leaker", "", &[]);
    let (report, stderr, _) = ws.sync(SECRET);
    assert_eq!(report["status"], "partial", "{report}");
    let lower = SECRET.to_lowercase();
    assert!(!stderr.to_lowercase().contains(&lower), "{stderr}");
    let users = ws.json(&["users", "list", "--json"]).to_string();
    let log = ws.json(&["log", "--json"]).to_string();
    for (what, text) in [("users list", &users), ("log", &log)] {
        let text = text.to_lowercase();
        assert!(!text.contains(&lower), "{what}: {text}");
        assert!(!text.contains(&hex::encode(SECRET)), "{what}: {text}");
        assert!(text.contains("[redacted]"), "{what}: {text}");
    }
    let db = String::from_utf8_lossy(&database(&ws)).to_lowercase();
    assert!(!db.contains(&lower), "the secret is in the database");
}
