//! `serve`: bind, print `listening on ADDR`, serve until SIGINT/SIGTERM, then let in-flight
//! requests finish (each is one transaction: nothing is half-written) and close the pool.

use crate::clock::SystemClock;
use crate::error::{Error, Result};
use crate::http::{self, AppState, Metrics};
use crate::service::Issuer;
use std::io::Write;
use std::sync::Arc;

/// Build the router state for an issuer.
pub fn state(issuer: Arc<Issuer>) -> AppState {
    AppState {
        issuer,
        clock: Arc::new(SystemClock),
        metrics: Arc::new(Metrics::default()),
    }
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
pub async fn serve(issuer: Arc<Issuer>, listen: &str) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Error::Config(format!("cannot listen on {listen}: {e}")))?;
    let addr = listener.local_addr()?;
    println!("listening on {addr}");
    let _ = std::io::stdout().flush();
    let app = http::router(state(issuer.clone()));
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    issuer.close().await;
    Ok(())
}
