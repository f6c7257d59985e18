//! The storage contract: the same behaviour from every store behind the
//! traits — SQLite, the bounded in-memory store where it applies, and Postgres
//! on a throwaway cluster (`common::postgres`) — and what only a shared store
//! must do: several processes on one database.

use stackpick_test_support as common;

use std::sync::Arc;
use std::time::Duration;

use common::postgres::Cluster;
use stackpick::store::{
    Entry, KeySource, Member, MemoryStore, OpenOptions, Place, Platform, PostgresStore, QuestionLog, QuestionRecord,
    Server, ServerSettings, Settings, SqliteStore, Storage, StoreError, Vote, Welcomes,
};

const KEY: [u8; 32] = [3; 32];

fn options() -> OpenOptions {
    OpenOptions { key: KeySource::Key(KEY), ..OpenOptions::default() }
}

fn question(server: &Server, text: &str, topic: Option<&str>, confidence: f32) -> Entry {
    Entry::Question(QuestionRecord {
        place: Place { platform: server.platform, server: Some(server.id.clone()), channel: Some("c1".into()) },
        asker: None,
        text: text.into(),
        topic: topic.map(str::to_owned),
        confidence,
        answered: topic.is_some(),
        asked_at: stackpick::store::now(),
    })
}

fn vote(server: &Server, member: &Member, topic: &str, helpful: bool) -> Entry {
    Entry::Vote(Vote {
        topic: topic.into(),
        member: member.clone(),
        server: Some(server.id.clone()),
        helpful,
        voted_at: stackpick::store::now(),
    })
}

/// Waits until the write-behind log shows `n` questions for `server`.
async fn logged(store: &dyn Storage, server: &Server, n: u64) {
    logged_within(store, server, n, Duration::from_secs(5)).await;
}

