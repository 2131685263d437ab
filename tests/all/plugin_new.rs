//! `ccsync plugin new` end to end: the project it writes builds outside this repository with
//! the one command its README documents (Rust: `cargo build --release --target
//! wasm32-wasip2`; Python: `./build.sh`, componentize-py), its own tests pass (Rust: `cargo
//! test`, the fixture replayed natively through the SDK; Python: unittest), and the component,
//! its manifest embedded, passes `ccsync plugin test` against the fixture the project ships,
//! with no network; a bad name and a non-empty directory are refused.
//!
//! The Rust builds share `target/plugin-new` of this workspace, so compiled dependencies are
//! reused between runs. The Python test needs Python 3.11 with componentize-py
//! (`plugins/scim-python/requirements.txt`); without it, it fails saying what to install.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use tempfile::TempDir;

use crate::support::COMMAND_TIMEOUT;

/// The longest a generated project's build may take (a cold Rust build compiles wit-bindgen
/// and serde for wasm32 with one job).
const BUILD_TIMEOUT: Duration = Duration::from_secs(600);

const INSTALL_PYTHON: &str = "install Python 3.11 and componentize-py: `python3 -m pip install \
                              -r plugins/scim-python/requirements.txt` (set CCSYNC_TEST_PYTHON \
                              to use another interpreter)";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn python() -> String {
    std::env::var("CCSYNC_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn text(output: &Output) -> String {
    format!(
        "status: {}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs `command` to its end within `limit`, its output captured.
async fn bounded(mut command: tokio::process::Command, limit: Duration, what: &str) -> Output {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    tokio::time::timeout(limit, command.output())
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within {limit:?}"))
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"))
}

/// `ccsync <args>` (no config: the sandbox's default limits).
async fn ccsync(args: &[&str], cwd: &Path) -> Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_ccsync"));
    command
        .arg("--config")
        .arg(cwd.join("no-ccsync.toml"))
        .args(args)
        .current_dir(cwd)
        .env_remove("CCSYNC_CONFIG")
        .env_remove("RUST_LOG");
    bounded(
        command,
        COMMAND_TIMEOUT,
        &format!("ccsync {}", args.join(" ")),
    )
    .await
}

/// Writes a project with `ccsync plugin new NAME --lang LANG --dir <tmp>/NAME`.
async fn new_project(name: &str, lang: &str) -> (TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let dir = tmp.path().join(name);
    let dir_arg = dir.to_str().expect("a UTF-8 temporary path");
    let output = ccsync(
        &["plugin", "new", name, "--lang", lang, "--dir", dir_arg],
        tmp.path(),
    )
    .await;
    assert!(output.status.success(), "plugin new: {}", text(&output));
    // A Rust project gets the contract with its SDK; a Python one for componentize-py.
    let wit = match lang {
        "rust" => "sdk/connector-kit/wit/connector.wit",
        _ => "wit/connector.wit",
    };
    let contract = std::fs::read_to_string(dir.join(wit)).expect("the WIT copy");
    let ours =
        std::fs::read_to_string(workspace().join("wit/connector.wit")).expect("the repo's WIT");
    assert_eq!(
        contract, ours,
        "the project's contract is this repository's"
    );
    (tmp, dir)
}

/// Embeds the project's manifest into `built` and runs the kit on its fixture: every check
/// passes or is skipped, and the exit code says so.
async fn assert_passes_the_kit(dir: &Path, built: &Path) {
    let built = built.to_str().expect("a UTF-8 path");
    let output = ccsync(
        &[
            "plugin",
            "embed-manifest",
            built,
            "--manifest",
            "plugin.toml",
            "-o",
            "plugin.wasm",
        ],
        dir,
    )
    .await;
    assert!(output.status.success(), "embed-manifest: {}", text(&output));
    let output = ccsync(
        &[
            "plugin",
            "test",
            "plugin.wasm",
            "--settings",
            "kit.toml",
            "--fixture",
            "fixture",
            "--json",
        ],
        dir,
    )
    .await;
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("the kit's report is not JSON ({e}): {}", text(&output)));
    let checks = report["checks"].as_array().expect("checks");
    let failed: Vec<String> = checks
        .iter()
        .filter(|c| c["status"] != "pass" && c["status"] != "skip")
        .map(|c| format!("{}: {} {}", c["id"], c["status"], c["reason"]))
        .collect();
    assert!(failed.is_empty(), "checks that did not pass: {failed:#?}");
    for id in [
        "describe.matches-manifest",
        "configure.refuses-empty-required",
        "check.succeeds",
        "read.user.cursor-resumes",
        "errors.unauthorized",
        "errors.rate-limited",
        "errors.transient",
        "errors.malformed-body",
        "calls.unsupported",
        "limits.within-sandbox",
    ] {
        let status = checks.iter().find(|c| c["id"] == id).map(|c| &c["status"]);
        assert_eq!(status, Some(&Value::from("pass")), "{id}: {report:#}");
    }
    assert!(
        output.status.success(),
        "the kit's exit code: {}",
        text(&output)
    );
}

/// `cargo ARGS` in a generated project, building into `target`: the outer build's flags and
/// wrappers are for host code, not for the project.
fn project_cargo(dir: &Path, target: &Path, args: &[&str]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO"));
    command
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CLIPPY_ARGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS");
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_rust_project_builds_out_of_tree_with_its_one_command_passes_its_tests_and_the_kit_on_its_fixture()
 {
    let (_tmp, dir) = new_project("acme", "rust").await;
    let target = workspace().join("target/plugin-new");
    // The documented command, as an integrator runs it.
    let build = project_cargo(
        &dir,
        &target,
        &["build", "--release", "--target", "wasm32-wasip2"],
    );
    let output = bounded(build, BUILD_TIMEOUT, "cargo build of the new project").await;
    assert!(
        output.status.success(),
        "cargo build --release --target wasm32-wasip2 (is the target installed? `rustup \
         target add wasm32-wasip2`): {}",
        text(&output)
    );
    // Its tests, natively: unit tests over a scripted host, and the fixture replayed.
    let test = project_cargo(&dir, &target, &["test"]);
    let output = bounded(test, BUILD_TIMEOUT, "cargo test of the new project").await;
    assert!(output.status.success(), "cargo test: {}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("the_recorded_fixture_reads_every_user_page_by_page ... ok"),
        "{stdout}"
    );
    assert_passes_the_kit(&dir, &target.join("wasm32-wasip2/release/acme.wasm")).await;
}

/// Fails the test, saying what to install, unless the interpreter has componentize-py.
async fn require_componentize_py() {
    let mut command = tokio::process::Command::new(python());
    command
        .args(["-c", "import componentize_py"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let output = tokio::time::timeout(COMMAND_TIMEOUT, command.output())
        .await
        .unwrap_or_else(|_| panic!("`{}` did not answer in time: {INSTALL_PYTHON}", python()))
        .unwrap_or_else(|e| panic!("cannot run `{}` ({e}): {INSTALL_PYTHON}", python()));
    assert!(
        output.status.success(),
        "`{}` has no componentize-py ({}): {INSTALL_PYTHON}",
        python(),
        String::from_utf8_lossy(&output.stderr).trim()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_python_project_builds_with_its_build_script_and_passes_the_kit_on_its_fixture() {
    require_componentize_py().await;
    let (_tmp, dir) = new_project("acme-py", "python").await;

    let mut unit = tokio::process::Command::new(python());
    unit.args(["-m", "unittest", "discover", "-s", "tests"])
        .current_dir(&dir);
    let output = bounded(unit, COMMAND_TIMEOUT, "the project's unit tests").await;
    assert!(output.status.success(), "unit tests: {}", text(&output));

    let mut build = tokio::process::Command::new(dir.join("build.sh"));
    build.current_dir(&dir).env("PYTHON", python());
    let output = bounded(build, BUILD_TIMEOUT, "the project's build.sh").await;
    assert!(
        output.status.success(),
        "./build.sh: {}\n{INSTALL_PYTHON}",
        text(&output)
    );
    assert_passes_the_kit(&dir, &dir.join("acme-py.wasm")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_name_or_a_non_empty_directory_is_refused_naming_it_and_nothing_is_written() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    for bad in ["Acme", "1acme", "acme_crm", "ac/me"] {
        let dir = tmp.path().join("bad");
        let dir_arg = dir.to_str().expect("a UTF-8 temporary path");
        let output = ccsync(&["plugin", "new", bad, "--dir", dir_arg], tmp.path()).await;
        assert!(!output.status.success(), "{bad}: {}", text(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("`{bad}` is not a connector name")),
            "{bad}: {stderr}"
        );
        assert!(!dir.exists(), "{bad}: nothing is written");
    }

    let taken = tmp.path().join("taken");
    std::fs::create_dir(&taken).expect("a directory");
    std::fs::write(taken.join("notes.txt"), "mine").expect("a file");
    let taken_arg = taken.to_str().expect("a UTF-8 temporary path");
    for lang in ["rust", "python"] {
        let output = ccsync(
            &["plugin", "new", "acme", "--lang", lang, "--dir", taken_arg],
            tmp.path(),
        )
        .await;
        assert!(!output.status.success(), "{lang}: {}", text(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("{taken_arg} exists and is not empty")),
            "{lang}: {stderr}"
        );
        let entries: Vec<_> = std::fs::read_dir(&taken)
            .expect("the directory")
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        assert_eq!(entries, ["notes.txt"], "{lang}: nothing is written");
    }

    // An empty directory is used as it is.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).expect("a directory");
    let empty_arg = empty.to_str().expect("a UTF-8 temporary path");
    let output = ccsync(&["plugin", "new", "acme", "--dir", empty_arg], tmp.path()).await;
    assert!(output.status.success(), "{}", text(&output));
    assert!(empty.join("Cargo.toml").is_file());
}
