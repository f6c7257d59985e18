//! The command-line face: `stackpick ask | topics | check | chat`.
//!
//! Parsing lives in clap's derive types; every command is a thin call into the
//! engine and a renderer, writing to the given output so tests can capture it.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use crate::config::StoreConfig;
use crate::engine::Engine;
use crate::knowledge::PackSource;
use crate::render::{json, terminal};
use crate::store::{KeySource, OpenOptions, QuestionLog, Server, SqliteStore, StoreError, HASH_KEY_VAR};
use crate::{gateway, knowledge};

mod args;
mod chat;
mod pack;

pub use args::{Cli, Command, ReportArgs, Slack};
use chat::*;
use pack::*;

/// The permissions the bot asks for when invited: read and answer in
/// channels and threads, with embeds and replies, and add the ⏳ reaction
/// that asks someone in their cooldown to slow down. Nothing more.
pub fn invite_permissions() -> serenity::model::permissions::Permissions {
    use serenity::model::permissions::Permissions as P;
    P::VIEW_CHANNEL
        | P::SEND_MESSAGES
        | P::SEND_MESSAGES_IN_THREADS
        | P::EMBED_LINKS
        | P::READ_MESSAGE_HISTORY
        | P::ADD_REACTIONS
}

/// The OAuth2 link that adds the bot with its commands.
pub fn invite_url(application_id: u64) -> String {
    format!(
        "https://discord.com/oauth2/authorize?client_id={application_id}&scope=bot%20applications.commands&permissions={}",
        invite_permissions().bits()
    )
}

/// The pack to use: the flag or environment, else `./knowledge` when it holds a
/// pack, else the shipped pack built into the binary (so an installed binary,
/// far from any checkout, still answers).
pub fn pack_source(explicit: Option<&Path>) -> PackSource {
    if let Some(dir) = explicit {
        return PackSource::Dir(dir.to_path_buf());
    }
    let local = PathBuf::from("knowledge");
    if local.join(knowledge::PACK_FILE).is_file() {
        return PackSource::Dir(local);
    }
    PackSource::Shipped
}

/// A pack folder that is not there is one clear line, before any file of it is read.
fn ensure_folder(source: &PackSource) -> Result<()> {
    match source.dir() {
        Some(dir) if !dir.is_dir() => anyhow::bail!(
            "knowledge folder `{}` does not exist (set --knowledge or STACKPICK_KNOWLEDGE)",
            dir.display()
        ),
        _ => Ok(()),
    }
}

/// Loads the pack and builds the engine, or explains what is wrong.
pub fn engine(source: &PackSource) -> Result<Engine> {
    ensure_folder(source)?;
    let pack = knowledge::load_from(source).with_context(|| format!("cannot load the knowledge pack in `{source}`"))?;
    Ok(Engine::new(pack))
}