async fn logged_within(store: &dyn Storage, server: &Server, n: u64, limit: Duration) {
    let started = std::time::Instant::now();
    while started.elapsed() < limit {
        if store.stats(Some(server), 0).await.is_ok_and(|s| s.questions >= n) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{} never logged {n} questions for {server}", store.describe());
}

/// Settings round-trip, per platform, with answer channels replaced, not merged.
async fn settings_contract(store: &dyn Storage) {
    let discord = ServerSettings {
        onboarding_enabled: true,
        onboarding_channel: Some("11".into()),
        cooldown_secs: Some(7),
        answer_channels: Some(vec!["1100000000000000000".into(), "21".into()]),
        ..ServerSettings::new(Server::discord(1_234_567_890_123_456_789))
    };
    let slack = ServerSettings {
        onboarding_dm: true,
        answer_channels: Some(vec![]),
        ..ServerSettings::new(Server::new(Platform::Slack, "T0123ABCD"))
    };
    store.save_settings(&discord).await.unwrap();
    store.save_settings(&slack).await.unwrap();
    let mut changed = discord.clone();
    changed.answer_channels = Some(vec!["21".into()]);
    changed.cooldown_secs = None;
    store.save_settings(&changed).await.unwrap();
    let mut saved = store.all_settings().await.unwrap();
    saved.sort_by(|a, b| a.server.cmp(&b.server));
    assert_eq!(saved, vec![changed, slack], "{}", store.describe());
}

/// A member is welcomed once per server; a pending one is released once;
/// the same id on another platform or server is someone else.
async fn welcomes_contract(store: &dyn Storage) {
    let server = Server::discord(5);
    let member = Member::discord(42);
    assert!(store.claim_welcome(&server, &member, false).await.unwrap());
    assert!(!store.claim_welcome(&server, &member, false).await.unwrap(), "once");
    assert!(store.claim_welcome(&Server::discord(6), &member, false).await.unwrap(), "another server");
    let slack = Server::new(Platform::Slack, "T1");
    assert!(store.claim_welcome(&slack, &Member::new(Platform::Slack, "42"), false).await.unwrap());
    let pending = Member::new(Platform::Slack, "U0PENDING");
    assert!(!store.claim_welcome(&slack, &pending, true).await.unwrap(), "pending: not yet");
    assert!(store.claim_pending_welcome(&slack, &pending).await.unwrap());
    assert!(!store.claim_pending_welcome(&slack, &pending).await.unwrap(), "released once");
    assert_eq!(store.stats(Some(&slack), 0).await.unwrap().welcomes, 2);
}

/// The log, votes (one per member and topic) and the reports, per server.
async fn log_contract(store: &dyn Storage) {
    let a = Server::discord(100);
    let b = Server::new(Platform::Slack, "T100");
    store.record(question(&a, "is rust faster than go", None, 0.0));
    store.record(question(&a, "is rust faster than go?", None, 0.0));
    store.record(question(&a, "which is faster", Some("performance"), 0.9));
    store.record(question(&b, "what about elixir", None, 0.0));
    let member = Member::discord(9);
    store.record(vote(&a, &member, "performance", false));
    store.record(vote(&a, &member, "performance", true));
    store.record(vote(&a, &Member::discord(10), "performance", false));
    logged(store, &a, 3).await;
    logged(store, &b, 1).await;
    let gaps = store.gaps(Some(&a), 0, 0.5).await.unwrap();
    assert_eq!((gaps.len(), gaps[0].count), (1, 2), "{gaps:?}");
    let stats = store.stats(Some(&a), 0).await.unwrap();
    assert_eq!((stats.questions, stats.answered), (3, 1));
    assert_eq!(stats.per_topic, vec![("performance".to_owned(), 1)]);
    for _ in 0..100 {
        let s = store.stats(Some(&a), 0).await.unwrap();
        if s.helpful + s.unhelpful == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stats = store.stats(Some(&a), 0).await.unwrap();
    assert_eq!((stats.helpful, stats.unhelpful), (1, 1), "a member's second vote replaced the first");
    let disliked = store.disliked(Some(&a), 0).await.unwrap();
    assert_eq!(disliked[0].example, "which is faster");
    assert_eq!(store.stats(None, 0).await.unwrap().questions, 4);
    // Forgetting one server leaves the other whole.
    assert!(store.forget(&a).await.unwrap() >= 3);
    assert_eq!(store.stats(Some(&a), 0).await.unwrap().questions, 0);
    assert_eq!(store.stats(Some(&b), 0).await.unwrap().questions, 1);
}

/// A delivery is claimed once per platform by a store that is shared; the
/// memory store, which nobody shares, leaves it to the process's own record.
async fn deliveries_contract(store: &dyn Storage) {
    let shared = store.durable();
    assert!(store.claim_delivery(Platform::Slack, "Ev0001").await.unwrap());
    assert_eq!(store.claim_delivery(Platform::Slack, "Ev0001").await.unwrap(), !shared, "{}", store.describe());
    assert!(store.claim_delivery(Platform::Discord, "Ev0001").await.unwrap(), "another platform's id");
}

/// A Slack workspace's installation round-trips, its token never in clear in
/// the database; reinstalling replaces it; removing it says whether there
/// was one. The memory store takes none (it would lose them).
async fn installs_contract(store: &dyn Storage, raw_tokens: impl std::future::Future<Output = Vec<Vec<u8>>>) {
    use secrecy::ExposeSecret;
    use stackpick::store::Install;
    let install = |token: &str| Install {
        team: "T900".into(),
        bot_token: secrecy::SecretString::new(token.to_owned()),
        bot_user: "U0BOT".into(),
    };
    if !store.durable() {
        assert!(matches!(store.save_install(&install("xoxb-1")).await, Err(StoreError::NotKept)));
        assert!(store.install("T900").await.unwrap().is_none());
        return;
    }
    assert!(store.install("T900").await.unwrap().is_none());
    store.save_install(&install("xoxb-first-token")).await.unwrap();
    store.save_install(&install("xoxb-second-token")).await.unwrap();
    let got = store.install("T900").await.unwrap().expect("installed");
    assert_eq!((got.bot_token.expose_secret().as_str(), got.bot_user.as_str()), ("xoxb-second-token", "U0BOT"));
    assert!(!format!("{got:?}").contains("xoxb"), "the token never in debug output");
    let rows = raw_tokens.await;
    assert_eq!(rows.len(), 1, "one row per workspace");
    assert!(!rows[0].windows(4).any(|w| w == b"xoxb"), "sealed, never in clear");
    assert!(store.remove_install("T900").await.unwrap());
    assert!(!store.remove_install("T900").await.unwrap());
    assert!(store.install("T900").await.unwrap().is_none());
}

/// A member deletes their own data: their questions, votes and welcomes on
/// every server of their platform, including what was still queued when they
/// asked; nobody else's, and not the same id on another platform.
async fn forget_member_contract(store: &dyn Storage) {
    let (a, b) = (Server::discord(300), Server::discord(301));
    let slack = Server::new(Platform::Slack, "T300");
    let (me, other, namesake) = (Member::discord(31), Member::discord(32), Member::new(Platform::Slack, "31"));
    let asked = |server: &Server, member: &Member, text: &str| {
        let Entry::Question(mut q) = question(server, text, Some("performance"), 0.9) else { unreachable!() };
        q.asker = Some(member.clone());
        Entry::Question(q)
    };
    store.record(asked(&a, &other, "is node faster"));
    store.record(asked(&slack, &namesake, "is python slower"));
    store.record(vote(&a, &other, "performance", true));
    logged(store, &a, 1).await;
    logged(store, &slack, 1).await;
    assert!(store.claim_welcome(&a, &me, false).await.unwrap());
    assert!(store.claim_welcome(&a, &other, false).await.unwrap());
    assert!(store.claim_welcome(&slack, &namesake, false).await.unwrap());
    // Mine, recorded just before the request: still queued when it comes.
    store.record(asked(&a, &me, "which is faster"));
    store.record(asked(&b, &me, "best for ml?"));
    store.record(vote(&b, &me, "performance", false));

    let forgotten = store.forget_member(&me).await.unwrap();
    assert_eq!((forgotten.questions, forgotten.votes, forgotten.welcomes), (2, 1, 1), "{}", store.describe());
    assert_eq!(store.stats(Some(&a), 0).await.unwrap().questions, 1, "the other member's question stays");
    assert_eq!(store.stats(Some(&b), 0).await.unwrap().questions, 0);
    let stats = store.stats(Some(&a), 0).await.unwrap();
    assert_eq!((stats.helpful, stats.unhelpful, stats.welcomes), (1, 0, 1));
    let slack_stats = store.stats(Some(&slack), 0).await.unwrap();
    assert_eq!((slack_stats.questions, slack_stats.welcomes), (1, 1), "the same id on Slack is someone else");
    assert_eq!(store.forget_member(&me).await.unwrap().total(), 0, "nothing left to delete");
    assert!(store.claim_welcome(&a, &me, false).await.unwrap(), "no record of the welcome is kept");
}

#[tokio::test]
async fn sqlite_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("contract.db").display());
    let store = SqliteStore::open_with(&url, options()).await.unwrap();
    installs_contract(&store, async {
        let raw = sqlx::SqlitePool::connect(&url).await.unwrap();
        let rows = sqlx::query_scalar("SELECT token FROM slack_installs").fetch_all(&raw).await.unwrap();
        raw.close().await;
        rows
    })
    .await;
    settings_contract(&store).await;
    welcomes_contract(&store).await;
    log_contract(&store).await;
    forget_member_contract(&store).await;
    deliveries_contract(&store).await;
    store.close(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn memory_keeps_the_contract_but_takes_no_settings() {
    let store = MemoryStore::new();
    installs_contract(&store, async { Vec::new() }).await;
    welcomes_contract(&store).await;
    log_contract(&store).await;
    forget_member_contract(&store).await;
    deliveries_contract(&store).await;
    let s = ServerSettings::new(Server::discord(1));
    assert!(matches!(store.save_settings(&s).await, Err(StoreError::NotKept)));
    assert!(store.all_settings().await.unwrap().is_empty());
}

#[tokio::test]
async fn postgres_keeps_the_contract() {
    let Some(cluster) = Cluster::start() else { return };
    let url = cluster.database("contract");
    let store = PostgresStore::open_with(&url, options()).await.unwrap();
    installs_contract(&store, async {
        let raw = sqlx::PgPool::connect(&url).await.unwrap();
        let rows = sqlx::query_scalar("SELECT token FROM slack_installs").fetch_all(&raw).await.unwrap();
        raw.close().await;
        rows
    })
    .await;
    settings_contract(&store).await;
    welcomes_contract(&store).await;
    log_contract(&store).await;
    forget_member_contract(&store).await;
    deliveries_contract(&store).await;
    store.close(Duration::from_secs(5)).await;
    // Reopening finds everything, and migrates nothing twice.
    let again = PostgresStore::open_with(&url, options()).await.unwrap();
    assert_eq!(again.all_settings().await.unwrap().len(), 2);
    again.close(Duration::from_secs(5)).await;
}

/// Two processes (shards or replicas) on one database: a setting saved by
/// one is read by the other, a member who joins while both see the event is
/// welcomed exactly once, and both write the one question log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_is_one_store_for_many_processes() {
    let Some(cluster) = Cluster::start() else { return };
    let url = cluster.database("shared");
    let (one, two) = tokio::join!(PostgresStore::open_with(&url, options()), PostgresStore::open_with(&url, options()));
    let (one, two) = (Arc::new(one.unwrap()), Arc::new(two.unwrap()));
    let s = ServerSettings { cooldown_secs: Some(30), ..ServerSettings::new(Server::discord(7)) };
    one.save_settings(&s).await.unwrap();
    assert_eq!(two.all_settings().await.unwrap(), vec![s]);

    let server = Server::discord(7);
    let mut claims = Vec::new();
    for i in 0..20 {
        let store = if i % 2 == 0 { one.clone() } else { two.clone() };
        let server = server.clone();
        claims.push(tokio::spawn(async move { store.claim_welcome(&server, &Member::discord(77), false).await }));
    }
    let mut sent = 0;
    for c in claims {
        sent += usize::from(c.await.unwrap().unwrap());
    }
    assert_eq!(sent, 1, "one welcome, whichever shard saw the join first");

    one.record(question(&server, "which is faster", Some("performance"), 0.9));
    two.record(question(&server, "which is cheaper", Some("cost"), 0.9));
    logged(one.as_ref(), &server, 2).await;
    one.close(Duration::from_secs(5)).await;
    two.close(Duration::from_secs(5)).await;
}

/// A shared database needs the key given: a key file "beside" it would give
/// each process its own, and no vote or welcome would be recognised across them.
#[tokio::test]
async fn postgres_refuses_to_guess_the_hashing_key_and_never_prints_the_password() {
    let Some(cluster) = Cluster::start() else { return };
    let url = cluster.database("keyless");
    let err = PostgresStore::open_with(&url, OpenOptions::default()).await.unwrap_err().to_string();
    assert!(err.contains("STACKPICK_HASH_KEY"), "{err}");
    let with_password = url.replace("stackpick@", "stackpick:hunter2@");
    let store = PostgresStore::open_with(&with_password, options()).await.unwrap();
    assert!(!store.describe().contains("hunter2") && !format!("{store:?}").contains("hunter2"));
    store.close(Duration::from_secs(5)).await;
}

/// When Postgres goes away, the log keeps what it is given (up to its queue)
/// and writes it once the database is back: nothing asked during the outage
/// is lost, and nothing waited on the database meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_loses_no_logged_question() {
    let Some(cluster) = Cluster::start() else { return };
    let url = cluster.database("outage");
    let store = PostgresStore::open_with(&url, options()).await.unwrap();
    let server = Server::discord(3);
    store.record(question(&server, "asked before", Some("performance"), 0.9));
    logged(&store, &server, 1).await;

    cluster.stop();
    let started = std::time::Instant::now();
    for i in 0..50 {
        store.record(question(&server, &format!("asked during the outage {i}"), None, 0.0));
    }
    assert!(started.elapsed() < Duration::from_millis(500), "recording never waits on the database");
    assert!(store.all_settings().await.is_err(), "the database is really gone");
    tokio::time::sleep(Duration::from_secs(1)).await; // the writer has failed and is retrying

    cluster.restart();
    logged_within(&store, &server, 51, Duration::from_secs(30)).await;
    assert_eq!(store.dropped(), 0, "nothing was dropped: the queue held it all");
    store.close(Duration::from_secs(5)).await;
}

