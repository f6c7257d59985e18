//! The command-line face: `stackpick ask | topics | check | chat`.
//!
//! Parsing lives in clap's derive types; every command is a thin call into the
//! engine and a renderer, writing to the given output so tests can capture it.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use crate::engine::Engine;
use crate::knowledge::PackSource;
use crate::render::{json, terminal};
use crate::{gateway, knowledge, settings};

/// Answers "which backend stack?" questions from a curated knowledge pack.
#[derive(Debug, Parser)]
#[command(name = "stackpick", version, about, propagate_version = true)]
pub struct Cli {
    /// The knowledge pack folder [default: ./knowledge if it has a pack.toml, else the pack built into this binary]
    #[arg(long, global = true, env = "STACKPICK_KNOWLEDGE", hide_env_values = true, value_name = "DIR")]
    pub knowledge: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

/// The environment each subcommand reads, shown under its `--help` (also
/// read from a `.env` file in the folder it runs in; `.env.example` explains each).
mod env_help {
    pub const LOGS: &str = "  RUST_LOG                  log filter (default: warn,stackpick=info)\n  NO_COLOR                  any value: no colours in logs (they are off when not at a terminal)";
    pub const PACK: &str = "  STACKPICK_KNOWLEDGE       the pack folder (or --knowledge); default ./knowledge, else the built-in pack\n  STACKPICK_MODEL           `off` to read words only, or another model folder; default: the shipped sentence model";
    pub const STORE: &str = "  DATABASE_URL              sqlite:// URL or file path; default $XDG_STATE_HOME/stackpick/stackpick.db\n  STACKPICK_HASH_KEY        64 hex characters that hash member ids; default a key file beside the database\n  LOG_RETENTION_DAYS        question-log rows older than this are pruned (default 90)";
    pub const BEHAVIOUR: &str = "  COOLDOWN_SECS             seconds a member waits between answers (default 3)\n  ASK_PREFIX                messages starting with it are questions (default !ask; empty: off)\n  ANSWER_CHANNEL_IDS        comma-separated channel ids where every message is read";
    pub const MEMBERS: &str = "  STACKPICK_MEMBERS_INTENT  1: ask for the Server Members intent from the start";
    pub const SERVE: &str = "  DISCORD_PUBLIC_KEY        the application's public key (General Information), to verify requests\n  STACKPICK_ADDR            the address to listen on (or --addr; default 127.0.0.1:8080)";
    pub const REPORTS: &str =
        "  DATABASE_URL              sqlite:// URL or file path; default $XDG_STATE_HOME/stackpick/stackpick.db";
    pub const DISCORD: &str = "  DISCORD_TOKEN             the bot token (Developer Portal → Bot → Reset Token)\n  DISCORD_APPLICATION_ID    the application id (default: read from Discord with the token)\n  DISCORD_GUILD_ID          register commands to this one server (instant) instead of globally\n  DISCORD_HTTP_PROXY        send REST calls through a shared rate-limit proxy";
}

/// The "Environment:" section of a subcommand's help, from [`env_help`]'s parts.
fn env_section(parts: &[&str]) -> String {
    format!("Environment (also read from ./.env):\n{}", parts.join("\n"))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Answer a question; with no QUESTION, answer each line of standard input.
    #[command(after_help = env_section(&[env_help::PACK, env_help::LOGS]))]
    Ask {
        /// Print JSON (one object per line when reading standard input).
        #[arg(long)]
        json: bool,
        /// Show how the question was read: words, matched terms and scores.
        #[arg(long, conflicts_with = "json")]
        explain: bool,
        /// The question; several words are joined with spaces.
        #[arg(value_name = "QUESTION")]
        question: Vec<String>,
    },
    /// List the topics with their ids.
    #[command(after_help = env_section(&[env_help::PACK, env_help::LOGS]))]
    Topics {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Validate the knowledge pack and print every problem and warning.
    #[command(after_help = env_section(&[env_help::PACK, env_help::LOGS]))]
    Check {
        /// Exit successfully when there are warnings but no errors.
        #[arg(long)]
        allow_warnings: bool,
        /// Print only warnings and the counts of notes.
        #[arg(long, short, conflicts_with = "examples")]
        quiet: bool,
        /// List every example answered as another entry, not only the summary table.
        #[arg(long)]
        examples: bool,
    },
    /// An interactive session: each line you type gets an answer, as in a channel.
    #[command(after_help = env_section(&[env_help::PACK, env_help::LOGS]))]
    Chat,
    /// Score the pack on evaluation files (question, topics, pick[, source] per line).
    Eval {
        /// Evaluation files (TSV).
        #[arg(required = true, value_name = "FILE.tsv")]
        files: Vec<PathBuf>,
        /// Print every miss with its confidence (never for the blind split).
        #[arg(long)]
        misses: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Fail (exit 1) when the overall share right is below this percentage.
        #[arg(long, value_name = "PCT")]
        min: Option<f64>,
        /// Which rows: all, the blind third, or the tune rest (split by a hash of the question).
        #[arg(long, value_enum, default_value = "all")]
        split: crate::eval::Split,
        /// Score the tune split by 5-fold cross-validation over the pack's examples
        /// (the trained decision is refitted per fold).
        #[arg(long, conflicts_with = "split")]
        cross_validate: bool,
        /// Decide with these weights instead of the shipped ones (a `stackpick train` output).
        #[arg(long, value_name = "FILE.json")]
        weights: Option<PathBuf>,
    },
    /// Fit the trained decision (chooser, gate, threshold) on the tune split of
    /// evaluation files and write it as JSON (the shipped one is data/semantic/decision.json).
    Train {
        /// Evaluation files (TSV); only their tune split is used.
        #[arg(required = true, value_name = "FILE.tsv")]
        files: Vec<PathBuf>,
        /// Where to write the weights.
        #[arg(long, value_name = "FILE.json")]
        out: PathBuf,
    },
    /// Store the sentence vectors of the pack's titles, examples and negatives
    /// in its `vectors.bin`, so the pack loads without encoding them (run it
    /// after editing examples; `check` says when the file is stale).
    Vectors {
        /// Write the engine's general negatives (`data/semantic/negatives.txt`)
        /// to this file instead of the pack's vectors.
        #[arg(long, value_name = "FILE.bin")]
        negatives: Option<PathBuf>,
    },
    /// Connect to Discord over the gateway and answer there (needs DISCORD_TOKEN).
    #[command(after_help = env_section(&[env_help::DISCORD, env_help::MEMBERS, env_help::BEHAVIOUR, env_help::STORE, env_help::PACK, env_help::LOGS]))]
    Run {
        /// Run only shards START..END of --total (END exclusive), to split a large bot over processes.
        #[arg(long, value_name = "START..END", requires = "total", value_parser = parse_range)]
        shard_range: Option<(u32, u32)>,
        /// The total number of shards across all processes.
        #[arg(long, value_name = "N", requires = "shard_range")]
        total: Option<u32>,
        /// Serve the process's counters at GET /metrics on this address (Prometheus) [env: STACKPICK_METRICS_ADDR].
        #[arg(long, value_name = "ADDR", env = "STACKPICK_METRICS_ADDR", hide_env = true)]
        metrics_addr: Option<std::net::SocketAddr>,
    },
    /// Register the slash commands by bulk overwrite (needs DISCORD_TOKEN).
    #[command(after_help = env_section(&[env_help::DISCORD, env_help::PACK, env_help::LOGS]))]
    Register {
        /// Register to this server only (instant); default: DISCORD_GUILD_ID, else globally.
        #[arg(long, value_name = "ID")]
        guild: Option<u64>,
        /// Remove every command instead.
        #[arg(long)]
        clear: bool,
    },
    /// Print the link that adds the bot to a server, with exactly the permissions it needs.
    #[command(after_help = env_section(&[env_help::DISCORD, env_help::LOGS]))]
    Invite,
    /// Questions the bot could not answer well, most asked first (reads DATABASE_URL).
    #[command(after_help = env_section(&[env_help::REPORTS, env_help::LOGS]))]
    Gaps {
        /// Write evaluation rows with an empty label column: unanswered,
        /// unsure and 👎-voted questions, for labelling.
        #[arg(long, conflicts_with = "json")]
        tsv: bool,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Questions per topic, share answered, helpful votes, welcomes (reads DATABASE_URL).
    #[command(after_help = env_section(&[env_help::REPORTS, env_help::LOGS]))]
    Stats(ReportArgs),
    /// Delete everything stored about one server now (a server owner's request).
    #[command(after_help = env_section(&[env_help::STORE, env_help::LOGS]))]
    Forget {
        /// The server's id.
        #[arg(long, value_name = "ID")]
        guild: u64,
    },
    /// Copy the database, consistently, while the bot runs (reads DATABASE_URL).
    #[command(after_help = env_section(&[env_help::REPORTS, env_help::LOGS]))]
    Backup {
        /// The new file to write; an existing file is never replaced.
        #[arg(long, value_name = "FILE")]
        to: std::path::PathBuf,
    },
    /// Serve Discord's HTTP interactions endpoint (needs DISCORD_PUBLIC_KEY).
    #[command(after_help = env_section(&[env_help::SERVE, env_help::BEHAVIOUR, env_help::STORE, env_help::PACK, env_help::LOGS]))]
    Serve {
        /// The address to listen on [env: STACKPICK_ADDR].
        #[arg(long, default_value = "127.0.0.1:8080", env = "STACKPICK_ADDR", hide_env = true)]
        addr: std::net::SocketAddr,
    },
}

/// What `gaps` and `stats` report on.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// One server only.
    #[arg(long, value_name = "ID")]
    guild: Option<u64>,
    /// How many days back.
    #[arg(long, default_value_t = 30)]
    days: u32,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn parse_range(s: &str) -> Result<(u32, u32), String> {
    let (a, b) = s.split_once("..").ok_or("expected START..END, like 0..4")?;
    let start: u32 = a.trim().parse().map_err(|_| format!("`{a}` is not a shard number"))?;
    let end: u32 = b.trim().parse().map_err(|_| format!("`{b}` is not a shard number"))?;
    if end <= start {
        return Err(format!("the range {start}..{end} is empty (END is exclusive)"));
    }
    Ok((start, end))
}

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
    let dir = pack_source(cli.knowledge.as_deref());
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
        Command::Run { shard_range, total, metrics_addr } => {
            let token = settings::Token::from_env()?;
            let engine = engine(&dir)?;
            let bot = crate::bot::Bot::new(engine, dir, settings::bot_config()?);
            let registration = match settings::guild_id()? {
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
            let proxy = settings::http_proxy();
            runtime()?.block_on(async move {
                if let Some(addr) = metrics_addr {
                    // Bound first, like `serve`: a busy port fails before anything starts.
                    let listener = crate::serve::bind(addr).await?;
                    tracing::info!(%addr, "serving metrics at GET /metrics");
                    let app = axum::Router::new().route("/metrics", axum::routing::get(crate::serve::metrics));
                    tokio::spawn(async move {
                        if let Err(e) = axum::serve(listener, app).await {
                            tracing::warn!(error = %e, "the metrics endpoint stopped");
                        }
                    });
                }
                let (bot, writer) = with_store(bot).await?;
                let make_http = move || gateway::http(&token, proxy.as_deref());
                let result = gateway::run(bot, make_http, registration, sharding).await;
                finish(writer).await;
                result
            })
        }
        Command::Register { guild, clear } => {
            let token = settings::Token::from_env()?;
            let engine = engine(&dir)?;
            let target = match guild.map(serenity::model::id::GuildId::new).or(settings::guild_id()?) {
                Some(g) => gateway::Registration::Guild(g),
                None => gateway::Registration::Global,
            };
            let proxy = settings::http_proxy();
            let n = runtime()?.block_on(async move {
                let http = gateway::http(&token, proxy.as_deref());
                let app = application_id(&http).await?;
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
        Command::Serve { addr } => {
            let key = std::env::var("DISCORD_PUBLIC_KEY").map_err(|_| {
                anyhow::anyhow!(
                    "DISCORD_PUBLIC_KEY is not set: copy the Public Key from the Developer Portal \
                     (General Information) into the environment or .env"
                )
            })?;
            let key = crate::serve::PublicKey::from_hex(&key)?;
            let engine = engine(&dir)?;
            let bot = crate::bot::Bot::new(engine, dir, settings::bot_config()?);
            let token = settings::Token::from_env().ok();
            let proxy = settings::http_proxy();
            runtime()?.block_on(async move {
                let listener = crate::serve::bind(addr).await?;
                let (bot, writer) = with_store(bot).await?;
                let http = token.map(|t| std::sync::Arc::new(gateway::http(&t, proxy.as_deref())));
                let result =
                    crate::serve::serve(listener, std::sync::Arc::new(crate::serve::AppState { bot, key, http })).await;
                finish(writer).await;
                result
            })
        }
        Command::Gaps { tsv: true, report: ReportArgs { guild, days, .. } } => {
            let rows = runtime()?.block_on(async move {
                let store = crate::store::Store::open_read_only(&settings::database_url()).await?;
                crate::bot::reports::gap_rows(&store, guild, days).await
            })?;
            write!(out, "{rows}")?;
            Ok(())
        }
        Command::Gaps { report: ReportArgs { guild, days, json }, .. } => {
            let gaps = runtime()?.block_on(async move {
                let store = crate::store::Store::open_read_only(&settings::database_url()).await?;
                crate::bot::reports::gap_list(&store, guild, days).await
            })?;
            print_report(out, json, gaps.as_slice(), crate::bot::reports::gaps_text)
        }
        Command::Stats(ReportArgs { guild, days, json }) => {
            let stats = runtime()?.block_on(async move {
                let store = crate::store::Store::open_read_only(&settings::database_url()).await?;
                crate::bot::reports::stat_counts(&store, guild, days).await
            })?;
            print_report(out, json, &stats, crate::bot::reports::stats_text)
        }
        Command::Backup { to } => {
            let (from, bytes) = runtime()?.block_on(async {
                // Read-only: a missing or foreign database is refused, and the original is never changed.
                let store = crate::store::Store::open_read_only(&settings::database_url()).await?;
                let bytes = store.backup_to(&to).await;
                let from = store.name().to_owned();
                store.close().await;
                anyhow::Ok((from, bytes?))
            })?;
            writeln!(out, "backed up `{from}` to `{}` ({bytes} bytes, one consistent snapshot)", to.display())?;
            writeln!(
                out,
                "the key that hashes member ids is not in it: keep `{}` (or {}) with the backup",
                crate::store::Store::key_file(std::path::Path::new(&from)).display(),
                crate::store::HASH_KEY_VAR
            )?;
            Ok(())
        }
        Command::Forget { guild } => {
            let rows = runtime()?.block_on(async move {
                let url = settings::database_url();
                // Refuses a missing or foreign database before writing anything.
                crate::store::Store::open_read_only(&url).await?.close().await;
                let store = crate::store::Store::open(&url).await?;
                let rows = store.forget(guild).await?;
                store.close().await;
                anyhow::Ok(rows)
            })?;
            writeln!(out, "deleted {rows} row(s) about server {guild}: settings, question log, votes and welcomes")?;
            Ok(())
        }
        Command::Invite => {
            let app = match settings::application_id()? {
                Some(id) => id,
                None => {
                    let token = settings::Token::from_env().context(
                        "set DISCORD_APPLICATION_ID (Developer Portal → General Information → Application ID), or DISCORD_TOKEN",
                    )?;
                    runtime()?.block_on(async move { application_id(&gateway::http(&token, None)).await })?
                }
            };
            writeln!(out, "{}", invite_url(app))?;
            Ok(())
        }
    }
}

/// Opens DATABASE_URL for the bot. A database that cannot be used is logged
/// and the bot runs without settings or a question log; one written by a newer
/// stackpick stops the start (it must not be changed).
async fn with_store(bot: crate::bot::Bot) -> Result<(std::sync::Arc<crate::bot::Bot>, Option<crate::journal::Writer>)> {
    let database = settings::database();
    database.prepare()?;
    let url = database.url();
    let retention = settings::log_retention_days()?;
    let store = match crate::store::Store::open(&url).await {
        Ok(store) => store,
        Err(e) if e.downcast_ref::<crate::store::NewerSchema>().is_some() => return Err(e),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "database unavailable; answering without per-server settings or question log");
            return Ok((std::sync::Arc::new(bot), None));
        }
    };
    let saved = match store.all_settings().await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "cannot read settings; using defaults");
            Vec::new()
        }
    };
    let (journal, writer) = crate::journal::Journal::start(store.clone(), retention);
    let key = match std::env::var(crate::store::HASH_KEY_VAR) {
        Ok(v) if !v.trim().is_empty() => format!("from {}", crate::store::HASH_KEY_VAR),
        _ => {
            let file = crate::store::Store::key_file(std::path::Path::new(store.name()));
            if file.is_file() {
                file.display().to_string()
            } else {
                "none (a database in memory)".to_owned()
            }
        }
    };
    tracing::info!(database = %store.name(), key = %key, servers = saved.len(), "database ready");
    Ok((std::sync::Arc::new(bot.with_store(store, journal, saved)), Some(writer)))
}

