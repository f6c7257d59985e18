//! The parts of one `stackpick serve` request, to see where its time goes:
//! signature check, reading the interaction (JSON, then the neutral
//! request), answering, writing the response.
//! Run with `cargo bench --bench serve`.

use std::path::Path;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ed25519_dalek::{Signer, SigningKey};
use serenity::all::Interaction;
use stackpick::bot::{Bot, Config};

fn request() -> (Vec<u8>, String, stackpick::serve::PublicKey) {
    let body = serde_json::json!({
        "id": "786008729715212338", "application_id": "775799577604522054", "type": 2,
        "token": "A_UNIQUE_TOKEN", "version": 1, "guild_id": "290926798626357999",
        "channel_id": "645027906669510667", "app_permissions": "442368", "locale": "en-US",
        "entitlements": [], "authorizing_integration_owners": {}, "context": 0, "attachment_size_limit": 10485760,
        "member": {"user": {"id": "53908232506183680", "username": "Mason", "avatar": null, "discriminator": "0"},
                   "roles": [], "permissions": "2147483647", "joined_at": "2017-03-13T19:19:14.040000+00:00",
                   "deaf": false, "mute": false, "flags": 0},
        "data": {"id": "771825006014889984", "name": "ask", "type": 1,
                 "options": [{"type": 3, "name": "question", "value": "we're building a chat app, node or python?"}]}
    })
    .to_string()
    .into_bytes();
    let key = SigningKey::from_bytes(&[42u8; 32]);
    let mut msg = b"1764158400".to_vec();
    msg.extend_from_slice(&body);
    let sig = hex::encode(key.sign(&msg).to_bytes());
    let public = stackpick::serve::PublicKey::from_hex(&hex::encode(key.verifying_key().to_bytes())).unwrap();
    (body, sig, public)
}

fn parts(c: &mut Criterion) {
    let (body, sig, key) = request();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    let engine = stackpick::Engine::new(stackpick::load(&dir).unwrap());
    let bot = Bot::new(engine, dir, Config { cooldown: std::time::Duration::ZERO, ..Config::default() });
    let interaction: Interaction = serde_json::from_slice(&body).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let reply = rt.block_on(stackpick::discord::interaction(&bot, &interaction, &stackpick::bot::NoDirectory));
    let parsed = stackpick::discord::parse::interaction(&interaction);

    let mut g = c.benchmark_group("serve");
    g.bench_function("verify_signature", |b| {
        b.iter(|| assert!(key.verify(black_box(&sig), "1764158400", black_box(&body))))
    });
    g.bench_function("read_interaction", |b| {
        b.iter(|| black_box(serde_json::from_slice::<Interaction>(black_box(&body)).unwrap()))
    });
    g.bench_function("parse_request", |b| {
        b.iter(|| black_box(stackpick::discord::parse::interaction(black_box(&interaction))))
    });
    g.bench_function("answer", |b| {
        b.iter(|| {
            black_box(rt.block_on(stackpick::discord::answer(&bot, black_box(&parsed), &stackpick::bot::NoDirectory)))
        })
    });
    g.bench_function("write_response", |b| {
        b.iter(|| black_box(serde_json::to_vec(black_box(&reply.response)).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, parts);
criterion_main!(benches);
