//! The invariants of ARCHITECTURE.md: the layer order on the crate graph
//! (`cargo tree`), and what the graph cannot state by reading the sources.

use std::path::Path;
use std::process::Command;

/// The layers, lowest first, as ARCHITECTURE.md states them: each crate may
/// depend on the ones before it, never on one after it.
const LAYERS: [&str; 6] =
    ["stackpick-core", "stackpick-store", "stackpick-commands", "stackpick-discord", "stackpick-slack", "stackpick"];

/// Crates that exist for the tests: dev-dependencies only, never a layer.
const TEST_SUPPORT: [&str; 2] = ["stackpick-fake-discord", "stackpick-test-support"];

/// What the engine crate may not reach, directly or through another crate: a
/// chat platform's library, an async runtime, a database, an HTTP stack.
const NOT_IN_THE_ENGINE: [&str; 10] =
    ["serenity", "slack-morphism", "tokio", "async-std", "sqlx", "rusqlite", "axum", "hyper", "reqwest", "ureq"];

/// `cargo metadata` for the workspace's own packages.
fn workspace_metadata() -> serde_json::Value {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--offline", "--no-deps", "--format-version", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    serde_json::from_slice(&out.stdout).expect("cargo metadata is JSON")
}

/// Every crate `package` depends on at run time (normal edges, transitively), by name.
fn runtime_dependencies(package: &str) -> Vec<String> {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "-p", package, "-e", "normal", "--prefix", "none", "--format", "{p}"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(out.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&out.stderr));
    let mut names: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// "The core knows nothing about Discord or Slack", nor about runtimes,
/// databases or the network: the Discord faces and a Slack face sit on top of
/// it as siblings.
#[test]
fn the_engine_crate_knows_no_platform_runtime_database_or_network() {
    let deps = runtime_dependencies("stackpick-core");
    assert!(deps.iter().any(|d| d == "safetensors"), "the listing is real: {deps:?}");
    let found: Vec<&String> = deps.iter().filter(|d| NOT_IN_THE_ENGINE.contains(&d.as_str())).collect();
    assert!(found.is_empty(), "the engine crate depends on {found:?}");
}

/// What the command layer may not reach: a chat platform's library or an
/// HTTP stack. Discord and Slack are faces above it; it speaks neither.
const NOT_IN_THE_COMMAND_LAYER: [&str; 7] =
    ["serenity", "slack-morphism", "axum", "hyper", "reqwest", "ureq", "tokio-tungstenite"];

/// "The command layer is platform-neutral": `stackpick-commands` depends on
/// no chat platform's crate, not even through another crate, and its sources
/// name none.
#[test]
fn the_command_layer_knows_no_platform() {
    let deps = runtime_dependencies("stackpick-commands");
    assert!(deps.iter().any(|d| d == "stackpick-core"), "the listing is real: {deps:?}");
    let found: Vec<&String> = deps.iter().filter(|d| NOT_IN_THE_COMMAND_LAYER.contains(&d.as_str())).collect();
    assert!(found.is_empty(), "the command layer depends on {found:?}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/commands/src");
    for (file, text) in sources(&root) {
        for forbidden in ["serenity", "slack_morphism", "axum"] {
            assert!(!text.contains(forbidden), "{file} names `{forbidden}`");
        }
    }
}

/// "Slack is a sibling of Discord and copies nothing from it": the Slack face
/// depends on neither the Discord crate nor serenity, and the Discord face on
/// nothing of Slack's (the layer order alone would allow the first).
#[test]
fn the_two_chat_faces_are_siblings() {
    let slack = runtime_dependencies("stackpick-slack");
    assert!(slack.iter().any(|d| d == "slack-morphism"), "the listing is real: {slack:?}");
    for forbidden in ["stackpick-discord", "serenity"] {
        assert!(!slack.iter().any(|d| d == forbidden), "the Slack face depends on {forbidden}");
    }
    let discord = runtime_dependencies("stackpick-discord");
    assert!(!discord.iter().any(|d| d == "slack-morphism" || d == "stackpick-slack"), "{discord:?}");
}