/// Lets the log writer finish what is queued (bounded, so shutdown stays quick).
async fn finish(writer: Option<crate::journal::Writer>) {
    if let Some(w) = writer {
        w.finish(std::time::Duration::from_secs(5)).await;
    }
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

/// `DISCORD_APPLICATION_ID`, or the application the token belongs to.
async fn application_id(http: &serenity::http::Http) -> Result<u64> {
    if let Some(id) = settings::application_id()? {
        return Ok(id);
    }
    let info = http.get_current_application_info().await.context("cannot read the application from Discord")?;
    Ok(info.id.get())
}

/// How much of its notes `check` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    /// Warnings and the counts only.
    Quiet,
    /// Notes grouped under counted headings; misread examples as a table.
    Grouped,
    /// As grouped, and every misread example on its own line.
    Examples,
}

fn check(dir: &PackSource, allow_warnings: bool, detail: Detail, out: &mut dyn Write) -> Result<()> {
    ensure_folder(dir)?;
    match knowledge::load_from(dir) {
        Ok(pack) => {
            // Pack notes (the loader's and the stored vectors') and warnings,
            // then the engine's reading of the pack (traps, misread examples).
            let mut problems = pack.warnings.clone();
            problems.extend(vector_problems(dir, &pack));
            let engine = Engine::new(pack);
            let mut lint = engine.lint();
            let in_dir = |p: &mut knowledge::Problem| p.at.file = dir.path_of(&p.at.file);
            lint.traps.iter_mut().for_each(|(_, p)| in_dir(p));
            lint.misread.iter_mut().for_each(|m| in_dir(&mut m.note));
            let warnings = problems.iter().filter(|p| p.severity == knowledge::Severity::Warning).count();
            for p in problems.iter().filter(|p| p.severity == knowledge::Severity::Warning) {
                writeln!(out, "{p}")?;
            }
            let pack_notes: Vec<&knowledge::Problem> =
                problems.iter().filter(|p| p.severity != knowledge::Severity::Warning).collect();
            let notes = pack_notes.len() + lint.traps.len() + lint.misread.len();
            if detail != Detail::Quiet {
                write_notes(out, &pack_notes, &lint, detail)?;
            }
            let pack = engine.pack();
            let mut tail = String::new();
            if warnings > 0 {
                tail.push_str(&format!(", {warnings} warning(s)"));
            }
            if notes > 0 {
                tail.push_str(&format!(
                    ", {notes} note(s) ({} on asks and aliases, {} of {} examples answered as another entry or not at all)",
                    lint.traps.len(),
                    lint.misread.len(),
                    lint.examples
                ));
            }
            writeln!(
                out,
                "{}: {} — {} contenders, {} topics, {} use cases{tail}",
                dir,
                if warnings == 0 { "OK" } else { "loads" },
                pack.contenders.len(),
                pack.topics.len(),
                pack.use_cases.len()
            )?;
            if warnings > 0 && !allow_warnings {
                anyhow::bail!(
                    "{warnings} warning(s) in the knowledge pack `{}` (--allow-warnings to accept them)",
                    dir
                );
            }
            Ok(())
        }
        Err(errors) => {
            for p in &errors.0 {
                writeln!(out, "{p}")?;
            }
            anyhow::bail!("{} problem(s) in the knowledge pack `{}`", errors.0.len(), dir)
        }
    }
}

