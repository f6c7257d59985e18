//! The semantic reader, the trained decision and the gate.

use stackpick_test_support as common;

use std::sync::OnceLock;

use stackpick::engine::meaning::Weights;
use stackpick::engine::Engine;

/// The shipped pack read for meaning with the shipped model, whatever `stackpick::model::MODEL_VAR` says.
fn semantic_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let pack = stackpick::load(&common::pack_dir()).unwrap();
        Engine::with_meaning(pack, stackpick::model::shipped().unwrap(), Weights::shipped().clone())
    })
}

/// The shipped model as the engine holds it (int8 matrices and word table,
/// one scale per output or row) gives the original float32 model's vectors
/// (computed independently from the original weights, see
/// data/semantic/README.md): 0.9996 on 2026-12-08, 0.99998 while the
/// matrices were float16.
#[test]
fn the_encoder_matches_the_original_models_vectors() {
    let encoder = stackpick::model::shipped().expect("the shipped model loads");
    let reference: std::collections::BTreeMap<String, Vec<f32>> =
        serde_json::from_str(&std::fs::read_to_string(common::data("semantic-reference.json")).unwrap()).unwrap();
    assert_eq!(reference.len(), 3);
    for (text, want) in reference {
        let got = encoder.encode(&text);
        let cos = stackpick::engine::semantic::cosine(&got, &want);
        assert!(cos > 0.9995, "{text}: cosine {cos}");
    }
}

/// A question and its clauses are encoded in one pass; each comes out with
/// the very bits it has when encoded alone (attention stays within each text,
/// and every other step works row by row).
#[test]
fn encoding_texts_together_gives_each_its_own_vector() {
    let encoder = stackpick::model::shipped().unwrap();
    let texts = [
        "we have a django monolith, should new services stay python",
        "quick one",
        "",
        "node or python for the next thing we ship? it needs websockets and a small team has to keep it running",
    ];
    let together = encoder.encode_all(&texts);
    assert_eq!(together.len(), texts.len());
    for (text, v) in texts.iter().zip(&together) {
        assert_eq!(v.len(), stackpick::engine::semantic::DIM);
        assert_eq!(*v, encoder.encode(text), "{text:?}");
    }
}

#[test]
fn the_shipped_weights_were_trained_for_the_shipped_model() {
    let encoder = stackpick::model::shipped().unwrap();
    let weights = Weights::shipped();
    assert_eq!(weights.model, format!("{:016x}", encoder.fingerprint()));
    assert!(weights.trained_on.contains("tune split"), "{}", weights.trained_on);
    assert!((0.1..1.0).contains(&weights.threshold));
}

fn answer(q: &str) -> (Option<String>, f32) {
    let engine = semantic_engine();
    let a = engine.answer(q);
    let id = match &a.outcome {
        stackpick::answer::Outcome::UseCase { use_case, .. } => Some(engine.pack().use_case(*use_case).id.clone()),
        _ => a.topic().map(|t| engine.pack().topic(t).id.clone()),
    };
    (id, a.confidence)
}

/// Meaning reaches questions that share no ask with their entry.
#[test]
fn meaning_answers_questions_in_the_ecosystems_own_vocabulary() {
    assert_eq!(answer("are gunicorn workers like pm2 processes?").0.as_deref(), Some("deployment"));
    assert_eq!(answer("pm2 or systemd for running a node api in prod").0.as_deref(), Some("deployment"));
}

/// Meaning reads a question as the words were understood, typos fixed: the
/// encoder's word pieces make "concurency suport" a question about support.
#[test]
fn meaning_reads_the_question_with_its_typos_fixed() {
    assert_eq!(answer("whcih one has beter concurency suport").0.as_deref(), Some("architecture"));
}

/// A question the decision is not sure of still offers the right entry. The
/// pack reads "asyncio … promise.all" two ways, and so does the corpus it
/// learns from: "asyncio.gather ~ Promise.all? how close is the mapping" is
/// labelled what they have in common (tests/data/real/part-g.tsv), "is
/// asyncio.gather the same as await Promise.all, or are there gotchas" the
/// concurrency topic (part-h.tsv). Either answer is right; what must not
/// happen is an answer or a first offer elsewhere. (With the ridge reader it
/// was refused offering architecture; since the reader also reads character
/// n-grams it answers "what they have in common" at 0.65.)
#[test]
fn a_refusal_offers_the_entry_meaning_points_at() {
    answered_or_offered_one_of("does asyncio have something like promise.all", &["architecture", "similarities"], 2);
}

/// `question` is answered with topic `id`, or refused with `id` among the
/// first `within` "did you mean" offers.
fn answered_or_offered(question: &str, id: &str, within: usize) {
    answered_or_offered_one_of(question, &[id], within);
}

/// `question` is answered with one of the topics `ids`, or refused with one of
/// them among the first `within` "did you mean" offers.
fn answered_or_offered_one_of(question: &str, ids: &[&str], within: usize) {
    let engine = semantic_engine();
    let a = engine.answer(question);
    let offered: Vec<&str> = a.suggestions.iter().map(|t| engine.pack().topic(*t).id.as_str()).collect();
    match a.topic() {
        Some(t) => assert!(
            ids.contains(&engine.pack().topic(t).id.as_str()),
            "{question}: answered {}",
            engine.pack().topic(t).id
        ),
        None => assert!(offered.iter().take(within).any(|o| ids.contains(o)), "{question}: offered {offered:?}"),
    }
}

