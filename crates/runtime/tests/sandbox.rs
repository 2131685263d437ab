//! End-to-end tests of the sandbox: real components (built from tests/plugins/test-connector),
//! a real wasmtime engine, real HTTP on loopback.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use ccsync_bundled::test_plugins;
use ccsync_model::{ConnectorError, Entity, ErrorClass, Kind};
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

// ---- Hostile plugins: each test below failed before the sandbox bounded what it proves. ----

fn faulted(err: &CallError) -> &Fault {
    match err {
        CallError::Fault { fault, .. } => fault,
        other => panic!("expected a sandbox fault, got {other}"),
    }
}

fn settings(pairs: &[(&str, &str)]) -> Connection {
    Connection {
        settings: pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        secret_keys: vec![],
        allowed_origins: vec!["http://127.0.0.1:*".parse().unwrap()],
    }
}

/// A loopback server whose `/slow` answers after `delay`, and `/ping` at once.
async fn slow_server(delay: Duration) -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let (slow_hits, ping_hits) = (hits.clone(), hits.clone());
    let app = axum::Router::new()
        .route(
            "/slow",
            axum::routing::get(move || {
                slow_hits.fetch_add(1, Ordering::SeqCst);
                async move {
                    tokio::time::sleep(delay).await;
                    "late"
                }
            }),
        )
        .route(
            "/ping",
            axum::routing::get(move || {
                ping_hits.fetch_add(1, Ordering::SeqCst);
                async { "pong" }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), hits)
}

#[tokio::test]
async fn wall_deadline_includes_time_in_http_send() {
    let runtime = runtime(Limits {
        wall_timeout: Duration::from_secs(1),
        ..test_limits()
    });
    let (base, _) = slow_server(Duration::from_secs(4)).await;
    let plugin = load(&runtime, test_plugins::SLOW_HTTP).await;
    let target = format!("{base}/slow");
    let mut connector = plugin
        .connect(settings(&[("target", &target)]))
        .await
        .unwrap();
    let started = Instant::now();
    let err = connector.read(Kind::User, None, None).await.unwrap_err();
    let took = started.elapsed();
    assert_eq!(*faulted(&err), Fault::WallDeadline(Duration::from_secs(1)));
    assert!(err.to_string().contains("wall-clock deadline"), "{err}");
    assert!(took < Duration::from_millis(2500), "took {took:?}");
    // The instance stuck in the request was dropped; the connector goes on with a new one.
    connector.check().await.unwrap();
}

#[tokio::test]
async fn requests_per_call_are_capped_and_the_call_fails() {
    let runtime = runtime(Limits {
        max_requests_per_call: 5,
        ..test_limits()
    });
    let (base, hits) = slow_server(Duration::ZERO).await;
    let plugin = load(&runtime, test_plugins::SLOW_HTTP).await;
    let target = format!("{base}/ping");
    let mut connector = plugin
        .connect(settings(&[("target", &target), ("requests", "1000")]))
        .await
        .unwrap();
    let err = connector.read(Kind::User, None, None).await.unwrap_err();
    assert_eq!(*faulted(&err), Fault::Requests(5));
    assert!(err.to_string().contains("max_requests_per_call"), "{err}");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        5,
        "no request past the cap left"
    );
    // The budget is per call.
    let mut connector = plugin
        .connect(settings(&[("target", &target), ("requests", "5")]))
        .await
        .unwrap();
    connector.read(Kind::User, None, None).await.unwrap();
    connector.read(Kind::User, None, None).await.unwrap();
}

#[tokio::test]
async fn sandbox_faults_are_plugin_faults_that_are_never_retried() {
    let runtime = runtime(test_limits());
    for (bad, expect) in [
        (test_plugins::SPIN, "CPU deadline"),
        (test_plugins::HOG, "memory limit"),
        (test_plugins::PANIC, "panics on purpose"),
        (test_plugins::RECURSE, "trapped"),
    ] {
        let plugin = load(&runtime, bad).await;
        let mut connector = plugin.connect(Connection::default()).await.unwrap();
        let err = connector.read(Kind::User, None, None).await.unwrap_err();
        assert!(err.to_string().contains(expect), "{err}");
        assert_eq!(err.class(), ErrorClass::Plugin, "{err}");
        assert!(!err.class().is_retryable(), "{err}");
    }
}

#[tokio::test]
async fn stack_overflow_is_a_trap_and_the_host_goes_on() {
    let runtime = runtime(test_limits());
    let plugin = load(&runtime, test_plugins::RECURSE).await;
    let mut connector = plugin.connect(Connection::default()).await.unwrap();
    let err = connector.read(Kind::User, None, None).await.unwrap_err();
    assert!(matches!(faulted(&err), Fault::Trap(_)), "{err}");
    assert_eq!(err.class(), ErrorClass::Plugin);
    well_behaved_still_runs(&runtime).await;
}