/// `check`'s notes: each kind under a heading with its count, and the
/// misread examples as one table row per entry (each on its own line too with `--examples`).
fn write_notes(
    out: &mut dyn Write,
    pack_notes: &[&knowledge::Problem],
    lint: &crate::engine::Lint,
    detail: Detail,
) -> Result<()> {
    if !pack_notes.is_empty() {
        writeln!(out, "notes: the pack ({})", pack_notes.len())?;
        for p in pack_notes {
            writeln!(out, "  {p}")?;
        }
    }
    let mut kinds: Vec<crate::engine::Trap> = lint.traps.iter().map(|(k, _)| *k).collect();
    kinds.sort();
    kinds.dedup();
    for kind in kinds {
        let of_kind: Vec<&knowledge::Problem> = lint.traps.iter().filter(|(k, _)| *k == kind).map(|(_, p)| p).collect();
        writeln!(out, "notes: {} ({})", kind.heading(), of_kind.len())?;
        for p in of_kind {
            writeln!(out, "  {p}")?;
        }
    }
    if lint.misread.is_empty() {
        return Ok(());
    }
    writeln!(out, "examples answered as another entry or not at all: {} of {}", lint.misread.len(), lint.examples)?;
    // entry → (refused, answered as → count)
    let mut rows: Vec<(&str, usize, std::collections::BTreeMap<&str, usize>)> = Vec::new();
    for m in &lint.misread {
        let at = match rows.iter().position(|r| r.0 == m.entry) {
            Some(i) => i,
            None => {
                rows.push((&m.entry, 0, Default::default()));
                rows.len() - 1
            }
        };
        match &m.answered_as {
            Some(other) => *rows[at].2.entry(other).or_default() += 1,
            None => rows[at].1 += 1,
        }
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.1 + r.2.values().sum::<usize>()));
    let width = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(5).max(5);
    writeln!(out, "  {:width$}  refused  answered as", "entry")?;
    for (entry, refused, others) in &rows {
        let mut others: Vec<(&&str, &usize)> = others.iter().collect();
        others.sort_by_key(|o| std::cmp::Reverse(*o.1));
        let list: Vec<String> = others.iter().map(|(o, n)| format!("{o} ×{n}")).collect();
        writeln!(out, "  {entry:width$}  {refused:>7}  {}", list.join(", "))?;
    }
    if detail == Detail::Examples {
        for m in &lint.misread {
            writeln!(out, "  {}", m.note)?;
        }
    } else {
        writeln!(out, "  (`stackpick check --examples` lists each one)")?;
    }
    Ok(())
}

