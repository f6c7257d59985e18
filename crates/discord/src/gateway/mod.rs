//! `stackpick run`: the command layer on serenity's gateway client.
//!
//! This module only moves events: it passes each interaction and message
//! through [`crate::discord`] to the [`Bot`], sends what comes back, and
//! carries out the effects. It also owns what only a gateway connection has:
//! privileged intents, and reconnecting for them ([`Link`], the command
//! layer's [`Connection`]). Start-up registers the commands (bulk overwrite)
//! and maps the gateway's fatal close codes to messages that say what to fix.

mod intents;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{anyhow, Result};
use serenity::all::{
    ChannelId, Command, Context, EventHandler, GatewayError, GuildId, GuildMemberUpdateEvent, Http, HttpBuilder,
    Interaction, Member, Message, MessageId, MessageUpdateEvent, Ready, UserId,
};
use serenity::async_trait;

use crate::bot::{Bot, Welcome, WelcomeTo};
use crate::knowledge::Pack;
use crate::rest;
use crate::store::Server;
use crate::Token;
use crate::{build, commands, CacheDirectory};
pub use intents::{intents, GatewayState, Link, Privileged};

/// Where the commands go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    /// One server: changes show at once (for testing).
    Guild(GuildId),
    /// Every server the bot is in (Discord may take a while to show changes).
    Global,
    /// Leave the registered commands as they are.
    Off,
}

/// Which shards this process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharding {
    /// As many as Discord recommends.
    Auto,
    /// Shards `start..end` (end exclusive) of `total`, for splitting a large bot over processes.
    Range { start: u32, end: u32, total: u32 },
}

/// The REST client: straight to Discord, or through a shared rate-limit proxy.
pub fn http(token: &Token, proxy: Option<&str>) -> Http {
    let builder = HttpBuilder::new(token.expose());
    match proxy {
        // serenity ignores the proxy while its own ratelimiter runs; the proxy limits instead.
        Some(url) => builder.proxy(url).ratelimiter_disabled(true).build(),
        None => builder.build(),
    }
}

/// Registers every command by bulk overwrite (stale ones vanish); `clear`
/// removes them all.
pub async fn register(http: &Http, pack: &Pack, target: Registration, clear: bool) -> Result<usize> {
    let list = if clear { Vec::new() } else { commands::all(pack) };
    let n = list.len();
    match target {
        Registration::Guild(guild) => {
            rest::retrying(|| guild.set_commands(http, list.clone())).await?;
        }
        Registration::Global => {
            rest::retrying(|| Command::set_global_commands(http, list.clone())).await?;
        }
        Registration::Off => return Ok(0),
    }
    Ok(n)
}

struct Handler {
    bot: Arc<Bot>,
    registration: Registration,
    registered: AtomicBool,
    /// Caps responses in flight: a burst of events queues here instead of
    /// opening a connection (and its buffers) per event.
    in_flight: tokio::sync::Semaphore,
}

