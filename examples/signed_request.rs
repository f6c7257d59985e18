//! Writes a signed `/ask` interaction for load tests of `stackpick serve`:
//! `public_key`, `body.json`, `signature` and `timestamp` in the given folder.
//! The key pair comes from a fixed seed: it is for loopback load tests only.

use ed25519_dalek::{Signer, SigningKey};

fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).expect("usage: signed_request OUT_DIR"));
    let key = SigningKey::from_bytes(&[42u8; 32]);
    let body = serde_json::json!({
        "id": "786008729715212338", "application_id": "775799577604522054", "type": 2,
        "token": "A_UNIQUE_TOKEN", "version": 1, "guild_id": "290926798626357999",
        "channel_id": "645027906669510667", "app_permissions": "442368", "locale": "en-US",
        "guild_locale": "en-US", "entitlements": [], "authorizing_integration_owners": {"0": "290926798626357999"},
        "context": 0, "attachment_size_limit": 10485760,
        "member": {
            "user": {"id": "53908232506183680", "username": "Mason", "avatar": null, "discriminator": "0", "public_flags": 0},
            "roles": [], "premium_since": null, "permissions": "2147483647", "pending": false, "nick": null,
            "mute": false, "joined_at": "2017-03-13T19:19:14.040000+00:00", "deaf": false, "flags": 0
        },
        "data": {"id": "771825006014889984", "name": "ask", "type": 1,
                 "options": [{"type": 3, "name": "question", "value": "we're building a chat app, node or python?"}]}
    })
    .to_string();
    // Signed now: the endpoint refuses timestamps more than 5 minutes away.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let timestamp = now.to_string();
    let timestamp = timestamp.as_str();
    let mut message = timestamp.as_bytes().to_vec();
    message.extend_from_slice(body.as_bytes());
    let signature = hex::encode(key.sign(&message).to_bytes());
    std::fs::write(dir.join("public_key"), hex::encode(key.verifying_key().to_bytes())).unwrap();
    std::fs::write(dir.join("body.json"), &body).unwrap();
    std::fs::write(dir.join("signature"), signature).unwrap();
    std::fs::write(dir.join("timestamp"), timestamp).unwrap();
}
