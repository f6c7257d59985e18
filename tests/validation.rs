//! Every kind of pack problem, each from a broken copy of the fixture pack,
//! with the message it must produce (file, entry, field, what is wrong).

use stackpick_test_support as common;

/// Copies the go-rust fixture into a temporary folder, applies `edit` to the
/// named file's text, loads it and returns every problem as a display line.
fn broken(file: &str, edit: impl FnOnce(String) -> String) -> Vec<String> {
    let dir = common::core_pack_copy(&common::fixture("go-rust"));
    let path = dir.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = edit(text.clone());
    assert_ne!(edited, text, "the edit changed nothing");
    std::fs::write(&path, edited).unwrap();
    match stackpick::load(dir.path()) {
        Ok(_) => panic!("a broken pack loaded"),
        Err(e) => e.0.iter().map(|p| p.to_string().replace(&dir.path().display().to_string(), "PACK")).collect(),
    }
}

fn assert_has(problems: &[String], wanted: &str) {
    assert!(
        problems.iter().any(|p| p.contains(wanted)),
        "no problem contains {wanted:?}; got:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_fixture_itself_is_valid() {
    stackpick::load(&common::fixture("go-rust")).expect("fixture loads");
}

#[test]
fn toml_syntax_error_names_file_and_line() {
    let p = broken("topics.toml", |t| t.replacen("id = \"concurrency\"", "id = \"concurrency", 1));
    assert_has(&p, "PACK/topics.toml:14:18: TOML error");
    assert_has(&p, "TOML error");
}

#[test]
fn misspelt_field_is_a_problem_of_its_entry_and_hides_nothing_else() {
    let p = broken("topics.toml", |t| {
        t.replacen("summary =", "sumary =", 1).replacen("related = [\"performance\"]", "related = [\"speed\"]", 1)
    });
    assert_has(&p, "PACK/topics.toml:7:1: topic `performance`, field `sumary`: unknown field `sumary`");
    // The entry is still validated: its summary is now missing...
    assert_has(&p, "topic `performance`, field `summary`: is missing or empty");
    // ...and the rest of the file too.
    assert_has(&p, "field `related[0]`: unknown topic id `speed`");
}

#[test]
fn unknown_fields_in_tables_and_at_the_top_are_named() {
    let p = broken("pack.toml", |t| t.replacen("[pack]\n", "[pack]\ntitel = \"x\"\n", 1));
    assert_has(&p, "PACK/pack.toml:4:1: [pack], field `titel`: unknown field `titel`");
}

#[test]
fn summaries_count_sentences_not_abbreviations() {
    let p = broken("topics.toml", |t| {
        let start = t.find("summary = ").unwrap();
        let end = start + t[start..].find("\n").unwrap();
        let mut t = t.clone();
        t.replace_range(
            start..end,
            "summary = \"Some runtimes, e.g. this one, are fast. Others, e.g. that one, are not. Acme Inc. says so.\"",
        );
        // And break something else, so the pack does not load.
        t.replacen("related = [\"performance\"]", "related = [\"speed\"]", 1)
    });
    assert!(!p.iter().any(|l| l.contains("field `summary`")), "{p:#?}");
}

#[test]
fn duplicate_topic_id() {
    let p = broken("topics.toml", |t| t.replacen("id = \"concurrency\"", "id = \"performance\"", 1));
    assert_has(&p, "PACK/topics.toml:2:1: topic `performance`, field `id`: duplicate id `performance`: the topic #1 and the topic #");
}

#[test]
fn duplicate_contender_alias() {
    let p = broken("pack.toml", |t| t.replacen("aliases = [\"rustlang\"", "aliases = [\"golang\", \"rustlang\"", 1));
    assert_has(
        &p,
        "PACK/pack.toml:24:1: contender `rust`, field `aliases`: alias `golang` is also an alias of contender `go`",
    );
}

#[test]
fn unknown_contender_in_verdict() {
    let p = broken("topics.toml", |t| t.replacen("pick = \"rust\"", "pick = \"zig\"", 1));
    assert_has(&p, "PACK/topics.toml:9:1: topic `performance`, field `verdict.pick`: unknown contender id `zig` (expected one of: go, rust, either)");
}

#[test]
fn unknown_contender_in_points_and_missing_points() {
    let p = broken("topics.toml", |t| {
        t.replacen("points.go = [\"Fast to compile.\"", "points.gopher = [\"Fast to compile.\"", 1)
    });
    assert_has(&p, "topic `performance`, field `points.gopher`: unknown contender id `gopher`");
    assert_has(&p, "topic `performance`, field `points.go`: is missing or empty");
}

#[test]
fn related_id_that_does_not_exist() {
    let p = broken("topics.toml", |t| t.replacen("related = [\"concurrency\"]", "related = [\"concurency\"]", 1));
    assert_has(&p, "PACK/topics.toml:6:1: topic `performance`, field `related[0]`: unknown topic id `concurency`");
}

#[test]
fn use_case_with_unknown_topic_and_pick() {
    let p = broken("use_cases.toml", |t| {
        t.replacen("topics = [\"performance\"]", "topics = [\"speed\"]", 1).replacen(
            "pick = \"rust\"",
            "pick = \"c\"",
            1,
        )
    });
    assert_has(&p, "PACK/use_cases.toml:8:1: use case `cli-tools`, field `topics[0]`: unknown topic id `speed`");
    assert_has(&p, "use case `cli-tools`, field `pick`: unknown contender id `c`");
}

#[test]
fn regex_that_does_not_compile() {
    let p = broken("topics.toml", |t| t.replacen("asks = [\"fast\",", "asks = ['re:(unclosed', \"fast\",", 1));
    assert_has(&p, "PACK/topics.toml:8:1: topic `performance`, field `asks[0]`: regex `(unclosed` does not compile");
}

#[test]
fn empty_required_fields() {
    let p = broken("topics.toml", |t| {
        t.replacen("title = \"Speed\"", "title = \"\"", 1).replacen(
            "section = \"Fixture: concurrency\"",
            "section = \"  \"",
            1,
        )
    });
    assert_has(&p, "topic `performance`, field `title`: is missing or empty");
    assert_has(&p, "topic `concurrency`, field `section`: is missing or empty");
}

#[test]
fn summary_must_have_two_to_four_sentences() {
    let p = broken("topics.toml", |t| {
        t.replacen("Go also compiles to native code but pauses briefly for its collector.", "", 1)
    });
    assert_has(&p, "topic `performance`, field `summary`: has 1 sentence(s); write 2 to 4");
}

#[test]
fn reviewed_must_be_a_date() {
    let p = broken("topics.toml", |t| {
        t.replacen("reviewed = 2026-11-26\nrelated = [\"concurrency\"]", "related = [\"concurrency\"]", 1)
    });
    assert_has(&p, "topic `performance`, field `reviewed`: is missing");
}

#[test]
fn embed_title_over_discord_limit() {
    let long = "T".repeat(300);
    let p = broken("topics.toml", |t| t.replacen("title = \"Speed\"", &format!("title = \"{long}\""), 1));
    assert_has(&p, "topic `performance`, field `embed.title`: as rendered, is 300 characters; Discord allows 256");
}

#[test]
fn embed_field_value_over_discord_limit() {
    let long = "word ".repeat(230);
    let p = broken("topics.toml", |t| t.replacen("\"No garbage collector.\"", &format!("\"{long}\""), 1));
    assert_has(&p, "topic `performance`, field `embed.fields[1].value`: as rendered, is 1");
    assert_has(&p, "characters; Discord allows 1024");
}

#[test]
fn embed_description_and_total_over_discord_limits() {
    let sentence = format!("{}. ", "x".repeat(1500));
    let summary = sentence.repeat(3);
    let p = broken("topics.toml", |t| {
        t.replacen(
            "summary = \"Go is a compiled language designed at Google. It favours simplicity and fast builds.\"",
            &format!("summary = \"{}\"\npoints.go = [\"{}\"]", summary.trim(), "y".repeat(1000)),
            1,
        )
        .replacen("points.go = [\"Designed at Google.\"]\n", "", 1)
        .replacen("\"See the Rust docs.\"", &format!("\"{}\"", "z".repeat(1000)), 1)
    });
    assert_has(&p, "topic `go-overview`, field `embed.description`: as rendered, is 4");
    assert_has(&p, "topic `go-overview`, field `embed`: as rendered, has ");
    assert_has(&p, "characters of text in all; Discord allows 6000");
}

#[test]
fn unknown_default_topic_and_bad_colour() {
    let p = broken("pack.toml", |t| {
        t.replacen("default_topic = \"choose\"", "default_topic = \"chose\"", 1).replacen("#00ADD8", "teal", 1)
    });
    assert_has(&p, "PACK/pack.toml:8:1: [pack], field `default_topic`: unknown topic id `chose`");
    assert_has(&p, "contender `go`, field `colour`: `teal` is not a colour");
}

#[test]
fn missing_file() {
    let dir = common::core_pack_copy(&common::fixture("go-rust"));
    std::fs::remove_file(dir.path().join("use_cases.toml")).unwrap();
    let problems = stackpick::load(dir.path()).unwrap_err().0;
    assert!(problems[0]
        .to_string()
        .ends_with("use_cases.toml: file not found (a pack folder needs pack.toml, topics.toml and use_cases.toml)"));
}

#[test]
fn every_problem_is_reported_at_once() {
    let p = broken("topics.toml", |t| {
        t.replacen("related = [\"concurrency\"]", "related = [\"nope\"]", 1)
            .replacen("pick = \"go\"", "pick = \"java\"", 1)
            .replacen("title = \"Go or Rust?\"", "title = \"\"", 1)
    });
    assert!(p.len() >= 3, "{p:#?}");
    assert_has(&p, "`related[0]`: unknown topic id `nope`");
    assert_has(&p, "unknown contender id `java`");
    assert_has(&p, "topic `choose`, field `title`");
}

/// The minimal pack in knowledge/FORMAT.md is complete: it loads as written.
#[test]
fn the_documented_minimal_pack_loads() {
    let format = std::fs::read_to_string(common::pack_dir().join("FORMAT.md")).unwrap();
    let minimal = &format[format.find("## A minimal complete pack").expect("the section exists")..];
    let dir = tempfile::tempdir().unwrap();
    let mut files = 0;
    for block in minimal.split("```toml\n").skip(1) {
        let block = &block[..block.find("```").unwrap()];
        let name = block.lines().next().unwrap().trim_start_matches("# ").trim();
        std::fs::write(dir.path().join(name), block).unwrap();
        files += 1;
    }
    assert_eq!(files, 3);
    let pack = stackpick::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert!(pack.warnings.is_empty(), "{:?}", pack.warnings);
    let engine = stackpick::Engine::new(pack);
    let answer = engine.answer("tea or coffee?");
    assert_eq!(answer.topic().map(|t| engine.pack().topic(t).id.clone()).as_deref(), Some("choose"));
}
