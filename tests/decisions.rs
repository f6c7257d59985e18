//! The decision rules of the answer-quality issue, one test each: ordinary
//! words are neutral, a question must be anchored in the subject, typo
//! correction never rewrites real words, a plain comparison is not refused for
//! a generic word, and `pick` is exactly the verdict the answer shows.

use stackpick_test_support as common;

use stackpick::answer::Outcome;

fn topic_of(question: &str) -> Option<String> {
    let engine = common::engine();
    engine.answer(question).topic().map(|t| engine.pack().topic(t).id.clone())
}

#[test]
fn an_ordinary_word_the_pack_does_not_list_does_not_sink_a_clear_match() {
    assert_eq!(topic_of("what precisely is python").as_deref(), Some("python-overview"));
    // Since the pack grew "what Node.js is used for" examples, this one is
    // honestly between the two profiles: the ordinary word "exactly" must not
    // sink it, so it is answered with one of them or offers both. (The ridge
    // reader answered the overview; the reader that also reads spelling answers
    // what Node.js is used for, at 0.77 with the two nearly tied: both right.)
    let engine = common::engine();
    let a = engine.answer("so what exactly does node do");
    let ids: Vec<&str> = a
        .topic()
        .into_iter()
        .chain(a.suggestions.iter().copied())
        .map(|t| engine.pack().topic(t).id.as_str())
        .collect();
    let profiles = ["node-overview", "node-use-cases"];
    match a.answered() {
        true => assert!(profiles.contains(&ids[0]), "{ids:?}"),
        false => assert!(profiles.iter().all(|p| ids.contains(p)), "{ids:?}"),
    }
}

#[test]
fn a_topic_word_inside_a_sentence_about_something_else_is_not_an_anchor() {
    for q in
        ["how to learn guitar fast", "which is quicker to pick up, violin or drums", "the fastest sorting algorithm"]
    {
        assert_eq!(topic_of(q), None, "{q}");
    }
    // Implicit comparisons of the two stay answered.
    assert_eq!(topic_of("which is easier to learn?").as_deref(), Some("learning-curve"));
    assert_eq!(topic_of("how do they handle errors?").as_deref(), Some("error-handling"));
}

#[test]
fn typo_correction_never_rewrites_a_real_word() {
    let engine = common::engine();
    let explained = engine.explain("why is my node app leaking memory");
    assert!(!explained.contains("typo fixed"), "{explained}");
    assert_ne!(topic_of("why is my node app leaking memory").as_deref(), Some("learning-curve"));
    // Real typos are still corrected.
    assert_eq!(topic_of("whch one is fastr").as_deref(), Some("performance"));
}

#[test]
fn a_generic_word_does_not_turn_a_plain_comparison_into_a_refusal() {
    assert_eq!(topic_of("which is better node or python").as_deref(), Some("choose"));
    assert_eq!(topic_of("node or python?").as_deref(), Some("choose"));
    // Moving a service from one to the other has its own topic now.
    assert_eq!(topic_of("switching from python to node, worth it?").as_deref(), Some("migration"));
}

#[test]
fn specific_evidence_beats_the_plain_comparison() {
    // The pack learned "cpu heavy" from an example; naming both contenders
    // must not drown it in the generic comparison.
    assert_eq!(topic_of("cpu heavy work, node or python?").as_deref(), Some("architecture"));
    assert_eq!(topic_of("tell me about python's error handling ok").as_deref(), Some("error-handling"));
    assert_eq!(topic_of("which is easier to hire devs for?").as_deref(), Some("hiring"));
}

#[test]
fn pick_is_the_verdict_the_answer_shows_and_null_otherwise() {
    let engine = common::engine();
    let pack = engine.pack();
    // A topic answer shows its verdict.
    let a = engine.answer("which is faster?");
    assert_eq!(a.pick(pack).map(|p| pack.pick_id(p).to_owned()).as_deref(), Some("node"));
    // A profile shows none.
    let a = engine.answer("what is python?");
    assert!(matches!(a.outcome, Outcome::Topic { pick: None, .. }), "{:?}", a.outcome);
    assert_eq!(a.pick(pack), None);
    // A refusal shows none.
    let a = engine.answer("what's the weather today");
    assert!(!a.answered());
    assert_eq!(a.pick(pack), None);
    // A use case shows its own pick.
    let a = engine.answer("best for machine learning");
    let Outcome::UseCase { use_case, .. } = a.outcome else { panic!("{:?}", a.outcome) };
    assert_eq!(a.pick(pack), Some(pack.use_case(use_case).pick));
}

