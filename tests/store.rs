//! The data layer on real SQLite files: migrations, refusal of newer
//! databases, durability across SIGKILL, and a bot that keeps answering when
//! the database cannot be written.

mod common;
use stackpick_fake_discord as fake;

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use ed25519_dalek::SigningKey;
use serde_json::{json, Value};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use stackpick::store::{
    Entry, KeySource, Member, OpenOptions, Place, Platform, QuestionLog, QuestionRecord, Reports, Server,
    ServerSettings, Settings, SqliteStore, StoreError, Vote, Welcomes,
};

/// A Discord server's settings with a cooldown and answer channels.
fn settings(guild: u64, cooldown: u32, channels: &[u64]) -> ServerSettings {
    ServerSettings {
        cooldown_secs: Some(cooldown),
        answer_channels: Some(channels.iter().map(u64::to_string).collect()),
        ..ServerSettings::new(Server::discord(guild))
    }
}

/// Where a Discord question was asked.
fn place(guild: Option<u64>, channel: Option<u64>) -> Place {
    Place { platform: Platform::Discord, server: guild.map(|g| g.to_string()), channel: channel.map(|c| c.to_string()) }
}

fn discord(guild: u64) -> Option<Server> {
    Some(Server::discord(guild))
}

const CLOSE: Duration = Duration::from_secs(10);

fn url(dir: &tempfile::TempDir, name: &str) -> String {
    format!("sqlite://{}", dir.path().join(name).display())
}

async fn raw_pool(url: &str) -> SqlitePool {
    use std::str::FromStr;
    SqlitePool::connect_with(SqliteConnectOptions::from_str(url).unwrap().create_if_missing(true)).await.unwrap()
}

async fn migrator_up_to(version: i64) -> Migrator {
    let mut m = Migrator::new(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/crates/store/migrations")))
        .await
        .unwrap();
    m.migrations = Cow::Owned(m.migrations.iter().filter(|x| x.version <= version).cloned().collect());
    m
}

#[tokio::test]
async fn migrates_from_empty() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&url(&dir, "new.db")).await.unwrap();
    assert!(SqliteStore::latest_version() >= 2);
    let s = settings(1, 5, &[7, 8]);
    store.save_settings(&s).await.unwrap();
    assert_eq!(store.all_settings().await.unwrap(), vec![s]);
}

