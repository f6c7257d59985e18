//! The command layer: Discord events in, Discord responses out.
//!
//! Everything here works on serenity's model types (`Interaction` in,
//! `CreateInteractionResponse` out) and does no network I/O, so the gateway
//! client and the HTTP interactions endpoint share it unchanged. What must
//! happen after the response (deleting a message, posting a reply) comes back
//! as [`Effect`]s for the transport to carry out.

pub mod commands;
pub mod custom_id;
pub mod directory;
pub mod onboarding;
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
use crate::journal::{Entry, Journal};
use crate::render::embed;
use crate::store::{FeedbackRecord, GuildSettings, QuestionRecord, Store};
use custom_id::{Action, Vote};
pub use directory::{ChannelCheck, Directory, NoDirectory};

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
            commands::ASK => cmd
                .data
                .options()
                .iter()
                .any(|o| o.name == commands::OPT_PRIVATE && matches!(o.value, ResolvedValue::Boolean(true))),
            _ => false,
        },
        _ => true,
    }
}
use respond::{Buttons, Outgoing};
use state::{Cooldowns, Feedback, Recorded};

/// How the bot behaves; from the environment in production.
#[derive(Debug, Clone)]
pub struct Config {
    /// Per-user pause between answers.
    pub cooldown: Duration,
    /// Messages starting with this (e.g. `!ask`) are questions; `None` turns it off.
    pub prefix: Option<String>,
    /// Channels where every message is read and confident answers are given.
    pub answer_channels: HashSet<ChannelId>,
}