/// Whether the pack's stored vectors (`vectors.bin`) match its texts and the
/// shipped sentence model: a stale file is a warning (the pack still works,
/// but loads slowly and was not what was measured), a missing one a note.
fn vector_problems(dir: &PackSource, pack: &knowledge::Pack) -> Vec<knowledge::Problem> {
    let Ok(encoder) = crate::model::shipped() else { return Vec::new() };
    let texts = crate::engine::meaning::pack_texts(pack);
    let at = knowledge::Location { file: dir.path_of(knowledge::VECTORS_FILE), entry: None, field: None, line: None };
    let problem = |severity, message: String| knowledge::Problem { at: at.clone(), message, severity };
    let model = encoder.fingerprint();
    match &pack.vectors {
        None => vec![problem(
            knowledge::Severity::Note,
            format!(
                "does not exist: the sentence model encodes the pack's {} titles and examples at every load; \
                 `stackpick vectors` stores them",
                texts.len()
            ),
        )],
        Some(v) if v.model != model => vec![problem(
            knowledge::Severity::Warning,
            format!(
                "was made by another sentence model ({:016x}, the engine's is {model:016x}): run `stackpick vectors`",
                v.model
            ),
        )],
        Some(v) => {
            let missing = texts.iter().filter(|t| v.get(model, t).is_none()).count();
            if missing == 0 {
                Vec::new()
            } else {
                vec![problem(
                    knowledge::Severity::Warning,
                    format!(
                        "is stale: {missing} of the pack's {} titles and examples have no stored vector: run `stackpick vectors`",
                        texts.len()
                    ),
                )]
            }
        }
    }
}