#[tokio::test]
async fn migrates_from_each_earlier_version_keeping_data() {
    for version in 1..SqliteStore::latest_version() {
        let dir = tempfile::tempdir().unwrap();
        let url = url(&dir, "old.db");
        let pool = raw_pool(&url).await;
        migrator_up_to(version).await.run(&pool).await.unwrap();
        // Rows as that version wrote them: integer ids up to version 3, (platform, text id) since.
        let rows = if version <= 3 {
            ["INSERT INTO guild_settings (guild_id, onboarding_channel, onboarding_enabled, onboarding_dm, cooldown_secs, updated_at) VALUES (42, 9, 1, 0, 7, 0)",
             "INSERT INTO questions (guild_id, channel_id, text, topic, confidence, answered, asked_at) VALUES (42, 9, 'which is faster', 'performance', 0.7, 1, 100)"]
        } else {
            ["INSERT INTO server_settings (platform, server, onboarding_channel, onboarding_enabled, onboarding_dm, cooldown_secs, updated_at) VALUES ('discord', '42', '9', 1, 0, 7, 0)",
             "INSERT INTO questions (platform, server, channel, text, topic, confidence, answered, asked_at) VALUES ('discord', '42', '9', 'which is faster', 'performance', 0.7, 1, 100)"]
        };
        for sql in rows {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        pool.close().await;

        let store = SqliteStore::open(&url).await.unwrap();
        let settings = store.all_settings().await.unwrap();
        assert_eq!(settings.len(), 1, "from version {version}");
        assert_eq!(settings[0].onboarding_channel.as_deref(), Some("9"));
        assert_eq!(settings[0].cooldown_secs, Some(7));
        assert_eq!(settings[0].answer_channels, None, "not configured before: the environment default applies");
        assert_eq!(store.stats(discord(42).as_ref(), 0).await.unwrap().questions, 1);
    }
}

/// The schema of the last release that keyed servers by integer: version 3.
const LAST_INTEGER_SCHEMA: i64 = 3;

/// A database written by the last release (integer Discord ids) moves to
/// platform-neutral keys without losing a row, and the members it hashed are
/// still recognised: nobody is welcomed twice, a vote is replaced, not doubled.
#[tokio::test]
async fn a_database_from_the_last_release_moves_to_platform_neutral_keys_without_losing_a_row() {
    use hmac::{Hmac, Mac};
    let dir = tempfile::tempdir().unwrap();
    let url = url(&dir, "release.db");
    let pool = raw_pool(&url).await;
    migrator_up_to(LAST_INTEGER_SCHEMA).await.run(&pool).await.unwrap();
    let key = [9u8; 32];
    // How that release hashed a member: HMAC-SHA256 over the id's eight little-endian bytes.
    let old_hash = |id: u64| {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
        mac.update(&id.to_le_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    };
    let big: u64 = 1_234_567_890_123_456_789; // a snowflake of today's size
    for sql in [
        format!(
            "INSERT INTO guild_settings (guild_id, onboarding_channel, onboarding_enabled, onboarding_dm, cooldown_secs, \
             updated_at, answer_channels_set) VALUES ({big}, 11, 1, 0, 30, 5, 1), (2, NULL, 0, 1, NULL, 6, 0)"
        ),
        format!("INSERT INTO answer_channels (guild_id, channel_id) VALUES ({big}, 21), ({big}, 1100000000000000000)"),
        format!(
            "INSERT INTO questions (guild_id, channel_id, text, topic, confidence, answered, asked_at) VALUES \
             ({big}, 21, 'which is faster', 'performance', 0.9, 1, 100), (NULL, NULL, 'a question in a DM', NULL, 0.1, 0, 101)"
        ),
        format!(
            "INSERT INTO feedback (topic, voter, guild_id, helpful, voted_at) VALUES ('performance', '{}', {big}, 0, 102)",
            old_hash(42)
        ),
        format!(
            "INSERT INTO welcomes (guild_id, member, status, at) VALUES ({big}, '{}', 'sent', 103), ({big}, '{}', 'pending', 104)",
            old_hash(42),
            old_hash(43)
        ),
        "INSERT INTO departures (guild_id, left_at) VALUES (2, 105)".to_owned(),
    ] {
        sqlx::query(&sql).execute(&pool).await.unwrap();
    }
    let tables =
        |settings: &'static str| [settings, "answer_channels", "questions", "feedback", "welcomes", "departures"];
    let mut before = Vec::new();
    for table in tables("guild_settings") {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&pool).await.unwrap();
        before.push(n);
    }
    pool.close().await;

    let store =
        SqliteStore::open_with(&url, OpenOptions { key: KeySource::Key(key), ..OpenOptions::default() }).await.unwrap();
    let pool = raw_pool(&url).await;
    let mut after = Vec::new();
    for table in tables("server_settings") {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&pool).await.unwrap();
        after.push(n);
    }
    assert_eq!(after, before, "every row of every table came across");
    let dm: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM questions WHERE platform = 'discord' AND server IS NULL AND channel IS NULL",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(dm, 1, "a DM's question keeps having no server");
    pool.close().await;

    let mut saved = store.all_settings().await.unwrap();
    saved.sort_by(|a, b| a.server.cmp(&b.server));
    assert_eq!(
        saved,
        vec![
            ServerSettings {
                onboarding_enabled: true,
                onboarding_channel: Some("11".into()),
                cooldown_secs: Some(30),
                answer_channels: Some(vec!["21".into(), "1100000000000000000".into()]),
                ..ServerSettings::new(Server::discord(big))
            },
            ServerSettings { onboarding_dm: true, ..ServerSettings::new(Server::discord(2)) },
        ]
    );
    let stats = store.stats(discord(big).as_ref(), 0).await.unwrap();
    assert_eq!((stats.questions, stats.answered, stats.unhelpful, stats.welcomes), (1, 1, 1, 1));
    assert_eq!(stats.per_topic, vec![("performance".to_owned(), 1)]);
    assert_eq!(store.stats(None, 0).await.unwrap().questions, 2);

    // The members that release hashed are the same members now.
    let server = Server::discord(big);
    assert!(!store.claim_welcome(&server, &Member::discord(42), false).await.unwrap(), "welcomed once, not twice");
    assert!(store.claim_pending_welcome(&server, &Member::discord(43)).await.unwrap(), "the pending member passes");
    let vote = Vote {
        topic: "performance".into(),
        member: Member::discord(42),
        server: Some(big.to_string()),
        helpful: true,
        voted_at: 200,
    };
    store.write_log(&[], &[vote]).await.unwrap();
    let stats = store.stats(discord(big).as_ref(), 0).await.unwrap();
    assert_eq!((stats.helpful, stats.unhelpful), (1, 0), "the member's vote was replaced, not doubled");
    // The departure still counts from when the server left.
    assert_eq!(store.forget_departed(106).await.unwrap(), vec![Server::discord(2)]);
    store.close(CLOSE).await;
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let url = url(&dir, "newer.db");
    SqliteStore::open(&url).await.unwrap().close(CLOSE).await;
    let pool = raw_pool(&url).await;
    sqlx::query("INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) VALUES (9999, 'from the future', CURRENT_TIMESTAMP, 1, x'00', 0)")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("CREATE TABLE future_table (x INTEGER)").execute(&pool).await.unwrap();
    // That release changed what this one relies on ("contract"): it says so.
    sqlx::query("UPDATE schema_compat SET oldest_reader = 9999").execute(&pool).await.unwrap();
    pool.close().await;

    let err = SqliteStore::open(&url).await.unwrap_err();
    assert!(matches!(err, StoreError::NewerSchema { theirs: 9999, .. }), "{err}");
    assert!(err.to_string().contains("written by a newer stackpick (schema version 9999"), "{err}");
    let pool = raw_pool(&url).await;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(&pool).await.unwrap();
    assert_eq!(n, SqliteStore::latest_version() + 1, "nothing was applied or removed");
}

