//! Accuracy over the evaluation sets: the public dev questions (a copy of
//! `shared/eval/dev.tsv`) and our own paraphrases, typos and off-topic lines.

mod common;

fn accuracy(file: &str, required: f64) {
    let engine = common::engine();
    let cases = common::cases(&common::data(file));
    assert!(!cases.is_empty(), "{file} has no cases");
    let misses: Vec<String> = cases.iter().filter_map(|c| common::check(engine, c).err()).collect();
    for miss in &misses {
        println!("MISS {file} {miss}");
    }
    let right = (cases.len() - misses.len()) as f64 / cases.len() as f64;
    println!("{file}: {}/{} right ({:.1}%)", cases.len() - misses.len(), cases.len(), right * 100.0);
    assert!(
        right >= required,
        "{file}: {:.1}% right, need {:.0}%; misses:\n{}",
        right * 100.0,
        required * 100.0,
        misses.join("\n")
    );
}

#[test]
fn dev_questions_are_at_least_95_percent_right() {
    accuracy("dev.tsv", 0.95);
}

#[test]
fn our_paraphrases_typos_and_off_topic_lines_are_at_least_90_percent_right() {
    accuracy("paraphrases.tsv", 0.90);
}

#[test]
fn dev_set_is_the_shared_one() {
    // The copy must track the shared file when it is present (it is not in a
    // clone elsewhere, which is why the copy exists).
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval/dev.tsv");
    if let Ok(original) = std::fs::read_to_string(shared) {
        let copy = std::fs::read_to_string(common::data("dev.tsv")).unwrap();
        assert_eq!(copy, original, "tests/data/dev.tsv differs from shared/eval/dev.tsv; copy it again");
    }
}
