//! Whatever people paste into chat, the engine answers without panicking and
//! with an embed Discord accepts.

use stackpick_test_support as common;

use proptest::prelude::*;
use stackpick::limits;

/// Chat-like input: Unicode, control characters, mentions, links, code fences,
/// and very long words, up to 10,000 characters.
fn chat_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "\\PC{0,40}",
        "[\\x00-\\x1f\\x7f\\u{200b}\\u{feff}]{1,5}",
        "<@!?[0-9]{1,20}>|<@&[0-9]{1,20}>|<#[0-9]{1,20}>|<a?:[a-z]{1,10}:[0-9]{1,19}>",
        "@everyone|@here|```[a-z]{0,10}|`|\\*\\*|https?://[a-z./]{1,30}",
        "which is faster|node or python|best for ml|pyhton|scal[a-z]{0,6}",
        "[a-zé🟩]{100,2000}",
        "[\\u{300}-\\u{36f}]{1,50}",
    ];
    prop::collection::vec(piece, 0..60).prop_map(|parts| {
        let s = parts.join(" ");
        limits::cut(&s, 10_000).to_owned()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_text_gets_a_sendable_embed(text in chat_text()) {
        let engine = common::engine();
        let answer = engine.answer(&text);
        prop_assert!((0.0..=1.0).contains(&answer.confidence));
        prop_assert!(answer.suggestions.len() <= 3);
        prop_assert!(answer.question.chars().count() <= limits::QUESTION_CHARS);
        let doc = engine.embed(&answer);
        prop_assert!(doc.violations().is_empty(), "{:?}", doc.violations());
        let json = stackpick::render::json::line(engine, &answer);
        prop_assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok());
    }

    #[test]
    fn arbitrary_strings_never_panic(text in "\\PC{0,10000}") {
        let engine = common::engine();
        let answer = engine.answer(&text);
        prop_assert!(engine.embed(&answer).violations().is_empty());
    }
}

#[test]
fn huge_input_is_cut_on_a_char_boundary() {
    let engine = common::engine();
    let text = format!("{}which is faster?", "🟩".repeat(50_000));
    let answer = engine.answer(&text);
    assert_eq!(answer.question.chars().count(), limits::QUESTION_CHARS);
    assert!(answer.question.chars().all(|c| c == '🟩'));
    assert!(!answer.answered(), "the question part was beyond the limit");
}

#[test]
fn empty_and_mention_only_input_is_not_answered() {
    let engine = common::engine();
    for text in ["", "   ", "<@123456789>", "<@!1> <#2> <@&3>", "```\ncode only\n```", "https://example.com"] {
        let a = engine.answer(text);
        assert!(!a.answered(), "{text:?}");
        assert!(engine.embed(&a).description.contains("Ask me a question"), "{text:?}");
    }
}