/// Arrows one way: no crate depends on a layer above it.
#[test]
fn no_crate_depends_on_a_layer_above_it() {
    for (i, layer) in LAYERS.iter().enumerate() {
        let deps = runtime_dependencies(layer);
        for above in &LAYERS[i + 1..] {
            assert!(!deps.iter().any(|d| d == above), "{layer} depends on {above}, a layer above it");
        }
    }
    // The stated order covers the workspace: a new crate must take its place in it.
    let metadata = workspace_metadata();
    let mut members: Vec<&str> =
        metadata["packages"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    members.sort();
    let mut layers: Vec<&str> = LAYERS.iter().chain(&TEST_SUPPORT).copied().collect();
    layers.sort();
    assert_eq!(
        members, layers,
        "every workspace crate is a layer of ARCHITECTURE.md (or test support), and only those"
    );
    // Test support reaches no build of the bot: no crate depends on it but as a dev-dependency.
    for package in metadata["packages"].as_array().unwrap() {
        for dep in package["dependencies"].as_array().unwrap() {
            let name = dep["name"].as_str().unwrap();
            if TEST_SUPPORT.contains(&name) {
                assert_eq!(dep["kind"], "dev", "{} depends on {name}", package["name"]);
            }
        }
    }
}

/// Database drivers: only the storage crate may name one.
const DATABASE_DRIVERS: [&str; 4] = ["sqlx", "rusqlite", "postgres", "tokio-postgres"];

/// "Only the storage crate speaks SQL": no other workspace crate depends on a
/// database driver directly (tests may, to build old databases and locks).
#[test]
fn only_the_storage_crate_speaks_sql() {
    let metadata = workspace_metadata();
    let mut checked = 0;
    for package in metadata["packages"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap();
        let drivers: Vec<&str> = package["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"].is_null()) // normal dependencies; dev and build ones have a kind
            .filter_map(|d| d["name"].as_str())
            .filter(|d| DATABASE_DRIVERS.contains(d))
            .collect();
        if name == "stackpick-store" {
            assert_eq!(drivers, ["sqlx"], "the storage crate is where SQL lives");
        } else if TEST_SUPPORT.contains(&name) {
            // Test support builds old databases for the migration tests; it is
            // a dev-dependency only (checked above), so no bot build reaches it.
        } else {
            assert!(drivers.is_empty(), "{name} depends on {drivers:?}: SQL belongs in stackpick-store");
        }
        checked += 1;
    }
    assert_eq!(checked, LAYERS.len() + TEST_SUPPORT.len());
}

/// "Handlers do not branch on storage": the command layer holds the storage
/// traits (`Arc<dyn Storage>`), never a concrete store, and never asks
/// whether it has one.
#[test]
fn handlers_hold_the_storage_traits_not_a_store() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/commands/src");
    for (file, text) in sources(&root) {
        assert!(!text.contains("SqliteStore"), "{file} names the SQLite store");
        assert!(!text.contains("Option<Arc<dyn Storage>>") && !text.contains("Option<&dyn Storage>"), "{file}");
        for line in text.lines() {
            let branch = line.contains("if let Some(store)") || line.contains("let Some(store)");
            assert!(!branch, "{file} branches on having a store: {}", line.trim());
            // The in-memory store is the default the bot starts with, in one place.
            if line.contains("MemoryStore") {
                assert!(
                    file.ends_with("commands/src/lib.rs") && line.contains("MemoryStore::new()"),
                    "{file}: {}",
                    line.trim()
                );
            }
        }
    }
}

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
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/core/src");
    let mut files = sources(&core.join("engine"));
    files.extend(sources(&core.join("semantic")));
    assert!(files.iter().any(|(f, _)| f.ends_with("semantic/kernel.rs")), "the listing is real");
    for (file, text) in files {
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
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/core/src/knowledge");
    for (file, text) in sources(&root) {
        for forbidden in ["crate::engine", "crate::bot", "crate::gateway", "crate::serve", "crate::store"] {
            assert!(!text.contains(forbidden), "{file} uses `{forbidden}`");
        }
    }
}

