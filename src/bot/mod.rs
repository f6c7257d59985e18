//! The command layer: Discord events in, Discord responses out.
//!
//! Everything here works on serenity's model types (`Interaction` in,
//! `CreateInteractionResponse` out) and does no network I/O, so the gateway
//! client and the HTTP interactions endpoint share it unchanged. What must
//! happen after the response (deleting a message, posting a reply) comes back
//! as [`Effect`]s for the transport to carry out.

mod chat;
pub mod commands;
pub mod custom_id;
pub mod directory;
mod interactions;
mod kb;
pub mod onboarding;
mod refresh;
pub mod reports;
pub mod respond;
pub mod setup;
pub mod state;

use crate::render::ToCreateEmbed;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use serenity::builder::{
    CreateActionRow, CreateAutocompleteResponse, CreateEmbed, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateMessage,
};
use serenity::model::application::{
    CommandDataOptionValue, CommandInteraction, ComponentInteraction, ComponentInteractionDataKind, Interaction,
    ResolvedOption, ResolvedValue,
};
use serenity::model::channel::{Message, MessageReference, MessageReferenceKind};
use serenity::model::id::{ChannelId, GuildId, MessageId, UserId};
use serenity::model::permissions::Permissions;

use crate::answer::Answer;
use crate::engine::recommend::Request;
use crate::engine::Engine;
use crate::render::embed;
use crate::store::{Entry, Member, Place, Platform, QuestionRecord, Server, ServerSettings, Storage};
use custom_id::{Action, Vote};
pub use directory::{ChannelCheck, Directory, NoDirectory};
pub use refresh::SETTINGS_REFRESH;

/// After this long without a reply a transport sends a deferred response and
/// edits it with the reply when it comes: Discord voids a token not answered
/// within 3 s. See [`may_wait`] for the replies that can take this long.
pub const DEFER_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// Whether the reply to this interaction may take longer than
/// [`DEFER_AFTER`]: `/setup` and the `/kb` reports wait on the database, and
/// a question (`/ask`, the message command) is read by the sentence encoder,
/// tens of milliseconds each that queue up under a burst of questions.
pub fn may_wait(interaction: &Interaction) -> bool {
    matches!(interaction, Interaction::Command(c)
        if matches!(c.data.name.as_str(), commands::SETUP | commands::KB | commands::ASK | commands::ASK_MESSAGE))
}

/// Whether a deferred response to this interaction should be private, like
/// the reply it stands for: the flags of a deferred response stay on the
/// answer that replaces it, so a private `/ask` must never defer publicly.
/// `/setup`, `/kb` and the message command's notice are private; `/ask` as
/// its `private` option says.
pub fn defers_privately(interaction: &Interaction) -> bool {
    match interaction {
        Interaction::Command(cmd) => match cmd.data.name.as_str() {
            commands::SETUP | commands::KB | commands::ASK_MESSAGE => true,
            commands::ASK => asks_privately(&cmd.data.options()),
            _ => false,
        },
        _ => true,
    }
}
use respond::{Buttons, Outgoing};
use state::{Cooldowns, Feedback, Recorded};

/// How the bot behaves; from [`crate::config::BehaviourConfig`] in production.
#[derive(Debug, Clone)]
pub struct Config {
    /// Per-user pause between answers.
    pub cooldown: Duration,
    /// Messages starting with this (e.g. `!ask`) are questions; `None` turns it off.
    pub prefix: Option<String>,
    /// Channels where every message is read and confident answers are given.
    pub answer_channels: HashSet<ChannelId>,
    /// Ask the gateway for the Server Members intent from the start, before
    /// any server turns onboarding on.
    pub members_intent: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            cooldown: Duration::from_secs(3),
            prefix: Some("!ask".into()),
            answer_channels: HashSet::new(),
            members_intent: false,
        }
    }
}

/// Something the transport must do after sending the response.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Delete a message the bot sent.
    DeleteMessage { channel: ChannelId, message: MessageId },
    /// Post a message as a reply (the message command answers this way).
    Reply { channel: ChannelId, message: Box<CreateMessage> },
}

/// The response to one interaction, and what to do after it.
#[derive(Debug, Clone)]
pub struct Reply {
    pub response: CreateInteractionResponse,
    pub effects: Vec<Effect>,
}

