use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // A missing .env is normal; the environment may carry everything.
    let _ = dotenvy::dotenv();
    let cli = stackpick::cli::Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match stackpick::cli::run(cli, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            drop(out);
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
