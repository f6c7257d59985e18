//! Helpers shared by stackpick's integration tests: one place for the signed
//! request, copying a pack, reading evaluation cases, temporary databases
//! (SQLite files and a throwaway Postgres cluster).
//!
//! A crate rather than a `tests/common` module: each test binary uses a part
//! of it, and a library's unused items are not dead code.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use stackpick_core::Engine;

pub mod postgres;
pub mod sqlite;

/// Now, as the `X-Signature-Timestamp` of a request Discord sends.
pub fn now_ts() -> String {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs().to_string()
}

/// Discord's request signature: Ed25519 over the timestamp then the body, in hex.
pub fn sign(key: &ed25519_dalek::SigningKey, timestamp: &str, body: &[u8]) -> String {
    use ed25519_dalek::Signer;
    let mut msg = timestamp.as_bytes().to_vec();
    msg.extend_from_slice(body);
    hex::encode(key.sign(&msg).to_bytes())
}

/// A temporary copy of a pack folder's files, for a test to edit.
pub fn pack_copy(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    dir
}

/// A temporary copy of only the three files every pack has (no stored
/// vectors, no recommendation or onboarding files): the smallest pack to edit.
pub fn core_pack_copy(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["pack.toml", "topics.toml", "use_cases.toml"] {
        std::fs::copy(from.join(f), dir.path().join(f)).unwrap();
    }
    dir
}

/// The repository's root folder.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/test-support sits two folders down")
        .to_path_buf()
}

/// The shipped knowledge pack.
pub fn pack_dir() -> PathBuf {
    root().join("knowledge")
}

/// A fixture folder under `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

/// A file under `tests/data`.
pub fn data(name: &str) -> PathBuf {
    root().join("tests/data").join(name)
}

/// The engine over the shipped pack, built once per test binary.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(stackpick_core::load(&pack_dir()).expect("shipped pack is valid")))
}

/// A fresh engine over the shipped pack, for code that takes ownership.
pub fn engine_owned() -> Engine {
    Engine::new(stackpick_core::load(&pack_dir()).expect("shipped pack is valid"))
}

/// A SQLite database in a fresh temporary folder, removed when dropped, so a
/// test run leaves /tmp as it found it.
pub struct TempDb {
    dir: tempfile::TempDir,
}

impl TempDb {
    pub fn new() -> TempDb {
        TempDb { dir: tempfile::tempdir().expect("a temporary folder") }
    }

    /// The `DATABASE_URL` for it.
    pub fn url(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("stackpick.db").display())
    }

    /// The folder, for a child process to run in (it may write nothing elsewhere).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Default for TempDb {
    fn default() -> Self {
        TempDb::new()
    }
}

/// One line of an evaluation file.
pub struct Case {
    pub line: usize,
    pub question: String,
    /// Accepted topic ids; `*` any answer; `-` must not answer.
    pub topics: String,
    /// The pick id the answer must show, or `.` for unchecked.
    pub pick: String,
}

/// Reads an evaluation TSV (`question<TAB>topics<TAB>pick`, `#` comments).
pub fn cases(path: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 3, "{}:{}: expected 3 tab-separated columns", path.display(), i + 1);
            Case { line: i + 1, question: cols[0].into(), topics: cols[1].into(), pick: cols[2].into() }
        })
        .collect()
}

/// Whether the engine's answer satisfies a case; `Err` explains a miss.
pub fn check(engine: &Engine, case: &Case) -> Result<(), String> {
    let pack = engine.pack();
    let answer = engine.answer(&case.question);
    let topic = answer.topic().map(|t| pack.topic(t).id.clone());
    let pick = answer.pick(pack).map(|p| pack.pick_id(p).to_owned());
    let topic_ok = match case.topics.as_str() {
        "-" => !answer.answered(),
        "*" => answer.answered(),
        list => topic.as_deref().is_some_and(|t| list.split('|').any(|a| a == t)),
    };
    let pick_ok = case.pick == "." || case.topics == "-" || pick.as_deref() == Some(case.pick.as_str());
    if topic_ok && pick_ok {
        Ok(())
    } else {
        Err(format!(
            "line {}: {:?}: wanted {} / {}, got {} / {} (confidence {:.2})",
            case.line,
            case.question,
            case.topics,
            case.pick,
            topic.as_deref().unwrap_or("no answer"),
            pick.as_deref().unwrap_or("no pick"),
            answer.confidence
        ))
    }
}

/// The value of one series in Prometheus's text format (`name{labels} value`).
pub fn metric(text: &str, series: &str) -> f64 {
    let line = text.lines().find(|l| l.starts_with(series)).unwrap_or_else(|| panic!("no `{series}` in:\n{text}"));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

/// A finished process's standard output, as text.
pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// A free TCP port on 127.0.0.1 (free when asked; the process that binds it next gets it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `stackpick serve` on `127.0.0.1:port`, as the tests start it: the binary
/// `bin` (a test's `env!("CARGO_BIN_EXE_stackpick")`), the database at
/// `db_url`, the public key in hex, the shipped pack, no bot token, its log
/// discarded, killed when the handle is dropped. Callers add what their test
/// is about (more variables, a folder, limits) and spawn it.
pub fn serve_command(bin: &str, port: u16, db_url: &str, public_key_hex: &str) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(bin);
    cmd.args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", db_url)
        .env("DISCORD_PUBLIC_KEY", public_key_hex)
        .env_remove("DISCORD_TOKEN")
        .env("STACKPICK_KNOWLEDGE", pack_dir())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    cmd
}

/// Waits up to 10 s for `GET {base}/healthz` to answer; whether it did.
pub async fn until_healthy(base: &str) -> bool {
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

/// Posts an interaction to a `stackpick serve` process at `base`, signed with
/// `key` as Discord signs it; the JSON answered (the status must be 200).
pub async fn post_interaction(
    client: &reqwest::Client,
    base: &str,
    key: &ed25519_dalek::SigningKey,
    interaction: &serde_json::Value,
) -> serde_json::Value {
    let body = serde_json::to_vec(interaction).unwrap();
    let ts = now_ts();
    let sig = sign(key, &ts, &body);
    let res = client
        .post(format!("{base}/interactions"))
        .header("content-type", "application/json")
        .header("x-signature-ed25519", sig)
        .header("x-signature-timestamp", ts)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}