impl From<CreateInteractionResponse> for Reply {
    fn from(response: CreateInteractionResponse) -> Self {
        Reply { response, effects: Vec::new() }
    }
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

/// What the bot does with a chat message.
#[derive(Debug, Clone)]
pub enum ChatReply {
    /// Send this message.
    Send(Box<CreateMessage>),
    /// React to the question: the asker is in their cooldown (sent at most
    /// once per cooldown window, so the notice is not a flood itself).
    React(serenity::model::channel::ReactionType),
}

/// The reaction that says "slow down" without a message.
pub const SLOW_DOWN: &str = "⏳";

/// The bot: an engine (swappable by `/kb reload`), settings and in-memory
/// state, and a store for per-server settings, welcomes and the question log
/// (a bounded in-memory one until [`Bot::with_store`] gives it a database).
pub struct Bot {
    engine: ArcSwap<Engine>,
    knowledge: crate::knowledge::PackSource,
    /// The newest knowledge reload (Unix milliseconds: a reload can come within
    /// a second of the start) this process has followed:
    /// its start, its own `/kb reload`, or one seen in the store.
    reload_seen: std::sync::atomic::AtomicI64,
    config: Config,
    cooldowns: Cooldowns,
    feedback: Feedback,
    store: Arc<dyn Storage>,
    /// Per-server settings as committed; answers read this copy, never the database.
    settings: RwLock<HashMap<Server, ServerSettings>>,
    /// The gateway connection's privileged intents; `None` without a gateway.
    gateway: std::sync::Mutex<Option<GatewayState>>,
    /// Wakes the gateway to reconnect (with the intents onboarding needs).
    reconnect: Arc<tokio::sync::Notify>,
    reconnect_pending: std::sync::atomic::AtomicBool,
}

/// Discord's privileged gateway intents, as the bot uses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Privileged {
    /// Server Members: member joins and screening, for onboarding.
    pub members: bool,
    /// Message Content: the text of messages that do not mention the bot,
    /// for answer channels and the `!ask` prefix.
    pub message_content: bool,
}

/// What the gateway asked for, and what the Developer Portal allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GatewayState {
    pub requested: Privileged,
    pub granted: Privileged,
}

impl std::fmt::Debug for Bot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bot").field("knowledge", &self.knowledge).field("config", &self.config).finish()
    }
}