/// What the next release does to the schema during a rolling deploy: an
/// expanding migration (a nullable column, a new table) and its row in
/// `_sqlx_migrations` (written per dialect in each test).
const NEXT_RELEASE: [&str; 2] =
    ["ALTER TABLE questions ADD COLUMN language TEXT", "CREATE TABLE question_tags (question BIGINT, tag TEXT)"];
/// …and, one release later, the contraction older binaries must not survive.
const CONTRACT: &str = "UPDATE schema_compat SET oldest_reader = 9999";

/// What this release must do with the next release's expanded schema: work.
async fn works_on_the_expanded_schema(store: &dyn Storage) {
    let server = Server::discord(9);
    let s = ServerSettings { cooldown_secs: Some(4), ..ServerSettings::new(server.clone()) };
    store.save_settings(&s).await.unwrap();
    assert!(store.all_settings().await.unwrap().contains(&s));
    store.record(question(&server, "which is faster", Some("performance"), 0.9));
    logged(store, &server, 1).await;
    assert!(store.claim_welcome(&server, &Member::discord(1), false).await.unwrap());
}

/// N and N+1 side by side on SQLite: the expanded schema is used without
/// migrating; a contracted one is refused and left as it was.
#[tokio::test]
async fn sqlite_shares_the_database_with_the_next_release_until_it_contracts() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("rolling.db").display());
    SqliteStore::open_with(&url, options()).await.unwrap().close(Duration::from_secs(5)).await;
    let raw = sqlx::SqlitePool::connect(&url).await.unwrap();
    for sql in NEXT_RELEASE {
        sqlx::query(sql).execute(&raw).await.unwrap();
    }
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
         VALUES (9999, 'the next release', CURRENT_TIMESTAMP, 1, x'00', 0)",
    )
    .execute(&raw)
    .await
    .unwrap();
    let store = SqliteStore::open_with(&url, options()).await.expect("this release opens the expanded database");
    works_on_the_expanded_schema(&store).await;
    store.close(Duration::from_secs(5)).await;

    sqlx::query(CONTRACT).execute(&raw).await.unwrap();
    let migrations = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(&raw).await.unwrap()
    };
    let before = migrations().await;
    let err = SqliteStore::open_with(&url, options()).await.unwrap_err();
    assert!(matches!(err, StoreError::NewerSchema { theirs: 9999, .. }), "{err}");
    assert_eq!(migrations().await, before, "nothing applied or removed");
    raw.close().await;
}