/// A short question the words answer with little confidence stands only when
/// the meaning's chooser agrees: "for the next project, node or python?" got
/// "What Node.js is used for" from its words at 0.50 (issue 14); the chooser
/// reads the overall choice, so the gate decides, and "did you mean" leads with it.
#[test]
fn a_doubtful_short_answer_the_meaning_does_not_share_is_not_given() {
    answered_or_offered("for the next project, node or python?", "choose", 1);
    assert_eq!(
        answer("which has better docs?").0.as_deref(),
        Some("documentation"),
        "a near-tie in the chooser is no disagreement"
    );
}

/// Words that nearly tie between two entries settle nothing, however short the
/// question: "whcih one has beter concurency suport" scored support 0.78 and
/// architecture 0.77 on its words and was answered "Support and maintenance"
/// (issue 14). Now the gate decides; it is not sure, and offers both.
#[test]
fn a_near_tie_of_the_words_is_not_an_answer() {
    let engine = semantic_engine();
    let a = engine.answer("whcih one has beter concurency suport");
    let id = |t: stackpick::knowledge::TopicIdx| engine.pack().topic(t).id.clone();
    assert_ne!(a.topic().map(id).as_deref(), Some("support"), "confidence {}", a.confidence);
    if a.topic().is_none() {
        let offered: Vec<String> = a.suggestions.iter().map(|&t| id(t)).collect();
        assert!(offered.iter().any(|t| t == "architecture"), "{offered:?}");
    }
}

/// The gate refuses what is not the pack's subject, and a premise nobody stated is not assumed.
/// The ask in one clause, a story around it in the others: read clause by
/// clause, the ask is found (both were refused when only the whole was read).
#[test]
fn the_ask_is_found_in_a_question_of_several_clauses() {
    // Found, though the gate now doubts the story around it (0.53 against a
    // threshold of 0.6 since the corpus doubled): then "not sure" offers it first.
    let q = "my manager keeps asking for numbers and i have none, is there real benchmark data on which one \
             handles more requests per second";
    let engine = semantic_engine();
    let a = engine.answer(q);
    let first = a.topic().or(a.suggestions.first().copied()).map(|t| engine.pack().topic(t).id.clone());
    assert_eq!(first.as_deref(), Some("performance"), "{a:?}");
    let q = "we are a three person startup with a mobile app in flutter, should the api behind it be node or python";
    assert_eq!(answer(q).0.as_deref(), Some("rest-api"), "the API behind an app: {:?}", answer(q));
}

#[test]
fn the_gate_refuses_off_topic_questions() {
    for q in ["how do I center a div", "what's the weather like in lisbon", "rust or go for a cli tool"] {
        assert_eq!(answer(q).0, None, "{q}");
    }
}

/// A premise nobody stated is not assumed: the closest example ("we're a
/// django house, which should the next service use") shares "next service",
/// but no ask of the Python-team use case is in the question, so the words do
/// not settle it and the gate weighs that the use case is unnamed. Stated, the
/// premise is still read.
#[test]
fn an_unstated_premise_is_not_assumed() {
    assert_ne!(answer("which one should the next service use").0.as_deref(), Some("team-knows-python"));
    assert_eq!(
        answer("we have a django monolith, should new services stay python").0.as_deref(),
        Some("team-knows-python")
    );
}

/// A question that names several use cases is not settled by the one whose
/// asks it matched most: a React team's dashboard with reports and live
/// updates over websockets is not a data-science question (issue 14). The
/// words scored data science (two asks) 0.95 and stood alone without the
/// encoder; since 2026-12-08 a question naming two use cases or more is
/// never settled by the words alone (`meaning::SEVERAL_USE_CASES`).
#[test]
fn a_question_naming_several_use_cases_is_not_settled_by_one() {
    let q = "we're a react team building a dashboard with reports and live updates over websockets, which backend should we use";
    assert_ne!(answer(q).0.as_deref(), Some("data-science"));
    let explained = semantic_engine().explain(q);
    assert!(explained.contains("the question names 3 use cases"), "{explained}");
}

/// The shown confidence is the gate's probability: answers sit at or above the threshold.
#[test]
fn answers_carry_the_gates_probability() {
    let (id, confidence) = answer("are gunicorn workers like pm2 processes?");
    assert!(id.is_some());
    assert!(confidence >= Weights::shipped().threshold, "{confidence}");
}

/// Counts the work the engine hands its runner.
#[derive(Default)]
struct Counting(std::sync::atomic::AtomicUsize);

impl stackpick::engine::Runner for Counting {
    fn run(&self, work: &mut dyn FnMut()) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        work();
    }
}

/// The faces hand the encoder to a runner that moves the runtime's other
/// tasks away first (`block_in_place`), which costs a thread hand-off; a
/// question the words settle alone must not pay it (it did when every answer
/// was wrapped: a words-only `serve` lost a quarter of its throughput).
#[test]
fn only_the_encoder_goes_through_the_runner() {
    let engine = semantic_engine();
    let runner = Counting::default();
    let settled = engine.answer_running("which is faster?", &runner);
    assert!(settled.answered());
    assert_eq!(runner.0.load(std::sync::atomic::Ordering::Relaxed), 0, "the words settle it alone");
    let question = "we have a django monolith, should new services stay python";
    let read = engine.answer_running(question, &runner);
    assert_eq!(runner.0.load(std::sync::atomic::Ordering::Relaxed), 1, "the meaning was read once");
    assert_eq!(read, engine.answer(question), "the runner changes where, not what");
    let words_only = Engine::lexical(stackpick::load(&common::pack_dir()).unwrap());
    words_only.answer_running(question, &runner);
    assert_eq!(runner.0.load(std::sync::atomic::Ordering::Relaxed), 1, "no encoder, nothing to run");
}
