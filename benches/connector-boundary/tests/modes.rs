//! The benchmark's three modes do the same work, so their timings compare: each reads every
//! agent of the tenant in the same pages.

use ccsync_bench_boundary::native::{ReqwestHost, http_client, read_all_users_native};
use ccsync_bench_boundary::replay::RecordingHost;
use ccsync_bench_boundary::{Tally, connector_settings, native_settings, wasm};
use ccsync_runtime::{Limits, Runtime, RuntimeOptions};
use ccsync_sim::{AcdSim, AcdSimConfig};
use tokio::runtime::Handle;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wasm_native_and_replayed_reads_return_every_agent_in_the_same_pages() {
    let sim = AcdSim::start(AcdSimConfig::new(3, 2_500)).await.unwrap();
    let settings = connector_settings(&sim, Some(1_000));
    let parsed = native_settings(&settings).unwrap();
    assert_eq!(parsed.page_size, 1_000);
    let limits = Limits::default();
    let http = http_client(limits.http_timeout).unwrap();

    let host = RecordingHost::new(ReqwestHost::new(
        http,
        Handle::current(),
        limits.max_response_bytes,
    ));
    let (native, _, host) = read_all_users_native(parsed.clone(), host).await.unwrap();
    // 1000 + 1000 + 500: the short page ends the read.
    assert_eq!(
        native,
        Tally {
            users: 2_500,
            invalid: 0,
            pages: 3
        }
    );
    let recording = host.into_recording();
    // Discovery, token, the security profiles, then the three pages of agents.
    assert!(
        recording.len() >= 5,
        "{} requests recorded",
        recording.len()
    );

    let (replayed, _, replay) = read_all_users_native(parsed, recording.replay())
        .await
        .unwrap();
    assert_eq!(replayed, native);
    assert!(replay.is_done());

    let runtime = Runtime::new(RuntimeOptions::default()).unwrap();
    let plugin = wasm::load(&runtime).await.unwrap();
    let connection = wasm::connection(settings, &sim.base_url()).unwrap();
    let read = wasm::read_all_users(&plugin, connection).await.unwrap();
    assert_eq!(read.tally, native);
    assert!(read.connect <= read.total);
}
