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
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,stackpick=info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(colour_logs()).with_writer(std::io::stderr).init();
    let cli = match stackpick::cli::Cli::try_parse() {
        Ok(cli) => cli,
        // A setting with a bad value is one line naming it and what is wrong
        // (clap's hint to try --help adds nothing a person needs there).
        Err(e) if e.kind() == clap::error::ErrorKind::ValueValidation => {
            let text = e.render().to_string();
            eprintln!("{}", text.lines().next().unwrap_or_default());
            return ExitCode::from(2);
        }
        Err(e) => e.exit(),
    };
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
