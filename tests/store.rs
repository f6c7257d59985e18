//! The data layer on real SQLite files (migrations are in
//! `store_migrations.rs`): the journal, durability across SIGKILL, and a bot that keeps answering when
//! the database cannot be written.

use stackpick_fake_discord as fake;
use stackpick_test_support as common;

use common::sqlite::*;

use std::sync::Arc;
use std::time::Duration;

use ed25519_dalek::SigningKey;
use serde_json::{json, Value};
use stackpick::store::{
    Entry, KeySource, Member, OpenOptions, QuestionLog, QuestionRecord, Reports, Server, Settings, SqliteStore,
    Welcomes,
};

#[tokio::test]
async fn the_journal_writes_everything_queued_and_prunes_old_rows() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&url(&dir, "log.db")).await.unwrap();
    let old = QuestionRecord {
        place: place(Some(1), None),
        asker: None,
        text: "ancient question".into(),
        topic: None,
        confidence: 0.0,
        answered: false,
        asked_at: 1_000,
    };
    store.write_log(&[old], &[]).await.unwrap();
    store.close(CLOSE).await;
    let options = OpenOptions { retention_days: Some(90), ..OpenOptions::default() };
    let store = SqliteStore::open_with(&url(&dir, "log.db"), options).await.unwrap();
    for i in 0..1_000 {
        store.record(Entry::Question(QuestionRecord {
            place: place(Some(1), Some(2)),
            asker: None,
            text: format!("question {i}"),
            topic: Some("performance".into()),
            confidence: 0.8,
            answered: true,
            asked_at: stackpick::store::now(),
        }));
    }
    store.close(CLOSE).await;
    assert_eq!(store.dropped(), 0);
    let store = SqliteStore::open_read_only(&url(&dir, "log.db")).await.unwrap();
    let stats = store.stats(discord(1).as_ref(), 0).await.unwrap();
    assert_eq!(stats.questions, 1_000, "the ancient row was pruned, every new one written");
}

async fn spawn_serve(db_url: &str, key: &SigningKey) -> (tokio::process::Child, String) {
    spawn_serve_with(db_url, key, &[]).await
}

async fn spawn_serve_with(db_url: &str, key: &SigningKey, env: &[(&str, &str)]) -> (tokio::process::Child, String) {
    let port = common::free_port();
    let public_key = hex::encode(key.verifying_key().to_bytes());
    let child = common::serve_command(env!("CARGO_BIN_EXE_stackpick"), port, db_url, &public_key)
        .env("COOLDOWN_SECS", "0")
        .envs(env.iter().copied())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    assert!(common::until_healthy(&base).await, "serve did not start");
    (child, base)
}

fn setup_cooldown(guild: u64, seconds: u64) -> Value {
    let mut i = fake::payloads::setup(
        &["cooldown"],
        json!([{"type": 4, "name": "seconds", "value": seconds}]),
        fake::payloads::MODERATOR_PERMS,
    );
    i["guild_id"] = json!(guild.to_string());
    i
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_confirmed_is_lost_when_the_process_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let db = url(&dir, "kill.db");
    let key = SigningKey::from_bytes(&[5u8; 32]);
    let (mut child, base) = spawn_serve(&db, &key).await;
    let client = reqwest::Client::new();

    // A burst of settings changes (50 servers) and questions, concurrently.
    let mut tasks = Vec::new();
    for g in 0..50u64 {
        let (client, base, key) = (client.clone(), base.clone(), key.clone());
        tasks.push(tokio::spawn(async move {
            let body = common::post_interaction(&client, &base, &key, &setup_cooldown(1_000 + g, 100 + g)).await;
            let confirmed = body["data"]["content"].as_str().unwrap_or_default().starts_with("✅");
            let q = fake::payloads::ask("which is faster?", json!([]));
            common::post_interaction(&client, &base, &key, &q).await;
            (1_000 + g, 100 + g, confirmed)
        }));
    }
    let mut confirmed = Vec::new();
    for t in tasks {
        let (guild, secs, ok) = t.await.unwrap();
        if ok {
            confirmed.push((guild, secs));
        }
    }
    child.start_kill().unwrap(); // SIGKILL
    child.wait().await.unwrap();
    assert_eq!(confirmed.len(), 50, "every change was confirmed");

    let store = SqliteStore::open(&db).await.expect("the database opens cleanly after SIGKILL");
    let saved = store.all_settings().await.unwrap();
    for (guild, secs) in confirmed {
        let s = saved
            .iter()
            .find(|s| s.server == Server::discord(guild))
            .unwrap_or_else(|| panic!("confirmed change for {guild} lost"));
        assert_eq!(s.cooldown_secs, Some(secs as u32));
    }
    // Questions are logged behind the answers; whatever reached the database is intact.
    let logged = store.stats(None, 0).await.unwrap().questions;
    assert!(logged <= 50);
    println!("{logged} of 50 questions were logged before the kill");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_database_does_not_stop_the_answers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ro.db");
    SqliteStore::open(&format!("sqlite://{}", path.display())).await.unwrap().close(CLOSE).await;
    let key = SigningKey::from_bytes(&[6u8; 32]);
    let (_child, base) = spawn_serve(&format!("sqlite://{}?mode=ro", path.display()), &key).await;
    let client = reqwest::Client::new();
    let body =
        common::post_interaction(&client, &base, &key, &fake::payloads::ask("which is faster?", json!([]))).await;
    assert_eq!(body["data"]["embeds"][0]["title"], "Performance and speed");
    let body = common::post_interaction(&client, &base, &key, &setup_cooldown(fake::GUILD_ID, 9)).await;
    let text = body["data"]["content"].as_str().unwrap();
    assert!(text.starts_with("❌") && text.contains("Nothing changed"), "{text}");
}

