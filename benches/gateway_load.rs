//! Load on the gateway bot: `stackpick run` (the release binary) connected to
//! the fake Discord with one guild, answering 10,000 `/ask` interactions fired
//! back to back. Reports answers per second and the process's peak RSS.
//!
//! Run with `cargo bench --bench gateway_load`. Everything stays on 127.0.0.1.

use stackpick_fake_discord as fake;

use std::time::{Duration, Instant};

use fake::payloads as p;
use serde_json::json;

const INTERACTIONS: usize = 10_000;

fn rss_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn main() {
    // `cargo bench` passes filter flags; this harness has a single measurement.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    rt.block_on(async {
        let fake = fake::FakeDiscord::start().await;
        // The database and its key in a directory of their own, removed at the end.
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_stackpick"))
            .arg("run")
            .env("DISCORD_TOKEN", "load-test-token")
            .env("DISCORD_HTTP_PROXY", fake.url())
            .env("DISCORD_GUILD_ID", fake::GUILD_ID.to_string())
            .env("RUST_LOG", "error")
            .env("DATABASE_URL", format!("sqlite://{}/load.db", dir.path().display()))
            .env("STACKPICK_KNOWLEDGE", concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge"))
            .kill_on_drop(true)
            .spawn()
            .expect("stackpick runs");
        let pid = child.id().unwrap();
        fake.wait_for("registration", |r| r.method == "PUT").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let idle = rss_kib(pid, "VmRSS:");

        let questions = ["which is faster?", "best for ML?", "is node hard to learn", "how do they handle errors?"];
        let interactions: Vec<_> = (0..INTERACTIONS)
            .map(|i| {
                // A different user each time: the per-user cooldown does not apply.
                let user = 810_000_000_000_000_000u64 + i as u64;
                let options = json!([{"type": 3, "name": "question", "value": questions[i % questions.len()]}]);
                p::slash_as("ask", options, p::MEMBER_PERMS, user)
            })
            .collect();
        let started = Instant::now();
        for interaction in interactions {
            fake.dispatch("INTERACTION_CREATE", interaction);
        }
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let done = fake.requests().iter().filter(|r| r.path.ends_with("/callback")).count();
            if done >= INTERACTIONS {
                break;
            }
            assert!(Instant::now() < deadline, "only {done} of {INTERACTIONS} answered");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let elapsed = started.elapsed();
        let peak = rss_kib(pid, "VmHWM:");
        println!("gateway_load: {INTERACTIONS} /ask interactions answered in {:.2} s", elapsed.as_secs_f64());
        println!("gateway_load: {:.0} answers/s", INTERACTIONS as f64 / elapsed.as_secs_f64());
        println!(
            "gateway_load: RSS after connecting {:.1} MiB, peak RSS {:.1} MiB",
            idle as f64 / 1024.0,
            peak as f64 / 1024.0
        );
        let _ = child.start_kill();
        let _ = child.wait().await;
    });
}
