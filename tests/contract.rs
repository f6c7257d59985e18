//! The shipped pack against its contract: the stable topic ids, the use cases,
//! and the facts where the source article is wrong.

mod common;

#[test]
fn topics_are_exactly_the_contract_ids() {
    let contract = std::fs::read_to_string(common::data("topics.md")).unwrap();
    let re = regex::Regex::new(r"(?m)^\| `([a-z-]+)` \|").unwrap();
    let mut wanted: Vec<&str> = re.captures_iter(&contract).map(|c| c.get(1).unwrap().as_str()).collect();
    let pack = common::engine().pack();
    let mut have: Vec<&str> = pack.topics.iter().map(|t| t.id.as_str()).collect();
    wanted.sort();
    have.sort();
    assert_eq!(wanted.len(), 28);
    assert_eq!(have, wanted);
}

#[test]
fn contract_copy_tracks_the_shared_file() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/contract/topics.md");
    if let Ok(original) = std::fs::read_to_string(shared) {
        assert_eq!(std::fs::read_to_string(common::data("topics.md")).unwrap(), original);
    }
}

#[test]
fn at_least_twenty_use_cases() {
    let pack = common::engine().pack();
    assert!(pack.use_cases.len() >= 20, "{}", pack.use_cases.len());
    for id in [
        "machine-learning",
        "real-time-chat",
        "iot",
        "web-scraping",
        "microservices",
        "team-knows-javascript",
        "beginners",
    ] {
        assert!(pack.use_case_by_id(id).is_some(), "missing use case {id}");
    }
}

#[test]
fn every_entry_renders_within_discord_limits() {
    let engine = common::engine();
    let pack = engine.pack();
    for i in 0..pack.topics.len() {
        let doc = engine.embed(&engine.topic_answer(stackpick::knowledge::TopicIdx(i)));
        assert!(doc.violations().is_empty(), "{}: {:?}", pack.topics[i].id, doc.violations());
        assert!(doc.footer.starts_with("Source: "), "footer names the article section");
    }
    for i in 0..pack.use_cases.len() {
        let doc = engine.embed(&engine.use_case_answer(stackpick::knowledge::UseCaseIdx(i)));
        assert!(doc.violations().is_empty(), "{}: {:?}", pack.use_cases[i].id, doc.violations());
    }
}

fn all_text() -> String {
    let pack = common::engine().pack();
    let mut text = String::new();
    for t in &pack.topics {
        text.push_str(&t.summary);
        text.push('\n');
        for p in t.points.iter().flatten() {
            text.push_str(p);
            text.push('\n');
        }
    }
    text
}

#[test]
fn the_article_is_corrected_where_it_is_wrong() {
    let pack = common::engine().pack();
    let topic = |id: &str| pack.topic(pack.topic_by_id(id).unwrap());
    // Node.js is asynchronous and non-blocking, and Ryan Dahl created it.
    let node = &topic("node-overview").summary;
    assert!(node.contains("Ryan Dahl") && node.contains("asynchronous") && node.contains("non-blocking"));
    let arch = &topic("architecture").summary;
    assert!(arch.contains("asynchronous and non-blocking"));
    // Python has threads, multiprocessing and asyncio; the GIL limits CPU-bound threads in CPython.
    for word in ["threads", "multiprocessing", "asyncio", "GIL", "CPython", "CPU-bound"] {
        assert!(arch.contains(word), "architecture summary lacks {word}");
    }
    let text = all_text();
    assert!(!text.contains("Rayn"), "the creator's name is Ryan Dahl");
    assert!(!regex::Regex::new(r"(?i)node(\.js)? is (a )?synchronous").unwrap().is_match(&text));
    assert!(!text.to_lowercase().contains("does not offer multithreading"));
}