#[tokio::test]
async fn the_journal_writes_everything_queued_and_prunes_old_rows() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&url(&dir, "log.db")).await.unwrap();
    let old = QuestionRecord {
        place: place(Some(1), None),
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

fn signed(key: &SigningKey, body: &Value) -> (Vec<u8>, String, String) {
    let body = serde_json::to_vec(body).unwrap();
    let ts = common::now_ts();
    let sig = common::sign(key, &ts, &body);
    (body, sig, ts)
}

async fn spawn_serve(db_url: &str, key: &SigningKey) -> (tokio::process::Child, String) {
    spawn_serve_with(db_url, key, &[]).await
}

async fn spawn_serve_with(db_url: &str, key: &SigningKey, env: &[(&str, &str)]) -> (tokio::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_stackpick"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("DISCORD_PUBLIC_KEY", hex::encode(key.verifying_key().to_bytes()))
        .env("DATABASE_URL", db_url)
        .env("COOLDOWN_SECS", "0")
        .env_remove("DISCORD_TOKEN")
        .env("STACKPICK_KNOWLEDGE", common::pack_dir())
        .envs(env.iter().copied())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok() {
            return (child, base);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("serve did not start");
}

async fn post(client: &reqwest::Client, base: &str, key: &SigningKey, body: &Value) -> Value {
    let (bytes, sig, ts) = signed(key, body);
    let res = client
        .post(format!("{base}/interactions"))
        .header("content-type", "application/json")
        .header("x-signature-ed25519", sig)
        .header("x-signature-timestamp", ts)
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
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
            let body = post(&client, &base, &key, &setup_cooldown(1_000 + g, 100 + g)).await;
            let confirmed = body["data"]["content"].as_str().unwrap_or_default().starts_with("✅");
            let q = fake::payloads::ask("which is faster?", json!([]));
            post(&client, &base, &key, &q).await;
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
    let body = post(&client, &base, &key, &fake::payloads::ask("which is faster?", json!([]))).await;
    assert_eq!(body["data"]["embeds"][0]["title"], "Performance and speed");
    let body = post(&client, &base, &key, &setup_cooldown(fake::GUILD_ID, 9)).await;
    let text = body["data"]["content"].as_str().unwrap();
    assert!(text.starts_with("❌") && text.contains("Nothing changed"), "{text}");
}

#[tokio::test]
async fn gaps_and_stats_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = url(&dir, "cli.db");
    let store = SqliteStore::open(&db).await.unwrap();
    let q = |text: &str, guild: u64, answered: bool| QuestionRecord {
        place: place(Some(guild), None),
        text: text.into(),
        topic: answered.then(|| "performance".to_owned()),
        confidence: if answered { 0.9 } else { 0.1 },
        answered,
        asked_at: stackpick::store::now(),
    };
    store
        .write_log(
            &[
                q("is rust faster than go", 1, false),
                q("is rust faster than go?", 1, false),
                q("which is faster", 1, true),
                q("what about elixir", 2, false),
            ],
            &[],
        )
        .await
        .unwrap();
    store.close(CLOSE).await;

    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_stackpick"))
            .args(args)
            .env("DATABASE_URL", &db)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let gaps: Value = serde_json::from_str(&run(&["gaps", "--json"])).unwrap();
    assert_eq!(gaps[0]["count"], 2);
    assert_eq!(gaps.as_array().unwrap().len(), 2);
    let gaps: Value = serde_json::from_str(&run(&["gaps", "--guild", "2", "--json"])).unwrap();
    assert_eq!(gaps.as_array().unwrap().len(), 1);
    let text = run(&["gaps", "--guild", "1"]);
    assert!(text.starts_with("2× “is rust faster than go”"), "{text}");
    let stats: Value = serde_json::from_str(&run(&["stats", "--json"])).unwrap();
    assert_eq!((stats["questions"].as_u64(), stats["answered"].as_u64()), (Some(4), Some(1)));
    assert!(run(&["stats", "--guild", "1"]).contains("questions: 3"));
}

/// Runs `stackpick ARGS` with this DATABASE_URL; returns (success, stderr).
fn report(db: &str, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stackpick"))
        .args(args)
        .env("DATABASE_URL", db)
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn reports_on_a_missing_database_say_so_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typo.db");
    for cmd in ["stats", "gaps"] {
        let (ok, err) = report(&format!("sqlite://{}", path.display()), &[cmd]);
        assert!(!ok);
        assert!(err.contains(&format!("no such database `{}`", path.display())), "{err}");
        assert!(!path.exists(), "{cmd} created the database");
    }
}

#[tokio::test]
async fn reports_refuse_another_applications_database_and_leave_it_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = url(&dir, "other.db");
    let pool = raw_pool(&db).await;
    sqlx::query("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)").execute(&pool).await.unwrap();
    pool.close().await;
    let before = std::fs::read(dir.path().join("other.db")).unwrap();
    for cmd in ["stats", "gaps"] {
        let (ok, err) = report(&db, &[cmd]);
        assert!(!ok);
        assert!(err.contains("is not a stackpick database"), "{err}");
        assert!(err.contains("other.db"), "the message names the file: {err}");
    }
    assert_eq!(std::fs::read(dir.path().join("other.db")).unwrap(), before, "the file changed");
    assert!(!dir.path().join("other.db-wal").exists(), "switched to WAL");
}

