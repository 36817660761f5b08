//! `serve`: bind, print `listening on ADDR`, serve until SIGINT/SIGTERM, then let in-flight
//! requests finish (each is one transaction: nothing is half-written) and close the pool.
//!
//! The accept loop is ours rather than `axum::serve` because that one has no header-read
//! timeout: a client that opens connections and sends headers slowly (slow loris) would hold
//! them for ever. hyper's HTTP/1 builder has the timeout; each connection also carries its
//! peer address (`ConnectInfo`) for the per-client limits.

use crate::clock::SystemClock;
use crate::config::HttpLimits;
use crate::error::{Error, Result};
use crate::http::{self, AppState};
use crate::service::Issuer;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

/// How long shutdown waits for in-flight requests.
pub const DRAIN: Duration = Duration::from_secs(30);

/// Build the router state for an issuer.
pub fn state(issuer: Arc<Issuer>, limits: HttpLimits) -> AppState {
    AppState::new(issuer, Arc::new(SystemClock), limits)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}

/// Serve on `listen` until a shutdown signal.
pub async fn serve(issuer: Arc<Issuer>, listen: &str, limits: HttpLimits) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Error::Config(format!("cannot listen on {listen}: {e}")))?;
    let addr = listener.local_addr()?;
    tracing::info!(
        listen = %addr,
        database = issuer.db().backend(),
        keys = "files",
        keys_dir = %issuer.keys().dir().display(),
        "starting"
    );
    println!("listening on {addr}");
    let _ = std::io::stdout().flush();
    let app = http::router(state(issuer.clone(), limits.clone()));
    serve_on(listener, app, &limits, shutdown_signal()).await;
    issuer.close().await;
    Ok(())
}

/// Serve `app` on `listener` until `shutdown` completes, then drain for at most [`DRAIN`].
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    limits: &HttpLimits,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let svc = app.clone().map_request(
            move |mut req: axum::extract::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                req
            },
        );
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(svc));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // A client that goes away mid-request is not our error.
            let _ = conn.await;
        });
    }
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("shutdown: connections still open after the drain time");
    }
}