/// Runs a parsed command line, writing to `out`.
pub fn run(cli: Cli, out: &mut dyn Write) -> Result<()> {
    if !crate::model::choose(cli.pack.model.clone()) {
        tracing::warn!("the sentence model was already chosen in this process; --model/STACKPICK_MODEL ignored");
    }
    let dir = pack_source(cli.pack.knowledge.get().map(PathBuf::as_path));
    match cli.command {
        Command::Check { allow_warnings, quiet, examples } => {
            let detail = match (quiet, examples) {
                (true, _) => Detail::Quiet,
                (false, true) => Detail::Examples,
                (false, false) => Detail::Grouped,
            };
            check(&dir, allow_warnings, detail, out)
        }
        Command::Train { files, out: path } => train(&dir, &files, &path, out),
        Command::Vectors { negatives } => vectors(&dir, negatives.as_deref(), out),
        Command::Eval { files, misses, json, min, split, cross_validate, weights } => {
            eval(&dir, &files, EvalOptions { misses, json, min, split, cross_validate, weights }, out)
        }
        Command::Ask { json, explain, question } => {
            let engine = engine(&dir)?;
            let show = match (json, explain) {
                (true, _) => Show::Json,
                (false, true) => Show::Explain,
                (false, false) => Show::Text,
            };
            if question.is_empty() {
                let stdin = std::io::stdin();
                if stdin.is_terminal() {
                    // Someone typing, not a pipe: say what is expected.
                    eprintln!("Type a question per line; Ctrl-D to finish.");
                }
                ask_lines(&engine, stdin.lock(), show, out)
            } else {
                ask_one(&engine, &question.join(" "), show, out)
            }
        }
        Command::Topics { json } => topics(&engine(&dir)?, json, out),
        Command::Chat => chat(&engine(&dir)?, out),
        Command::Run { discord, behaviour, store, shard_range, total, metrics_addr } => {
            let token = discord.token()?;
            let engine = engine(&dir)?;
            let bot = crate::bot::Bot::new(engine, dir, behaviour.bot_config());
            let registration = match discord.guild() {
                Some(g) => gateway::Registration::Guild(g),
                None => gateway::Registration::Global,
            };
            let sharding = match (shard_range, total) {
                (Some((start, end)), Some(total)) => {
                    anyhow::ensure!(end <= total, "--shard-range {start}..{end} goes past --total {total}");
                    gateway::Sharding::Range { start, end, total }
                }
                _ => gateway::Sharding::Auto,
            };
            let proxy = discord.proxy().map(str::to_owned);
            runtime()?.block_on(async move {
                serve_metrics(metrics_addr.into_inner()).await?;
                let bot = with_store(bot, &store).await?;
                let make_http = move || gateway::http(&token, proxy.as_deref());
                let options = gateway::Options { registration, sharding, members_intent: behaviour.members_intent };
                let result = gateway::run(bot.clone(), make_http, options).await;
                finish(&bot).await;
                result
            })
        }
        Command::Register { discord, clear } => {
            let token = discord.token()?;
            let engine = engine(&dir)?;
            let target = match discord.guild() {
                Some(g) => gateway::Registration::Guild(g),
                None => gateway::Registration::Global,
            };
            let n = runtime()?.block_on(async move {
                let http = gateway::http(&token, discord.proxy());
                let app = application_id(&http, discord.application_id.get().copied()).await?;
                http.set_application_id(app.into());
                gateway::register(&http, engine.pack(), target, clear).await.context("registering commands failed")
            })?;
            let place = match target {
                gateway::Registration::Guild(g) => format!("server {g}"),
                _ => "all servers (global; may take a while to show)".to_owned(),
            };
            if clear {
                writeln!(out, "Removed every command from {place}.")?;
            } else {
                writeln!(out, "Registered {n} commands to {place}.")?;
            }
            Ok(())
        }
        Command::Serve { serve, discord, behaviour, store } => {
            let key = serve.public_key()?;
            let engine = engine(&dir)?;
            let bot = crate::bot::Bot::new(engine, dir, behaviour.bot_config());
            let token = discord.token.get().cloned();
            let proxy = discord.proxy().map(str::to_owned);
            runtime()?.block_on(async move {
                let listener = crate::serve::bind(serve.addr).await?;
                let bot = with_store(bot, &store).await?;
                let http = token.map(|t| std::sync::Arc::new(gateway::http(&t, proxy.as_deref())));
                let state = crate::serve::AppState { bot: bot.clone(), key, http };
                let result = crate::serve::serve(listener, std::sync::Arc::new(state)).await;
                finish(&bot).await;
                result
            })
        }
        Command::Slack(Slack::Serve { serve, slack, behaviour, store }) => {
            let secret = serve.signing_secret()?;
            let oauth = serve.oauth()?;
            let engine = engine(&dir)?;
            let bot = crate::bot::Bot::new(engine, dir, behaviour.bot_config());
            let web = slack.web()?;
            let api = slack.api()?;
            match (&web, &oauth) {
                (None, None) => tracing::warn!(
                    "neither SLACK_BOT_TOKEN nor SLACK_CLIENT_ID/SECRET is set: only the slash command is answered"
                ),
                (_, Some(_)) => tracing::info!("installable in many workspaces at GET /slack/install"),
                _ => {}
            }
            runtime()?.block_on(async move {
                let listener = stackpick_slack::serve::bind(serve.addr).await?;
                let bot = with_store(bot, &store).await?;
                use secrecy::ExposeSecret;
                let mut state =
                    stackpick_slack::serve::AppState::new(bot.clone(), secret.secret().expose_secret(), web);
                if let Some(oauth) = oauth {
                    state = state.with_oauth(oauth, api);
                }
                let state = std::sync::Arc::new(state);
                let result = stackpick_slack::serve::serve(listener, state, crate::discord::shutdown_signal()).await;
                finish(&bot).await;
                result
            })
        }
        Command::Slack(Slack::Run { metrics_addr, run, slack, behaviour, store }) => {
            let app_token = run.app_token()?;
            let web = slack.web()?.context("SLACK_BOT_TOKEN is not set: Socket Mode answers through the Web API")?;
            let engine = engine(&dir)?;
            let bot = crate::bot::Bot::new(engine, dir, behaviour.bot_config());
            runtime()?.block_on(async move {
                serve_metrics(metrics_addr.into_inner()).await?;
                let bot = with_store(bot, &store).await?;
                // Socket Mode's envelopes come from Slack itself over TLS: no signature to check.
                let state = std::sync::Arc::new(stackpick_slack::serve::AppState::new(bot.clone(), "", Some(web)));
                let result = tokio::select! {
                    result = stackpick_slack::socket::run(state, app_token.secret()) => result,
                    _ = crate::discord::shutdown_signal() => Ok(()),
                };
                finish(&bot).await;
                result
            })
        }
        Command::Gaps { tsv: true, report: ReportArgs { guild, days, .. }, database } => {
            let rows = runtime()?.block_on(async move {
                let store = crate::store::open_for_reports(&database.url()).await?;
                crate::bot::reports::gap_rows(store.as_ref(), guild.map(Server::discord).as_ref(), days).await
            })?;
            write!(out, "{rows}")?;
            Ok(())
        }
        Command::Gaps { report: ReportArgs { guild, days, json }, database, .. } => {
            let gaps = runtime()?.block_on(async move {
                let store = crate::store::open_for_reports(&database.url()).await?;
                crate::bot::reports::gap_list(store.as_ref(), guild.map(Server::discord).as_ref(), days).await
            })?;
            print_report(out, json, gaps.as_slice(), crate::bot::reports::gaps_text)
        }
        Command::Stats { report: ReportArgs { guild, days, json }, database } => {
            let stats = runtime()?.block_on(async move {
                let store = crate::store::open_for_reports(&database.url()).await?;
                crate::bot::reports::stat_counts(store.as_ref(), guild.map(Server::discord).as_ref(), days).await
            })?;
            print_report(out, json, &stats, crate::bot::reports::stats_text)
        }
        Command::Backup { to, database } => {
            let (from, bytes) = runtime()?.block_on(async {
                // Read-only: a missing or foreign database is refused, and the original is never changed.
                let url = database.url();
                anyhow::ensure!(
                    !crate::store::postgres::is_postgres(&url),
                    "`backup` copies a SQLite database; for Postgres use its own tools (pg_dump, or the server's backups)"
                );
                let store = SqliteStore::open_read_only(&url).await?;
                let bytes = store.backup_to(&to).await;
                let from = store.name().to_owned();
                store.close(Duration::ZERO).await;
                anyhow::Ok((from, bytes?))
            })?;
            writeln!(out, "backed up `{from}` to `{}` ({bytes} bytes, one consistent snapshot)", to.display())?;
            writeln!(
                out,
                "the key that hashes member ids is not in it: keep `{}` (or {}) with the backup",
                SqliteStore::key_file(std::path::Path::new(&from)).display(),
                crate::store::HASH_KEY_VAR
            )?;
            Ok(())
        }
        Command::Forget { guild, store } => {
            let rows = runtime()?.block_on(async move {
                let url = store.database().url();
                // Refuses a missing or foreign database before writing anything.
                crate::store::open_for_reports(&url).await?.close(Duration::ZERO).await;
                let options = OpenOptions { key: store.key_source()?, ..OpenOptions::default() };
                let store = crate::store::open(&url, options).await?;
                let rows = store.forget(&Server::discord(guild)).await?;
                store.close(Duration::from_secs(5)).await;
                anyhow::Ok(rows)
            })?;
            writeln!(out, "deleted {rows} row(s) about server {guild}: settings, question log, votes and welcomes")?;
            Ok(())
        }
        Command::Invite { discord } => {
            let app = match discord.application_id.get() {
                Some(&id) => id,
                None => {
                    let token = discord.token().context(
                        "set DISCORD_APPLICATION_ID (Developer Portal → General Information → Application ID), or DISCORD_TOKEN",
                    )?;
                    runtime()?.block_on(async move { application_id(&gateway::http(&token, None), None).await })?
                }
            };
            writeln!(out, "{}", invite_url(app))?;
            Ok(())
        }
    }
}

