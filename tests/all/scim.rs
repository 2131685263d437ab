//! The SCIM 2.0 connector written in Python (`plugins/scim-python`), end to end: the component
//! built by the plugin's own `build.sh` (componentize-py), signed as a vendor signs it, and
//! loaded by the host unchanged, against a real SCIM service provider (`scim2-server` from
//! PyPI, started by `plugins/scim-python/tests/scim_server.py` on a loopback port).
//!
//! What a SCIM service is to ccsync: a user source (its users and groups synced into the hub,
//! full and incremental), and a writable target (a push of the ACD's users to it: create keyed
//! by external id, then update). No flow deactivates at a connection (rule D4), so the
//! deactivation is driven through the runtime the host loads plugins with.
//!
//! These tests need Python 3.11 with the plugin's pinned packages
//! (`plugins/scim-python/requirements.txt`); without them they fail saying what to install.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use ccsync_model::{ConnectorError, Entity, Kind};
use ccsync_plugin::Manifest;
use ccsync_runtime::{Connection, Runtime, RuntimeOptions};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;

use crate::support::{Hub, count};

/// The bearer token the SCIM service accepts.
const TOKEN: &str = "scim-e2e-token-5f1c2a";
/// The hub tenant of the SCIM connection.
const TENANT: &str = "idp";
/// The user source flow: the SCIM service's groups and users into the WFM hub store.
const SOURCE_FLOW: &str = "idp-wfm";
/// The push flow: the ACD's selected users to the SCIM service.
const PUSH_FLOW: &str = "to-scim";
/// What to run when Python or the packages are missing.
const INSTALL: &str = "install Python 3.11 and the plugin's packages: `python3 -m pip install -r \
                       plugins/scim-python/requirements.txt` (set CCSYNC_TEST_PYTHON to use \
                       another interpreter)";
/// The longest the SCIM service may take to start.
const START_TIMEOUT: Duration = Duration::from_secs(60);
const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

fn plugin_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/scim-python")
}