struct EvalOptions {
    misses: bool,
    json: bool,
    min: Option<f64>,
    split: crate::eval::Split,
    cross_validate: bool,
    weights: Option<PathBuf>,
}

fn read_cases(files: &[PathBuf]) -> Result<Vec<(PathBuf, Vec<crate::eval::Case>)>> {
    let mut cases = Vec::new();
    for f in files {
        cases.push((f.clone(), crate::eval::read(f)?));
    }
    Ok(cases)
}

fn train(dir: &PackSource, files: &[PathBuf], path: &Path, out: &mut dyn Write) -> Result<()> {
    let cases = read_cases(files)?;
    crate::eval::check_ids(engine(dir)?.pack(), &cases)?;
    let weights = crate::eval::train(dir, &cases)
        .with_context(|| format!("cannot load the knowledge pack in `{dir}`"))?
        .ok_or_else(|| anyhow::anyhow!("no sentence model is loaded (see {})", crate::model::MODEL_VAR))?;
    std::fs::write(path, serde_json::to_string_pretty(&weights)? + "\n")
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    writeln!(out, "wrote {} (answer threshold {:.2}; {})", path.display(), weights.threshold, weights.trained_on)?;
    Ok(())
}

fn vectors(source: &PackSource, negatives: Option<&Path>, out: &mut dyn Write) -> Result<()> {
    let encoder = crate::model::shipped().map_err(|e| anyhow::anyhow!(e))?;
    let (texts, path): (Vec<String>, PathBuf) = match negatives {
        Some(path) => {
            (crate::engine::meaning::negative_texts().into_iter().map(str::to_owned).collect(), path.to_path_buf())
        }
        None => {
            let Some(dir) = source.dir() else {
                anyhow::bail!(
                    "the pack built into this binary cannot be written: name a pack folder with --knowledge or STACKPICK_KNOWLEDGE"
                );
            };
            let pack = knowledge::load(dir)
                .with_context(|| format!("cannot load the knowledge pack in `{}`", dir.display()))?;
            let texts = crate::engine::meaning::pack_texts(&pack).into_iter().map(str::to_owned).collect();
            (texts, dir.join(knowledge::VECTORS_FILE))
        }
    };
    let mut stored = knowledge::StoredVectors::new(encoder.fingerprint(), crate::engine::semantic::DIM);
    for text in &texts {
        stored.insert(text, &encoder.encode(text));
    }
    std::fs::write(&path, stored.to_bytes()).with_context(|| format!("cannot write `{}`", path.display()))?;
    writeln!(out, "wrote {} ({} vectors)", path.display(), stored.len())?;
    Ok(())
}