/// How many REST sends may be in flight at once.
const MAX_IN_FLIGHT: usize = 64;

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), shard = ?ready.shard, "connected to Discord");
        if self.registration != Registration::Off && !self.registered.swap(true, Ordering::SeqCst) {
            let engine = self.bot.engine();
            match register(&ctx.http, engine.pack(), self.registration, false).await {
                Ok(n) => tracing::info!(commands = n, target = ?self.registration, "commands registered"),
                Err(e) => {
                    self.registered.store(false, Ordering::SeqCst);
                    tracing::error!(error = %e, "registering commands failed");
                }
            }
        }
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let received = std::time::Instant::now();
        // Discord may dispatch an interaction again after a resumed session:
        // it gets one callback (a second would fail, or say "slow down").
        if !self.bot.first_delivery(crate::bot::Platform::Discord, &interaction.id().to_string()) {
            tracing::debug!(id = %interaction.id(), "interaction delivered twice; answered once");
            return;
        }
        let Ok(_permit) = self.in_flight.acquire().await else { return };
        let token = match &interaction {
            Interaction::Command(i) | Interaction::Autocomplete(i) => i.token.clone(),
            Interaction::Component(i) => i.token.clone(),
            Interaction::Modal(i) => i.token.clone(),
            _ => return,
        };
        let id = interaction.id();
        crate::metrics::get().interaction(crate::metrics::Face::Gateway);
        let directory = CacheDirectory(&ctx.cache);
        let parsed = crate::parse::interaction(&interaction);
        let reply = crate::answer(&self.bot, &parsed, &directory);
        tokio::pin!(reply);
        // Replies that wait on the database (/setup, /kb) may take a while:
        // after DEFER_AFTER the user sees "thinking…" and the answer follows
        // as an edit, instead of the token running out.
        let reply = match tokio::time::timeout(crate::DEFER_AFTER, &mut reply).await {
            Ok(reply) => reply,
            Err(_) => {
                let ephemeral = crate::bot::defers_privately(&parsed.request);
                if let Err(e) = rest::defer(&ctx.http, id, &token, ephemeral).await {
                    tracing::warn!(error = %e, %id, "deferred response failed");
                    return;
                }
                let reply = reply.await;
                match serde_json::to_value(&reply.response) {
                    Ok(value) => {
                        if let Err(e) = rest::edit_original(&ctx.http, &token, &value).await {
                            tracing::warn!(error = %e, %id, "editing the deferred response failed");
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "response did not serialise"),
                }
                rest::run_effects(&ctx.http, reply.effects).await;
                return;
            }
        };
        if let Err(e) = rest::respond(&ctx.http, id, &token, reply.response, received).await {
            tracing::warn!(error = %e, %id, "interaction response failed");
            return;
        }
        rest::run_effects(&ctx.http, reply.effects).await;
    }

    async fn guild_create(&self, _ctx: Context, guild: serenity::all::Guild, _is_new: Option<bool>) {
        self.bot.server_present(&server(guild.id)).await;
    }

    async fn guild_delete(
        &self,
        _ctx: Context,
        incomplete: serenity::all::UnavailableGuild,
        _full: Option<serenity::all::Guild>,
    ) {
        // `unavailable` is an outage; without it, the bot was removed.
        if !incomplete.unavailable {
            self.bot.server_left(&server(incomplete.id)).await;
        }
    }

    async fn guild_member_addition(&self, ctx: Context, member: Member) {
        let name = server_name(&ctx, member.guild_id);
        let (guild, user) = (server(member.guild_id), member.user.id.to_string());
        let welcome = self.bot.member_joined(&guild, &user, member.user.bot, member.pending, &name).await;
        if let Some(welcome) = welcome {
            send_welcome(&ctx.http, welcome).await;
        }
    }

    async fn guild_member_update(
        &self,
        ctx: Context,
        _old: Option<Member>,
        _new: Option<Member>,
        event: GuildMemberUpdateEvent,
    ) {
        let name = server_name(&ctx, event.guild_id);
        let (guild, user) = (server(event.guild_id), event.user.id.to_string());
        let welcome = self.bot.member_updated(&guild, &user, event.user.bot, event.pending, &name).await;
        if let Some(welcome) = welcome {
            send_welcome(&ctx.http, welcome).await;
        }
    }

    async fn message(&self, ctx: Context, msg: Message) {
        let me = ctx.cache.current_user().id;
        let Some(reply) = crate::message(&self.bot, &msg, me) else { return };
        let Ok(_permit) = self.in_flight.acquire().await else { return };
        match reply {
            crate::ChatReply::Send(answer) => {
                let sent = rest::retrying(|| msg.channel_id.send_message(&ctx.http, (*answer).clone())).await;
                match sent {
                    Ok(sent) => {
                        if let Some(edited) = crate::answer_sent(&self.bot, &msg, me, &sent) {
                            // The question was edited or deleted while its answer was on its way.
                            apply_edit(&ctx, sent.channel_id, sent.id, edited).await;
                        }
                    }
                    Err(e) => {
                        crate::answer_not_sent(&self.bot, &msg, me);
                        tracing::warn!(error = %e, channel = %msg.channel_id, "answer not sent");
                    }
                }
            }
            crate::ChatReply::React(emoji) => {
                if let Err(e) = rest::retrying(|| msg.react(&ctx.http, emoji.clone())).await {
                    tracing::warn!(error = %e, channel = %msg.channel_id, "slow-down reaction not added");
                }
            }
        }
    }

    /// An edited question: its answer is edited to match, or deleted when the
    /// bot would no longer answer it.
    async fn message_update(
        &self,
        ctx: Context,
        _old: Option<Message>,
        _new: Option<Message>,
        event: MessageUpdateEvent,
    ) {
        let me = ctx.cache.current_user().id;
        let Some((channel, answer, edited)) = crate::message_edited(&self.bot, &event, me) else { return };
        let Ok(_permit) = self.in_flight.acquire().await else { return };
        apply_edit(&ctx, channel, answer, edited).await;
    }

    /// A deleted question takes the bot's answer with it.
    async fn message_delete(&self, ctx: Context, channel: ChannelId, deleted: MessageId, _guild: Option<GuildId>) {
        let Some((channel, answer)) = crate::message_deleted(&self.bot, channel, deleted) else { return };
        let Ok(_permit) = self.in_flight.acquire().await else { return };
        if let Err(e) = rest::retrying(|| channel.delete_message(&ctx.http, answer)).await {
            tracing::warn!(error = %e, %channel, "the answer to a deleted question was not deleted");
        }
    }
}