/// The interpreter the tests run the build and the SCIM service with.
fn python() -> String {
    std::env::var("CCSYNC_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Fails the test, saying what to install, unless Python 3.11+ has componentize-py and
/// scim2-server.
fn require_python() {
    let probe = "import sys; assert sys.version_info >= (3, 11), sys.version; \
                 import componentize_py, scim2_server";
    let output = std::process::Command::new(python())
        .args(["-c", probe])
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{}` ({e}): {INSTALL}", python()));
    assert!(
        output.status.success(),
        "`{}` lacks what the SCIM tests need ({}): {INSTALL}",
        python(),
        String::from_utf8_lossy(&output.stderr).trim()
    );
}

/// The component, built once per test run by the documented command
/// (`plugins/scim-python/build.sh OUTPUT`).
fn component() -> &'static [u8] {
    static BUILT: OnceLock<Vec<u8>> = OnceLock::new();
    BUILT.get_or_init(|| {
        require_python();
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scim-python/scim.wasm");
        let output = std::process::Command::new("bash")
            .arg(plugin_dir().join("build.sh"))
            .arg(&out)
            .env("PYTHON", python())
            .output()
            .expect("running plugins/scim-python/build.sh");
        assert!(
            output.status.success(),
            "plugins/scim-python/build.sh failed ({}):\n{}\n{INSTALL}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::read(&out).expect("reading the built scim component")
    })
}

fn manifest_text() -> String {
    std::fs::read_to_string(plugin_dir().join("plugin.toml")).expect("reading plugin.toml")
}

/// A running `scim2-server`, stopped when dropped (its launcher also stops when its standard
/// input closes, and after ten minutes in any case).
struct ScimServer {
    /// `http://127.0.0.1:<port>/v2`.
    base_url: String,
    client: reqwest::Client,
    _process: Child,
    _log: tempfile::NamedTempFile,
}

impl ScimServer {
    async fn start() -> ScimServer {
        require_python();
        let log = tempfile::NamedTempFile::new().expect("a file for the server's log");
        let mut process = tokio::process::Command::new(python())
            .arg(plugin_dir().join("tests/scim_server.py"))
            .args(["--token", TOKEN, "--lifetime", "600"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log.reopen().expect("the server's log"))
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("starting the SCIM server with `{}`: {e}", python()));
        let stdout = process.stdout.take().expect("the server's stdout");
        let line = tokio::time::timeout(START_TIMEOUT, BufReader::new(stdout).lines().next_line())
            .await
            .expect("the SCIM server did not start in time")
            .expect("reading the SCIM server's address");
        let Some(line) = line else {
            let why = std::fs::read_to_string(log.path()).unwrap_or_default();
            panic!("the SCIM server exited before it served:\n{why}\n{INSTALL}");
        };
        let started: Value = serde_json::from_str(&line).expect("the launcher's JSON line");
        ScimServer {
            base_url: started["base_url"].as_str().expect("base_url").to_owned(),
            client: reqwest::Client::new(),
            _process: process,
            _log: log,
        }
    }

    /// `http://127.0.0.1:<port>`: what the operator allows the connection to reach.
    fn origin(&self) -> &str {
        self.base_url.trim_end_matches("/v2")
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .client
            .request(method.clone(), format!("{}{path}", self.base_url))
            .bearer_auth(TOKEN);
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/scim+json")
                .body(body.to_string());
        }
        let response = request.send().await.expect("a request to the SCIM server");
        let status = response.status();
        let text = response.text().await.expect("the SCIM server's reply");
        assert!(status.is_success(), "{method} {path}: {status}: {text}");
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("a JSON reply")
        }
    }

    /// Creates a user from `fields` (a JSON object) and returns it as stored.
    async fn add_user(&self, fields: Value) -> Value {
        let mut user = json!({ "schemas": [USER_SCHEMA] });
        user.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        self.call(reqwest::Method::POST, "/Users", Some(user)).await
    }

    /// Creates a group of these member ids.
    async fn add_group(&self, name: &str, members: &[&str]) -> Value {
        let members: Vec<Value> = members.iter().map(|id| json!({ "value": id })).collect();
        let group = json!({ "schemas": [GROUP_SCHEMA], "displayName": name, "members": members });
        self.call(reqwest::Method::POST, "/Groups", Some(group))
            .await
    }

    async fn patch_user(&self, id: &str, path: &str, value: Value) -> Value {
        let patch = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{ "op": "replace", "path": path, "value": value }],
        });
        self.call(reqwest::Method::PATCH, &format!("/Users/{id}"), Some(patch))
            .await
    }

    async fn user(&self, id: &str) -> Value {
        self.call(reqwest::Method::GET, &format!("/Users/{id}"), None)
            .await
    }

    /// Every user the service holds.
    async fn users(&self) -> Vec<Value> {
        let list = self
            .call(reqwest::Method::GET, "/Users?startIndex=1&count=1000", None)
            .await;
        list["Resources"].as_array().cloned().unwrap_or_default()
    }
}

/// The lines of a connection to `server` through the `scim` plugin, its token a file secret.
fn scim_connection(hub: &Hub, server: &ScimServer, token: &str) -> String {
    let secrets = hub.dir().join("secrets");
    std::fs::create_dir_all(&secrets).unwrap();
    let token_file = secrets.join("scim-token");
    std::fs::write(&token_file, token).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    format!(
        r#"
[plugins.scim]
path = "plugins/scim.wasm"

[connections.scim]
plugin = "scim"
tenant = "{TENANT}"
allowed_origins = ["{origin}"]

[connections.scim.settings]
base-url = "{base}"
page-size = "3"

[connections.scim.secrets]
token = {{ file = "secrets/scim-token" }}
"#,
        origin = server.origin(),
        base = server.base_url,
    )
}

/// A workspace whose one flow reads the SCIM service's groups and users into the hub (the
/// harness's ACD simulator, one agent, stays unused).
async fn source_hub(server: &ScimServer, token: &str) -> Hub {
    let hub = Hub::start(1, 100).await;
    hub.install_plugin("scim", component(), &manifest_text());
    hub.write_config(&format!(
        r#"data_dir = "data"
{}
[flows.{SOURCE_FLOW}]
source = "scim"
target = "wfm"
kinds = ["team", "user"]
manual = true
max_deactivation_percent = 100
"#,
        scim_connection(&hub, server, token)
    ));
    hub
}

/// `ccsync sync <flow> --json <extra>`: the run's report (the run must exit 0).
async fn sync(hub: &Hub, flow: &str, extra: &[&str]) -> Value {
    let mut args = vec!["sync", flow, "--json"];
    args.extend_from_slice(extra);
    hub.json(&args).await
}

/// The hub's users of the SCIM tenant, by SCIM id.
async fn hub_users(hub: &Hub) -> std::collections::BTreeMap<String, Value> {
    hub.users_by_id()
        .await
        .into_iter()
        .filter(|(_, u)| u["tenant"] == TENANT)
        .collect()
}

