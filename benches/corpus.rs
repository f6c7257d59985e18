//! What a question costs with the sentence model on, over every question of
//! the real-question corpus (`tests/data/real/*.tsv`, both splits: only time
//! is read here, never an answer), plus what loading costs. Criterion reports
//! one figure per function; the answer model's targets are a distribution
//! (median and p99 over the corpus), so this prints its own.
//!
//! Run on one core: `taskset -c 0 cargo bench --bench corpus`.

use std::path::Path;
use std::time::{Duration, Instant};

use stackpick::Engine;

/// Runs per question; its median is the question's time.
const RUNS: usize = 3;
/// Above this an answer went through the sentence encoder: the words alone
/// take microseconds, the encoder milliseconds.
const ENCODED: Duration = Duration::from_millis(1);

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut questions = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(root.join("tests/data/real"))
        .expect("the corpus folder")
        .map(|e| e.expect("a corpus file").path())
        .filter(|p| p.extension().is_some_and(|e| e == "tsv"))
        .collect();
    files.sort();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a corpus file");
        questions.extend(
            text.lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
                .map(|l| l.split('\t').next().unwrap_or_default().to_owned()),
        );
    }

    let started = Instant::now();
    let encoder = stackpick::model::load(&stackpick::model::default_dir()).expect("the shipped model");
    let model_load = started.elapsed();
    let encoder = std::sync::Arc::new(encoder);
    let dir = root.join("knowledge");
    let mut loads: Vec<Duration> = (0..5)
        .map(|_| {
            let started = Instant::now();
            let engine = Engine::with_meaning(
                stackpick::load(&dir).expect("the pack"),
                encoder.clone(),
                stackpick::engine::meaning::Weights::shipped().clone(),
            );
            std::hint::black_box(engine);
            started.elapsed()
        })
        .collect();
    loads.sort();
    let engine = Engine::with_meaning(
        stackpick::load(&dir).expect("the pack"),
        encoder,
        stackpick::engine::meaning::Weights::shipped().clone(),
    );

    for q in questions.iter().take(20) {
        std::hint::black_box(engine.answer(q));
    }
    let mut times: Vec<Duration> = questions
        .iter()
        .map(|q| {
            let mut runs: Vec<Duration> = (0..RUNS)
                .map(|_| {
                    let started = Instant::now();
                    std::hint::black_box(engine.answer(std::hint::black_box(q)));
                    started.elapsed()
                })
                .collect();
            runs.sort();
            runs[RUNS / 2]
        })
        .collect();
    times.sort();
    let at = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    let encoded: Vec<&Duration> = times.iter().filter(|t| **t > ENCODED).collect();
    let total: Duration = times.iter().sum();
    println!("model load (safetensors → packed int8 panels): {model_load:.1?}");
    println!("pack load with the model (read, index, vectors, linear reader's fit; median of 5): {:.1?}", loads[2]);
    println!("{} corpus questions, each the median of {RUNS} answers:", times.len());
    println!(
        "  median {:.1?}  p90 {:.1?}  p99 {:.1?}  max {:.1?}  mean {:.1?}",
        at(0.5),
        at(0.9),
        at(0.99),
        times[times.len() - 1],
        total / times.len() as u32
    );
    println!(
        "  through the encoder (over {ENCODED:?}): {} of {} ({:.1} %), median {:.1?}",
        encoded.len(),
        times.len(),
        100.0 * encoded.len() as f64 / times.len() as f64,
        encoded.get(encoded.len() / 2).copied().copied().unwrap_or_default()
    );
}
