//! The gateway bot as a process (`stackpick run`, `register`, `invite`)
//! against the fake Discord: fatal close codes, missing settings, where the
//! database lives, and registration from the command line.

use stackpick_fake_discord as fake;
use stackpick_test_support as common;

use std::time::Duration;

use fake::payloads as p;
use fake::{FakeDiscord, GUILD_ID};
use serde_json::json;

/// Runs the real binary against the fake, whose gateway closes with `code`.
async fn run_binary_with_close(code: u16) -> std::process::Output {
    let fake = FakeDiscord::start().await;
    fake.on_identify(fake::OnIdentify::Close(code));
    let db = common::TempDb::new();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_stackpick"))
        .arg("run")
        .env("DISCORD_TOKEN", "secret-token-value-123")
        .env("DISCORD_HTTP_PROXY", fake.url())
        .env("DISCORD_GUILD_ID", GUILD_ID.to_string())
        .env("RUST_LOG", "trace")
        .env("STACKPICK_KNOWLEDGE", common::pack_dir())
        .env("DATABASE_URL", db.url())
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(Duration::from_secs(30), out).await.expect("stackpick run exits").unwrap()
}

/// Without `DATABASE_URL` the bot keeps its database and key in the
/// platform's state directory (created 0700), not where it was started, and
/// says where they are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_lives_in_the_state_directory() {
    let fake = FakeDiscord::start().await;
    fake.on_identify(fake::OnIdentify::Close(4004));
    let state = tempfile::tempdir().unwrap();
    let started_in = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_stackpick"))
        .arg("run")
        .current_dir(started_in.path())
        .env("DISCORD_TOKEN", "secret-token-value-123")
        .env("DISCORD_HTTP_PROXY", fake.url())
        .env("DISCORD_GUILD_ID", GUILD_ID.to_string())
        .env("RUST_LOG", "info")
        .env("XDG_STATE_HOME", state.path())
        .env_remove("DATABASE_URL")
        .env_remove("STACKPICK_HASH_KEY")
        .env_remove("STACKPICK_KNOWLEDGE")
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(30), out).await.expect("stackpick run exits").unwrap();
    let dir = state.path().join("stackpick");
    let db = dir.join("stackpick.db");
    assert!(db.is_file(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.join("stackpick.db.key").is_file());
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
    assert_eq!(std::fs::read_dir(started_in.path()).unwrap().count(), 0, "nothing written where it was started");
    let err = String::from_utf8_lossy(&out.stderr);
    let ready = err.lines().find(|l| l.contains("database ready")).expect("the start says where the database is");
    assert!(ready.contains(&db.display().to_string()) && ready.contains("stackpick.db.key"), "{ready}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_4004_is_a_clear_error_and_a_non_zero_exit() {
    let out = run_binary_with_close(4004).await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let last = err.lines().last().unwrap();
    assert!(last.starts_with("error: Discord rejected the bot token (gateway close 4004)"), "{last}");
    assert!(last.contains("Reset Token"));
    assert!(!err.contains("secret-token-value-123"), "the token leaked into the logs");
    assert!(!err.contains('\u{1b}'), "colour codes in logs written to a pipe: {err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_4014_names_the_privileged_intents() {
    let out = run_binary_with_close(4014).await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Message Content Intent and Server Members Intent"), "{err}");
    assert!(!err.contains("secret-token-value-123"));
}

#[test]
fn missing_token_says_what_to_set() {
    let db = common::TempDb::new();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stackpick"))
        .arg("run")
        .env_remove("DISCORD_TOKEN")
        .current_dir(db.dir())
        .env("STACKPICK_KNOWLEDGE", common::pack_dir())
        .env("DATABASE_URL", db.url())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("DISCORD_TOKEN is not set") && err.contains("stackpick chat"));
}

#[test]
fn invite_asks_for_exactly_the_needed_permissions() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stackpick"))
        .arg("invite")
        .env("DISCORD_APPLICATION_ID", "123456789012345678")
        .output()
        .unwrap();
    let url = String::from_utf8(out.stdout).unwrap();
    // View Channel, Send Messages, Send Messages in Threads, Embed Links, Read
    // Message History, Add Reactions (the ⏳ that asks someone to slow down).
    let perms = (1u64 << 10) | (1 << 11) | (1 << 38) | (1 << 14) | (1 << 16) | (1 << 6);
    assert_eq!(
        url.trim(),
        format!("https://discord.com/oauth2/authorize?client_id=123456789012345678&scope=bot%20applications.commands&permissions={perms}")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_command_overwrites_or_clears() {
    let fake = FakeDiscord::start().await;
    for (args, want) in
        [(vec!["register", "--guild", "42"], 10usize), (vec!["register", "--guild", "42", "--clear"], 0)]
    {
        let db = common::TempDb::new();
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_stackpick"))
            .args(&args)
            .env("DISCORD_TOKEN", "fake-token")
            .env("DISCORD_HTTP_PROXY", fake.url())
            .env_remove("DISCORD_APPLICATION_ID")
            .env("STACKPICK_KNOWLEDGE", common::pack_dir())
            .env("DATABASE_URL", db.url())
            .output()
            .await
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(stdout.contains("server 42"), "{stdout}");
        let puts: Vec<fake::Request> = fake.requests().into_iter().filter(|r| r.method == "PUT").collect();
        let last = puts.last().unwrap();
        assert_eq!(last.path, format!("/api/v10/applications/{}/guilds/42/commands", fake::APP_ID));
        assert_eq!(last.body.as_array().unwrap().len(), want);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_shuts_down_cleanly() {
    let fake = FakeDiscord::start().await;
    let db = common::TempDb::new();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_stackpick"))
        .arg("run")
        .env("DISCORD_TOKEN", "fake-token")
        .env("DISCORD_HTTP_PROXY", fake.url())
        .env("DISCORD_GUILD_ID", GUILD_ID.to_string())
        .env("STACKPICK_KNOWLEDGE", common::pack_dir())
        .env("DATABASE_URL", db.url())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    fake.wait_for("registration", |r| r.method == "PUT").await;
    let pid = child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status =
        tokio::time::timeout(Duration::from_secs(10), child.wait()).await.expect("exits after SIGTERM").unwrap();
    assert!(status.success(), "{status:?}");
}

/// `stackpick run --metrics-addr` serves the gateway process's counters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_process_serves_its_metrics() {
    let fake = FakeDiscord::start().await;
    let db = common::TempDb::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let _bot = tokio::process::Command::new(env!("CARGO_BIN_EXE_stackpick"))
        .args(["run", "--metrics-addr", &format!("127.0.0.1:{port}")])
        .env("DISCORD_TOKEN", "secret-token-value-123")
        .env("DISCORD_HTTP_PROXY", fake.url())
        .env("DISCORD_GUILD_ID", GUILD_ID.to_string())
        .env("DATABASE_URL", db.url())
        .env("COOLDOWN_SECS", "0")
        .env_remove("STACKPICK_HASH_KEY")
        .env_remove("STACKPICK_KNOWLEDGE")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    fake.wait_for("command registration", |r| r.method == "PUT" && r.path.ends_with("/commands")).await;
    let body = fake.interact(p::ask("which is faster?", json!([]))).await;
    assert_eq!(body["data"]["embeds"][0]["title"], "Performance and speed");
    let text = reqwest::get(format!("http://127.0.0.1:{port}/metrics")).await.unwrap().text().await.unwrap();
    assert!(text.contains("stackpick_interactions_total{face=\"Gateway\"} 1"), "{text}");
    assert!(text.contains("stackpick_questions_total{outcome=\"Answered\"} 1"), "{text}");
}

/// Whether one member's second question in a row, asked over the gateway, is
/// answered (rather than told to slow down).
async fn second_question_answered(fake: &FakeDiscord, member: u64) -> bool {
    let mut last = serde_json::Value::Null;
    for _ in 0..2 {
        let mut ask = p::ask("which is faster?", json!([]));
        ask["member"]["user"]["id"] = json!(member.to_string());
        last = fake.interact(ask).await;
    }
    last["data"]["embeds"][0]["title"] == "Performance and speed"
}

/// The gateway process shares the store with the `serve` replicas: a setting
/// saved through a replica is in force in a running `stackpick run` (against
/// the fake Discord, on one Postgres) within 5 s. Here the server's cooldown
/// goes from the default 3 s to off, so a member's second question in a row
/// is answered instead of told to slow down.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_setting_saved_through_a_replica_reaches_the_gateway_process() {
    let Some(cluster) = common::postgres::Cluster::start() else { return };
    let db = cluster.database("gateway");
    let hash_key = "ef".repeat(32);
    let key = ed25519_dalek::SigningKey::from_bytes(&[10u8; 32]);
    let port = common::free_port();
    let serve_url = format!("http://127.0.0.1:{port}");
    let _serve =
        common::serve_command(env!("CARGO_BIN_EXE_stackpick"), port, &db, &hex::encode(key.verifying_key().to_bytes()))
            .env("STACKPICK_HASH_KEY", &hash_key)
            .spawn()
            .unwrap();
    assert!(common::until_healthy(&serve_url).await, "serve did not start");

    let fake = FakeDiscord::start().await;
    let _gateway = tokio::process::Command::new(env!("CARGO_BIN_EXE_stackpick"))
        .arg("run")
        .env("DISCORD_TOKEN", "secret-token-value-123")
        .env("DISCORD_HTTP_PROXY", fake.url())
        .env("DISCORD_GUILD_ID", GUILD_ID.to_string())
        .env("DATABASE_URL", &db)
        .env("STACKPICK_HASH_KEY", &hash_key)
        .env("STACKPICK_KNOWLEDGE", common::pack_dir())
        .env_remove("COOLDOWN_SECS")
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    fake.wait_for("command registration", |r| r.method == "PUT" && r.path.ends_with("/commands")).await;
    assert!(!second_question_answered(&fake, 5_001).await, "the default cooldown holds at first");

    let mut setup = p::setup(&["cooldown"], json!([{"type": 4, "name": "seconds", "value": 0}]), p::MODERATOR_PERMS);
    setup["guild_id"] = json!(GUILD_ID.to_string());
    let body = common::post_interaction(&reqwest::Client::new(), &serve_url, &key, &setup).await;
    assert!(body["data"]["content"].as_str().unwrap_or_default().starts_with("✅"), "{body}");
    let confirmed = std::time::Instant::now();
    let mut member = 5_002;
    while !second_question_answered(&fake, member).await {
        assert!(confirmed.elapsed() < Duration::from_secs(5), "the gateway process still has the old cooldown");
        tokio::time::sleep(Duration::from_millis(200)).await;
        member += 1;
    }
    println!("the gateway process had the setting after {:?}", confirmed.elapsed());
}