#[test]
fn an_unsupported_database_url_names_the_supported_schemes() {
    let (ok, err) = report("mysql://localhost/stackpick", &["stats"]);
    assert!(!ok);
    assert!(err.contains("`mysql`") && err.contains("supported: sqlite://") && err.contains("postgres://"), "{err}");
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

async fn seed(store: &SqliteStore, guild: u64) {
    let s = settings(guild, 5, &[7]);
    store.save_settings(&s).await.unwrap();
    let q = QuestionRecord {
        place: place(Some(guild), Some(1)),
        text: "which is faster".into(),
        topic: Some("performance".into()),
        confidence: 0.9,
        answered: true,
        asked_at: stackpick::store::now(),
    };
    store.write_log(&[q], &[]).await.unwrap();
    assert!(store.claim_welcome(&Server::discord(guild), &Member::discord(42), false).await.unwrap());
}

async fn rows_about(db: &str, guild: i64) -> i64 {
    let pool = raw_pool(db).await;
    let mut n = 0;
    for table in ["server_settings", "answer_channels", "questions", "welcomes"] {
        let c: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE platform = 'discord' AND server = ?"))
                .bind(guild.to_string())
                .fetch_one(&pool)
                .await
                .unwrap();
        n += c;
    }
    pool.close().await;
    n
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

#[tokio::test]
async fn forget_deletes_one_server_at_once_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = url(&dir, "bot.db");
    let store = SqliteStore::open(&db).await.unwrap();
    seed(&store, 5).await;
    seed(&store, 6).await;
    store.close(CLOSE).await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stackpick"))
        .args(["forget", "--guild", "5"])
        .env("DATABASE_URL", &db)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("about server 5"));
    assert_eq!(rows_about(&db, 5).await, 0);
    assert!(rows_about(&db, 6).await > 0);
    // A typo'd path is refused, not created.
    let missing = dir.path().join("typo.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stackpick"))
        .args(["forget", "--guild", "5"])
        .env("DATABASE_URL", format!("sqlite://{}", missing.display()))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(!missing.exists());
}