impl Default for Config {
    fn default() -> Self {
        Config { cooldown: Duration::from_secs(3), prefix: Some("!ask".into()), answer_channels: HashSet::new() }
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

/// The bot: an engine (swappable by `/kb reload`), settings and in-memory state,
/// and optionally a store for per-server settings and the question log.
pub struct Bot {
    engine: ArcSwap<Engine>,
    knowledge: crate::knowledge::PackSource,
    config: Config,
    cooldowns: Cooldowns,
    feedback: Feedback,
    store: Option<Store>,
    journal: Option<Journal>,
    /// Per-server settings as committed; answers read this copy, never the database.
    settings: RwLock<HashMap<u64, GuildSettings>>,
    /// Welcome bookkeeping when there is no store: (guild, member) → still pending.
    welcomed: std::sync::Mutex<state::BoundedMap<(u64, u64), bool>>,
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

pub(crate) fn ephemeral(m: CreateInteractionResponseMessage) -> Reply {
    CreateInteractionResponse::Message(m).into()
}

impl Bot {
    pub fn new(engine: Engine, knowledge: impl Into<crate::knowledge::PackSource>, config: Config) -> Bot {
        Bot {
            engine: ArcSwap::from_pointee(engine),
            knowledge: knowledge.into(),
            cooldowns: Cooldowns::new(config.cooldown),
            config,
            feedback: Feedback::default(),
            store: None,
            journal: None,
            settings: RwLock::new(HashMap::new()),
            welcomed: std::sync::Mutex::new(state::BoundedMap::new(WELCOMES_KEPT, "welcomed members (no database)")),
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

    /// Without a store: whether to welcome now (and remember pending members).
    fn claim_in_memory(&self, guild: GuildId, member: UserId, pending: bool) -> bool {
        let mut map = self.welcomed.lock().unwrap_or_else(|e| e.into_inner());
        let key = (guild.get(), member.get());
        if map.contains_key(&key) {
            return false;
        }
        map.insert(key, pending);
        !pending
    }

    /// Without a store: whether a pending member is now to be welcomed.
    fn release_in_memory(&self, guild: GuildId, member: UserId) -> bool {
        let mut map = self.welcomed.lock().unwrap_or_else(|e| e.into_inner());
        match map.get_mut(&(guild.get(), member.get())) {
            Some(pending @ true) => {
                *pending = false;
                true
            }
            _ => false,
        }
    }

    /// Adds the store: settings already committed, and the question log queue.
    pub fn with_store(mut self, store: Store, journal: Journal, settings: Vec<GuildSettings>) -> Bot {
        self.settings = RwLock::new(settings.into_iter().map(|s| (s.guild_id, s)).collect());
        self.store = Some(store);
        self.journal = Some(journal);
        self
    }

    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    /// One server's settings as committed (defaults when it has none).
    pub fn guild_settings(&self, guild: u64) -> GuildSettings {
        let map = self.settings.read().unwrap_or_else(|e| e.into_inner());
        map.get(&guild).cloned().unwrap_or(GuildSettings { guild_id: guild, ..GuildSettings::default() })
    }

    fn remember_settings(&self, settings: GuildSettings) {
        let mut map = self.settings.write().unwrap_or_else(|e| e.into_inner());
        map.insert(settings.guild_id, settings);
    }

    /// The per-user cooldown in a server: its setting, else `COOLDOWN_SECS`.
    fn cooldown_for(&self, guild: Option<GuildId>) -> Duration {
        guild
            .and_then(|g| self.guild_settings(g.get()).cooldown_secs)
            .map_or(self.config.cooldown, |s| Duration::from_secs(u64::from(s)))
    }

    /// Whether a channel is an answer channel: the server's setting, else `ANSWER_CHANNEL_IDS`.
    fn is_answer_channel(&self, guild: Option<GuildId>, channel: ChannelId) -> bool {
        match guild.and_then(|g| self.guild_settings(g.get()).answer_channels) {
            Some(list) => list.contains(&channel.get()),
            None => self.config.answer_channels.contains(&channel),
        }
    }

    /// Queues a question for the log; never waits.
    fn log(&self, guild: Option<GuildId>, channel: Option<ChannelId>, answer: &Answer, engine: &Engine) {
        let Some(journal) = &self.journal else { return };
        let cleaned = crate::engine::text::clean(&answer.question);
        let text = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() {
            return;
        }
        journal.record(Entry::Question(QuestionRecord {
            guild_id: guild.map(|g| g.get()),
            channel_id: channel.map(|c| c.get()),
            text: crate::limits::cut(&text, 500).to_owned(),
            topic: answer.topic().map(|t| engine.pack().topic(t).id.clone()),
            confidence: answer.confidence,
            answered: answer.answered(),
            asked_at: crate::store::now(),
        }));
    }

    /// The bot was removed from a server (not an outage): its data is deleted
    /// after the grace period ([`crate::journal::FORGET_AFTER`]) unless it is
    /// added back first.
    pub async fn guild_left(&self, guild: GuildId) {
        if let Some(store) = self.store() {
            if let Err(e) = store.departed(guild.get(), crate::store::now()).await {
                tracing::warn!(error = %e, %guild, "could not note the server's departure");
            }
        }
    }

    /// The bot is in a server (at start or added back): keep its data.
    pub async fn guild_present(&self, guild: GuildId) {
        if let Some(store) = self.store() {
            if let Err(e) = store.returned(guild.get()).await {
                tracing::warn!(error = %e, %guild, "could not note the server's return");
            }
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

    fn command(&self, cmd: &CommandInteraction, now: Instant) -> Reply {
        let engine = self.engine();
        let options = cmd.data.options();
        let opt_str = |name: &str| {
            options.iter().find(|o| o.name == name).and_then(|o| match o.value {
                ResolvedValue::String(s) => Some(s),
                _ => None,
            })
        };
        let private =
            options.iter().any(|o| o.name == commands::OPT_PRIVATE && matches!(o.value, ResolvedValue::Boolean(true)));
        let mention = options.iter().find(|o| o.name == commands::OPT_MENTION).and_then(|o| match o.value {
            ResolvedValue::User(u, _) if !u.bot => Some(u.id),
            _ => None,
        });
        let asker = cmd.user.id;
        let answer_buttons = Buttons { delete_by: if private { None } else { Some(asker) }, feedback: true };

        match cmd.data.name.as_str() {
            commands::ASK => {
                let question = opt_str(commands::OPT_QUESTION).unwrap_or("").trim();
                if question.is_empty() {
                    return ephemeral(respond::notice(
                        "Type a question in the `question` option, like “which is faster?”.",
                    ));
                }
                if let Some(reply) = self.cooling(cmd.guild_id, asker, now) {
                    return reply;
                }
                let answer = timed_answer(&engine, question);
                self.log(cmd.guild_id, Some(cmd.channel_id), &answer, &engine);
                self.answer_reply(&engine, &answer, answer_buttons, mention, private)
            }
            commands::COMPARE => {
                let typed = opt_str(commands::OPT_TOPIC).unwrap_or("");
                let topic =
                    engine.pack().topic_by_id(typed.trim()).or_else(|| engine.complete_topics(typed).first().copied());
                let Some(topic) = topic else {
                    return ephemeral(respond::notice(format!(
                        "I have no topic called “{}”. Pick one from the list, or see /topics.",
                        crate::limits::truncate(typed, 100)
                    )));
                };
                if let Some(reply) = self.cooling(cmd.guild_id, asker, now) {
                    return reply;
                }
                let answer = engine.topic_answer(topic);
                self.answer_reply(&engine, &answer, answer_buttons, mention, private)
            }
            commands::RECOMMEND => self.recommend(&engine, cmd, &options, private, now),
            commands::TOPICS => self.topics(&engine),
            commands::HELP => ephemeral(self.help(&engine)),
            commands::ASK_MESSAGE => self.ask_message(&engine, cmd, now),
            other => ephemeral(respond::notice(format!(
                "`/{}` is not a command I know any more; it may be left over from an older version.",
                crate::limits::truncate(other, 50)
            ))),
        }
    }

    fn answer_reply(
        &self,
        engine: &Engine,
        answer: &Answer,
        buttons: Buttons,
        mention: Option<UserId>,
        private: bool,
    ) -> Reply {
        // An ephemeral answer pings nobody: only the asker sees it.
        let mention = if private { None } else { mention };
        let out = respond::answer(engine, answer, buttons, mention);
        CreateInteractionResponse::Message(out.interaction(private)).into()
    }

    fn recommend(
        &self,
        engine: &Engine,
        cmd: &CommandInteraction,
        options: &[ResolvedOption<'_>],
        private: bool,
        now: Instant,
    ) -> Reply {
        let asker = cmd.user.id;
        let pack = engine.pack();
        let mut request = Request::default();
        let mut typed = "";
        for o in options {
            let ResolvedValue::String(value) = o.value else { continue };
            if o.name == commands::OPT_USE_CASE {
                typed = value;
                request.use_case = engine.find_use_case(value);
            } else if let Some(f) = pack.recommend.factors.iter().position(|f| f.option == o.name) {
                match pack.recommend.factors[f].choices.iter().position(|c| c.value == value) {
                    Some(c) => request.choices.push((f, c)),
                    None => {
                        return ephemeral(respond::notice(format!(
                            "`{}` is not a choice for `{}`; pick one from the list.",
                            crate::limits::truncate(value, 100),
                            o.name
                        )))
                    }
                }
            }
        }
        let Some(rec) = engine.recommend(&request) else {
            return ephemeral(respond::notice("Tell me what you are building in `use_case`, or pick a factor."));
        };
        if let Some(reply) = self.cooling(cmd.guild_id, asker, now) {
            return reply;
        }
        let mut doc = embed::recommendation(pack, &rec);
        if request.use_case.is_none() && !typed.trim().is_empty() {
            doc.description.push_str(&format!(
                "\n\nI don't know “{}” as a use case, so this rests on your other answers.",
                crate::limits::truncate(typed.trim(), 100)
            ));
        }
        let buttons: Vec<_> = rec.topics.iter().take(3).map(|&t| respond::topic_button(engine, t)).collect();
        let mut rows = vec![CreateActionRow::Buttons(buttons)];
        if !private {
            rows.push(CreateActionRow::Buttons(vec![serenity::builder::CreateButton::new(
                Action::Delete { asker }.id(),
            )
            .emoji('🗑')
            .style(serenity::model::application::ButtonStyle::Danger)]));
        }
        let out = Outgoing { content: None, embed: doc.to_create_embed(), components: rows, mention: None };
        CreateInteractionResponse::Message(out.interaction(private)).into()
    }

    fn topics(&self, engine: &Engine) -> Reply {
        let pack = engine.pack();
        let list = pack.topics.iter().map(|t| format!("`{}` {}", t.id, t.title)).collect::<Vec<_>>().join("\n");
        let doc = embed::EmbedDoc {
            title: format!("What I can answer about {}", pack.info.name),
            description: crate::limits::truncate(&list, crate::limits::EMBED_DESCRIPTION).into_owned(),
            colour: pack.info.either.colour,
            fields: Vec::new(),
            footer: "Pick a topic below, or use /compare topic:…".into(),
        };
        let m = respond::response(None)
            .embed(doc.to_create_embed())
            .components(respond::topic_menus(engine, "Open a topic…"))
            .ephemeral(true);
        ephemeral(m)
    }

    fn help(&self, engine: &Engine) -> CreateInteractionResponseMessage {
        let pack = engine.pack();
        let prefix = match &self.config.prefix {
            Some(p) => format!(", or start a message with `{p}`"),
            None => String::new(),
        };
        let examples: Vec<String> =
            pack.info.starter_topics.iter().take(4).map(|&t| format!("• {}", pack.topic(t).title)).collect();
        let text = format!(
            "I answer questions about {scope} from a curated knowledge base, and say so when I'm not sure.\n\n\
             **Ask** — `/ask question:which is faster?`, mention me with a question, DM me{prefix}.\n\
             **Compare** — `/compare topic:` one topic side by side.\n\
             **Recommend** — `/recommend use_case:` what you are building, plus what your team knows and what matters most.\n\
             **Topics** — `/topics` lists everything, with a menu.\n\
             **Point me at a message** — right-click a message → Apps → *{msg}*.\n\n\
             Add `private:True` to see an answer only yourself.",
            scope = pack.info.scope,
            msg = commands::ASK_MESSAGE,
        );
        let doc = embed::EmbedDoc {
            title: format!("stackpick — {}", pack.info.name),
            description: text,
            colour: pack.info.either.colour,
            fields: vec![embed::Field { name: "Popular topics".into(), value: examples.join("\n"), inline: false }],
            footer: format!("Source: {}", pack.info.source),
        };
        respond::response(None).embed(doc.to_create_embed()).ephemeral(true)
    }

    async fn kb(&self, cmd: &CommandInteraction) -> Reply {
        // Discord hides the command from members without Manage Server, but a
        // stale client or a crafted request could still send it.
        if !manages_server(cmd) {
            return ephemeral(respond::notice(
                "Only members with the Manage Server permission can manage the knowledge base.",
            ));
        }
        let options = cmd.data.options();
        let Some(sub) = options.first() else {
            return ephemeral(respond::notice("Unknown /kb subcommand."));
        };
        let days = match &sub.value {
            ResolvedValue::SubCommand(opts) => opts.iter().find_map(|o| match o.value {
                ResolvedValue::Integer(d) => Some(d.clamp(1, 3650) as u32),
                _ => None,
            }),
            _ => None,
        };
        match sub.name {
            commands::KB_RELOAD => ephemeral(respond::notice(self.reload())),
            commands::KB_GAPS | commands::KB_STATS => {
                let Some(store) = &self.store else {
                    return ephemeral(respond::notice("There is no question log: the database is not available."));
                };
                let guild = cmd.guild_id.map(|g| g.get());
                let engine = self.engine();
                let doc = if sub.name == commands::KB_GAPS {
                    reports::gaps(store, &engine, guild, days.unwrap_or(30)).await
                } else {
                    reports::stats(store, &engine, guild, days.unwrap_or(30)).await
                };
                match doc {
                    Ok(doc) => ephemeral(respond::response(None).embed(doc.to_create_embed()).ephemeral(true)),
                    Err(e) => {
                        tracing::warn!(error = %e, "report failed");
                        ephemeral(respond::notice("I couldn't read the question log just now; try again later."))
                    }
                }
            }
            _ => ephemeral(respond::notice("Unknown /kb subcommand.")),
        }
    }

    /// Reloads the pack from disk. A broken pack keeps the last good one
    /// running; the message lists every problem and says which pack is in use.
    pub fn reload(&self) -> String {
        match crate::knowledge::load_from(&self.knowledge) {
            Ok(pack) => {
                let (t, u) = (pack.topics.len(), pack.use_cases.len());
                self.engine.store(Arc::new(Engine::new(pack)));
                tracing::info!(topics = t, use_cases = u, pack = %self.knowledge, "knowledge reloaded");
                let from = match &self.knowledge {
                    crate::knowledge::PackSource::Dir(dir) => format!("from `{}`", dir.display()),
                    crate::knowledge::PackSource::Shipped => "the pack built into this binary (unchanged until it is rebuilt; set STACKPICK_KNOWLEDGE to edit one)".into(),
                };
                format!("✅ Knowledge reloaded: {t} topics, {u} use cases, {from}.")
            }
            Err(errors) => {
                tracing::warn!(problems = errors.0.len(), "knowledge reload refused");
                let list = errors.0.iter().map(|p| format!("• {p}")).collect::<Vec<_>>().join("\n");
                format!(
                    "❌ The knowledge pack has {} problem(s); I kept the last good one running.\n{list}",
                    errors.0.len()
                )
            }
        }
    }

    fn ask_message(&self, engine: &Engine, cmd: &CommandInteraction, now: Instant) -> Reply {
        let target = cmd.data.target_id.and_then(|id| cmd.data.resolved.messages.get(&id.to_message_id()));
        let Some(target) = target else {
            return ephemeral(respond::notice("I can't see that message."));
        };
        if target.content.trim().is_empty() {
            return ephemeral(respond::notice("That message has no text for me to answer."));
        }
        if let Some(reply) = self.cooling(cmd.guild_id, cmd.user.id, now) {
            return reply;
        }
        let answer = timed_answer(engine, &target.content);
        self.log(cmd.guild_id, Some(cmd.channel_id), &answer, engine);
        let out = respond::answer(engine, &answer, Buttons { delete_by: Some(cmd.user.id), feedback: true }, None);
        let reply = out.message().reference_message(reference(target.channel_id, target.id));
        Reply {
            response: CreateInteractionResponse::Message(respond::notice("Answering that message below.")),
            effects: vec![Effect::Reply { channel: target.channel_id, message: Box::new(reply) }],
        }
    }

    fn autocomplete(&self, cmd: &CommandInteraction) -> Reply {
        let engine = self.engine();
        let pack = engine.pack();
        let focused = cmd.data.autocomplete();
        let typed = focused.as_ref().map_or("", |f| f.value);
        let mut response = CreateAutocompleteResponse::new();
        match (cmd.data.name.as_str(), focused.as_ref().map(|f| f.name)) {
            (commands::COMPARE, Some(commands::OPT_TOPIC)) => {
                for t in engine.complete_topics(typed) {
                    let t = pack.topic(t);
                    response = response.add_string_choice(crate::limits::truncate(&t.title, 100), &t.id);
                }
            }
            (commands::RECOMMEND, Some(commands::OPT_USE_CASE)) => {
                for u in engine.complete_use_cases(typed) {
                    let u = pack.use_case(u);
                    response = response.add_string_choice(crate::limits::truncate(&u.name, 100), &u.id);
                }
            }
            _ => {}
        }
        CreateInteractionResponse::Autocomplete(response).into()
    }

    fn component(&self, c: &ComponentInteraction) -> Reply {
        let engine = self.engine();
        let pack = engine.pack();
        let presser = c.user.id;
        let show_topic = |id: &str| -> Reply {
            match pack.topic_by_id(id) {
                Some(t) => {
                    let out = respond::answer(
                        &engine,
                        &engine.topic_answer(t),
                        Buttons { delete_by: None, feedback: true },
                        None,
                    );
                    CreateInteractionResponse::Message(out.interaction(true)).into()
                }
                None => ephemeral(respond::notice("That topic is no longer in the knowledge base. Try /topics.")),
            }
        };
        match Action::parse(&c.data.custom_id) {
            Action::Topic(id) => show_topic(&id),
            Action::AskButton => onboarding::ask_modal(&engine),
            Action::AskModal => ephemeral(respond::notice("That form has expired; please start again.")),
            Action::TopicMenu => match &c.data.kind {
                ComponentInteractionDataKind::StringSelect { values } => match values.first() {
                    Some(id) => show_topic(id),
                    None => CreateInteractionResponse::Acknowledge.into(),
                },
                _ => ephemeral(respond::notice("That menu has expired. Use /topics again.")),
            },
            Action::Feedback(vote, topic) => {
                if pack.topic_by_id(&topic).is_none() {
                    return ephemeral(respond::notice("That answer's topic is no longer in the knowledge base."));
                }
                if let (Some(store), Some(journal)) = (&self.store, &self.journal) {
                    journal.record(Entry::Vote(FeedbackRecord {
                        topic: topic.clone(),
                        voter: store.hash_user(presser.get()),
                        guild_id: c.guild_id.map(|g| g.get()),
                        helpful: vote == Vote::Up,
                        voted_at: crate::store::now(),
                    }));
                }
                let text = match self.feedback.record(&topic, presser, vote) {
                    Recorded::New | Recorded::Changed if vote == Vote::Up => "Thanks! Glad it helped.",
                    Recorded::New | Recorded::Changed => "Thanks for telling me. I'll use it to improve this answer.",
                    Recorded::Same => "You already said so — thanks!",
                };
                ephemeral(respond::notice(text))
            }
            Action::Delete { asker } => {
                let moderator = c
                    .member
                    .as_ref()
                    .and_then(|m| m.permissions)
                    .is_some_and(|p| p.contains(Permissions::MANAGE_MESSAGES));
                if presser != asker && !moderator {
                    return ephemeral(respond::notice(
                        "Only the person who asked (or someone with Manage Messages) can delete this answer.",
                    ));
                }
                Reply {
                    response: CreateInteractionResponse::Acknowledge,
                    effects: vec![Effect::DeleteMessage { channel: c.channel_id, message: c.message.id }],
                }
            }
            Action::Expired => ephemeral(respond::notice(
                "This button has expired (it is from an older version of stackpick). Ask again with /ask.",
            )),
        }
    }

    /// Decides whether and how to answer a chat message. `None`: stay silent.
    pub fn message(&self, msg: &Message, me: UserId) -> Option<ChatReply> {
        self.message_at(msg, me, Instant::now())
    }

    /// [`Bot::message`] with an explicit clock.
    ///
    /// The engine decides first (it is pure and cheap); the cooldown is taken
    /// only when the bot is going to speak, greetings included, so chatter in
    /// an answer channel never costs someone their next real question.
    pub fn message_at(&self, msg: &Message, me: UserId, now: Instant) -> Option<ChatReply> {
        if msg.author.bot || msg.webhook_id.is_some() || msg.author.id == me {
            return None;
        }
        let (trigger, question) = self.trigger(msg, me)?;
        let engine = self.engine();
        let question = without_mentions_of(question, me);
        let question = question.trim();
        let reference = reference(msg.channel_id, msg.id);
        let silent_unless_sure = matches!(trigger, Trigger::AnswerChannel | Trigger::Reply);

        let answer = if question.is_empty() {
            if silent_unless_sure {
                return None;
            }
            None
        } else {
            let mut answer = timed_answer(&engine, question);
            if trigger == Trigger::Reply {
                // "is that true for the other one too?" under an answer about
                // speed is read with the subject of the answer it replies to.
                let subject = msg.referenced_message.as_deref().and_then(|m| answered_subject(&engine, m));
                if let Some(better) = engine.follow_up(&answer, question, subject.as_deref()) {
                    answer = better;
                }
            }
            if silent_unless_sure && !answer.answered() {
                // Ordinary chat where the bot reads everything, or "thanks!"
                // under its answer: neither answered nor kept.
                return None;
            }
            Some(answer)
        };

        let period = self.cooldown_for(msg.guild_id);
        if self.cooldowns.try_take(msg.author.id, now, period).is_err() {
            if silent_unless_sure || !self.cooldowns.notice_once(msg.author.id) {
                return None;
            }
            return Some(ChatReply::React(serenity::model::channel::ReactionType::Unicode(SLOW_DOWN.into())));
        }

        let Some(answer) = answer else {
            let text = format!(
                "Hi! Ask me something about {}, like “which is faster?” — or try `/help`.",
                engine.pack().info.scope
            );
            let greeting = respond::message(None).content(text).reference_message(reference);
            return Some(ChatReply::Send(Box::new(greeting)));
        };
        self.log(msg.guild_id, Some(msg.channel_id), &answer, &engine);
        let out = respond::answer(&engine, &answer, Buttons { delete_by: Some(msg.author.id), feedback: true }, None);
        Some(ChatReply::Send(Box::new(out.message().reference_message(reference))))
    }

    /// Why a message is for the bot, and the question without the trigger.
    fn trigger<'m>(&self, msg: &'m Message, me: UserId) -> Option<(Trigger, &'m str)> {
        let content = msg.content.as_str();
        let named = content.contains(&format!("<@{me}>")) || content.contains(&format!("<@!{me}>"));
        let replies_to_me = msg.referenced_message.as_ref().is_some_and(|m| m.author.id == me);
        if replies_to_me && !named {
            // Discord's reply ping lists the bot in `mentions` without naming it.
            return Some((Trigger::Reply, content));
        }
        if named || msg.mentions.iter().any(|u| u.id == me) {
            return Some((Trigger::Mention, content));
        }
        if let Some(prefix) = &self.config.prefix {
            let head = content.trim_start();
            if head.len() >= prefix.len()
                && head.is_char_boundary(prefix.len())
                && head[..prefix.len()].eq_ignore_ascii_case(prefix)
                && head[prefix.len()..].chars().next().is_none_or(char::is_whitespace)
            {
                return Some((Trigger::Prefix, &head[prefix.len()..]));
            }
        }
        if msg.guild_id.is_none() {
            return Some((Trigger::DirectMessage, content));
        }
        if self.is_answer_channel(msg.guild_id, msg.channel_id) {
            return Some((Trigger::AnswerChannel, content));
        }
        None
    }
}

/// How many members the bot remembers as welcomed when it has no database.
const WELCOMES_KEPT: usize = 100_000;

/// The text without the bot's own mention markup, so "@bot" alone is empty.
fn without_mentions_of(text: &str, me: UserId) -> String {
    text.replace(&format!("<@{me}>"), " ").replace(&format!("<@!{me}>"), " ")
}

/// The subject of one of the bot's answers: its topic's title or its use case's
/// name, read from the embed it sent.
fn answered_subject(engine: &Engine, answer: &Message) -> Option<String> {
    let title = answer.embeds.first()?.title.as_deref()?;
    let pack = engine.pack();
    pack.topics
        .iter()
        .find(|t| t.title == title)
        .map(|t| t.title.clone())
        .or_else(|| pack.use_cases.iter().find(|u| title.starts_with(&format!("{}:", u.name))).map(|u| u.name.clone()))
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
