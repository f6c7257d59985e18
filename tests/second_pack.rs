//! A second, unrelated pack answers through the same engine: nothing about the
//! first pack's contenders lives in `src/` or `crates/`.

use stackpick_test_support as common;

use stackpick::{Engine, Outcome};

fn engine() -> Engine {
    Engine::new(stackpick::load(&common::fixture("go-rust")).expect("fixture pack is valid"))
}

fn ask(engine: &Engine, q: &str) -> (Option<String>, Option<String>) {
    let pack = engine.pack();
    let a = engine.answer(q);
    (a.topic().map(|t| pack.topic(t).id.clone()), a.pick(pack).map(|p| pack.pick_id(p).to_owned()))
}

#[test]
fn answers_from_the_second_pack() {
    let e = engine();
    assert_eq!(e.pack().contenders.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["go", "rust"]);
    assert_eq!(ask(&e, "which is faster?"), (Some("performance".into()), Some("rust".into())));
    assert_eq!(ask(&e, "goroutines vs threads?"), (Some("concurrency".into()), Some("go".into())));
    assert_eq!(ask(&e, "what is golang"), (Some("go-overview".into()), None));
    assert_eq!(ask(&e, "go or rust?"), (Some("choose".into()), Some("either".into())));
    // A use case: answered with its first topic and its own pick.
    assert_eq!(ask(&e, "best for a command line tool?"), (Some("performance".into()), Some("rust".into())));
    assert!(matches!(e.answer("microservices, which one?").outcome, Outcome::UseCase { .. }));
}

#[test]
fn the_second_pack_knows_what_it_does_not_know() {
    let e = engine();
    // The first pack's contenders are out of scope here.
    let a = e.answer("is python faster than node?");
    assert!(!a.answered());
    let doc = e.embed(&a);
    assert!(doc.description.contains("python"), "{}", doc.description);
    assert!(!e.answer("how do I bake bread").answered());
}

#[test]
fn no_contender_of_the_shipped_pack_is_named_in_src() {
    let pack = common::engine().pack();
    let mut names: Vec<String> = pack.contenders.iter().flat_map(|c| c.aliases.clone()).collect();
    names.retain(|n| n.len() >= 4 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '.'));
    let mut offending = Vec::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for entry in walk(&root.join("src")).into_iter().chain(walk(&root.join("crates"))) {
        let text = std::fs::read_to_string(&entry).unwrap().to_lowercase();
        for name in &names {
            let re = regex::Regex::new(&format!(r"\b{}\b", regex::escape(name))).unwrap();
            if re.is_match(&text) {
                offending.push(format!("{} mentions `{name}`", entry.display()));
            }
        }
    }
    assert!(offending.is_empty(), "knowledge belongs in knowledge/, not in code:\n{}", offending.join("\n"));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}
