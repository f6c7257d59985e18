//! Writes signed interactions for load tests of `stackpick serve` (and of a
//! peer endpoint) into the given folder: `public_key`, `timestamp`, and
//! `requests.tsv` — one request per line, its signature, a tab, its body.
//!
//! `signed_request OUT_DIR [COUNT] [COMMAND]`: COUNT distinct requests (default
//! 1,000), each with its own interaction id, token and member, asking the
//! public dev set's questions in turn (`/ask`), or, with COMMAND, that command
//! with no options (a peer that knows only its own command). Every request is
//! different, so nothing can be answered from a cache of the last one.
//! The key pair comes from a fixed seed: it is for loopback load tests only.

use ed25519_dalek::{Signer, SigningKey};
use std::fmt::Write as _;

/// The public dev set's questions (the first column; `#` lines are comments).
fn questions() -> Vec<&'static str> {
    include_str!("../tests/data/dev.tsv")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split('\t').next())
        .collect()
}

fn body(i: usize, command: Option<&str>, question: &str) -> String {
    let data = match command {
        Some(name) => serde_json::json!({"id": "771825006014889984", "name": name, "type": 1}),
        None => serde_json::json!({"id": "771825006014889984", "name": "ask", "type": 1,
                 "options": [{"type": 3, "name": "question", "value": question}]}),
    };
    serde_json::json!({
        "id": (786008729715212338u64 + i as u64).to_string(), "application_id": "775799577604522054", "type": 2,
        "token": format!("A_UNIQUE_TOKEN_{i}"), "version": 1, "guild_id": "290926798626357999",
        "channel_id": "645027906669510667", "app_permissions": "442368", "locale": "en-US",
        "guild_locale": "en-US", "entitlements": [], "authorizing_integration_owners": {"0": "290926798626357999"},
        "context": 0, "attachment_size_limit": 10485760,
        "member": {
            "user": {"id": (53908232506183680u64 + i as u64).to_string(), "username": "Mason", "avatar": null,
                     "discriminator": "0", "public_flags": 0},
            "roles": [], "premium_since": null, "permissions": "2147483647", "pending": false, "nick": null,
            "mute": false, "joined_at": "2017-03-13T19:19:14.040000+00:00", "deaf": false, "flags": 0
        },
        "data": data
    })
    .to_string()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("usage: signed_request OUT_DIR [COUNT] [COMMAND]"));
    let count: usize = args.next().map_or(1_000, |n| n.parse().expect("COUNT is a number"));
    let command = args.next();
    let key = SigningKey::from_bytes(&[42u8; 32]);
    // Signed now: the endpoint refuses timestamps more than 5 minutes away.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let timestamp = now.to_string();
    let questions = questions();
    let mut lines = String::new();
    for i in 0..count {
        let body = body(i, command.as_deref(), questions[i % questions.len()]);
        let mut message = timestamp.as_bytes().to_vec();
        message.extend_from_slice(body.as_bytes());
        let signature = hex::encode(key.sign(&message).to_bytes());
        let _ = writeln!(lines, "{signature}\t{body}");
    }
    std::fs::write(dir.join("public_key"), hex::encode(key.verifying_key().to_bytes())).unwrap();
    std::fs::write(dir.join("timestamp"), &timestamp).unwrap();
    std::fs::write(dir.join("requests.tsv"), lines).unwrap();
}
