//! The accept loop: HTTP/1 connections with bounded count and time, so
//! idle or slow clients cannot starve the others.
//!
//! `axum::serve` has no connection limit and no header-read timeout: 20,000
//! idle connections used up the file descriptors and a normal request got
//! no answer. Here, hyper's own connection builder serves each connection
//! with a header-read timeout; a semaphore caps open connections below the
//! descriptor limit; when the cap is reached, the connection idle longest
//! (no request being answered) is closed to make room, so a new client is
//! served at once; and a sweeper closes connections on which no byte has
//! moved for the idle timeout (a client that stopped reading its answer).
//! The request time limit is the router's (`app::observe`).

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, watch};
use tower::ServiceExt;

use crate::config::ServerConfig;
use crate::metrics::Metrics;

/// How often the sweeper looks for connections gone quiet.
const SWEEP_EVERY: Duration = Duration::from_secs(1);
/// A failed `accept` (out of descriptors, say) is retried after this, so
/// the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The limits the loop enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    /// How long requests in flight may finish at shutdown.
    pub shutdown_grace: Duration,
}

impl ConnectionLimits {
    /// The configured limits, with `max_connections` lowered to fit the
    /// process's file-descriptor limit (raised to its hard limit first).
    pub fn from_config(config: &ServerConfig) -> ConnectionLimits {
        let descriptors = descriptor_limit();
        let fitting = descriptors.map_or(config.max_connections, |limit| {
            let room = usize::try_from(limit).unwrap_or(usize::MAX).saturating_sub(config.reserved_fds);
            config.max_connections.min(room.max(1))
        });
        if fitting < config.max_connections {
            tracing::warn!(
                configured = config.max_connections,
                allowed = fitting,
                descriptors,
                reserved = config.reserved_fds,
                "server.max_connections lowered to fit the file-descriptor limit (raise it with ulimit -n)"
            );
        }
        ConnectionLimits {
            max_connections: fitting.max(1),
            header_read_timeout: Duration::from_secs(config.header_read_timeout_secs.max(1)),
            idle_timeout: Duration::from_secs(config.idle_timeout_secs.max(1)),
            shutdown_grace: Duration::from_secs(config.request_timeout_secs.max(1)),
        }
    }
}

/// The soft limit on open files after raising it to the hard limit (as Go
/// programs do at start), or `None` where it cannot be read.
#[cfg(unix)]
fn descriptor_limit() -> Option<u64> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        let raised = Rlimit { current: limit.maximum, maximum: limit.maximum };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            return limit.maximum;
        }
    }
    limit.current
}

#[cfg(not(unix))]
fn descriptor_limit() -> Option<u64> {
    None
}

/// One open connection as the loop sees it.
struct Tracked {
    /// Milliseconds since the loop started, when a byte last moved.
    last_active: AtomicU64,
    /// Requests being answered.
    busy: AtomicU64,
    close: Notify,
}

/// Every open connection, for shedding and sweeping.
struct Registry {
    started: Instant,
    next_id: AtomicU64,
    open: Mutex<HashMap<u64, Arc<Tracked>>>,
    metrics: Arc<Metrics>,
}

impl Registry {
    fn now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn add(&self) -> (u64, Arc<Tracked>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let tracked = Arc::new(Tracked {
            last_active: AtomicU64::new(self.now()),
            busy: AtomicU64::new(0),
            close: Notify::new(),
        });
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.insert(id, tracked.clone());
        self.metrics.connections_open.store(open.len() as u64, Ordering::Relaxed);
        (id, tracked)
    }

    fn remove(&self, id: u64) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.remove(&id);
        self.metrics.connections_open.store(open.len() as u64, Ordering::Relaxed);
    }

    /// Closes the connection idle longest, if any is idle.
    fn shed_one(&self) -> bool {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let victim = open
            .values()
            .filter(|t| t.busy.load(Ordering::Relaxed) == 0)
            .min_by_key(|t| t.last_active.load(Ordering::Relaxed));
        match victim {
            Some(victim) => {
                victim.close.notify_one();
                self.metrics.connections_shed.fetch_add(1, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// Closes connections with nothing to answer on which no byte moved
    /// for `idle`.
    fn sweep(&self, idle: Duration) {
        let cutoff = self.now().saturating_sub(u64::try_from(idle.as_millis()).unwrap_or(u64::MAX));
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        for tracked in open.values() {
            if tracked.busy.load(Ordering::Relaxed) == 0 && tracked.last_active.load(Ordering::Relaxed) < cutoff {
                tracked.close.notify_one();
            }
        }
    }
}

/// A socket that notes when bytes move.
struct ActivityIo {
    stream: TcpStream,
    tracked: Arc<Tracked>,
    registry: Arc<Registry>,
}

impl ActivityIo {
    fn touch(&self) {
        self.tracked.last_active.store(self.registry.now(), Ordering::Relaxed);
    }
}

impl AsyncRead for ActivityIo {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.stream).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.touch();
        }
        result
    }
}

impl AsyncWrite for ActivityIo {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.stream).poll_write(cx, data);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.touch();
        }
        result
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// Counts a request as being answered until dropped.
struct BusyGuard(Arc<Tracked>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Serves `router` on `listener` until `shutdown` turns true, then lets
/// the requests in flight finish (within the grace period).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    metrics: Arc<Metrics>,
    mut shutdown: watch::Receiver<bool>,
) {
    let registry = Arc::new(Registry {
        started: Instant::now(),
        next_id: AtomicU64::new(0),
        open: Mutex::new(HashMap::new()),
        metrics,
    });
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let sweeper = {
        let registry = registry.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(SWEEP_EVERY);
            loop {
                tick.tick().await;
                registry.sweep(limits.idle_timeout);
            }
        })
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout).keep_alive(true);
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        let accepted = tokio::select! {
            () = stopped(&mut shutdown) => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!("cannot accept a connection: {error}");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                registry.shed_one();
                tokio::select! {
                    () = stopped(&mut shutdown) => break,
                    slot = slots.clone().acquire_owned() => match slot {
                        Ok(slot) => slot,
                        Err(_) => break,
                    },
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let (id, tracked) = registry.add();
        let io = TokioIo::new(ActivityIo { stream, tracked: tracked.clone(), registry: registry.clone() });
        let router = router.clone();
        let in_flight = tracked.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            in_flight.busy.fetch_add(1, Ordering::Relaxed);
            let guard = BusyGuard(in_flight.clone());
            request.extensions_mut().insert(ConnectInfo(peer));
            let answer = router.clone().oneshot(request);
            async move {
                let answer = answer.await;
                drop(guard);
                answer
            }
        });
        let connection = builder.serve_connection(io, service);
        let registry = registry.clone();
        let mut stop = shutdown.clone();
        tasks.spawn(async move {
            let _slot = slot;
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                () = tracked.close.notified() => {}
                () = stopped(&mut stop) => {
                    connection.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(limits.shutdown_grace, connection).await;
                }
            }
            registry.remove(id);
        });
        // Finished connections are reaped as new ones come, so the set
        // stays the size of what is open.
        while tasks.try_join_next().is_some() {}
    }
    drop(listener);
    while tasks.join_next().await.is_some() {}
    sweeper.abort();
}

/// Completes once `shutdown` turns true (or its sender is gone).
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}