#[tokio::test]
async fn the_database_file_alone_cannot_link_a_vote_or_welcome_to_a_member() {
    let dir = tempfile::tempdir().unwrap();
    let db = url(&dir, "bot.db");
    let store = SqliteStore::open(&db).await.unwrap();
    let member = 123_456_789_012_345_678u64;
    let hashed = store.hash_member(&Member::discord(member));
    assert!(store.claim_welcome(&Server::discord(1), &Member::discord(member), false).await.unwrap());
    store.close(CLOSE).await;
    // No key in the database...
    let pool = raw_pool(&db).await;
    let keys: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM meta WHERE key = 'user_hash_key'").fetch_one(&pool).await.unwrap();
    assert_eq!(keys, 0);
    let stored: Vec<String> = sqlx::query_scalar("SELECT member FROM welcomes").fetch_all(&pool).await.unwrap();
    assert!(!stored.iter().any(|m| m.contains(&member.to_string())), "member id in clear");
    pool.close().await;
    // ...but in a key file beside it, readable by its owner only.
    let key_file = SqliteStore::key_file(&dir.path().join("bot.db"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // The same key next time: the member is recognised.
    let again = SqliteStore::open(&db).await.unwrap();
    assert_eq!(again.hash_member(&Member::discord(member)), hashed);
    again.close(CLOSE).await;
    // With the database copied away from its key file, hashes no longer match.
    let copy = tempfile::tempdir().unwrap();
    std::fs::copy(dir.path().join("bot.db"), copy.path().join("bot.db")).unwrap();
    let stranger = SqliteStore::open(&url(&copy, "bot.db")).await.unwrap();
    assert_ne!(stranger.hash_member(&Member::discord(member)), hashed);
    stranger.close(CLOSE).await;
}

#[tokio::test]
async fn a_key_kept_in_the_database_by_an_older_version_moves_to_the_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = url(&dir, "old.db");
    let store = SqliteStore::open_with(&db, OpenOptions { key: KeySource::Key([7; 32]), ..OpenOptions::default() })
        .await
        .unwrap();
    let expected = store.hash_member(&Member::discord(42));
    store.close(CLOSE).await;
    let pool = raw_pool(&db).await;
    sqlx::query("INSERT INTO meta (key, value) VALUES ('user_hash_key', ?)")
        .bind(vec![7u8; 32])
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let key = KeySource::File(SqliteStore::key_file(&dir.path().join("old.db")));
    let store = SqliteStore::open_with(&db, OpenOptions { key, ..OpenOptions::default() }).await.unwrap();
    assert_eq!(store.hash_member(&Member::discord(42)), expected, "votes and welcomes stay recognised");
    store.close(CLOSE).await;
    let pool = raw_pool(&db).await;
    let keys: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM meta WHERE key = 'user_hash_key'").fetch_one(&pool).await.unwrap();
    assert_eq!(keys, 0, "the key left the database");
    pool.close().await;
}

#[tokio::test]
async fn a_server_that_removed_the_bot_is_forgotten_after_the_grace_period_unless_it_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = url(&dir, "bot.db");
    let store = SqliteStore::open(&db).await.unwrap();
    for g in [1, 2, 3] {
        seed(&store, g).await;
    }
    let now = stackpick::store::now();
    store.departed(&Server::discord(1), now - 10).await.unwrap();
    store.departed(&Server::discord(2), now - 10).await.unwrap();
    store.returned(&Server::discord(2)).await.unwrap(); // added back within the grace period
                                                        // Inside the grace period nothing goes.
    assert!(store.forget_departed(now - 3600).await.unwrap().is_empty());
    assert!(rows_about(&db, 1).await > 0);
    // Past it, only the server that stayed away is forgotten.
    assert_eq!(store.forget_departed(now).await.unwrap(), vec![Server::discord(1)]);
    store.close(CLOSE).await;
    assert_eq!(rows_about(&db, 1).await, 0);
    assert!(rows_about(&db, 2).await > 0 && rows_about(&db, 3).await > 0);
}

