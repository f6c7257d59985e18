//! The question log's queue: answers never wait on the database.
//!
//! The bot hands each question or vote to a bounded queue and moves on; one
//! writer task drains it in batches, one transaction per batch. When the
//! database is slow, locked, full or read-only the writer logs the failure and
//! drops that batch; when the queue is full new entries are dropped and
//! counted (`Journal::dropped`, the `stackpick_log_dropped_rows` metric) and
//! logged at the first drop and then at most once a minute with the running
//! total. Either way the bot keeps answering.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::store::{FeedbackRecord, QuestionRecord, Store};

/// Entries waiting for the writer before new ones are dropped.
pub const QUEUE: usize = 10_000;
/// The most rows written in one transaction.
const BATCH: usize = 2_000;
/// How long the writer waits for a batch to gather after its first entry.
const BATCH_WINDOW: Duration = Duration::from_millis(100);

/// One thing to log.
#[derive(Debug, Clone)]
pub enum Entry {
    Question(QuestionRecord),
    Vote(FeedbackRecord),
}

/// The sending side; cheap to clone.
#[derive(Debug, Clone)]
pub struct Journal {
    tx: mpsc::Sender<Entry>,
    dropped: Arc<AtomicU64>,
    /// When the last drop warning was logged, in [`seconds_since_start`].
    warned_at: Arc<AtomicU64>,
}

/// How often a full queue is reported while it keeps dropping.
const WARN_EVERY_SECS: u64 = 60;

fn seconds_since_start() -> u64 {
    static START: std::sync::LazyLock<std::time::Instant> = std::sync::LazyLock::new(std::time::Instant::now);
    START.elapsed().as_secs()
}

impl Journal {
    /// Starts the writer task. It prunes rows older than `retention_days` at
    /// start and then hourly, and ends once every `Journal` is dropped and the
    /// queue is written out.
    pub fn start(store: Store, retention_days: u32) -> (Journal, Writer) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let stop = CancellationToken::new();
        let handle = tokio::spawn(writer(store, rx, retention_days, stop.clone()));
        (
            Journal { tx, dropped: Arc::new(AtomicU64::new(0)), warned_at: Arc::new(AtomicU64::new(0)) },
            Writer { handle, stop },
        )
    }

    /// Queues an entry without waiting.
    pub fn record(&self, entry: Entry) {
        let metrics = crate::metrics::get();
        let sent = self.tx.try_send(entry).is_ok();
        metrics.log_queue(self.tx.max_capacity() - self.tx.capacity());
        if !sent {
            metrics.log_dropped(1);
            let n = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            // The first drop, then at most once a minute, with the running total.
            let now = seconds_since_start();
            let last = self.warned_at.load(Ordering::Relaxed);
            if (n == 1 || now >= last + WARN_EVERY_SECS)
                && self.warned_at.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
            {
                tracing::warn!(dropped_total = n, "question log queue is full; entries dropped");
            }
        }
    }

    /// Entries dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// The writer task; [`Writer::finish`] writes out what is queued and stops it.
#[derive(Debug)]
pub struct Writer {
    handle: JoinHandle<()>,
    stop: CancellationToken,
}

impl Writer {
    /// Stops taking new entries, writes the queued ones, and waits (at most `limit`).
    pub async fn finish(self, limit: Duration) {
        self.stop.cancel();
        let _ = tokio::time::timeout(limit, self.handle).await;
    }
}

/// How long a server's data is kept after it removed the bot: adding the bot
/// back within this time keeps the settings, log, votes and welcomes.
pub const FORGET_AFTER: Duration = Duration::from_secs(7 * 86_400);

async fn writer(store: Store, mut rx: mpsc::Receiver<Entry>, retention_days: u32, stop: CancellationToken) {
    let retention = i64::from(retention_days) * 86_400;
    let prune = |store: Store| async move {
        match store.prune(crate::store::now() - retention).await {
            Ok(n) if n > 0 => tracing::info!(rows = n, "pruned old question log rows"),
            Ok(_) => {}
            Err(e) => tracing::warn!(database = store.name(), error = %e, "pruning the question log failed"),
        }
        match store.forget_departed(crate::store::now() - FORGET_AFTER.as_secs() as i64).await {
            Ok(gone) if !gone.is_empty() => {
                tracing::info!(servers = gone.len(), "deleted the data of servers that removed the bot")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(database = store.name(), error = %e, "forgetting departed servers failed"),
        }
    };
    prune(store.clone()).await;
    let mut next_prune = tokio::time::Instant::now() + Duration::from_secs(3600);
    let mut buf = Vec::with_capacity(BATCH);
    loop {
        let received = tokio::select! {
            n = rx.recv_many(&mut buf, BATCH) => n,
            // Once stopped, no new entries: the loop drains what is queued and ends.
            _ = stop.cancelled(), if !rx.is_closed() => {
                rx.close();
                continue;
            }
            _ = tokio::time::sleep_until(next_prune) => {
                prune(store.clone()).await;
                next_prune = tokio::time::Instant::now() + Duration::from_secs(3600);
                continue;
            }
        };
        if received == 0 {
            break; // closed and written out
        }
        // Let a batch gather: a few transactions a second instead of one per
        // question, so a busy bot spends its CPU on answers, not commits.
        if !rx.is_closed() && buf.len() < BATCH {
            tokio::select! {
                _ = tokio::time::sleep(BATCH_WINDOW) => {}
                _ = stop.cancelled() => rx.close(),
            }
        }
        if !rx.is_empty() && buf.len() < BATCH {
            let room = BATCH - buf.len();
            rx.recv_many(&mut buf, room).await;
        }
        let (mut questions, mut votes) = (Vec::new(), Vec::new());
        for e in buf.drain(..) {
            match e {
                Entry::Question(q) => questions.push(q),
                Entry::Vote(v) => votes.push(v),
            }
        }
        crate::metrics::get().log_queue(rx.len());
        if let Err(e) = store.write_log(&questions, &votes).await {
            crate::metrics::get().store_error();
            crate::metrics::get().log_dropped((questions.len() + votes.len()) as u64);
            tracing::warn!(
                database = store.name(),
                error = %e,
                rows = questions.len() + votes.len(),
                "could not write the question log; rows dropped"
            );
        }
    }
}
