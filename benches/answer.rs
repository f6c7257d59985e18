//! Speed of the engine: raw chat text to a Discord embed, and building the
//! engine from the pack folder. Run with `cargo bench --bench answer`.

use std::path::Path;

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use stackpick::Engine;

fn questions() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dev.tsv");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').next().unwrap().to_owned())
        .collect()
}

fn pack_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge")
}

fn answer(c: &mut Criterion) {
    let engine = Engine::new(stackpick::load(&pack_dir()).unwrap());
    let questions = questions();

    // The whole dev set per iteration; criterion's throughput line gives the
    // per-question rate, and time / questions the per-question median.
    let mut group = c.benchmark_group("answer");
    group.throughput(Throughput::Elements(questions.len() as u64));
    group.bench_function("dev_set_to_embed", |b| {
        b.iter(|| {
            for q in &questions {
                let a = engine.answer(black_box(q));
                drop(black_box(stackpick::discord::build::embed(&engine.embed(&a))));
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("question");
    for q in
        ["which is faster?", "whch one is fastr", "we're building a chat app, node or python?", "how do I center a div"]
    {
        group.bench_function(q, |b| {
            b.iter(|| black_box(stackpick::discord::build::embed(&engine.embed(&engine.answer(black_box(q))))))
        });
    }
    group.finish();
}

fn load(c: &mut Criterion) {
    let dir = pack_dir();
    c.bench_function("load_and_index_pack", |b| {
        b.iter_batched(|| (), |_| black_box(Engine::new(stackpick::load(&dir).unwrap())), BatchSize::PerIteration)
    });
}

criterion_group!(benches, answer, load);
criterion_main!(benches);