#[test]
fn examples_teach_the_engine_a_phrasing_its_asks_do_not_cover() {
    // A pack whose examples carry the wording: adding the failed question to
    // the right entry's examples is how a maintainer fixes it.
    let dir = common::core_pack_copy(&common::pack_dir());
    // The words' index, which learns wording only from asks and examples (the
    // sentence model already reads this one right from the asks' meaning).
    let question = "node or python when the box keeps pegging its cores at 100%";
    let before = stackpick::Engine::lexical(stackpick::load(dir.path()).unwrap());
    let before_topic = before.answer(question).topic().map(|t| before.pack().topic(t).id.clone());
    assert_ne!(before_topic.as_deref(), Some("architecture"), "the asks alone must not already cover it");
    let topics = dir.path().join("topics.toml");
    let text = std::fs::read_to_string(&topics).unwrap();
    let at = text.find("id = \"architecture\"").unwrap();
    let ex = at + text[at..].find("examples = [").unwrap() + "examples = [".len();
    let text = format!("{}\"our box keeps pegging every core at 100%, what then\", {}", &text[..ex], &text[ex..]);
    std::fs::write(&topics, text).unwrap();
    let after = stackpick::Engine::lexical(stackpick::load(dir.path()).unwrap());
    let got = after.answer(question).topic().map(|t| after.pack().topic(t).id.clone());
    assert_eq!(got.as_deref(), Some("architecture"));
}

fn description(question: &str) -> String {
    let engine = common::engine();
    engine.embed(&engine.answer(question)).description
}

#[test]
fn two_names_of_the_same_contender_are_refused_with_a_notice() {
    let engine = common::engine();
    let pack = engine.pack();
    for q in ["flask vs fastapi?", "django or fastapi for a small api"] {
        let a = engine.answer(q);
        assert!(!a.answered(), "{q}");
        assert_eq!(a.pick(pack), None);
        assert!(description(q).contains("are both Python"), "{}", description(q));
        assert_eq!(a.suggestions, vec![pack.topic_by_id("libraries").unwrap()], "the libraries topic is suggested");
    }
    // A framework against its own language is a question about the language.
    assert!(engine.answer("express or plain node for a tiny api").answered());
}

#[test]
fn a_frontend_beside_a_backend_question_is_not_out_of_scope() {
    assert!(topic_of("our frontend is Angular, which backend should we use?").is_some());
    // Docker beside the question does not make it out of scope: answered
    // with performance or cost, or (when the reader doubts) one of them offered
    // first. Cost is where the pack compares memory (a worker process per core,
    // each with its own memory, against one process); performance lists memory
    // among its asks. The ridge reader answered performance, the reader that
    // also reads spelling answers cost (0.59).
    let engine = common::engine();
    let q = "we ship the api in docker, is node or python lighter on memory";
    let a = engine.answer(q);
    let first = a.topic().or_else(|| a.suggestions.first().copied()).map(|t| engine.pack().topic(t).id.as_str());
    assert!(matches!(first, Some("performance" | "cost")), "{q}: {first:?}");
    assert!(!description(q).contains("which I don't cover"), "{}", description(q));
    // About the frontend alone, it is.
    assert_eq!(topic_of("react or vue for my dashboard"), None);
    assert!(description("react or vue for my dashboard").contains("which I don't cover"));
}

#[test]
fn a_question_in_another_language_gets_a_short_notice() {
    for q in [
        "welche sprache ist besser für das backend",
        "какой язык лучше для бэкенда node или python",
        "哪个更快 node 还是 python",
    ] {
        assert_eq!(topic_of(q), None, "{q}");
        assert_eq!(description(q), "Sorry, I only read questions in English.", "{q}");
    }
    // English with jargon and names is English.
    assert!(topic_of("npm vs pip vs uv lockfiles").is_some());
}

#[test]
fn explain_says_why_a_question_was_refused() {
    let engine = common::engine();
    assert!(engine.explain("how to learn guitar fast").contains("refused: no anchor"));
}

#[test]
fn r_the_language_is_out_of_scope_and_r_the_shorthand_is_not() {
    assert_eq!(topic_of("python or R for data analysis?"), None);
    assert_eq!(topic_of("is R better than python for stats"), None);
    assert_eq!(topic_of("r u sure node is faster").as_deref(), Some("performance"));
}
