//! Serving a simulator's router on loopback in a background task, and stopping it: the same for
//! every simulator.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long [`Server::shutdown`] waits for open connections to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Why a simulator could not listen: the address and the I/O error.
pub(crate) type BindFailure = (SocketAddr, std::io::Error);

/// A bound loopback socket, not yet serving (its address goes into the simulator's state
/// before the router that needs that state exists).
pub(crate) struct Listener {
    listener: TcpListener,
    local: SocketAddr,
}

impl Listener {
    /// Binds 127.0.0.1 on `port`, or on a free port.
    pub(crate) async fn bind(port: Option<u16>) -> Result<Self, BindFailure> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port.unwrap_or(0)));
        let listener = TcpListener::bind(addr).await.map_err(|e| (addr, e))?;
        let local = listener.local_addr().map_err(|e| (addr, e))?;
        Ok(Self { listener, local })
    }

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn base_url(&self) -> String {
        format!("http://{}", self.local)
    }

    /// Serves `app` in a task of the current tokio runtime; `name` labels a failure on stderr.
    pub(crate) fn serve(self, app: Router, name: &'static str) -> Server {
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let server = axum::serve(self.listener, app).with_graceful_shutdown(async move {
                // A dropped sender also means stop.
                let _ = stopped.await;
            });
            if let Err(error) = server.await {
                eprintln!("ccsync-sim: {name} server stopped: {error}");
            }
        });
        Server {
            stop: Some(stop),
            task: Some(task),
        }
    }
}

/// A running server task.
pub(crate) struct Server {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Server {
    /// Asks the server to stop taking connections (open ones may finish).
    pub(crate) fn signal_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            // The server may already be gone; then there is nothing to stop.
            let _ = stop.send(());
        }
    }

    /// Stops serving: lets open requests finish (up to a few seconds) and waits for the task.
    pub(crate) async fn shutdown(&mut self) {
        self.signal_stop();
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(SHUTDOWN_GRACE, task).await.is_err() {
                abort.abort();
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.signal_stop();
    }
}