/// Edits or deletes the bot's `answer` in `channel` after its question changed.
async fn apply_edit(ctx: &Context, channel: ChannelId, answer: MessageId, edited: crate::Edited) {
    let done = match edited {
        crate::Edited::Replace(edit) => {
            rest::retrying(|| channel.edit_message(&ctx.http, answer, (*edit).clone())).await.map(|_| ())
        }
        crate::Edited::Delete => rest::retrying(|| channel.delete_message(&ctx.http, answer)).await,
    };
    if let Err(e) = done {
        tracing::warn!(error = %e, %channel, "the answer to an edited question was not updated");
    }
}

/// A Discord server as the store keys it.
fn server(guild: GuildId) -> Server {
    Server::discord(guild.get())
}

fn server_name(ctx: &Context, guild: GuildId) -> String {
    ctx.cache.guild(guild).map(|g| g.name.clone()).unwrap_or_else(|| "the server".to_owned())
}

async fn send_welcome(http: &Http, welcome: Welcome) {
    let message = build::message(&welcome.message);
    let result = match welcome.to {
        WelcomeTo::Channel(channel) => match channel.parse::<ChannelId>() {
            Ok(channel) => rest::retrying(|| channel.send_message(http, message.clone())).await.map(|_| ()),
            Err(_) => return tracing::warn!(%channel, "welcome channel is not a Discord channel id"),
        },
        WelcomeTo::Dm(user) => match user.parse::<UserId>() {
            Ok(user) => match rest::retrying(|| user.create_dm_channel(http)).await {
                Ok(dm) => rest::retrying(|| dm.send_message(http, message.clone())).await.map(|_| ()),
                Err(e) => Err(e),
            },
            Err(_) => return tracing::warn!(%user, "welcome recipient is not a Discord user id"),
        },
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, "welcome not sent");
    }
}

/// How the gateway client runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub registration: Registration,
    pub sharding: Sharding,
    /// Ask for the Server Members intent from the start, before any server
    /// turns onboarding on (`STACKPICK_MEMBERS_INTENT`).
    pub members_intent: bool,
}

impl Options {
    pub fn new(registration: Registration, sharding: Sharding) -> Options {
        Options { registration, sharding, members_intent: false }
    }
}

