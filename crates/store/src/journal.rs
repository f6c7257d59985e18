//! The question log's write-behind queue: answers never wait on the database.
//!
//! The bot hands each question or vote to a bounded queue and moves on; one
//! writer task drains it in batches, one transaction per batch. When the
//! database is unreachable, locked, full or read-only the writer keeps the
//! batch and tries it again until the database is back, while the queue
//! behind it fills; only when the queue is full (in entries or in bytes) are
//! new entries dropped,
//! counted, and logged at the first drop and then at most once a minute with
//! the running total. Either way the bot keeps answering. Counts reach the
//! deployment's metrics through an [`Observer`].

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::keys::Server;
use crate::records::{Entry, QuestionRecord, Vote};
use crate::Result;

/// Entries waiting for the writer before new ones are dropped.
pub const QUEUE: usize = 50_000;
/// Bytes of entries ([`Entry::bytes`]) waiting for the writer before new ones
/// are dropped: what the queue may hold in memory, however long the questions.
/// Ordinary questions (about 250 bytes each) fill it at about 35,000 entries,
/// several seconds of a busy endpoint's questions while the database catches up.
pub const QUEUE_BYTES: usize = 8 << 20;
/// The most rows written in one transaction.
const BATCH: usize = 2_000;
/// How long the writer waits for a batch to gather after its first entry.
const BATCH_WINDOW: Duration = Duration::from_millis(100);
/// How often a full queue is reported while it keeps dropping.
const WARN_EVERY_SECS: u64 = 60;
/// How often old rows are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// How long a member's request to delete their data waits for the entries
/// queued before it to be written (they are deleted with the rest).
pub const FORGET_MEMBER_WITHIN: Duration = Duration::from_secs(10);

/// What the queue carries: an entry, or a barrier that is answered once
/// everything queued before it has been written (or dropped, counted).
enum Queued {
    Entry(Entry),
    Written(oneshot::Sender<()>),
}

impl Queued {
    fn bytes(&self) -> usize {
        match self {
            Queued::Entry(e) => e.bytes(),
            Queued::Written(_) => 0,
        }
    }
}

/// How long a server's data is kept after it removed the bot: adding the bot
/// back within this time keeps the settings, log, votes and welcomes.
pub const FORGET_AFTER: Duration = Duration::from_secs(7 * 86_400);

/// Told what the log does, for metrics. Every method has a no-op default.
pub trait Observer: Send + Sync + 'static {
    /// Entries now waiting in the queue.
    fn queued(&self, _depth: usize) {}
    /// Rows that could not be kept (a full queue, a failed write).
    fn dropped(&self, _rows: u64) {}
    /// A database operation failed.
    fn failed(&self) {}
}

/// The observer that observes nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unobserved;
impl Observer for Unobserved {}

/// Where the writer puts batches: one database.
#[async_trait::async_trait]
pub(crate) trait Sink: Send + Sync + 'static {
    async fn write(&self, questions: &[QuestionRecord], votes: &[Vote]) -> Result<()>;
    /// Deletes questions and votes older than `before`; returns the rows deleted.
    async fn prune(&self, before: i64) -> Result<u64>;
    /// Deletes the data of servers that left before `before`; returns them.
    async fn forget_departed(&self, before: i64) -> Result<Vec<Server>>;
    fn describe(&self) -> String;
}

/// The sending side, and the writer task to stop at shutdown.
pub(crate) struct Journal {
    tx: mpsc::Sender<Queued>,
    /// Rows not kept: refused by a full queue, or in a batch the database refused.
    dropped: Arc<AtomicU64>,
    /// When the last drop warning was logged, in [`seconds_since_start`].
    warned_at: AtomicU64,
    /// Bytes queued or in the writer's hands, not yet written or dropped.
    bytes: Arc<AtomicUsize>,
    observer: Arc<dyn Observer>,
    writer: Mutex<Option<(JoinHandle<()>, CancellationToken)>>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").field("dropped", &self.dropped).finish_non_exhaustive()
    }
}

fn seconds_since_start() -> u64 {
    static START: std::sync::LazyLock<std::time::Instant> = std::sync::LazyLock::new(std::time::Instant::now);
    START.elapsed().as_secs()
}

