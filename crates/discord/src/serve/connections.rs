//! Accepting and keeping HTTP connections so that idle or slow clients can
//! never take the endpoint offline.
//!
//! `axum::serve` has no header-read timeout, no idle timeout and no cap, so a
//! client that opens connections and sends nothing holds file descriptors
//! until the process runs out and every `accept` fails. Here each connection
//! is served by hyper with a header-read timeout; a watchdog closes
//! connections that sit idle; at the connection cap the longest-idle
//! connection is closed to make room for the new one (a client waiting on an
//! answer is never cut off for an idle one); and the soft open-file limit is
//! raised to the hard one at start.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower::ServiceExt;

/// Limits on the connections one process keeps.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A client must finish sending a request's headers within this time.
    pub header_read: Duration,
    /// A connection with no request in flight is closed after this long.
    pub idle: Duration,
    /// The most connections open at once.
    pub max_connections: usize,
}

/// File descriptors kept free for everything that is not a client connection
/// (the database, the log, Discord's REST client).
const RESERVED_FDS: u64 = 64;

impl Limits {
    /// Raises the soft open-file limit to the hard one and sizes the
    /// connection cap to fit under it.
    pub fn for_this_process() -> Limits {
        let soft = match rlimit::increase_nofile_limit(u64::MAX) {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "cannot raise the open-file limit");
                rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft)
            }
        };
        let max_connections = soft.saturating_sub(RESERVED_FDS).clamp(16, 100_000) as usize;
        tracing::info!(open_files = soft, max_connections, "connection limits");
        Limits { header_read: Duration::from_secs(10), idle: Duration::from_secs(60), max_connections }
    }
}

#[derive(Debug)]
struct Conn {
    /// Requests in flight on it.
    busy: usize,
    /// When it last started or finished a request (or was opened).
    last_active: Instant,
    close: Arc<Notify>,
}

/// The open connections.
#[derive(Debug, Default)]
struct Registry {
    conns: Mutex<HashMap<u64, Conn>>,
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Conn>> {
        self.conns.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn activity(&self, id: u64, delta: isize) {
        if let Some(c) = self.lock().get_mut(&id) {
            c.busy = c.busy.saturating_add_signed(delta);
            c.last_active = Instant::now();
        }
    }

    /// Closes the connection idle the longest; false when every one is busy.
    /// It leaves the registry at once, so it is not counted (or picked) twice.
    fn evict_idlest(&self) -> bool {
        let mut conns = self.lock();
        let idlest = conns.iter().filter(|(_, c)| c.busy == 0).min_by_key(|(_, c)| c.last_active).map(|(id, _)| *id);
        match idlest.and_then(|id| conns.remove(&id)) {
            Some(c) => {
                c.close.notify_one();
                true
            }
            None => false,
        }
    }

    fn close_idle_since(&self, before: Instant) {
        for c in self.lock().values().filter(|c| c.busy == 0 && c.last_active < before) {
            c.close.notify_one();
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets the
/// requests in flight finish (up to 10 s).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let registry = Arc::new(Registry::default());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_read).keep_alive(true);
    let builder = Arc::new(builder);
    let next_id = AtomicU64::new(0);

    let watchdog = {
        let registry = registry.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                if let Some(before) = Instant::now().checked_sub(limits.idle) {
                    registry.close_idle_since(before);
                }
            }
        })
    };

    tokio::pin!(shutdown);
    let mut last_cap_log: Option<Instant> = None;
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // EMFILE and friends: back off a moment instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if registry.lock().len() >= limits.max_connections {
            let made_room = registry.evict_idlest();
            if last_cap_log.is_none_or(|t| t.elapsed() > Duration::from_secs(10)) {
                last_cap_log = Some(Instant::now());
                tracing::warn!(
                    max_connections = limits.max_connections,
                    "connection cap reached: {}",
                    if made_room {
                        "closing the longest-idle connection"
                    } else {
                        "every connection is busy; refusing"
                    }
                );
            }
            if !made_room {
                drop(stream);
                continue;
            }
        }

        let id = next_id.fetch_add(1, Ordering::Relaxed);
        let close = Arc::new(Notify::new());
        registry.lock().insert(id, Conn { busy: 0, last_active: Instant::now(), close: close.clone() });
        let service = {
            let registry = registry.clone();
            let router = router.clone();
            hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                let registry = registry.clone();
                let router = router.clone();
                async move {
                    registry.activity(id, 1);
                    let response = router.oneshot(req).await;
                    registry.activity(id, -1);
                    Ok::<_, Infallible>(response.unwrap_or_else(|never| match never {}))
                }
            })
        };
        let builder = builder.clone();
        let registry = registry.clone();
        let watched = graceful.watch(builder.serve_connection(TokioIo::new(stream), service).into_owned());
        tokio::spawn(async move {
            tokio::select! {
                result = watched => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                }
                () = close.notified() => {}
            }
            registry.lock().remove(&id);
        });
    }

    watchdog.abort();
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => {
            tracing::warn!("requests still in flight after 10 s; stopping anyway");
        }
    }
    Ok(())
}