/// The same on Postgres, where replicas of two releases really do run together.
#[tokio::test]
async fn postgres_shares_the_database_with_the_next_release_until_it_contracts() {
    let Some(cluster) = Cluster::start() else { return };
    let url = cluster.database("rolling");
    PostgresStore::open_with(&url, options()).await.unwrap().close(Duration::from_secs(5)).await;
    let raw = sqlx::PgPool::connect(&url).await.unwrap();
    for sql in NEXT_RELEASE {
        sqlx::query(sql).execute(&raw).await.unwrap();
    }
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
         VALUES (9999, 'the next release', now(), TRUE, '\\x00', 0)",
    )
    .execute(&raw)
    .await
    .unwrap();
    let store = PostgresStore::open_with(&url, options()).await.expect("this release opens the expanded database");
    works_on_the_expanded_schema(&store).await;
    store.close(Duration::from_secs(5)).await;

    sqlx::query(CONTRACT).execute(&raw).await.unwrap();
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(&raw).await.unwrap();
    let err = PostgresStore::open_with(&url, options()).await.unwrap_err();
    assert!(matches!(err, StoreError::NewerSchema { theirs: 9999, .. }), "{err}");
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(&raw).await.unwrap();
    assert_eq!(after, before, "nothing applied or removed");
    raw.close().await;
}