/// The hashing key is a secret: printing a store (a `{:?}` in a log line)
/// must not print it.
#[tokio::test]
async fn a_store_never_prints_its_hashing_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_with(
        &url(&dir, "k.db"),
        OpenOptions { key: KeySource::Key([0xAB; 32]), ..OpenOptions::default() },
    )
    .await
    .unwrap();
    let shown = format!("{store:?}");
    assert!(!shown.contains("171"), "the key's bytes are in {shown}");
    assert!(!shown.to_lowercase().contains("abab"), "{shown}");
    assert!(shown.contains("k.db"), "{shown}");
    store.close(CLOSE).await;
}

/// Past the queue's bound, entries are dropped and every one is counted (and
/// exposed as a metric); what was queued is still written.
#[tokio::test]
async fn a_full_log_queue_counts_every_dropped_row() {
    let dir = tempfile::tempdir().unwrap();
    let options = OpenOptions { observer: Arc::new(stackpick::metrics::StoreObserver), ..OpenOptions::default() };
    let store = SqliteStore::open_with(&url(&dir, "full.db"), options).await.unwrap();
    let before = stackpick::metrics::get().render();
    let dropped_metric = |text: &str| common::metric(text, "stackpick_log_dropped_rows_total");
    // The single-threaded test runtime cannot run the writer until this loop
    // awaits, so the queue fills exactly.
    for i in 0..stackpick::store::QUEUE + 5 {
        store.record(Entry::Question(QuestionRecord {
            place: place(Some(1), None),
            asker: None,
            text: format!("question {i}"),
            topic: None,
            confidence: 0.0,
            answered: false,
            asked_at: stackpick::store::now(),
        }));
    }
    assert_eq!(store.dropped(), 5);
    assert_eq!(dropped_metric(&stackpick::metrics::get().render()) - dropped_metric(&before), 5.0);
    store.close(Duration::from_secs(30)).await;
    let store = SqliteStore::open_read_only(&url(&dir, "full.db")).await.unwrap();
    assert_eq!(store.stats(discord(1).as_ref(), 0).await.unwrap().questions, stackpick::store::QUEUE as u64);
}

/// The queue is bounded in bytes as well as entries: long questions fill it
/// sooner, so a burst of them cannot take more than `QUEUE_BYTES` of memory;
/// every one past the bound is counted, and what was queued is written.
#[tokio::test]
async fn a_log_queue_of_long_questions_is_bounded_in_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&url(&dir, "long.db")).await.unwrap();
    let long = |i: usize| {
        Entry::Question(QuestionRecord {
            place: place(Some(1), None),
            asker: None,
            text: format!("{i:05} {}", "why is this slow ".repeat(29)),
            topic: None,
            confidence: 0.0,
            answered: false,
            asked_at: stackpick::store::now(),
        })
    };
    let fit = stackpick::store::QUEUE_BYTES / long(0).bytes();
    assert!(fit < stackpick::store::QUEUE, "the bytes bind first for these entries ({fit} fit)");
    // As above: the writer cannot run until this loop awaits.
    for i in 0..fit + 7 {
        store.record(long(i));
    }
    assert_eq!(store.dropped(), 7);
    store.close(Duration::from_secs(60)).await;
    let store = SqliteStore::open_read_only(&url(&dir, "long.db")).await.unwrap();
    assert_eq!(store.stats(discord(1).as_ref(), 0).await.unwrap().questions, fit as u64);
}

