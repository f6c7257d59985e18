//! What an operator graphs: the process's counters in Prometheus's text
//! format (`GET /metrics` on `serve`, and on `run` with `--metrics-addr`).
//!
//! One registry per process, like the process's logs: every part of the bot
//! records into it without being handed it, and the faces expose it. The
//! engine crate records nothing (it stays free of I/O and globals); the bot
//! times each answer around its call.

use std::sync::LazyLock;
use std::time::Duration;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// Where an interaction arrived.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq, EncodeLabelValue)]
pub enum Face {
    /// The gateway connection (`stackpick run`).
    Gateway,
    /// The HTTP interactions endpoint (`stackpick serve`).
    Http,
    /// The Slack app (`stackpick slack serve` and `slack run`).
    Slack,
}

/// What became of a question.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq, EncodeLabelValue)]
pub enum Outcome {
    /// Answered with a topic or a use case.
    Answered,
    /// "Not sure", with suggestions.
    Refused,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FaceLabel {
    face: Face,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: Outcome,
}

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    interactions: Family<FaceLabel, Counter>,
    questions: Family<OutcomeLabel, Counter>,
    answer_seconds: Histogram,
    log_queue: Gauge,
    log_dropped: Counter,
    store_errors: Counter,
    reconnects: Counter,
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("stackpick");
        let interactions = Family::<FaceLabel, Counter>::default();
        registry.register("interactions", "Interactions received, by face", interactions.clone());
        let questions = Family::<OutcomeLabel, Counter>::default();
        registry.register("questions", "Questions read, by outcome", questions.clone());
        // 50 µs (words only) to about 1.6 s (encoder under load), doubling.
        let answer_seconds = Histogram::new(exponential_buckets(0.000_05, 2.0, 16));
        registry.register("answer_seconds", "Time to answer one question", answer_seconds.clone());
        let log_queue = Gauge::default();
        registry.register("log_queue_depth", "Question-log entries waiting for the writer", log_queue.clone());
        let log_dropped = Counter::default();
        registry.register(
            "log_dropped_rows",
            "Question-log rows dropped: queue full, or a batch the database refused",
            log_dropped.clone(),
        );
        let store_errors = Counter::default();
        registry.register("store_errors", "Database operations that failed", store_errors.clone());
        let reconnects = Counter::default();
        registry.register("gateway_reconnects", "Gateway sessions restarted by the bot", reconnects.clone());
        Metrics { registry, interactions, questions, answer_seconds, log_queue, log_dropped, store_errors, reconnects }
    }

    /// Counts an interaction that passed verification.
    pub fn interaction(&self, face: Face) {
        self.interactions.get_or_create(&FaceLabel { face }).inc();
    }

    /// Counts a question and the time its answer took.
    pub fn question(&self, outcome: Outcome, took: Duration) {
        self.questions.get_or_create(&OutcomeLabel { outcome }).inc();
        self.answer_seconds.observe(took.as_secs_f64());
    }

    /// The question log's queue holds `depth` entries.
    pub fn log_queue(&self, depth: usize) {
        self.log_queue.set(i64::try_from(depth).unwrap_or(i64::MAX));
    }

    /// `rows` question-log rows were dropped.
    pub fn log_dropped(&self, rows: u64) {
        self.log_dropped.inc_by(rows);
    }

    /// A database operation failed.
    pub fn store_error(&self) {
        self.store_errors.inc();
    }

    /// The gateway session was restarted.
    pub fn reconnect(&self) {
        self.reconnects.inc();
    }

    /// Everything, in Prometheus's text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}

/// The store reports its log's queue, drops and failures here.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoreObserver;

impl stackpick_store::Observer for StoreObserver {
    fn queued(&self, depth: usize) {
        get().log_queue(depth);
    }

    fn dropped(&self, rows: u64) {
        get().log_dropped(rows);
    }

    fn failed(&self) {
        get().store_error();
    }
}

/// The process's metrics.
pub fn get() -> &'static Metrics {
    static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);
    &METRICS
}

/// The content type Prometheus expects for [`Metrics::render`].
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_is_exposed_with_its_help() {
        let m = Metrics::new();
        m.interaction(Face::Http);
        m.question(Outcome::Refused, Duration::from_micros(80));
        m.log_dropped(3);
        let text = m.render();
        for line in [
            "stackpick_interactions_total{face=\"Http\"} 1",
            "stackpick_questions_total{outcome=\"Refused\"} 1",
            "stackpick_answer_seconds_count 1",
            "stackpick_log_queue_depth 0",
            "stackpick_log_dropped_rows_total 3",
            "stackpick_store_errors_total 0",
            "stackpick_gateway_reconnects_total 0",
            "# HELP stackpick_questions Questions read, by outcome.",
        ] {
            assert!(text.contains(line), "missing `{line}` in:\n{text}");
        }
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
