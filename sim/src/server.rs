//! Serving a simulator's router on loopback in a background task, and stopping it: shared by
//! every simulator so that each one starts, shuts down and drops the same way.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::error::SimError;

/// How long [`Server::shutdown`] waits for open connections to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Listens on 127.0.0.1 (the port, or a free one when `None`); returns the listener and the
/// address it got.
pub(crate) async fn bind(port: Option<u16>) -> Result<(TcpListener, SocketAddr), SimError> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port.unwrap_or(0)));
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| SimError::Bind { addr, source })?;
    Ok((listener, local))
}

/// A router served in a task of the current tokio runtime. Dropping it stops the server.
#[derive(Debug)]
pub(crate) struct Server {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves `app` on `listener`; `name` tells which simulator stopped in the error message.
    pub(crate) fn spawn(listener: TcpListener, app: Router, name: &'static str) -> Self {
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let server = axum::serve(listener, app).with_graceful_shutdown(async move {
                // A dropped sender also means stop.
                let _ = stopped.await;
            });
            if let Err(error) = server.await {
                eprintln!("ccsync-sim: {name} server stopped: {error}");
            }
        });
        Self {
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Tells the server to stop accepting and finish; returns at once.
    pub(crate) fn signal_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            // The server may already be gone; then there is nothing to stop.
            let _ = stop.send(());
        }
    }

    /// Stops the server: lets open requests finish (up to a few seconds) and waits for its
    /// task.
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