fn eval(dir: &PackSource, files: &[PathBuf], o: EvalOptions, out: &mut dyn Write) -> Result<()> {
    let cases = read_cases(files)?;
    let mut engine = engine(dir)?;
    crate::eval::check_ids(engine.pack(), &cases)?;
    if let Some(path) = &o.weights {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read `{}`", path.display()))?;
        let weights =
            serde_json::from_str(&text).with_context(|| format!("`{}` is not a weights file", path.display()))?;
        engine.set_weights(weights);
    }
    let report = if o.cross_validate {
        crate::eval::cross_validate(dir, &cases)
            .with_context(|| format!("cannot load the knowledge pack in `{dir}`"))?
    } else {
        crate::eval::evaluate(&engine, &cases, o.split)
    };
    if o.json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    } else {
        write!(out, "{}", crate::eval::render(&report, o.misses))?;
    }
    if let Some(min) = o.min {
        let got = report.overall.accuracy() * 100.0;
        if got < min {
            anyhow::bail!("{got:.1}% right overall, below --min {min}");
        }
    }
    Ok(())
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

/// What a line typed in `chat` asks for.
enum ChatLine<'a> {
    Skip,
    Quit,
    Topics,
    Help,
    /// A line that starts with `/` but is no command ("/topcs").
    Unknown(&'a str),
    Question(&'a str),
}

/// The chat's commands, as `/help` and an unknown command list them.
const CHAT_COMMANDS: &str = "/topics, /help, /quit";

fn chat_line(line: &str) -> ChatLine<'_> {
    match line.trim() {
        "" => ChatLine::Skip,
        "quit" | "exit" | "/quit" | "/exit" => ChatLine::Quit,
        "/topics" | "topics" => ChatLine::Topics,
        "/help" | "help" | "?" => ChatLine::Help,
        q if q.starts_with('/') => ChatLine::Unknown(q.split_whitespace().next().unwrap_or(q)),
        q => ChatLine::Question(q),
    }
}