/// Opens DATABASE_URL for the bot. A database that cannot be used is logged
/// and the bot keeps its bounded in-memory store (no settings can be saved,
/// the log lasts until the process ends); one written by a newer stackpick
/// stops the start (it must not be changed).
/// For a process with no HTTP endpoint of its own (`run`, `slack run`):
/// serves `GET /metrics` at `addr`, when given. Bound first, like `serve`, so
/// a busy port fails before anything starts.
async fn serve_metrics(addr: Option<std::net::SocketAddr>) -> Result<()> {
    let Some(addr) = addr else { return Ok(()) };
    let listener = crate::serve::bind(addr).await?;
    tracing::info!(%addr, "serving metrics at GET /metrics");
    let app = axum::Router::new().route("/metrics", axum::routing::get(crate::serve::metrics));
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::warn!(error = %e, "the metrics endpoint stopped");
        }
    });
    Ok(())
}

async fn with_store(bot: crate::bot::Bot, config: &StoreConfig) -> Result<Arc<crate::bot::Bot>> {
    let database = config.database();
    database.prepare()?;
    let url = database.url();
    let options = OpenOptions {
        key: config.key_source()?,
        retention_days: Some(config.log_retention_days),
        observer: Arc::new(crate::metrics::StoreObserver),
    };
    let key_given = matches!(options.key, KeySource::Key(_));
    let store = match crate::store::open(&url, options).await {
        Ok(store) => store,
        Err(e @ StoreError::NewerSchema { .. }) => return Err(e.into()),
        Err(e) => {
            tracing::error!(error = %e, "database unavailable; answering without per-server settings, with the question log in memory");
            return Ok(Arc::new(bot));
        }
    };
    let saved = match store.all_settings().await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot read settings; using defaults");
            Vec::new()
        }
    };
    let key = match key_given {
        true => format!("from {HASH_KEY_VAR}"),
        false => {
            let file = SqliteStore::key_file(std::path::Path::new(&store.describe()));
            if file.is_file() {
                file.display().to_string()
            } else {
                "none (a database in memory)".to_owned()
            }
        }
    };
    tracing::info!(database = %store.describe(), key = %key, servers = saved.len(), "database ready");
    let bot = Arc::new(bot.with_store(store, saved));
    bot.keep_settings_fresh();
    Ok(bot)
}