impl Journal {
    /// Starts the writer task on the current runtime. With `retention_days`
    /// it prunes older rows (and departed servers) at start and then hourly.
    /// It ends once [`Journal::close`] is called and the queue is written out.
    pub(crate) fn start(sink: Arc<dyn Sink>, retention_days: Option<u32>, observer: Arc<dyn Observer>) -> Journal {
        let (tx, rx) = mpsc::channel(QUEUE);
        let stop = CancellationToken::new();
        let dropped = Arc::new(AtomicU64::new(0));
        let bytes = Arc::new(AtomicUsize::new(0));
        let counted = Counted { observer: observer.clone(), dropped: dropped.clone(), bytes: bytes.clone() };
        let handle = tokio::spawn(writer(sink, rx, retention_days, stop.clone(), counted));
        Journal { tx, dropped, warned_at: AtomicU64::new(0), bytes, observer, writer: Mutex::new(Some((handle, stop))) }
    }

    /// Queues an entry without waiting; a full queue drops it, counted.
    pub(crate) fn record(&self, entry: Entry) {
        let size = entry.bytes();
        let fits = self.bytes.fetch_add(size, Ordering::Relaxed) + size <= QUEUE_BYTES;
        let sent = fits && self.tx.try_send(Queued::Entry(entry)).is_ok();
        if !sent {
            self.bytes.fetch_sub(size, Ordering::Relaxed);
        }
        self.observer.queued(self.tx.max_capacity() - self.tx.capacity());
        if !sent {
            self.observer.dropped(1);
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

    /// Entries not kept: dropped by a full queue, or in a batch the database refused.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Waits (at most `within`) until every entry queued before this call has
    /// been written, or dropped and counted; `false` if that did not happen in
    /// time (the database is unreachable) or the log is closed.
    pub(crate) async fn written(&self, within: Duration) -> bool {
        let (done, wait) = oneshot::channel();
        tokio::time::timeout(within, async { self.tx.send(Queued::Written(done)).await.is_ok() && wait.await.is_ok() })
            .await
            .unwrap_or(false)
    }

    /// Stops taking new entries, writes the queued ones, and waits (at most `within`).
    pub(crate) async fn close(&self, within: Duration) {
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some((handle, stop)) = writer {
            stop.cancel();
            let _ = tokio::time::timeout(within, handle).await;
        }
    }
}

/// Waits for the entries queued before a member's deletion to be written, so
/// that they are deleted too; a store without a journal (read-only) has none.
pub(crate) async fn written_before_forgetting(journal: Option<&Journal>) -> Result<()> {
    match journal {
        Some(journal) if !journal.written(FORGET_MEMBER_WITHIN).await => Err(crate::StoreError::Unavailable(format!(
            "the question log could not be written within {} s, so nothing was deleted yet; try again later",
            FORGET_MEMBER_WITHIN.as_secs()
        ))),
        _ => Ok(()),
    }
}

async fn prune(sink: &dyn Sink, retention: i64) {
    match sink.prune(crate::now() - retention).await {
        Ok(n) if n > 0 => tracing::info!(rows = n, "pruned old question log rows"),
        Ok(_) => {}
        Err(e) => tracing::warn!(database = sink.describe(), error = %e, "pruning the question log failed"),
    }
    match sink.forget_departed(crate::now() - FORGET_AFTER.as_secs() as i64).await {
        Ok(gone) if !gone.is_empty() => {
            tracing::info!(servers = gone.len(), "deleted the data of servers that removed the bot")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(database = sink.describe(), error = %e, "forgetting departed servers failed"),
    }
}

async fn writer(
    sink: Arc<dyn Sink>,
    mut rx: mpsc::Receiver<Queued>,
    retention_days: Option<u32>,
    stop: CancellationToken,
    counted: Counted,
) {
    let observer = counted.observer.clone();
    let retention = retention_days.map(|d| i64::from(d) * 86_400);
    if let Some(retention) = retention {
        prune(sink.as_ref(), retention).await;
    }
    let mut next_prune = tokio::time::Instant::now() + PRUNE_EVERY;
    let mut buf = Vec::with_capacity(BATCH);
    loop {
        let received = tokio::select! {
            n = rx.recv_many(&mut buf, BATCH) => n,
            // Once stopped, no new entries: the loop drains what is queued and ends.
            _ = stop.cancelled(), if !rx.is_closed() => {
                rx.close();
                continue;
            }
            _ = tokio::time::sleep_until(next_prune), if retention.is_some() => {
                prune(sink.as_ref(), retention.unwrap_or_default()).await;
                next_prune = tokio::time::Instant::now() + PRUNE_EVERY;
                continue;
            }
        };
        if received == 0 {
            break; // closed and written out
        }
        // Let a batch gather: a few transactions a second instead of one per
        // question, so a busy bot spends its CPU on answers, not commits.
        // Not when someone waits on a barrier: they asked for it to be written now.
        let awaited = buf.iter().any(|q| matches!(q, Queued::Written(_)));
        if !rx.is_closed() && buf.len() < BATCH && !awaited {
            tokio::select! {
                _ = tokio::time::sleep(BATCH_WINDOW) => {}
                _ = stop.cancelled() => rx.close(),
            }
        }
        if !rx.is_empty() && buf.len() < BATCH {
            let room = BATCH - buf.len();
            rx.recv_many(&mut buf, room).await;
        }
        let (mut questions, mut votes, mut waiting) = (Vec::new(), Vec::new(), Vec::new());
        let held: usize = buf.iter().map(Queued::bytes).sum();
        for e in buf.drain(..) {
            match e {
                Queued::Entry(Entry::Question(q)) => questions.push(q),
                Queued::Entry(Entry::Vote(v)) => votes.push(v),
                Queued::Written(done) => waiting.push(done),
            }
        }
        observer.queued(rx.len());
        if !questions.is_empty() || !votes.is_empty() {
            write_out(sink.as_ref(), &questions, &votes, &stop, &counted).await;
        }
        // A batch being retried still holds its memory: it counts until written or dropped.
        counted.bytes.fetch_sub(held, Ordering::Relaxed);
        // Everything queued before these barriers is now in the database (or counted as dropped).
        for done in waiting {
            let _ = done.send(());
        }
    }
}

/// The longest wait between two tries of a batch the database could not take.
const RETRY_AT_MOST: Duration = Duration::from_secs(5);

/// The writer's view of the counts: the metrics, the journal's own total,
/// and the bytes it hands back once a batch is written or dropped.
struct Counted {
    observer: Arc<dyn Observer>,
    dropped: Arc<AtomicU64>,
    bytes: Arc<AtomicUsize>,
}

/// Writes one batch. While the database is unreachable, busy or full the
/// batch is kept and tried again (backing off to [`RETRY_AT_MOST`]); the
/// queue behind it holds up to [`QUEUE`] entries and [`QUEUE_BYTES`] meanwhile, and only what
/// arrives past that is dropped, counted. A batch the database refuses for
/// good, or one that fails while the process is stopping, is dropped and
/// counted.
async fn write_out(
    sink: &dyn Sink,
    questions: &[QuestionRecord],
    votes: &[Vote],
    stop: &CancellationToken,
    counted: &Counted,
) {
    let observer = counted.observer.as_ref();
    let rows = questions.len() + votes.len();
    let mut wait = Duration::from_millis(100);
    let mut failures = 0u32;
    loop {
        match sink.write(questions, votes).await {
            Ok(()) => {
                if failures > 0 {
                    tracing::info!(database = sink.describe(), rows, failures, "question log writes resumed");
                }
                return;
            }
            Err(e) if e.is_transient() && !stop.is_cancelled() => {
                observer.failed();
                if failures == 0 || failures.is_power_of_two() {
                    tracing::warn!(
                        database = sink.describe(),
                        error = %e,
                        rows,
                        failures = failures + 1,
                        "cannot write the question log; keeping the rows and trying again"
                    );
                }
                failures += 1;
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.cancelled() => {}
                }
                wait = (wait * 2).min(RETRY_AT_MOST);
            }
            Err(e) => {
                observer.failed();
                observer.dropped(rows as u64);
                counted.dropped.fetch_add(rows as u64, Ordering::Relaxed);
                tracing::warn!(database = sink.describe(), error = %e, rows, "could not write the question log; rows dropped");
                return;
            }
        }
    }
}