fn chat_help(engine: &Engine) -> String {
    let pack = engine.pack();
    let examples: Vec<String> =
        pack.info.starter_topics.iter().take(4).map(|&t| format!("  - {}", pack.topic(t).title)).collect();
    format!(
        "Ask anything about {}, in your own words: \"which is faster?\", \"best for ML?\".\n\
         /topics lists every topic; /help shows this; Ctrl-D or /quit leaves.\n\
         A question right after an answer may lean on it: \"is that true for the other one too?\"\nFor example:\n{}\n",
        pack.info.scope,
        examples.join("\n")
    )
}

/// Wraps text to `width` columns, keeping the indentation of each line.
fn wrap(text: &str, width: Option<usize>) -> String {
    let Some(width) = width else { return text.to_owned() };
    let mut out = String::new();
    for line in text.lines() {
        let indent: String = line.chars().take_while(|c| c.is_whitespace()).collect();
        let options = textwrap::Options::new(width.max(20)).subsequent_indent(&indent);
        for part in textwrap::wrap(line, options) {
            out.push_str(&part);
            out.push('\n');
        }
    }
    out
}

fn terminal_width() -> Option<usize> {
    terminal_size::terminal_size().map(|(w, _)| usize::from(w.0))
}

/// Answers one chat line; `false` when the session should end.
/// What a chat remembers between lines: the subject of the last answer, so
/// "is that true for the other one too?" is read as a follow-up, as replies are in Discord.
#[derive(Debug, Default)]
struct ChatSession {
    subject: Option<String>,
}

