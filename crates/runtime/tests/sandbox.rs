//! End-to-end tests of the sandbox: real components (built from tests/plugins/test-connector),
//! a real wasmtime engine, real HTTP on loopback.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use ccsync_bundled::test_plugins;
use ccsync_model::{ConnectorError, Entity, Kind};
use ccsync_runtime::{
    CacheOutcome, CallError, Connection, Fault, Limits, LoadedPlugin, Runtime, RuntimeOptions,
};

/// Everything the host logs, for assertions on what plugins wrote.
fn log_buffer() -> Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        tracing_subscriber::fmt()
            .with_env_filter("info")
            .with_ansi(false)
            .with_writer(move || LogWriter(writer.clone()))
            .init();
        buffer
    })
    .clone()
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logged() -> String {
    String::from_utf8_lossy(&log_buffer().lock().unwrap()).into_owned()
}

fn runtime(limits: Limits) -> Runtime {
    log_buffer();
    Runtime::new(RuntimeOptions {
        limits,
        cache_dir: None,
    })
    .unwrap()
}

fn test_limits() -> Limits {
    Limits {
        memory_bytes: 32 << 20,
        call_timeout: Duration::from_millis(300),
        ..Limits::default()
    }
}

/// A loopback server answering `/ping` with `pong`, counting the requests it gets.
async fn ping_server() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = axum::Router::new().route(
        "/ping",
        axum::routing::get(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async { "pong" }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), hits)
}

fn connection(base_url: &str, allowed: &str) -> Connection {
    Connection {
        settings: vec![("base-url".into(), base_url.into())],
        secret_keys: vec![],
        allowed_origins: vec![allowed.parse().unwrap()],
    }
}

async fn load(runtime: &Runtime, bytes: &[u8]) -> LoadedPlugin {
    runtime.load(bytes, "test plugin", None).await.unwrap()
}

/// Proves the host is still healthy: the well-behaved plugin reads all its pages.
async fn well_behaved_still_runs(runtime: &Runtime) {
    let (base, _) = ping_server().await;
    let plugin = load(runtime, test_plugins::WELL_BEHAVED).await;
    let mut connector = plugin.connect(connection(&base, &base)).await.unwrap();
    let first = connector.read(Kind::User, None, None).await.unwrap();
    let second = connector
        .read(Kind::User, first.next_cursor.as_deref(), None)
        .await
        .unwrap();
    assert_eq!(first.items.len() + second.items.len(), 3);
}

#[tokio::test]
async fn well_behaved_plugin_reads_pages_through_the_host_http() {
    let runtime = runtime(test_limits());
    let (base, hits) = ping_server().await;
    let plugin = load(&runtime, test_plugins::WELL_BEHAVED).await;
    assert_eq!(plugin.label(), "test-well-behaved@1.0.0");
    assert_eq!(plugin.description().reads, vec![Kind::User]);
    assert!(plugin.description().writes.is_empty());

    let mut connector = plugin.connect(connection(&base, &base)).await.unwrap();
    connector.check().await.unwrap();
    let first = connector.read(Kind::User, None, None).await.unwrap();
    assert_eq!(first.items.len(), 2);
    let Entity::User(user) = &first.items[0] else {
        panic!("expected a user")
    };
    assert_eq!(user.extra, vec![("ping".to_owned(), "pong".to_owned())]);
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    let second = connector
        .read(Kind::User, first.next_cursor.as_deref(), None)
        .await
        .unwrap();
    assert_eq!(second.items.len(), 1);
    assert_eq!(second.next_cursor, None);
    assert_eq!(second.watermark.as_deref(), Some("w-3"));

    let log = logged();
    assert!(log.contains("test-well-behaved@1.0.0"), "{log}");
    assert!(
        log.contains("reading users from cursor"),
        "log calls reach the host log: {log}"
    );
    assert!(
        log.contains("test-connector stdout: page"),
        "stdout reaches the host log: {log}"
    );
}

#[tokio::test]
async fn read_only_connector_refuses_writes_with_unsupported() {
    let runtime = runtime(test_limits());
    let plugin = load(&runtime, test_plugins::WELL_BEHAVED).await;
    let mut connector = plugin.connect(Connection::default()).await.unwrap();
    let err = connector.deactivate(Kind::User, "1").await.unwrap_err();
    assert!(
        matches!(err.connector_error(), Some(ConnectorError::Unsupported(_))),
        "{err}"
    );
    let err = connector.read(Kind::Team, None, None).await.unwrap_err();
    assert!(
        matches!(err.connector_error(), Some(ConnectorError::Unsupported(_))),
        "{err}"
    );
}