/// `(username, first_name, last_name, email, status)` of a hub user.
fn hub_fields(user: &Value) -> (String, Value, Value, Value, String) {
    let record = &user["user"];
    (
        record["username"].as_str().unwrap_or_default().to_owned(),
        record["first_name"].clone(),
        record["last_name"].clone(),
        record["email"].clone(),
        user["status"].as_str().unwrap_or_default().to_owned(),
    )
}

fn id(resource: &Value) -> String {
    resource["id"].as_str().expect("a SCIM id").to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_token_is_unauthorized_then_scim_users_and_groups_sync_full_and_incremental() {
    let server = ScimServer::start().await;
    // What real services vary in: a primary mark or none, `active` absent, a user without
    // name or email, an inactive one.
    let alice = server
        .add_user(json!({
            "userName": "alice", "name": { "givenName": "Alice", "familyName": "Smith" },
            "emails": [{ "value": "alice@home.example" },
                       { "value": "alice@example.com", "primary": true }],
        }))
        .await;
    let bob = server
        .add_user(json!({
            "userName": "bob", "name": { "givenName": "Bob", "familyName": "Jones" },
            "emails": [{ "value": "bob@example.com" }], "active": true,
        }))
        .await;
    let carol = server
        .add_user(json!({ "userName": "carol", "active": false }))
        .await;
    let mut ids = vec![id(&alice), id(&bob), id(&carol)];
    for name in ["dave", "erin", "frank", "grace"] {
        let user = server
            .add_user(json!({
                "userName": name, "name": { "givenName": name.to_uppercase(), "familyName": "Doe" },
                "emails": [{ "value": format!("{name}@example.com"), "type": "work" }],
                "active": true,
            }))
            .await;
        ids.push(id(&user));
    }
    server.add_group("Support", &[&ids[0], &ids[1]]).await;
    server.add_group("Sales", &[&ids[3]]).await;

    // A wrong token: the run fails as unauthorized, naming the setting, never the token.
    let hub = source_hub(&server, "not-the-token").await;
    let output = hub.run(&["sync", SOURCE_FLOW, "--full", "--json"]).await;
    let refused = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{refused}");
    assert!(
        refused.contains("unauthorized") && refused.contains("check `token`"),
        "{refused}"
    );
    assert!(!refused.contains("not-the-token"), "{refused}");

    // A watermark is the service's clock a second before the read: let the seeds age past it,
    // so the incremental run below reads exactly what changed after the full one.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    std::fs::write(hub.dir().join("secrets/scim-token"), TOKEN).unwrap();
    let full = sync(&hub, SOURCE_FLOW, &["--full"]).await;
    assert_eq!(full["status"], "succeeded", "{full}");
    assert_eq!(count(&full, "invalid"), 0, "{full}");
    assert_eq!(
        count(&full, "read"),
        2 + 7,
        "two groups and seven users: {full}"
    );
    assert_eq!(count(&full, "created"), 2 + 7, "{full}");

    let users = hub_users(&hub).await;
    let server_ids: std::collections::BTreeSet<String> =
        server.users().await.iter().map(id).collect();
    assert_eq!(
        users
            .keys()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>(),
        server_ids,
        "the hub holds exactly the service's users"
    );
    assert_eq!(
        hub_fields(&users[&ids[0]]),
        (
            "alice".into(),
            json!("Alice"),
            json!("Smith"),
            json!("alice@example.com"),
            "active".into()
        )
    );
    assert_eq!(
        hub_fields(&users[&ids[1]]),
        (
            "bob".into(),
            json!("Bob"),
            json!("Jones"),
            json!("bob@example.com"),
            "active".into()
        )
    );
    assert_eq!(
        hub_fields(&users[&ids[2]]),
        (
            "carol".into(),
            Value::Null,
            Value::Null,
            Value::Null,
            "deactivated".into()
        )
    );
    for (at, name) in [(3, "dave"), (4, "erin"), (5, "frank"), (6, "grace")] {
        assert_eq!(
            hub_fields(&users[&ids[at]]),
            (
                name.into(),
                json!(name.to_uppercase()),
                json!("Doe"),
                json!(format!("{name}@example.com")),
                "active".into()
            )
        );
    }

    // At the service: one renamed, one deactivated, one new. An incremental run reads those.
    server
        .patch_user(&ids[1], "name.givenName", json!("Robert"))
        .await;
    server.patch_user(&ids[4], "active", json!(false)).await;
    let heidi = server
        .add_user(json!({ "userName": "heidi", "emails": [{ "value": "heidi@example.com" }] }))
        .await;
    let incremental = sync(&hub, SOURCE_FLOW, &[]).await;
    assert_eq!(incremental["mode"], "incremental", "{incremental}");
    assert_eq!(incremental["status"], "succeeded", "{incremental}");
    assert_eq!(
        count(&incremental, "read"),
        3,
        "only what changed: {incremental}"
    );
    assert_eq!(count(&incremental, "created"), 1, "{incremental}");
    let users = hub_users(&hub).await;
    assert_eq!(users.len(), 8);
    assert_eq!(users[&ids[1]]["user"]["first_name"], "Robert");
    assert_eq!(users[&ids[4]]["status"], "deactivated");
    assert_eq!(users[&id(&heidi)]["user"]["email"], "heidi@example.com");
    assert_eq!(
        users[&id(&heidi)]["status"],
        "active",
        "active absent = active"
    );

    // The service was only read.
    assert_eq!(server.users().await.len(), 8);
}

/// The ACD's first `n` active agents that a SCIM service can hold as they are: a username,
/// both names and a plain email.
fn clean_agents(hub: &Hub, n: usize) -> Vec<ccsync_sim::acd::Agent> {
    let plain = |email: &str| {
        let (local, domain) = email.split_once('@').unwrap_or_default();
        !local.is_empty()
            && domain.contains('.')
            && email
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "@.-_".contains(c))
    };
    let chosen: Vec<_> = hub
        .sim
        .agents()
        .into_iter()
        .filter(|a| {
            a.is_active
                && !a.user_name.is_empty()
                && a.first_name.as_deref().is_some_and(|n| !n.is_empty())
                && a.last_name.as_deref().is_some_and(|n| !n.is_empty())
                && a.email_address.as_deref().is_some_and(plain)
        })
        .take(n)
        .collect();
    assert_eq!(chosen.len(), n, "the ACD has fewer than {n} clean agents");
    chosen
}