/// Replicas of `serve` behind a load balancer share one Postgres database: a
/// setting confirmed through one is in force on the other within 5 s (its
/// settings refresh), survives the first being killed, and the other keeps
/// answering while the database is down.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_setting_saved_through_one_replica_reaches_the_other_within_five_seconds() {
    let Some(cluster) = common::postgres::Cluster::start() else { return };
    let db = cluster.database("replicas");
    let hash_key = "ab".repeat(32);
    let env = [("STACKPICK_HASH_KEY", hash_key.as_str())];
    let key = SigningKey::from_bytes(&[8u8; 32]);
    let (mut one, one_url) = spawn_serve_with(&db, &key, &env).await;
    let (_two, two_url) = spawn_serve_with(&db, &key, &env).await;
    let client = reqwest::Client::new();
    let guild = 4_242u64;
    let show = || {
        let mut i = fake::payloads::setup(&["show"], json!([]), fake::payloads::MODERATOR_PERMS);
        i["guild_id"] = json!(guild.to_string());
        i
    };
    let cooldown_on = |body: &Value| {
        body["data"]["embeds"][0]["fields"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["name"] == "Cooldown"))
            .map(|f| f["value"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_default()
    };
    assert!(cooldown_on(&common::post_interaction(&client, &two_url, &key, &show()).await).contains("(default)"));

    let body = common::post_interaction(&client, &one_url, &key, &setup_cooldown(guild, 9)).await;
    assert!(body["data"]["content"].as_str().unwrap_or_default().starts_with("✅"), "{body}");
    let confirmed = std::time::Instant::now();
    loop {
        if cooldown_on(&common::post_interaction(&client, &two_url, &key, &show()).await) == "9 s" {
            break;
        }
        assert!(confirmed.elapsed() < Duration::from_secs(5), "the other replica still has the old cooldown");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!("the other replica had the setting after {:?}", confirmed.elapsed());

    one.start_kill().unwrap(); // SIGKILL
    one.wait().await.unwrap();
    // With the database gone, the other replica still answers, from its last good settings.
    cluster.stop();
    let body =
        common::post_interaction(&client, &two_url, &key, &fake::payloads::ask("which is faster?", json!([]))).await;
    assert_eq!(body["data"]["embeds"][0]["title"], "Performance and speed", "{body}");
    cluster.restart();
    let options = stackpick::store::OpenOptions { key: KeySource::Key([0xAB; 32]), ..OpenOptions::default() };
    let store = stackpick::store::PostgresStore::open_with(&db, options).await.unwrap();
    let saved = store.all_settings().await.unwrap();
    assert_eq!(saved.iter().find(|s| s.server == Server::discord(guild)).and_then(|s| s.cooldown_secs), Some(9));
    store.close(CLOSE).await;
}

/// `/kb reload` through one replica reloads every replica sharing the store
/// (each from its own copy of the pack) within 5 s plus its own loading time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_knowledge_reload_through_one_replica_reaches_the_other() {
    let Some(cluster) = common::postgres::Cluster::start() else { return };
    let db = cluster.database("reload");
    let pack = common::pack_copy(&common::pack_dir());
    let hash_key = "cd".repeat(32);
    let pack_dir = pack.path().display().to_string();
    let env = [("STACKPICK_HASH_KEY", hash_key.as_str()), ("STACKPICK_KNOWLEDGE", pack_dir.as_str())];
    let key = SigningKey::from_bytes(&[9u8; 32]);
    let (_one, one_url) = spawn_serve_with(&db, &key, &env).await;
    let (_two, two_url) = spawn_serve_with(&db, &key, &env).await;
    let client = reqwest::Client::new();
    let title = |body: Value| body["data"]["embeds"][0]["title"].as_str().unwrap_or_default().to_owned();
    let ask = fake::payloads::ask("which is faster?", json!([]));
    assert_eq!(title(common::post_interaction(&client, &two_url, &key, &ask).await), "Performance and speed");

    let topics = pack.path().join("topics.toml");
    let text = std::fs::read_to_string(&topics).unwrap();
    assert!(text.contains("title = \"Performance and speed\""));
    std::fs::write(&topics, text.replacen("title = \"Performance and speed\"", "title = \"Speed, reviewed\"", 1))
        .unwrap();
    let reload = fake::payloads::slash_as(
        "kb",
        json!([{"type": 1, "name": "reload", "options": []}]),
        fake::payloads::MODERATOR_PERMS,
        fake::USER_ID,
    );
    let asked = std::time::Instant::now();
    let body = common::post_interaction(&client, &one_url, &key, &reload).await;
    // Loading a pack takes a moment: the reply is either the confirmation or
    // "thinking…" (the confirmation then follows as an edit, not tested here).
    let confirmed = body["data"]["content"].as_str().unwrap_or_default().starts_with("✅");
    assert!(confirmed || body["type"] == 5, "{body}");
    while title(common::post_interaction(&client, &one_url, &key, &ask).await) != "Speed, reviewed" {
        assert!(asked.elapsed() < Duration::from_secs(20), "the replica asked to reload did not");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The other replica needs one refresh interval plus its own load of the
    // pack, which takes about as long as the first one's did.
    let first_took = asked.elapsed();
    let reloaded = std::time::Instant::now();
    while title(common::post_interaction(&client, &two_url, &key, &ask).await) != "Speed, reviewed" {
        assert!(
            reloaded.elapsed() < first_took + Duration::from_secs(5),
            "the other replica still answers from the old pack"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!("the other replica followed {:?} after the first had reloaded", reloaded.elapsed());
}
