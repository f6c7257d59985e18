//! SQLite databases as the store's tests build them: raw pools, migrations
//! up to a version, and the settings and places the rows are made of.

use std::borrow::Cow;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use stackpick_store::{
    Member, Place, Platform, QuestionRecord, Server, ServerSettings, Settings, SqliteStore, Welcomes,
};

/// A Discord server's settings with a cooldown and answer channels.
pub fn settings(guild: u64, cooldown: u32, channels: &[u64]) -> ServerSettings {
    ServerSettings {
        cooldown_secs: Some(cooldown),
        answer_channels: Some(channels.iter().map(u64::to_string).collect()),
        ..ServerSettings::new(Server::discord(guild))
    }
}

/// Where a Discord question was asked.
pub fn place(guild: Option<u64>, channel: Option<u64>) -> Place {
    Place { platform: Platform::Discord, server: guild.map(|g| g.to_string()), channel: channel.map(|c| c.to_string()) }
}

pub fn discord(guild: u64) -> Option<Server> {
    Some(Server::discord(guild))
}

pub const CLOSE: Duration = Duration::from_secs(10);

pub fn url(dir: &tempfile::TempDir, name: &str) -> String {
    format!("sqlite://{}", dir.path().join(name).display())
}

pub async fn raw_pool(url: &str) -> SqlitePool {
    use std::str::FromStr;
    SqlitePool::connect_with(SqliteConnectOptions::from_str(url).unwrap().create_if_missing(true)).await.unwrap()
}

pub async fn migrator_up_to(version: i64) -> Migrator {
    let mut m = Migrator::new(crate::root().join("crates/store/migrations")).await.unwrap();
    m.migrations = Cow::Owned(m.migrations.iter().filter(|x| x.version <= version).cloned().collect());
    m
}

pub async fn seed(store: &SqliteStore, guild: u64) {
    let s = settings(guild, 5, &[7]);
    store.save_settings(&s).await.unwrap();
    let q = QuestionRecord {
        place: place(Some(guild), Some(1)),
        asker: None,
        text: "which is faster".into(),
        topic: Some("performance".into()),
        confidence: 0.9,
        answered: true,
        asked_at: stackpick_store::now(),
    };
    store.write_log(&[q], &[]).await.unwrap();
    assert!(store.claim_welcome(&Server::discord(guild), &Member::discord(42), false).await.unwrap());
}

pub async fn rows_about(db: &str, guild: i64) -> i64 {
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