/// "Every outgoing Discord message gets `allowed_mentions` from one builder":
/// only `crates/discord/src/build.rs` calls serenity's message constructors; every
/// face renders the command layer's neutral messages through it.
#[test]
fn every_discord_message_starts_in_the_one_builder() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // A deferred response ("thinking…") carries only flags: no text, no one to ping.
    let exempt = [("crates/discord/src/rest.rs", "CreateInteractionResponseMessage::new().ephemeral(ephemeral)")];
    let constructors = [
        "CreateInteractionResponseMessage::new(",
        "CreateMessage::new(",
        "EditMessage::new(",
        "CreateInteractionResponseFollowup::new(",
        "EditInteractionResponse::new(",
        "ExecuteWebhook::new(",
    ];
    let mut found = Vec::new();
    for dir in ["src", "crates"] {
        for (file, text) in sources(&root.join(dir)) {
            let relative = file.strip_prefix(&format!("{}/", root.display())).unwrap_or(&file).to_owned();
            if relative == "crates/discord/src/build.rs" {
                continue;
            }
            for line in text.lines() {
                let allowed = exempt.iter().any(|(f, l)| *f == relative && line.contains(l));
                if constructors.iter().any(|c| line.contains(c)) && !allowed {
                    found.push(format!("{relative}: {}", line.trim()));
                }
            }
        }
    }
    assert!(found.is_empty(), "messages built outside discord::build:\n{}", found.join("\n"));
    let build = std::fs::read_to_string(root.join("crates/discord/src/build.rs")).unwrap();
    let starts = ["CreateInteractionResponseMessage::new()", "CreateMessage::new()"];
    for start in starts {
        let uses: Vec<&str> = build.lines().filter(|l| l.contains(start)).collect();
        assert!(!uses.is_empty(), "the builder constructs {start}");
        for line in uses {
            assert!(line.contains(".allowed_mentions(mentions(m.ping.as_deref()))"), "{}", line.trim());
        }
    }
}

/// Inside each crate, the modules' order, lowest first, as ARCHITECTURE.md
/// states it. A module may name (`crate::m`, or `super::m` from a top-level
/// file) only modules in a layer below its own, never one above it nor a
/// sibling in its own layer. A node is a top-level module or, where a
/// module's parts sit at different heights, `module/sub`. Names that are not
/// modules (items of the crate root, and the lower crates it re-exports)
/// are not layers.
const MODULE_LAYERS: [(&str, &[&[&str]]); 6] = [
    (
        "crates/core/src",
        &[
            &["limits"],
            &["knowledge"],
            &["answer"],
            &["embed"],
            // Loading checks every entry as it would be rendered.
            &["knowledge/load"],
            &["semantic"],
            &["model"],
            &["engine"],
            &["train"],
            &["eval"],
        ],
    ),
    (
        "crates/store/src",
        &[
            &["error", "keys", "bounded", "sealed"],
            &["records"],
            &["similar", "journal"],
            &["sqlite", "memory"],
            &["postgres"],
        ],
    ),
    (
        "crates/commands/src",
        &[&["custom_id", "directory", "metrics", "reports"], &["request"], &["reply", "state"], &["handle", "refresh"]],
    ),
    ("crates/discord/src", &[&["token", "commands"], &["parse", "build"], &["rest"], &["gateway", "serve"]]),
    ("crates/slack/src", &[&["blocks", "parse", "oauth"], &["web"], &["serve"], &["socket"]]),
    ("src", &[&["config", "render"], &["cli"]]),
];

/// The first path segments named after `prefix` (`crate::` or `super::`)
/// in `text`, with the second segment too (`a/b`), for `use prefix{a, b::c}`
/// as well as `prefix a::b`.
fn named_modules(text: &str, prefix: &str) -> Vec<String> {
    let ident = |s: &str| -> String { s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect() };
    let path = |s: &str| -> String {
        let first = ident(s);
        match s[first.len()..].strip_prefix("::") {
            Some(rest) if !ident(rest).is_empty() => format!("{first}/{}", ident(rest)),
            _ => first,
        }
    };
    let mut out = Vec::new();
    for (at, _) in text.match_indices(prefix) {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue; // `super::` inside `super::super::`, or `my_crate::`
        }
        let rest = &text[at + prefix.len()..];
        if rest.starts_with(prefix) {
            continue; // `super::super::`: a grandparent, not a sibling
        }
        if let Some(list) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in list.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if c.is_whitespace() => {}
                    _ if item_start && depth == 0 => {
                        out.push(path(&list[i..]));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            out.push(path(rest));
        }
    }
    out
}

