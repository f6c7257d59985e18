//! The store from the command line: `gaps`, `stats`, `forget` and `backup`
//! on real SQLite files, read-only where they only report.

use stackpick_test_support as common;

use common::sqlite::*;
use serde_json::Value;
use stackpick::store::{Member, QuestionLog, QuestionRecord, Settings, SqliteStore, Vote};

#[tokio::test]
async fn gaps_and_stats_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = url(&dir, "cli.db");
    let store = SqliteStore::open(&db).await.unwrap();
    let q = |text: &str, guild: u64, answered: bool| QuestionRecord {
        place: place(Some(guild), None),
        asker: None,
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
        asker: None,
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