fn bloat_limits() -> Limits {
    Limits {
        max_field_bytes: 64 << 10,
        max_record_bytes: 256 << 10,
        max_page_bytes: 1 << 20,
        ..test_limits()
    }
}

#[tokio::test]
async fn over_size_field_and_record_are_reported_invalid_with_id_and_size_and_not_returned() {
    let runtime = runtime(bloat_limits());
    let plugin = load(&runtime, test_plugins::BLOAT).await;
    let mut connector = plugin
        .connect(settings(&[
            ("big-field", "100000"),
            ("big-record", "300000"),
            ("users", "2"),
        ]))
        .await
        .unwrap();
    let page = connector.read(Kind::User, None, None).await.unwrap();
    let ids: Vec<String> = page
        .items
        .iter()
        .map(|e| match e {
            Entity::User(u) => u.id.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ids, ["1", "2"]);
    assert_eq!(page.invalid.len(), 2, "{:?}", page.invalid);
    assert_eq!(page.invalid[0].id.as_deref(), Some("big"));
    assert_eq!(
        page.invalid[0].reason,
        "field `username` is 100000 bytes, over the limit of 65536 bytes (max_field_size); \
         the record is 100035 bytes"
    );
    assert_eq!(page.invalid[1].id.as_deref(), Some("wide"));
    assert!(
        page.invalid[1]
            .reason
            .contains("over the limit of 262144 bytes (max_record_size)"),
        "{}",
        page.invalid[1].reason
    );
}

#[tokio::test]
async fn page_over_the_transfer_limit_fails_with_an_error_naming_max_page_size() {
    let runtime = runtime(bloat_limits());
    let plugin = load(&runtime, test_plugins::BLOAT).await;
    let mut connector = plugin
        .connect(settings(&[("users", "8000")]))
        .await
        .unwrap();
    let err = connector.read(Kind::User, None, None).await.unwrap_err();
    let Fault::Oversize(what) = faulted(&err) else {
        panic!("{err}")
    };
    assert!(what.contains("1048576 bytes"), "{what}");
    assert!(what.contains("max_page_size"), "{what}");
    assert_eq!(err.class(), ErrorClass::Plugin);
    // A page under the limit passes.
    let mut connector = plugin.connect(settings(&[("users", "500")])).await.unwrap();
    assert_eq!(
        connector
            .read(Kind::User, None, None)
            .await
            .unwrap()
            .items
            .len(),
        500
    );
}

#[tokio::test]
async fn log_flood_is_rate_limited_with_a_summary_of_what_was_dropped() {
    let runtime = runtime(Limits {
        log_rate: 10,
        log_burst: 20,
        ..test_limits()
    });
    let plugin = load(&runtime, test_plugins::CHATTY).await;
    let mut connector = plugin.connect(settings(&[("logs", "5000")])).await.unwrap();
    connector.read(Kind::User, None, None).await.unwrap();
    drop(connector);
    let log = logged();
    let lines = log.matches("chatty line ").count();
    assert!((20..=40).contains(&lines), "{lines} lines passed");
    assert!(
        !log.contains("chatty line 4999"),
        "the flood reached the log"
    );
    assert!(
        log.contains("plugin log throttled") && log.contains("lines dropped"),
        "a summary of what was dropped"
    );
}

fn longest_run(text: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for ch in text.chars() {
        run = if ch == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

#[tokio::test]
async fn huge_log_message_and_stdout_line_are_cut_at_the_message_limit() {
    let runtime = runtime(Limits {
        max_log_message_bytes: 1024,
        ..test_limits()
    });
    let plugin = load(&runtime, test_plugins::CHATTY).await;
    let mut connector = plugin
        .connect(settings(&[
            ("log-bytes", "5000000"),
            ("stdout-bytes", "5000000"),
        ]))
        .await
        .unwrap();
    connector.read(Kind::User, None, None).await.unwrap();
    drop(connector);
    let log = logged();
    assert!(log.contains("bytes cut]"), "the log message is marked cut");
    assert!(
        log.contains("[rest of the line cut]"),
        "the stdout line is marked cut"
    );
    assert!(longest_run(&log, 'L') <= 1024, "{}", longest_run(&log, 'L'));
    assert!(longest_run(&log, 'o') <= 1024, "{}", longest_run(&log, 'o'));
}

/// A raw loopback HTTP server that records the head of every request it receives.
async fn recording_server() -> (String, Arc<Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                record
                    .lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&head).into_owned());
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                    )
                    .await;
            });
        }
    });
    (format!("http://{addr}"), seen)
}

