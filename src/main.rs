use std::process::ExitCode;

use clap::Parser;

/// Colours only for a person at a terminal: journald, docker and log files get
/// plain text, and `NO_COLOR` (any non-empty value, see no-color.org) turns them off.
fn colour_logs() -> bool {
    use std::io::IsTerminal;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !no_color && std::io::stderr().is_terminal()
}

fn main() -> ExitCode {
    // A missing .env is normal; the environment may carry everything.
    let _ = dotenvy::dotenv();
    // `.env.example` lists every variable, some blank: a blank one means "not set",
    // not "an empty value" (clap would refuse `--knowledge ""`).
    for name in ["STACKPICK_KNOWLEDGE", "STACKPICK_ADDR", "STACKPICK_METRICS_ADDR"] {
        if std::env::var_os(name).is_some_and(|v| v.is_empty()) {
            std::env::remove_var(name);
        }
    }
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,stackpick=info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(colour_logs()).with_writer(std::io::stderr).init();
    let cli = stackpick::cli::Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match stackpick::cli::run(cli, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        // `stackpick ask ... | head` closing the pipe early is not an error.
        Err(e) if e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            drop(out);
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