#[tokio::test(flavor = "multi_thread")]
async fn a_push_creates_users_at_the_scim_service_keyed_by_external_id_then_updates_them() {
    let server = ScimServer::start().await;
    let hub = Hub::start(30, 100).await;
    hub.install_plugin("scim", component(), &manifest_text());
    hub.write_config(&format!(
        r#"{}{}
[flows.{PUSH_FLOW}]
source = "acd"
target = "scim"
family = "dialer"
kinds = ["user"]
"#,
        hub.config_text(100, true),
        scim_connection(&hub, &server, TOKEN)
    ));
    let report = sync(&hub, PUSH_FLOW, &["--full"]).await;
    assert_eq!(report["status"], "succeeded", "{report}");
    assert!(
        server.users().await.is_empty(),
        "nothing selected, nothing pushed"
    );

    let agents = clean_agents(&hub, 4);
    let mut select = vec!["select", PUSH_FLOW, "--kind", "user", "--add"];
    let agent_ids: Vec<String> = agents.iter().map(|a| a.agent_id.to_string()).collect();
    select.extend(agent_ids.iter().map(String::as_str));
    let output = hub.run(&select).await;
    assert!(output.status.success(), "{output:?}");

    let report = sync(&hub, PUSH_FLOW, &[]).await;
    assert_eq!(report["status"], "succeeded", "{report}");
    assert_eq!(report["family"]["summary"]["created"], 4, "{report}");
    let pushed = server.users().await;
    assert_eq!(pushed.len(), 4, "{pushed:#?}");
    let mut scim_ids = std::collections::BTreeMap::new();
    for agent in &agents {
        let external = format!("acme/user/{}", agent.agent_id);
        let user = pushed
            .iter()
            .find(|u| u["externalId"] == external.as_str())
            .unwrap_or_else(|| panic!("no SCIM user holds {external}: {pushed:#?}"));
        assert_eq!(user["userName"], agent.user_name.as_str());
        assert_eq!(
            user["name"]["givenName"],
            agent.first_name.as_deref().unwrap()
        );
        assert_eq!(
            user["name"]["familyName"],
            agent.last_name.as_deref().unwrap()
        );
        assert_eq!(
            user["emails"],
            json!([{ "value": agent.email_address.as_deref().unwrap(), "type": "work",
                     "primary": true }])
        );
        assert_ne!(user["active"], false);
        scim_ids.insert(agent.agent_id, id(user));
    }

    // A change at the source reaches the same SCIM user: updated in place, nothing duplicated,
    // what an administrator added there kept.
    let renamed = agents[0].agent_id;
    let phones = json!([{ "value": "+1 555 0100", "type": "work" }]);
    server
        .patch_user(&scim_ids[&renamed], "phoneNumbers", phones.clone())
        .await;
    hub.sim
        .update_agent(renamed, |a| a.first_name = Some("Renamed".into()))
        .unwrap();
    let report = sync(&hub, PUSH_FLOW, &[]).await;
    assert_eq!(report["status"], "succeeded", "{report}");
    assert_eq!(report["family"]["summary"]["updated"], 1, "{report}");
    assert_eq!(report["family"]["summary"]["created"], 0, "{report}");
    assert_eq!(server.users().await.len(), 4, "an update never duplicates");
    let user = server.user(&scim_ids[&renamed]).await;
    assert_eq!(user["name"]["givenName"], "Renamed");
    assert_eq!(user["externalId"], format!("acme/user/{renamed}"));
    assert_eq!(user["phoneNumbers"], phones);
}