async fn smuggle(pairs: &[(&str, &str)]) -> (Result<ccsync_model::Page, CallError>, Vec<String>) {
    let runtime = runtime(test_limits());
    let (base, seen) = recording_server().await;
    let plugin = load(&runtime, test_plugins::SMUGGLER).await;
    let url = format!("{base}/target");
    let mut all = vec![("url", url.as_str())];
    all.extend_from_slice(pairs);
    let mut connector = plugin.connect(settings(&all)).await.unwrap();
    let result = connector.read(Kind::User, None, None).await;
    let seen = seen.lock().unwrap().clone();
    (result, seen)
}

#[tokio::test]
async fn allowed_request_reaches_the_server_with_the_host_header_the_host_sets() {
    let (result, seen) = smuggle(&[("method", "PATCH"), ("header", "X-Custom: 1")]).await;
    result.unwrap();
    let [head] = seen.as_slice() else {
        panic!("{seen:?}")
    };
    assert!(head.starts_with("PATCH /target HTTP/1.1\r\n"), "{head}");
    assert!(head.to_lowercase().contains("x-custom: 1"), "{head}");
    assert!(head.to_lowercase().contains("host: 127.0.0.1:"), "{head}");
}

#[tokio::test]
async fn host_header_from_plugin_is_refused() {
    let (result, seen) = smuggle(&[("header", "Host: admin.internal")]).await;
    let err = result.unwrap_err().to_string();
    assert!(err.contains("header `Host` is not allowed"), "{err}");
    assert!(seen.is_empty(), "{seen:?}");
}

#[tokio::test]
async fn hop_by_hop_headers_from_plugin_are_refused() {
    for header in [
        "Transfer-Encoding: chunked",
        "Connection: keep-alive, X-Secret",
        "Proxy-Authorization: Basic eDp5",
        "Upgrade: websocket",
    ] {
        let (result, seen) = smuggle(&[("header", header)]).await;
        let err = result.unwrap_err().to_string();
        let name = header.split(':').next().unwrap();
        assert!(
            err.contains(&format!("header `{name}` is not allowed")),
            "{err}"
        );
        assert!(seen.is_empty(), "{header}: {seen:?}");
    }
}

#[tokio::test]
async fn methods_outside_the_contract_are_refused() {
    for method in ["TRACE", "CONNECT", "OPTIONS"] {
        let (result, seen) = smuggle(&[("method", method)]).await;
        let err = result.unwrap_err().to_string();
        assert!(
            err.contains("is not allowed (allowed: GET, POST, PUT, PATCH, DELETE)"),
            "{err}"
        );
        assert!(seen.is_empty(), "{method}: {seen:?}");
    }
}

#[tokio::test]
async fn url_userinfo_is_refused_not_turned_into_basic_auth() {
    let runtime = runtime(test_limits());
    let (base, seen) = recording_server().await;
    let plugin = load(&runtime, test_plugins::SMUGGLER).await;
    let url = base.replace("http://", "http://admin:hunter2@");
    let mut connector = plugin.connect(settings(&[("url", &url)])).await.unwrap();
    let err = connector
        .read(Kind::User, None, None)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("the URL carries credentials"), "{err}");
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn invalid_header_is_refused_naming_the_header() {
    let (result, seen) = smuggle(&[("header", "X-Note: line\u{7f}\rbreak")]).await;
    let err = result.unwrap_err().to_string();
    assert!(err.contains("header `X-Note` is invalid"), "{err}");
    assert!(seen.is_empty(), "{seen:?}");
}

#[tokio::test]
async fn secrets_copied_into_records_reasons_and_logs_are_redacted() {
    const SECRET: &str = "Zx9-very-secret-key-42";
    let runtime = runtime(test_limits());
    let plugin = load(&runtime, test_plugins::LEAKER).await;
    let mut connection = settings(&[("api-key", SECRET)]);
    connection.secret_keys = vec!["api-key".into()];
    let mut connector = plugin.connect(connection).await.unwrap();
    let page = connector.read(Kind::User, None, None).await.unwrap();
    let text = format!("{page:?}").to_lowercase();
    let hex = hex::encode(SECRET);
    let (a, b) = SECRET.split_at(SECRET.len() / 2);
    for leaked in [
        SECRET.to_lowercase(),
        hex,
        a.to_lowercase(),
        b.to_lowercase(),
    ] {
        assert!(!text.contains(&leaked), "{leaked} in {text}");
    }
    assert!(text.contains("[redacted]"), "{text}");
    assert_eq!(
        page.invalid[0].reason,
        "agent 2 has the key [redacted] in its notes"
    );
    let Entity::User(user) = &page.items[0] else {
        panic!()
    };
    assert_eq!(user.email.as_deref(), Some("[redacted]@example.test"));
    let basic = &user.extra.iter().find(|(k, _)| k == "basic").unwrap().1;
    assert!(basic.contains("[redacted]"), "{basic}");
    assert!(!logged().to_lowercase().contains(&SECRET.to_lowercase()));
}