/// Arrows one way inside each crate: no module names a module above it or
/// beside it, against the declared [`MODULE_LAYERS`].
#[test]
fn no_module_names_a_module_above_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (dir, layers) in MODULE_LAYERS {
        let src = root.join(dir);
        let nodes: Vec<(&str, usize)> =
            layers.iter().enumerate().flat_map(|(i, layer)| layer.iter().map(move |n| (*n, i))).collect();
        // The node a module path belongs to: the longest declared prefix.
        let node_of = |path: &str| -> Option<(&str, usize)> {
            nodes
                .iter()
                .filter(|(n, _)| path == *n || path.starts_with(&format!("{n}/")))
                .max_by_key(|(n, _)| n.len())
                .copied()
        };
        // Every declared node exists, and every top-level module is declared.
        for (node, _) in &nodes {
            let exists = src.join(format!("{node}.rs")).exists() || src.join(node).join("mod.rs").exists();
            assert!(exists, "{dir}: the declared module `{node}` does not exist");
        }
        for entry in std::fs::read_dir(&src).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            let module = name.trim_end_matches(".rs");
            if ["lib", "main"].contains(&module) {
                continue;
            }
            assert!(node_of(module).is_some(), "{dir}: module `{module}` has no place in MODULE_LAYERS");
        }
        for (file, text) in sources(&src) {
            let relative = file.strip_prefix(&format!("{}/", src.display())).unwrap().trim_end_matches(".rs");
            let relative = relative.trim_end_matches("/mod");
            if ["lib", "main"].contains(&relative) {
                continue;
            }
            let (own, height) = node_of(relative).expect("every module is declared (checked above)");
            // Code only: a comment may mention any module.
            let code: String =
                text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
            let mut named = named_modules(&code, "crate::");
            if !relative.contains('/') {
                named.extend(named_modules(&code, "super::"));
            }
            for path in named {
                let Some((node, h)) = node_of(&path) else { continue };
                if node != own && h >= height && !own.starts_with(&format!("{node}/")) {
                    wrong.push(format!("{dir}/{relative} ({own}) names {path} ({node})"));
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "the sources were read: {checked}");
    assert!(wrong.is_empty(), "modules that name a module above or beside them:\n{}", wrong.join("\n"));
}

#[test]
fn module_paths_are_read_from_use_lists_and_paths() {
    let text = "use crate::{a, b::c, d::{e, f}};\nlet x = crate::g::h(); super::super::i; my_crate::j;";
    assert_eq!(named_modules(text, "crate::"), ["a", "b/c", "d", "g/h"]);
    assert!(named_modules(text, "super::").is_empty(), "a nested super:: is the parent's parent");
}

/// The crate order is stated once for readers too: ARCHITECTURE.md lists the
/// crates in [`LAYERS`]' order.
#[test]
fn architecture_md_lists_the_crates_in_the_tested_order() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md")).unwrap();
    let positions: Vec<usize> = LAYERS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            doc.find(&format!("{}. `{name}`", i + 1)).unwrap_or_else(|| panic!("{name} is layer {}", i + 1))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
}

/// The longest a source file may be: past it a module holds more than one
/// concern and is split (a directory module with its parts).
const MAX_LINES: usize = 500;

/// No Rust source of the workspace — crates, binary, tests, benches,
/// examples — is over [`MAX_LINES`] lines.
#[test]
fn no_source_file_is_over_500_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut long = Vec::new();
    let mut read = 0;
    for dir in ["src", "crates", "tests", "benches", "examples"] {
        let dir = root.join(dir);
        if !dir.is_dir() {
            continue;
        }
        for (path, text) in sources(&dir) {
            read += 1;
            let lines = text.lines().count();
            if lines > MAX_LINES {
                long.push(format!("{path}: {lines} lines"));
            }
        }
    }
    assert!(read > 100, "the sources were found ({read} files read)");
    assert!(long.is_empty(), "over {MAX_LINES} lines: {long:#?}");
}
