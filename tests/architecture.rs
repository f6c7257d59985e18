//! The invariants of ARCHITECTURE.md that the crate graph cannot state.

use std::path::Path;

fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
        }
    }
    out
}

/// Reading and answering are pure and synchronous: the engine touches no
/// network, no database, no files (the word list is compiled in), no runtime.
#[test]
fn the_engine_does_no_io() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/engine");
    for (file, text) in sources(&root) {
        for forbidden in
            ["tokio", "sqlx", "serenity", "std::fs", "std::net", "reqwest", "async fn", "crate::store", "crate::bot"]
        {
            assert!(!text.contains(forbidden), "{file} uses `{forbidden}`: the engine must stay pure");
        }
    }
}

/// Arrows one way: knowledge does not reach into the engine or the faces.
#[test]
fn knowledge_depends_on_nothing_above_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/knowledge");
    for (file, text) in sources(&root) {
        for forbidden in ["crate::engine", "crate::bot", "crate::gateway", "crate::serve", "crate::store"] {
            assert!(!text.contains(forbidden), "{file} uses `{forbidden}`");
        }
    }
}
