use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // A missing .env is normal; the environment may carry everything.
    let _ = dotenvy::dotenv();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,stackpick=info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
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
