//! stackpick's command layer: a typed command in, one neutral reply out.
//!
//! Every face — Discord's gateway and HTTP endpoint, the Slack app — parses
//! what its platform delivers into a [`request::Interaction`] or a
//! [`request::ChatMessage`] once, hands it to the [`Bot`], and renders the
//! [`reply::Reply`] or [`reply::ChatReply`] it gets back through its own
//! builder. Here live what every platform shares: the commands' handlers,
//! cooldowns, per-server settings, feedback, the onboarding flow, the reports
//! and the question log.
//!
//! This crate names no platform type (it depends on no chat platform's
//! crate; `tests/architecture.rs` checks that), does no network I/O of
//! its own, and reaches storage only through the `stackpick-store` traits.

pub mod custom_id;
pub mod directory;
mod handle;
pub mod metrics;
mod refresh;
pub mod reply;
pub mod reports;
pub mod request;
pub mod state;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use stackpick_core::knowledge::PackSource;
use stackpick_core::{Answer, Engine};
use stackpick_store::{Entry, Place, QuestionRecord, Server, ServerSettings, Storage};

pub use directory::{ChannelCheck, Directory, NoDirectory};
pub use handle::help::ANSWER_MESSAGE_NAME;
pub use handle::onboarding::{self, Welcome, WelcomeTo};
pub use handle::{defers_privately, may_wait};
pub use refresh::SETTINGS_REFRESH;
pub use reply::{ChatReply, Edit, Message, Reply};
pub use request::{ChatMessage, Command, Context, Interaction, Platform};
use state::{Cooldowns, Feedback};

/// How the bot behaves; from the binary's configuration in production.
#[derive(Debug, Clone)]
pub struct Config {
    /// Per-user pause between answers.
    pub cooldown: Duration,
    /// Messages starting with this (e.g. `!ask`) are questions; `None` turns it off.
    pub prefix: Option<String>,
    /// Channels where every message is read and confident answers are given
    /// (the default for servers that set none of their own).
    pub answer_channels: HashSet<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config { cooldown: Duration::from_secs(3), prefix: Some("!ask".into()), answer_channels: HashSet::new() }
    }
}

/// What the platform connection can tell the bot about what reaches it, and
/// be asked to do about it. Discord's gateway implements this with its
/// privileged intents; a face without such limits needs none.
pub trait Connection: Send + Sync {
    /// Said to an admin who just turned welcomes on: whether member joins
    /// reach the bot, or what to do so that they do.
    fn welcomes_turned_on(&self) -> &'static str {
        ""
    }

    /// Said to an admin who just added an answer channel: whether the bot
    /// can read the messages posted there.
    fn answer_channel_added(&self) -> &'static str {
        ""
    }

    /// Some server turned welcomes on through another process.
    fn welcomes_wanted(&self) {}
}

/// Why a message reached the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Mention,
    DirectMessage,
    Prefix,
    AnswerChannel,
    /// A reply to one of the bot's own messages (pinging it only because it
    /// is a reply): answered when the engine is sure, read in the context of
    /// the answer it replies to.
    Reply,
}

/// The bot: an engine (swappable by `/kb reload`), settings and in-memory
/// state, and a store for per-server settings, welcomes and the question log
/// (a bounded in-memory one until [`Bot::with_store`] gives it a database).
pub struct Bot {
    engine: ArcSwap<Engine>,
    knowledge: PackSource,
    /// The newest knowledge reload (Unix milliseconds: a reload can come within
    /// a second of the start) this process has followed:
    /// its start, its own `/kb reload`, or one seen in the store.
    reload_seen: std::sync::atomic::AtomicI64,
    config: Config,
    cooldowns: Cooldowns,
    feedback: Feedback,
    /// Interactions, messages and events already handled in this process.
    deliveries: state::Deliveries,
    /// Recent answers to chat questions, for edits and deletions of the questions.
    answers: state::Answers,
    store: Arc<dyn Storage>,
    /// Per-server settings as committed; answers read this copy, never the database.
    settings: RwLock<HashMap<Server, ServerSettings>>,
    /// The platform connection's limits, when a face has told the bot of one.
    connection: RwLock<Option<Arc<dyn Connection>>>,
}

impl std::fmt::Debug for Bot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bot").field("knowledge", &self.knowledge).field("config", &self.config).finish()
    }
}