#[tokio::test]
async fn gaps_as_tsv_are_evaluation_rows_waiting_for_a_label() {
    let dir = tempfile::tempdir().unwrap();
    let db = url(&dir, "bot.db");
    let store = SqliteStore::open(&db).await.unwrap();
    let now = stackpick::store::now();
    let q = |text: &str, topic: Option<&str>, answered: bool| QuestionRecord {
        place: place(Some(1), Some(1)),
        text: text.into(),
        topic: topic.map(str::to_owned),
        confidence: if answered { 0.9 } else { 0.0 },
        answered,
        asked_at: now,
    };
    let vote = Vote {
        topic: "cost".into(),
        member: Member::discord(9),
        server: Some("1".into()),
        helpful: false,
        voted_at: now,
    };
    store
        .write_log(
            &[q("is rust faster than go", None, false), q("is hosting python\tcheap", Some("cost"), true)],
            &[vote],
        )
        .await
        .unwrap();
    store.close(CLOSE).await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stackpick"))
        .args(["gaps", "--tsv"])
        .env("DATABASE_URL", &db)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(rows, ["is rust faster than go\t\t.", "is hosting python cheap\t\t."], "{text}");
    assert!(text.contains("not answered") && text.contains("answered as cost, which got 👎"), "{text}");
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

/// `stackpick backup --to FILE` writes a consistent copy while the bot has the
/// database open, never replaces a file, and never creates a missing database.
#[tokio::test]
async fn backup_copies_the_database_and_replaces_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = url(&dir, "live.db");
    let store = SqliteStore::open(&db).await.unwrap();
    let s = settings(7, 9, &[3]);
    store.save_settings(&s).await.unwrap();
    let backup = |database: &str, to: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_stackpick"))
            .args(["backup", "--to"])
            .arg(to)
            .env("DATABASE_URL", database)
            .env_remove("STACKPICK_HASH_KEY")
            .output()
            .unwrap()
    };
    // While the bot's store is still open.
    let to = dir.path().join("copy.db");
    let o = backup(&db, &to);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("copy.db") && out.contains("live.db.key"), "{out}");
    let copy = SqliteStore::open_read_only(&format!("sqlite://{}", to.display())).await.unwrap();
    assert_eq!(copy.all_settings().await.unwrap(), vec![s]);
    copy.close(CLOSE).await;
    store.close(CLOSE).await;
    // An existing file is never replaced.
    let before = std::fs::read(&to).unwrap();
    let o = backup(&db, &to);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(&to).unwrap(), before);
    // A missing database is an error, and nothing is created.
    let missing = dir.path().join("missing.db");
    let o = backup(&format!("sqlite://{}", missing.display()), &dir.path().join("other.db"));
    assert!(!o.status.success());
    assert!(!missing.exists() && !dir.path().join("other.db").exists());
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
    assert!(cooldown_on(&post(&client, &two_url, &key, &show()).await).contains("(default)"));

    let body = post(&client, &one_url, &key, &setup_cooldown(guild, 9)).await;
    assert!(body["data"]["content"].as_str().unwrap_or_default().starts_with("✅"), "{body}");
    let confirmed = std::time::Instant::now();
    loop {
        if cooldown_on(&post(&client, &two_url, &key, &show()).await) == "9 s" {
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
    let body = post(&client, &two_url, &key, &fake::payloads::ask("which is faster?", json!([]))).await;
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
    assert_eq!(title(post(&client, &two_url, &key, &ask).await), "Performance and speed");

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
    let body = post(&client, &one_url, &key, &reload).await;
    // Loading a pack takes a moment: the reply is either the confirmation or
    // "thinking…" (the confirmation then follows as an edit, not tested here).
    let confirmed = body["data"]["content"].as_str().unwrap_or_default().starts_with("✅");
    assert!(confirmed || body["type"] == 5, "{body}");
    while title(post(&client, &one_url, &key, &ask).await) != "Speed, reviewed" {
        assert!(asked.elapsed() < Duration::from_secs(20), "the replica asked to reload did not");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The other replica needs one refresh interval plus its own load of the
    // pack, which takes about as long as the first one's did.
    let first_took = asked.elapsed();
    let reloaded = std::time::Instant::now();
    while title(post(&client, &two_url, &key, &ask).await) != "Speed, reviewed" {
        assert!(
            reloaded.elapsed() < first_took + Duration::from_secs(5),
            "the other replica still answers from the old pack"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!("the other replica followed {:?} after the first had reloaded", reloaded.elapsed());
}