#[tokio::test]
async fn origin_not_allowed_by_the_operator_is_refused_before_any_request() {
    let runtime = runtime(test_limits());
    let (base, hits) = ping_server().await;
    let plugin = load(&runtime, test_plugins::WELL_BEHAVED).await;
    // Declared by the plugin (http://127.0.0.1:*) but the operator allows another port.
    let mut connector = plugin
        .connect(connection(&base, "http://127.0.0.1:1"))
        .await
        .unwrap();
    let err = connector.read(Kind::User, None, None).await.unwrap_err();
    let message = err.to_string();
    assert!(message.contains("Denied"), "{message}");
    assert!(
        message.contains("not allowed for this connection"),
        "{message}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 0, "no request left the host");
    assert!(logged().contains("refused an outbound request"));
}

#[tokio::test]
async fn plugin_calling_an_undeclared_origin_is_refused() {
    let runtime = runtime(test_limits());
    let (base, hits) = ping_server().await;
    let plugin = load(&runtime, test_plugins::INTRUDER).await;
    // The operator allows everything on loopback; the plugin only declared 127.0.0.1.
    let mut conn = connection(&base, "http://localhost:*");
    conn.settings = vec![(
        "target".into(),
        base.replace("127.0.0.1", "localhost") + "/ping",
    )];
    let mut connector = plugin.connect(conn).await.unwrap();
    let err = connector.read(Kind::User, None, None).await.unwrap_err();
    let message = err.to_string();
    assert!(message.contains("not declared by the plugin"), "{message}");
    assert_eq!(hits.load(Ordering::SeqCst), 0);
    well_behaved_still_runs(&runtime).await;
}

#[tokio::test]
async fn spinning_plugin_hits_the_cpu_deadline_and_the_host_goes_on() {
    let runtime = runtime(test_limits());
    let plugin = load(&runtime, test_plugins::SPIN).await;
    let mut connector = plugin.connect(Connection::default()).await.unwrap();
    let started = Instant::now();
    let err = connector.read(Kind::User, None, None).await.unwrap_err();
    println!("deadline hit after {:?}", started.elapsed());
    let CallError::Fault {
        plugin: name,
        call,
        fault,
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(name, "test-spin@1.0.0");
    assert_eq!(*call, "read");
    assert_eq!(*fault, Fault::Deadline(Duration::from_millis(300)));
    assert!(err.to_string().contains("CPU deadline"), "{err}");
    // The trapped instance was replaced: the same connector answers its next call.
    connector.check().await.unwrap();
    well_behaved_still_runs(&runtime).await;
}

#[tokio::test]
async fn allocating_plugin_hits_the_memory_limit_and_the_host_goes_on() {
    let runtime = runtime(test_limits());
    let plugin = load(&runtime, test_plugins::HOG).await;
    let mut connector = plugin.connect(Connection::default()).await.unwrap();
    let err = connector.read(Kind::User, None, None).await.unwrap_err();
    let CallError::Fault { fault, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(*fault, Fault::Memory(32 << 20));
    assert!(err.to_string().contains("test-hog@1.0.0"), "{err}");
    connector.check().await.unwrap();
    well_behaved_still_runs(&runtime).await;
}

#[tokio::test]
async fn panicking_plugin_fails_the_call_with_its_panic_message() {
    let runtime = runtime(test_limits());
    let plugin = load(&runtime, test_plugins::PANIC).await;
    let mut connector = plugin.connect(Connection::default()).await.unwrap();
    let err = connector.read(Kind::User, None, None).await.unwrap_err();
    let CallError::Fault {
        fault: Fault::Trap(message),
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert!(message.contains("panics on purpose"), "{message}");
    assert!(
        err.to_string()
            .starts_with("plugin test-panic@1.0.0: read: trapped"),
        "{err}"
    );
    well_behaved_still_runs(&runtime).await;
}

#[tokio::test]
async fn every_bad_plugin_in_turn_leaves_the_host_able_to_run_the_good_one() {
    let runtime = runtime(test_limits());
    for bad in [
        test_plugins::SPIN,
        test_plugins::HOG,
        test_plugins::INTRUDER,
        test_plugins::PANIC,
    ] {
        let plugin = load(&runtime, bad).await;
        let mut connector = plugin.connect(Connection::default()).await.unwrap();
        assert!(connector.read(Kind::User, None, None).await.is_err());
        well_behaved_still_runs(&runtime).await;
    }
}

#[tokio::test]
async fn second_load_comes_from_the_cache_without_recompiling() {
    log_buffer();
    let dir = tempfile::tempdir().unwrap();
    let options = RuntimeOptions {
        limits: test_limits(),
        cache_dir: Some(dir.path().join("cache")),
    };
    let cold = Runtime::new(options.clone()).unwrap();
    let first = load(&cold, test_plugins::WELL_BEHAVED).await;
    assert_eq!(*first.cache_outcome(), CacheOutcome::Miss);
    // A new runtime (a restarted host) with the same cache directory.
    let warm = Runtime::new(options).unwrap();
    let second = load(&warm, test_plugins::WELL_BEHAVED).await;
    assert_eq!(*second.cache_outcome(), CacheOutcome::Hit);
    println!(
        "cold compile: {:.1} ms, cached load: {:.1} ms",
        first.load_time().as_secs_f64() * 1e3,
        second.load_time().as_secs_f64() * 1e3
    );
    well_behaved_still_runs(&warm).await;
}

fn cache_entries(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .collect()
}

#[tokio::test]
async fn corrupted_cache_entry_is_discarded_and_rebuilt() {
    log_buffer();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let options = RuntimeOptions {
        limits: test_limits(),
        cache_dir: Some(cache.clone()),
    };
    let runtime = Runtime::new(options.clone()).unwrap();
    load(&runtime, test_plugins::WELL_BEHAVED).await;
    let [entry] = cache_entries(&cache).try_into().unwrap();
    let mut bytes = std::fs::read(&entry).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&entry, &bytes).unwrap();

    let plugin = load(
        &Runtime::new(options.clone()).unwrap(),
        test_plugins::WELL_BEHAVED,
    )
    .await;
    let CacheOutcome::Rebuilt(reason) = plugin.cache_outcome() else {
        panic!("expected a rebuild, got {:?}", plugin.cache_outcome())
    };
    assert!(reason.contains("integrity"), "{reason}");
    // The rebuilt entry is good again.
    let again = load(&Runtime::new(options).unwrap(), test_plugins::WELL_BEHAVED).await;
    assert_eq!(*again.cache_outcome(), CacheOutcome::Hit);
}

#[tokio::test]
async fn foreign_cache_entry_is_never_used() {
    log_buffer();
    let dir = tempfile::tempdir().unwrap();
    let (ours, theirs) = (dir.path().join("ours"), dir.path().join("theirs"));
    let with_cache = |cache: &std::path::Path| {
        Runtime::new(RuntimeOptions {
            limits: test_limits(),
            cache_dir: Some(cache.to_owned()),
        })
        .unwrap()
    };
    // Another host compiles the same component into its own cache…
    load(&with_cache(&theirs), test_plugins::WELL_BEHAVED).await;
    let [foreign] = cache_entries(&theirs).try_into().unwrap();
    // …and its artifact is planted in ours under the right name.
    std::fs::create_dir_all(&ours).unwrap();
    with_cache(&ours);
    std::fs::copy(&foreign, ours.join(foreign.file_name().unwrap())).unwrap();

    let plugin = load(&with_cache(&ours), test_plugins::WELL_BEHAVED).await;
    assert!(
        matches!(plugin.cache_outcome(), CacheOutcome::Rebuilt(_)),
        "{:?}",
        plugin.cache_outcome()
    );
}

#[tokio::test]
async fn cached_artifact_never_stands_in_for_another_component() {
    log_buffer();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let runtime = Runtime::new(RuntimeOptions {
        limits: test_limits(),
        cache_dir: Some(cache.clone()),
    })
    .unwrap();
    load(&runtime, test_plugins::WELL_BEHAVED).await;
    let [good] = cache_entries(&cache).try_into().unwrap();
    let panic_plugin = load(&runtime, test_plugins::PANIC).await;
    assert_eq!(*panic_plugin.cache_outcome(), CacheOutcome::Miss);
    // Overwrite the panic plugin's entry with the well-behaved plugin's artifact.
    let entries = cache_entries(&cache);
    let panic_entry = entries.iter().find(|p| **p != good).unwrap();
    std::fs::copy(&good, panic_entry).unwrap();
    let reloaded = load(
        &Runtime::new(RuntimeOptions {
            limits: test_limits(),
            cache_dir: Some(cache),
        })
        .unwrap(),
        test_plugins::PANIC,
    )
    .await;
    assert!(matches!(reloaded.cache_outcome(), CacheOutcome::Rebuilt(_)));
    assert_eq!(reloaded.label(), "test-panic@1.0.0");
}