fn chat_reply(
    engine: &Engine,
    session: &mut ChatSession,
    line: &str,
    width: Option<usize>,
    out: &mut dyn Write,
) -> Result<bool> {
    match chat_line(line) {
        ChatLine::Skip => {}
        ChatLine::Quit => return Ok(false),
        ChatLine::Topics => topics(engine, false, out)?,
        ChatLine::Help => write!(out, "{}", wrap(&chat_help(engine), width))?,
        ChatLine::Unknown(command) => writeln!(
            out,
            "{command} is not a command here; the commands are {CHAT_COMMANDS}. Anything else is a question."
        )?,
        ChatLine::Question(q) => {
            // Every line here could be a follow-up, unlike a Discord reply that
            // chose to be one: only a line that is unanswered, or answered only
            // because it names a contender, borrows the last subject.
            let first = engine.answer(q);
            let answer = if first.answered() && engine.stands_alone(q) {
                first
            } else {
                engine.follow_up(&first, q, session.subject.as_deref()).unwrap_or(first)
            };
            if let Some(subject) = engine.subject(&answer) {
                session.subject = Some(subject);
            }
            write!(out, "{}", wrap(&terminal::render(engine, &answer), width))?
        }
    }
    Ok(true)
}

fn chat(engine: &Engine, out: &mut dyn Write) -> Result<()> {
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if !interactive {
        // Piped: one answer per line, as a script would want it.
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        let mut buf = Vec::new();
        let mut session = ChatSession::default();
        loop {
            buf.clear();
            if input.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            let line = String::from_utf8_lossy(&buf);
            if !chat_reply(engine, &mut session, &line, None, out)? {
                break;
            }
        }
        return Ok(());
    }
    writeln!(out, "stackpick chat — ask about {}. /help for help, Ctrl-D to leave.", engine.pack().info.scope)?;
    let mut editor = rustyline::DefaultEditor::new().context("cannot start the line editor")?;
    let mut session = ChatSession::default();
    loop {
        match editor.readline("\nyou> ") {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = editor.add_history_entry(line.as_str());
                }
                writeln!(out)?;
                if !chat_reply(engine, &mut session, &line, terminal_width(), out)? {
                    break;
                }
                out.flush()?;
            }
            // Ctrl-C clears the line, as in a shell.
            Err(rustyline::error::ReadlineError::Interrupted) => continue,
            Err(rustyline::error::ReadlineError::Eof) => {
                // Leave the shell prompt on a line of its own.
                writeln!(out)?;
                break;
            }
            Err(e) => return Err(e).context("cannot read from the terminal"),
        }
    }
    Ok(())
}
