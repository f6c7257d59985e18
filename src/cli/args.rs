//! The command line as clap reads it: commands, options and the environment each one reads.

use super::*;
use crate::config::{
    maybe, metrics_address, BehaviourConfig, DatabaseConfig, DiscordConfig, Maybe, PackConfig, ServeConfig,
    SlackConfig, SlackRunConfig, SlackServeConfig, StoreConfig,
};

/// Answers "which backend stack?" questions from a curated knowledge pack.
#[derive(Debug, Parser)]
#[command(name = "stackpick", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub pack: PackConfig,

    #[command(subcommand)]
    pub command: Command,
}

/// Logging, read by the log subscriber rather than by clap: shown under each
/// subcommand's `--help` (every other variable is an option's `[env: …]`).
pub(super) const LOGS: &str = "Logging (environment):\n  RUST_LOG  log filter (default: warn,stackpick=info)\n  NO_COLOR  any value: no colours in logs (they are off when not at a terminal)\n\nEvery setting may also come from a .env file in the folder the command runs in (.env.example explains each); a blank value means unset.";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Answer a question; with no QUESTION, answer each line of standard input.
    #[command(after_help = LOGS)]
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
    #[command(after_help = LOGS)]
    Topics {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Validate the knowledge pack and print every problem and warning.
    #[command(after_help = LOGS)]
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
    #[command(after_help = LOGS)]
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
    #[command(after_help = LOGS)]
    Run {
        /// Run only shards START..END of --total (END exclusive), to split a large bot over processes.
        #[arg(long, value_name = "START..END", requires = "total", value_parser = parse_range)]
        shard_range: Option<(u32, u32)>,
        /// The total number of shards across all processes.
        #[arg(long, value_name = "N", requires = "shard_range")]
        total: Option<u32>,
        /// Serve the process's counters at GET /metrics on this address (Prometheus).
        #[arg(long, value_name = "ADDR", env = "STACKPICK_METRICS_ADDR", hide_env_values = true,
              value_parser = maybe(metrics_address), default_value = "", hide_default_value = true)]
        metrics_addr: Maybe<std::net::SocketAddr>,
        #[command(flatten)]
        discord: DiscordConfig,
        #[command(flatten)]
        behaviour: BehaviourConfig,
        #[command(flatten)]
        store: StoreConfig,
    },
    /// Register the slash commands by bulk overwrite (needs DISCORD_TOKEN).
    #[command(after_help = LOGS)]
    Register {
        #[command(flatten)]
        discord: DiscordConfig,
        /// Remove every command instead.
        #[arg(long)]
        clear: bool,
    },
    /// Print the link that adds the bot to a server, with exactly the permissions it needs.
    #[command(after_help = LOGS)]
    Invite {
        #[command(flatten)]
        discord: DiscordConfig,
    },
    /// Questions the bot could not answer well, most asked first (reads DATABASE_URL).
    #[command(after_help = LOGS)]
    Gaps {
        /// Write evaluation rows with an empty label column: unanswered,
        /// unsure and 👎-voted questions, for labelling.
        #[arg(long, conflicts_with = "json")]
        tsv: bool,
        #[command(flatten)]
        report: ReportArgs,
        #[command(flatten)]
        database: DatabaseConfig,
    },
    /// Questions per topic, share answered, helpful votes, welcomes (reads DATABASE_URL).
    #[command(after_help = LOGS)]
    Stats {
        #[command(flatten)]
        report: ReportArgs,
        #[command(flatten)]
        database: DatabaseConfig,
    },
    /// Delete everything stored about one server now (a server owner's request).
    #[command(after_help = LOGS)]
    Forget {
        /// The server's id.
        #[arg(long, value_name = "ID")]
        guild: u64,
        #[command(flatten)]
        store: StoreConfig,
    },
    /// Copy the database, consistently, while the bot runs (reads DATABASE_URL).
    #[command(after_help = LOGS)]
    Backup {
        /// The new file to write; an existing file is never replaced.
        #[arg(long, value_name = "FILE")]
        to: std::path::PathBuf,
        #[command(flatten)]
        database: DatabaseConfig,
    },
    /// Serve Discord's HTTP interactions endpoint (needs DISCORD_PUBLIC_KEY).
    #[command(after_help = LOGS)]
    Serve {
        #[command(flatten)]
        serve: ServeConfig,
        /// For follow-ups: deferred answers edited in later.
        #[command(flatten)]
        discord: DiscordConfig,
        #[command(flatten)]
        behaviour: BehaviourConfig,
        #[command(flatten)]
        store: StoreConfig,
    },
    /// The Slack app.
    #[command(subcommand)]
    Slack(Slack),
}

/// `stackpick slack …`
#[derive(Debug, Subcommand)]
pub enum Slack {
    /// Serve the Events API at POST /slack/events: the slash command, mentions, DMs and buttons
    /// (needs SLACK_SIGNING_SECRET; SLACK_BOT_TOKEN to answer anything but the slash command).
    #[command(after_help = LOGS)]
    Serve {
        #[command(flatten)]
        serve: SlackServeConfig,
        #[command(flatten)]
        slack: SlackConfig,
        #[command(flatten)]
        behaviour: BehaviourConfig,
        #[command(flatten)]
        store: StoreConfig,
    },
    /// Connect over Socket Mode, for servers without a public URL: the same slash command,
    /// mentions, DMs and buttons (needs SLACK_APP_TOKEN and SLACK_BOT_TOKEN).
    #[command(after_help = LOGS)]
    Run {
        /// Serve the process's counters at GET /metrics on this address (Prometheus).
        #[arg(long, value_name = "ADDR", env = "STACKPICK_METRICS_ADDR", hide_env_values = true,
              value_parser = maybe(metrics_address), default_value = "", hide_default_value = true)]
        metrics_addr: Maybe<std::net::SocketAddr>,
        #[command(flatten)]
        run: SlackRunConfig,
        #[command(flatten)]
        slack: SlackConfig,
        #[command(flatten)]
        behaviour: BehaviourConfig,
        #[command(flatten)]
        store: StoreConfig,
    },
}

/// What `gaps` and `stats` report on.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// One server only.
    #[arg(long, value_name = "ID")]
    pub guild: Option<u64>,
    /// How many days back.
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

pub(super) fn parse_range(s: &str) -> Result<(u32, u32), String> {
    let (a, b) = s.split_once("..").ok_or("expected START..END, like 0..4")?;
    let start: u32 = a.trim().parse().map_err(|_| format!("`{a}` is not a shard number"))?;
    let end: u32 = b.trim().parse().map_err(|_| format!("`{b}` is not a shard number"))?;
    if end <= start {
        return Err(format!("the range {start}..{end} is empty (END is exclusive)"));
    }
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// clap's own consistency checks over every subcommand and argument.
    #[test]
    fn the_command_line_is_well_formed() {
        <Cli as clap::CommandFactory>::command().debug_assert();
    }
}