#[tokio::test(flavor = "multi_thread")]
async fn deactivate_sets_active_false_at_the_scim_service_and_never_deletes() {
    let server = ScimServer::start().await;
    let user = server
        .add_user(json!({ "userName": "ivan", "externalId": "acme/user/77",
                          "emails": [{ "value": "ivan@example.com", "primary": true }] }))
        .await;
    let scim_id = id(&user);

    let manifest =
        Manifest::from_toml_str(&manifest_text(), "plugins/scim-python/plugin.toml").unwrap();
    let runtime = Runtime::new(RuntimeOptions::default()).expect("a runtime");
    let plugin = runtime
        .load(component(), "scim.wasm", Some(&manifest))
        .await
        .expect("the host loads the Python component");
    assert_eq!(plugin.contract_version(), "0.2.0");
    let mut scim = plugin
        .connect(Connection {
            settings: vec![
                ("base-url".into(), server.base_url.clone()),
                ("token".into(), TOKEN.into()),
            ],
            secret_keys: vec!["token".into()],
            allowed_origins: vec![server.origin().parse().unwrap()],
        })
        .await
        .expect("configuring the connector");

    assert_eq!(
        scim.find(Kind::User, "acme/user/77").await.unwrap(),
        Some(scim_id.clone())
    );
    scim.deactivate(Kind::User, &scim_id)
        .await
        .expect("deactivating");
    let Some(Entity::User(read_back)) = scim.get(Kind::User, &scim_id).await.unwrap() else {
        panic!("the deactivated user is gone");
    };
    assert!(!read_back.active);
    assert_eq!(server.user(&scim_id).await["active"], false);
    assert_eq!(server.users().await.len(), 1, "never deleted");

    let missing = scim
        .deactivate(Kind::User, "no-such-user")
        .await
        .unwrap_err();
    assert!(
        matches!(missing.connector_error(), Some(ConnectorError::NotFound(_))),
        "{missing}"
    );
    let team = scim.deactivate(Kind::Team, &scim_id).await.unwrap_err();
    assert!(
        matches!(team.connector_error(), Some(ConnectorError::Unsupported(_))),
        "{team}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_scim_connector_passes_the_conformance_kit_against_scim2_server_writes_included() {
    let server = ScimServer::start().await;
    for name in ["ann", "bob", "cyd"] {
        server
            .add_user(json!({
                "userName": name,
                "name": { "givenName": name, "familyName": "Kit" },
                "emails": [{ "value": format!("{name}@example.com"), "primary": true }],
            }))
            .await;
    }
    let settings = format!(
        "[settings]\nbase-url = \"{{endpoint}}\"\npage-size = \"2\"\n[secrets]\ntoken = \"{TOKEN}\"\n"
    );
    let ws = crate::conformance::Workspace::new(component(), &manifest_text(), &settings, "");
    let run = ws.test(&["--endpoint", &server.base_url]).await;
    run.assert_conforms();
    for id in [
        "describe.matches-manifest",
        "configure.refuses-unknown-key",
        "read.user.cursor-resumes",
        "errors.unauthorized",
        "errors.rate-limited",
        "write.user.create-find",
        "write.user.idempotent",
    ] {
        assert_eq!(run.status(id), "pass", "{id}: {}", run.reason(id));
    }
}