/// Lets the log writer finish what is queued (bounded, so shutdown stays quick).
async fn finish(bot: &crate::bot::Bot) {
    bot.store().close(Duration::from_secs(5)).await;
}

/// A report as one JSON line or as readable text.
fn print_report<T: serde::Serialize + ?Sized>(
    out: &mut dyn Write,
    json: bool,
    report: &T,
    text: impl Fn(&T) -> String,
) -> Result<()> {
    if json {
        writeln!(out, "{}", serde_json::to_string(report)?)?;
    } else {
        write!(out, "{}", text(report))?;
    }
    Ok(())
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")
}

/// `DISCORD_APPLICATION_ID` when set, else the application the token belongs to.
async fn application_id(http: &serenity::http::Http, configured: Option<u64>) -> Result<u64> {
    if let Some(id) = configured {
        return Ok(id);
    }
    let info = http.get_current_application_info().await.context("cannot read the application from Discord")?;
    Ok(info.id.get())
}

/// How `ask` shows an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    /// Readable text.
    Text,
    /// One JSON object (the documented contract).
    Json,
    /// How the question was read, then the answer as text.
    Explain,
}

fn ask_one(engine: &Engine, question: &str, show: Show, out: &mut dyn Write) -> Result<()> {
    let answer = engine.answer(question);
    match show {
        Show::Json => writeln!(out, "{}", json::line_for(engine, question, &answer))?,
        Show::Explain => write!(out, "{}{}", engine.explain(question), terminal::render(engine, &answer))?,
        Show::Text => write!(out, "{}", terminal::render(engine, &answer))?,
    }
    Ok(())
}

/// One answer per input line; JSON lines with `as_json`, blank-line separated text otherwise.
///
/// Lines are read as bytes and invalid UTF-8 is replaced (U+FFFD), so one bad
/// line never stops the answers to the lines after it.
pub fn ask_lines(engine: &Engine, mut input: impl BufRead, show: Show, out: &mut dyn Write) -> Result<()> {
    let mut buf = Vec::new();
    for i in 0.. {
        buf.clear();
        if input.read_until(b'\n', &mut buf).context("cannot read standard input")? == 0 {
            break;
        }
        let text = String::from_utf8_lossy(&buf);
        let line = text.strip_suffix('\n').unwrap_or(&text);
        let line = line.strip_suffix('\r').unwrap_or(line);
        if show != Show::Json && i > 0 {
            writeln!(out)?;
        }
        ask_one(engine, line, show, out)?;
    }
    Ok(())
}

fn topics(engine: &Engine, as_json: bool, out: &mut dyn Write) -> Result<()> {
    let pack = engine.pack();
    if as_json {
        let list: Vec<serde_json::Value> = pack
            .topics
            .iter()
            .map(|t| serde_json::json!({ "id": t.id, "title": t.title, "pick": pack.pick_id(t.verdict.pick) }))
            .collect();
        writeln!(out, "{}", serde_json::to_string(&list)?)?;
    } else {
        let width = pack.topics.iter().map(|t| t.id.len()).max().unwrap_or(0);
        for t in &pack.topics {
            writeln!(out, "{:width$}  {}", t.id, t.title)?;
        }
    }
    Ok(())
}