/// Runs CPU-bound work (the sentence encoder, milliseconds a question;
/// reloading a pack) without stalling the runtime's other tasks: on a
/// multi-threaded runtime the worker first hands its queued tasks to another
/// (`block_in_place`); elsewhere (a test's single-threaded runtime, no
/// runtime) it simply runs.
///
/// Only for work that takes milliseconds: the hand-off starts threads (the
/// runtime's blocking pool keeps them ten seconds), and around every answer
/// it cost a words-only `serve` a quarter of its throughput, a p99 four times
/// longer and 30 MiB of memory under load (README, "Load"). Answers pass
/// [`Offload`] to the engine, which uses it only when the encoder runs.
pub fn computing<R>(f: impl FnOnce() -> R) -> R {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// The engine's [`Runner`](stackpick_core::engine::Runner) for the faces:
/// the sentence encoder runs through [`computing`] only while that leaves a
/// core to the runtime (encoders running, plus this one, fewer than the
/// cores), and in place otherwise. Handing the runtime to another thread when
/// the encoders already fill the cores only adds threads that share them: on
/// one core with 16 connections, handing off every encoder stretched the p99
/// to 118 ms (48 ms in place), the memory to 123 MiB (96 MiB) and the CPU per
/// request to 1,575 µs (1,294 µs) (`scripts/load-serve.sh`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Offload;

/// Encoders running now, through [`Offload`].
static ENCODING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl stackpick_core::engine::Runner for Offload {
    fn run(&self, work: &mut dyn FnMut()) {
        use std::sync::atomic::Ordering;
        static CORES: std::sync::LazyLock<usize> =
            std::sync::LazyLock::new(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        /// Decrements on the way out, also when `work` panics.
        struct Running;
        impl Drop for Running {
            fn drop(&mut self) {
                ENCODING.fetch_sub(1, Ordering::Relaxed);
            }
        }
        let before = ENCODING.fetch_add(1, Ordering::Relaxed);
        let _running = Running;
        if before + 1 < *CORES {
            computing(work);
        } else {
            work();
        }
    }
}

/// Answers a question from chat, counting it and its time in the metrics.
pub(crate) fn timed_answer(engine: &Engine, question: &str) -> Answer {
    let started = Instant::now();
    let answer = engine.answer_running(question, &Offload);
    let outcome = if answer.answered() { metrics::Outcome::Answered } else { metrics::Outcome::Refused };
    metrics::get().question(outcome, started.elapsed());
    answer
}

impl Bot {
    pub fn new(engine: Engine, knowledge: impl Into<PackSource>, config: Config) -> Bot {
        Bot {
            engine: ArcSwap::from_pointee(engine),
            reload_seen: std::sync::atomic::AtomicI64::new(stackpick_store::now_millis()),
            knowledge: knowledge.into(),
            cooldowns: Cooldowns::new(config.cooldown),
            config,
            feedback: Feedback::default(),
            deliveries: state::Deliveries::default(),
            answers: state::Answers::default(),
            store: Arc::new(stackpick_store::MemoryStore::new()),
            settings: RwLock::new(HashMap::new()),
            connection: RwLock::new(None),
        }
    }

    /// Puts the store in place of the in-memory one, with the settings it holds.
    pub fn with_store(mut self, store: Arc<dyn Storage>, settings: Vec<ServerSettings>) -> Bot {
        self.settings = RwLock::new(settings.into_iter().map(|s| (s.server.clone(), s)).collect());
        self.store = store;
        self
    }

    /// Tells the bot about the platform connection's limits (see [`Connection`]).
    pub fn set_connection(&self, connection: Arc<dyn Connection>) {
        *self.connection.write().unwrap_or_else(|e| e.into_inner()) = Some(connection);
    }

    fn connection(&self) -> Option<Arc<dyn Connection>> {
        self.connection.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Whether some server has onboarding on, so member events are needed.
    pub fn wants_member_events(&self) -> bool {
        self.settings.read().unwrap_or_else(|e| e.into_inner()).values().any(|s| s.onboarding_enabled)
    }

    /// Where settings, welcomes and the question log are kept.
    pub fn store(&self) -> &dyn Storage {
        self.store.as_ref()
    }

    /// One server's settings as committed (defaults when it has none).
    pub fn settings_of(&self, server: &Server) -> ServerSettings {
        let map = self.settings.read().unwrap_or_else(|e| e.into_inner());
        map.get(server).cloned().unwrap_or_else(|| ServerSettings::new(server.clone()))
    }

    fn remember_settings(&self, settings: ServerSettings) {
        let mut map = self.settings.write().unwrap_or_else(|e| e.into_inner());
        map.insert(settings.server.clone(), settings);
    }

    /// The per-user cooldown where `cx` acts: its server's setting, else the configured one.
    fn cooldown_for(&self, cx: &Context) -> Duration {
        server_of(cx)
            .and_then(|s| self.settings_of(&s).cooldown_secs)
            .map_or(self.config.cooldown, |s| Duration::from_secs(u64::from(s)))
    }

    /// Whether a channel is an answer channel: the server's setting, else the configured ones.
    fn is_answer_channel(&self, cx: &Context) -> bool {
        let Some(channel) = &cx.channel else { return false };
        match server_of(cx).and_then(|s| self.settings_of(&s).answer_channels) {
            Some(list) => list.contains(channel),
            None => self.config.answer_channels.contains(channel),
        }
    }

    /// Queues a question for the log, as the engine read it; never waits.
    fn log(&self, cx: &Context, answer: &Answer, engine: &Engine) {
        let text = &answer.read_as;
        if text.is_empty() {
            return;
        }
        self.store.record(Entry::Question(QuestionRecord {
            place: Place { platform: cx.platform, server: cx.server.clone(), channel: cx.channel.clone() },
            asker: Some(stackpick_store::Member::new(cx.platform, cx.user.clone())),
            text: stackpick_core::limits::cut(text, 500).to_owned(),
            topic: answer.topic().map(|t| engine.pack().topic(t).id.clone()),
            confidence: answer.confidence,
            answered: answer.answered(),
            asked_at: stackpick_store::now(),
        }));
    }

    /// The bot was removed from a server (not an outage): its data is deleted
    /// after the grace period ([`stackpick_store::FORGET_AFTER`]) unless it is
    /// added back first.
    pub async fn server_left(&self, server: &Server) {
        if let Err(e) = self.store.departed(server, stackpick_store::now()).await {
            tracing::warn!(error = %e, %server, "could not note the server's departure");
        }
    }

    /// The bot is in a server (at start or added back): keep its data.
    pub async fn server_present(&self, server: &Server) {
        if let Err(e) = self.store.returned(server).await {
            tracing::warn!(error = %e, %server, "could not note the server's return");
        }
    }

    /// The current engine (a cheap pointer copy; a reload does not disturb it).
    pub fn engine(&self) -> Arc<Engine> {
        self.engine.load_full()
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn feedback(&self) -> &state::Feedback {
        &self.feedback
    }

    /// A question asked by `cx`'s user: the cooldown taken, then answered
    /// (timed) and queued for the log. `Err` is the notice to send instead
    /// while the cooldown runs.
    fn asked(&self, cx: &Context, question: &str, now: Instant) -> Result<(Arc<Engine>, Answer), Box<Reply>> {
        if let Some(reply) = self.cooling(cx, now) {
            return Err(Box::new(reply));
        }
        let engine = self.engine();
        let answer = timed_answer(&engine, question);
        self.log(cx, &answer, &engine);
        Ok((engine, answer))
    }

    /// Whether this delivery (`id`: an interaction, a channel's message, an
    /// event, as `platform` names it) is new: a face calls it before handling
    /// an event, so that one the platform delivers twice is answered once.
    pub fn first_delivery(&self, platform: Platform, id: &str) -> bool {
        self.deliveries.first(format!("{}:{id}", platform.as_str()))
    }

    /// [`Bot::first_delivery`] across every process sharing the store: for
    /// platforms that may deliver again to another replica (Slack retrying
    /// an event behind a load balancer). When the store cannot be asked the
    /// delivery counts as new: answering twice beats not answering.
    pub async fn first_delivery_shared(&self, platform: Platform, id: &str) -> bool {
        if !self.first_delivery(platform, id) {
            return false;
        }
        match self.store.claim_delivery(platform, id).await {
            Ok(first) => first,
            Err(e) => {
                tracing::warn!(error = %e, %platform, "could not check a delivery with the store; handling it");
                true
            }
        }
    }

    /// Starts the user's cooldown, or returns the notice to send while it runs.
    fn cooling(&self, cx: &Context, now: Instant) -> Option<Reply> {
        self.cooldowns.try_take(&cx.user, now, self.cooldown_for(cx)).err().map(|wait| {
            let secs = wait.as_secs_f32().ceil().max(1.0);
            reply::notice(format!("Slow down a little: you can ask again in {secs:.0} s."))
        })
    }
}

/// The server where `cx` acts, as the store keys it.
fn server_of(cx: &Context) -> Option<Server> {
    cx.server.as_ref().map(|s| Server::new(cx.platform, s.clone()))
}
