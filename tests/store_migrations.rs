//! The store's SQLite migrations: from empty, from each earlier version with
//! its data, from the last release's integer keys, and the refusal of a
//! newer database.

use stackpick_test_support as common;

use common::sqlite::*;
use stackpick::store::{
    KeySource, Member, OpenOptions, QuestionLog, Reports, Server, ServerSettings, Settings, SqliteStore, StoreError,
    Vote, Welcomes,
};

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
