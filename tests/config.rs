//! The settings as users meet them: every environment variable declared
//! once, documented in `.env.example` and `--help`, and blank meaning unset.

use stackpick_test_support as common;

use std::process::Command;

use common::stdout;

/// Each subcommand's `--help` names every variable it reads, offers only
/// its own options and shows defaults.
#[test]
fn help_names_each_subcommands_environment() {
    let help = |sub: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_stackpick"))
            .args([sub, "--help"])
            .env_remove("STACKPICK_ADDR")
            .output()
            .unwrap();
        assert!(o.status.success());
        stdout(&o)
    };
    let wants: [(&str, &[&str]); 7] = [
        (
            "run",
            &[
                "DISCORD_TOKEN",
                "DISCORD_APPLICATION_ID",
                "DISCORD_GUILD_ID",
                "DATABASE_URL",
                "STACKPICK_HASH_KEY",
                "COOLDOWN_SECS",
                "ANSWER_CHANNEL_IDS",
                "STACKPICK_KNOWLEDGE",
                "RUST_LOG",
                "NO_COLOR",
                "STACKPICK_MEMBERS_INTENT",
            ],
        ),
        ("serve", &["DISCORD_PUBLIC_KEY", "STACKPICK_ADDR", "DATABASE_URL", "RUST_LOG", "NO_COLOR"]),
        ("register", &["DISCORD_TOKEN", "DISCORD_APPLICATION_ID", "DISCORD_GUILD_ID"]),
        ("ask", &["STACKPICK_KNOWLEDGE", "STACKPICK_MODEL"]),
        ("gaps", &["DATABASE_URL"]),
        ("stats", &["DATABASE_URL"]),
        ("backup", &["DATABASE_URL"]),
    ];
    for (sub, vars) in wants {
        let text = help(sub);
        for var in vars {
            assert!(text.contains(var), "`{sub} --help` does not name {var}:\n{text}");
        }
    }
    assert!(!help("stats").contains("--tsv"), "stats offers gaps' --tsv");
    assert!(help("gaps").contains("--tsv"));
    assert!(help("gaps").contains("[default: 30]"));
    assert!(!help("serve").contains("STACKPICK_ADDR=]"), "an empty env value in the help");
}

#[test]
fn help_never_shows_an_empty_environment_value() {
    let o =
        Command::new(env!("CARGO_BIN_EXE_stackpick")).arg("--help").env("STACKPICK_KNOWLEDGE", "").output().unwrap();
    let help = stdout(&o);
    assert!(help.contains("--knowledge <DIR>"), "{help}");
    assert!(!help.contains("STACKPICK_KNOWLEDGE="), "{help}");
    // A blank variable (as .env.example leaves it) means "not set".
    let o = Command::new(env!("CARGO_BIN_EXE_stackpick"))
        .args(["ask", "--json", "which is faster?"])
        .env("STACKPICK_KNOWLEDGE", "")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains("\"topic\":\"performance\""));
}

/// Every setting is declared once, as a clap argument with its variable, and
/// `.env.example` documents exactly those (plus the log subscriber's own two).
#[test]
fn every_environment_variable_is_declared_once_and_documented() {
    fn walk(cmd: &clap::Command, out: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            if let Some(var) = arg.get_env() {
                out.push(var.to_string_lossy().into_owned());
            }
        }
        for sub in cmd.get_subcommands() {
            walk(sub, out);
        }
    }
    let mut declared = Vec::new();
    walk(&<stackpick::cli::Cli as clap::CommandFactory>::command(), &mut declared);
    declared.sort();
    declared.dedup();
    assert!(declared.len() >= 15, "{declared:?}");
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.env.example")).unwrap();
    let mut documented: Vec<String> = example
        .lines()
        .map(|l| l.trim_start_matches('#').trim())
        .filter_map(|l| l.split_once('='))
        .map(|(name, _)| name.to_owned())
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .collect();
    documented.sort();
    documented.dedup();
    let mut expected = declared.clone();
    expected.extend(["NO_COLOR".to_owned(), "RUST_LOG".to_owned()]);
    expected.sort();
    assert_eq!(documented, expected, ".env.example and the declared settings differ");
}

/// `.env.example` leaves variables blank: every one of them blank at once is
/// "nothing set", never a parse error — `serve` then names the one thing it
/// needs, and a question is answered with the defaults.
#[test]
fn every_variable_blank_means_unset() {
    let vars = [
        "DISCORD_TOKEN",
        "DISCORD_APPLICATION_ID",
        "DISCORD_GUILD_ID",
        "DISCORD_HTTP_PROXY",
        "STACKPICK_MEMBERS_INTENT",
        "DISCORD_PUBLIC_KEY",
        "STACKPICK_ADDR",
        "STACKPICK_METRICS_ADDR",
        "COOLDOWN_SECS",
        "ANSWER_CHANNEL_IDS",
        "DATABASE_URL",
        "LOG_RETENTION_DAYS",
        "STACKPICK_HASH_KEY",
        "STACKPICK_KNOWLEDGE",
        "STACKPICK_MODEL",
    ];
    let run = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_stackpick"));
        cmd.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
        for var in vars {
            cmd.env(var, "");
        }
        cmd.output().unwrap()
    };
    let o = run(&["serve"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("DISCORD_PUBLIC_KEY is not set"), "{err}");
    let o = run(&["run"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("DISCORD_TOKEN is not set"), "{err}");
    let o = run(&["ask", "--json", "which is faster?"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains("\"topic\":\"performance\""));
}