/// Runs answering, which is CPU-bound (the sentence encoder takes tens of
/// milliseconds a question), without stalling the runtime's other tasks: on
/// a multi-threaded runtime the worker first hands its queued tasks to
/// another (`block_in_place`); elsewhere (a test's single-threaded runtime,
/// no runtime) it simply runs.
pub fn computing<R>(f: impl FnOnce() -> R) -> R {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// Answers a question from chat, counting it and its time in the metrics.
pub(crate) fn timed_answer(engine: &Engine, question: &str) -> Answer {
    let started = Instant::now();
    let answer = engine.answer(question);
    let outcome = if answer.answered() { crate::metrics::Outcome::Answered } else { crate::metrics::Outcome::Refused };
    crate::metrics::get().question(outcome, started.elapsed());
    answer
}

/// Whether a command's options ask for a private answer (`private: True`).
pub(crate) fn asks_privately(options: &[ResolvedOption<'_>]) -> bool {
    options.iter().any(|o| o.name == commands::OPT_PRIVATE && matches!(o.value, ResolvedValue::Boolean(true)))
}

pub(crate) fn ephemeral(m: CreateInteractionResponseMessage) -> Reply {
    CreateInteractionResponse::Message(m).into()
}

impl Bot {
    pub fn new(engine: Engine, knowledge: impl Into<crate::knowledge::PackSource>, config: Config) -> Bot {
        Bot {
            engine: ArcSwap::from_pointee(engine),
            reload_seen: std::sync::atomic::AtomicI64::new(crate::store::now_millis()),
            knowledge: knowledge.into(),
            cooldowns: Cooldowns::new(config.cooldown),
            config,
            feedback: Feedback::default(),
            store: Arc::new(crate::store::MemoryStore::new()),
            settings: RwLock::new(HashMap::new()),
            gateway: std::sync::Mutex::new(None),
            reconnect: Arc::new(tokio::sync::Notify::new()),
            reconnect_pending: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Records the gateway connection's intents.
    pub fn set_gateway(&self, state: GatewayState) {
        *self.gateway.lock().unwrap_or_else(|e| e.into_inner()) = Some(state);
    }

    /// The gateway connection's intents, if this process runs one.
    pub fn gateway_state(&self) -> Option<GatewayState> {
        *self.gateway.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether some server has onboarding on, so member events are needed.
    pub fn wants_member_events(&self) -> bool {
        self.settings.read().unwrap_or_else(|e| e.into_inner()).values().any(|s| s.onboarding_enabled)
    }

    /// Asks the gateway to reconnect (it picks its intents anew).
    pub fn reconnect_gateway(&self) {
        self.reconnect_pending.store(true, std::sync::atomic::Ordering::SeqCst);
        self.reconnect.notify_one();
    }

    /// What the gateway waits on to reconnect.
    pub fn reconnect_requested(&self) -> Arc<tokio::sync::Notify> {
        self.reconnect.clone()
    }

    /// Whether a reconnect was asked for (and clears the request).
    pub fn take_reconnect(&self) -> bool {
        self.reconnect_pending.swap(false, std::sync::atomic::Ordering::SeqCst)
    }

    /// What an admin who just turned onboarding on needs to know about the
    /// Server Members intent; reconnects when it is granted but not asked for.
    pub(crate) fn onboarding_turned_on(&self) -> &'static str {
        match self.gateway_state() {
            Some(g) if !g.requested.members && !g.granted.members => {
                "\n⚠️ I can't see members join yet: turn on **Server Members Intent** in the Developer Portal \
                 (your application → Bot → Privileged Gateway Intents). I'll ask for it the next time I connect."
            }
            Some(g) if !g.requested.members => {
                self.reconnect_gateway();
                "\nI'm reconnecting to Discord to receive member joins; welcomes start in a few seconds."
            }
            _ => "",
        }
    }

    /// What an admin adding an answer channel needs to know about the
    /// Message Content intent.
    pub(crate) fn content_intent_note(&self) -> &'static str {
        match self.gateway_state() {
            Some(g) if !g.requested.message_content => {
                "\n⚠️ Message Content Intent is off, so I can't read messages in answer channels (mentions, DMs and \
                 slash commands still work). Turn it on in the Developer Portal (your application → Bot → Privileged \
                 Gateway Intents); I'll ask for it the next time I connect."
            }
            _ => "",
        }
    }

    /// Puts the store in place of the in-memory one, with the settings it holds.
    pub fn with_store(mut self, store: Arc<dyn Storage>, settings: Vec<ServerSettings>) -> Bot {
        self.settings = RwLock::new(settings.into_iter().map(|s| (s.server.clone(), s)).collect());
        self.store = store;
        self
    }

    /// Where settings, welcomes and the question log are kept.
    pub fn store(&self) -> &dyn Storage {
        self.store.as_ref()
    }

    /// One server's settings as committed (defaults when it has none).
    pub fn guild_settings(&self, guild: GuildId) -> ServerSettings {
        let server = server(guild);
        let map = self.settings.read().unwrap_or_else(|e| e.into_inner());
        map.get(&server).cloned().unwrap_or_else(|| ServerSettings::new(server))
    }

    fn remember_settings(&self, settings: ServerSettings) {
        let mut map = self.settings.write().unwrap_or_else(|e| e.into_inner());
        map.insert(settings.server.clone(), settings);
    }

    /// The per-user cooldown in a server: its setting, else `COOLDOWN_SECS`.
    fn cooldown_for(&self, guild: Option<GuildId>) -> Duration {
        guild
            .and_then(|g| self.guild_settings(g).cooldown_secs)
            .map_or(self.config.cooldown, |s| Duration::from_secs(u64::from(s)))
    }

    /// Whether a channel is an answer channel: the server's setting, else `ANSWER_CHANNEL_IDS`.
    fn is_answer_channel(&self, guild: Option<GuildId>, channel: ChannelId) -> bool {
        match guild.and_then(|g| self.guild_settings(g).answer_channels) {
            Some(list) => list.contains(&channel.to_string()),
            None => self.config.answer_channels.contains(&channel),
        }
    }

    /// Queues a question for the log; never waits.
    fn log(&self, guild: Option<GuildId>, channel: Option<ChannelId>, answer: &Answer, engine: &Engine) {
        let cleaned = crate::engine::text::clean(&answer.question);
        let text = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() {
            return;
        }
        self.store.record(Entry::Question(QuestionRecord {
            place: Place {
                platform: Platform::Discord,
                server: guild.map(|g| g.to_string()),
                channel: channel.map(|c| c.to_string()),
            },
            text: crate::limits::cut(&text, 500).to_owned(),
            topic: answer.topic().map(|t| engine.pack().topic(t).id.clone()),
            confidence: answer.confidence,
            answered: answer.answered(),
            asked_at: crate::store::now(),
        }));
    }

    /// The bot was removed from a server (not an outage): its data is deleted
    /// after the grace period ([`crate::store::FORGET_AFTER`]) unless it is
    /// added back first.
    pub async fn guild_left(&self, guild: GuildId) {
        if let Err(e) = self.store.departed(&server(guild), crate::store::now()).await {
            tracing::warn!(error = %e, %guild, "could not note the server's departure");
        }
    }

    /// The bot is in a server (at start or added back): keep its data.
    pub async fn guild_present(&self, guild: GuildId) {
        if let Err(e) = self.store.returned(&server(guild)).await {
            tracing::warn!(error = %e, %guild, "could not note the server's return");
        }
    }

    /// The current engine (a cheap pointer copy; a reload does not disturb it).
    pub fn engine(&self) -> Arc<Engine> {
        self.engine.load_full()
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn feedback(&self) -> &Feedback {
        &self.feedback
    }

    /// Answers one interaction. Only `/setup` and the `/kb` reports wait (for
    /// the database); every other reply is computed without I/O. `directory`
    /// tells what the transport knows about the server's channels.
    pub async fn interaction(&self, interaction: &Interaction, directory: &dyn Directory) -> Reply {
        let now = Instant::now();
        match interaction {
            Interaction::Ping(_) => CreateInteractionResponse::Pong.into(),
            Interaction::Command(cmd) if cmd.data.name == commands::SETUP => setup::handle(self, cmd, directory).await,
            Interaction::Command(cmd) if cmd.data.name == commands::KB => self.kb(cmd).await,
            Interaction::Command(cmd) if cmd.data.name == commands::ONBOARDING => {
                onboarding::preview(self, cmd, directory)
            }
            Interaction::Command(cmd) => computing(|| self.command(cmd, now)),
            Interaction::Autocomplete(cmd) => self.autocomplete(cmd),
            Interaction::Component(c) => computing(|| self.component(c)),
            Interaction::Modal(m) => computing(|| onboarding::modal(self, m, now)),
            _ => ephemeral(respond::notice("I don't know how to handle that interaction.")),
        }
    }

    /// Starts the user's cooldown, or returns the notice to send while it runs.
    fn cooling(&self, guild: Option<GuildId>, user: UserId, now: Instant) -> Option<Reply> {
        self.cooldowns.try_take(user, now, self.cooldown_for(guild)).err().map(|wait| {
            let secs = wait.as_secs_f32().ceil().max(1.0);
            ephemeral(respond::notice(format!("Slow down a little: you can ask again in {secs:.0} s.")))
        })
    }
}

/// A Discord server as the store keys it.
pub(crate) fn server(guild: GuildId) -> Server {
    Server::discord(guild.get())
}

/// A Discord user as the store keys them (the store keeps only a keyed hash).
pub(crate) fn member(user: UserId) -> Member {
    Member::discord(user.get())
}

/// Whether the member who used a command has Manage Server.
pub(crate) fn manages_server(cmd: &CommandInteraction) -> bool {
    cmd.member.as_ref().and_then(|m| m.permissions).is_some_and(|p| p.manage_guild())
}

/// A reply reference that still sends if the question was deleted meanwhile.
fn reference(channel: ChannelId, message: MessageId) -> MessageReference {
    let mut r = MessageReference::new(MessageReferenceKind::Default, channel).message_id(message);
    r.fail_if_not_exists = Some(false);
    r
}

/// The user option's id, for transports that only have raw option data.
pub fn option_user(value: &CommandDataOptionValue) -> Option<UserId> {
    match value {
        CommandDataOptionValue::User(u) => Some(*u),
        _ => None,
    }
}

/// A plain embed, for transports that need to show an error.
pub fn error_embed(text: &str) -> CreateEmbed {
    CreateEmbed::new().description(crate::limits::truncate(text, crate::limits::EMBED_DESCRIPTION))
}