/// Connects to the gateway and serves until SIGINT/SIGTERM or a fatal error.
///
/// Privileged intents are asked for only when granted in the Developer Portal
/// and needed: Server Members when some server has onboarding on (or
/// `STACKPICK_MEMBERS_INTENT` is set), Message Content whenever granted. When
/// an admin turns onboarding on and the members intent is granted but not
/// asked for, the bot reconnects with it; `make_http` builds the REST client
/// for each connection.
pub async fn run(bot: Arc<Bot>, make_http: impl Fn() -> Http, options: Options) -> Result<()> {
    let Options { registration, sharding, members_intent } = options;
    let link = Arc::new(Link::default());
    bot.set_connection(link.clone());
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        let link = link.clone();
        tokio::spawn(async move {
            crate::shutdown_signal().await;
            tracing::info!("shutting down");
            stop.store(true, Ordering::SeqCst);
            link.reconnect();
        });
    }
    loop {
        let http = make_http();
        let granted = intents::granted(&http).await;
        let wanted = Privileged {
            members: granted.members && (bot.wants_member_events() || members_intent),
            message_content: granted.message_content,
        };
        // Say what is asked for and why: Server Members only once some server
        // has onboarding on (or STACKPICK_MEMBERS_INTENT), and only when granted.
        let members_why = match (granted.members, wanted.members) {
            (false, _) => "not granted in the Developer Portal",
            (true, true) => "granted, and welcomes need it",
            (true, false) => "granted, but no server has onboarding on (STACKPICK_MEMBERS_INTENT=1 asks anyway)",
        };
        let content_why = if granted.message_content { "granted" } else { "not granted: plain messages read as empty" };
        tracing::info!(
            members = wanted.members,
            members_why,
            message_content = wanted.message_content,
            content_why,
            "privileged intents asked for"
        );
        link.set_state(GatewayState { requested: wanted, granted });
        let handler = Handler {
            bot: bot.clone(),
            registration,
            registered: AtomicBool::new(false),
            in_flight: tokio::sync::Semaphore::new(MAX_IN_FLIGHT),
        };
        let mut client = serenity::client::ClientBuilder::new_with_http(http, intents(wanted))
            .event_handler(handler)
            .await
            .map_err(|e| anyhow!("cannot start the Discord client: {e}"))?;

        let shards = client.shard_manager.clone();
        let reconnect = link.clone();
        let watcher = tokio::spawn(async move {
            reconnect.reconnect.notified().await;
            shards.shutdown_all().await;
        });
        let result = match sharding {
            Sharding::Auto => client.start_autosharded().await,
            // serenity's range end is inclusive.
            Sharding::Range { start, end, total } => client.start_shard_range(start..end - 1, total).await,
        };
        watcher.abort();
        if stop.load(Ordering::SeqCst) || !link.take_reconnect() {
            return result.map_err(explain);
        }
        tracing::info!("reconnecting with the privileged intents onboarding needs");
        crate::metrics::get().reconnect();
    }
}

/// Turns serenity's fatal errors into what to fix.
fn explain(e: serenity::Error) -> anyhow::Error {
    match e {
        serenity::Error::Gateway(GatewayError::InvalidAuthentication) => anyhow!(
            "Discord rejected the bot token (gateway close 4004). Reset it in the Developer Portal \
             (your application → Bot → Reset Token) and set DISCORD_TOKEN to the new one."
        ),
        serenity::Error::Gateway(GatewayError::DisallowedGatewayIntents) => anyhow!(
            "Discord refused a privileged intent (gateway close 4014). In the Developer Portal, open your \
             application → Bot → Privileged Gateway Intents and enable Message Content Intent and Server Members Intent."
        ),
        serenity::Error::Gateway(GatewayError::InvalidGatewayIntents) => {
            anyhow!("Discord refused the gateway intents (close 4013); this is a bug in stackpick, please report it.")
        }
        serenity::Error::Http(e) if e.status_code().map(|s| s.as_u16()) == Some(401) => {
            anyhow!("Discord rejected the bot token (HTTP 401). Check DISCORD_TOKEN.")
        }
        other => anyhow!("the Discord connection failed: {other}"),
    }
}
