//! What Slack users press and edit, against the fake Slack: sharing a private
//! answer, edited and deleted questions, `/stackpick privacy`, the message
//! shortcut, the App Home form and `/stackpick recommend`'s form.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::common;
use crate::fake::*;

/// "Share in channel" under a private answer posts it for everyone, and
/// tells the presser privately.
#[tokio::test]
async fn a_private_answer_is_shared_in_the_channel() {
    let (app, fake, url) = app().await;
    let answer = slash(&app, "U11", "which is faster?").await;
    let share = answer["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .find(|e| e["text"]["text"] == "Share in channel")
        .unwrap_or_else(|| panic!("a private answer offers to share it: {answer}"));
    let payload = json!({
        "type": "block_actions", "user": {"id": "U11"}, "team": {"id": TEAM}, "channel": {"id": "C0GENERAL"},
        "container": {"type": "message", "message_ts": "1700000000.001000", "channel_id": "C0GENERAL"},
        "response_url": format!("{url}/hooks/7"), "trigger_id": "1.2.3",
        "actions": [{"action_id": share["action_id"], "type": "button", "value": share["value"], "block_id": "b"}],
    });
    let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
    assert_eq!(signed(&app, "application/x-www-form-urlencoded", &body).await.0, StatusCode::OK);
    let calls = fake.wait_for("the notice and the shared answer", 2).await;
    let notice = calls.iter().find(|(p, _)| p == "/hooks/7").expect("the presser is told");
    assert!(notice.1.to_string().contains("Shared in this channel"), "{notice:?}");
    let post = calls.iter().find(|(p, _)| p.ends_with("chat.postMessage")).expect("the answer is posted");
    assert_eq!(post.1["channel"], "C0GENERAL");
    assert!(post.1.to_string().contains("Performance"), "{}", post.1);
    assert!(!post.1.to_string().contains("Share in channel"), "a shared answer is not shared again");
}

/// A mention edited gets its answer replaced (`chat.update`, the answer's own
/// channel and ts); an edit that leaves the text as it was changes nothing;
/// the mention deleted takes the answer along (`chat.delete`).
#[tokio::test]
async fn an_edited_question_updates_its_answer_and_a_deleted_one_takes_it_along() {
    let (app, fake, _) = app().await;
    let json_body = "application/json";
    let text = |q: &str| format!("<@{BOT_USER}> {q}");
    let mention = event(
        "Ev40",
        json!({"type": "app_mention", "user": "U40", "text": text("which is faster?"),
               "ts": "1700000000.004000", "channel": "C0GENERAL", "event_ts": "1700000000.004000"}),
    );
    assert_eq!(signed(&app, json_body, &mention).await.0, StatusCode::OK);
    fake.wait_for("the answer", 1).await;
    // The fake names every posted message 1700000000.000200.
    let changed = |id: &str, q: &str| {
        event(
            id,
            json!({"type": "message", "subtype": "message_changed", "channel": "C0GENERAL", "hidden": true,
                   "ts": "1700000000.004100", "event_ts": "1700000000.004100",
                   "message": {"type": "message", "user": "U40", "text": text(q), "ts": "1700000000.004000",
                               "edited": {"user": "U40", "ts": "1700000000.004100"}},
                   "previous_message": {"type": "message", "user": "U40", "text": text("which is faster?"),
                                        "ts": "1700000000.004000"}}),
        )
    };
    assert_eq!(signed(&app, json_body, &changed("Ev41", "which is faster?")).await.0, StatusCode::OK);
    assert_eq!(signed(&app, json_body, &changed("Ev42", "which is easier to learn?")).await.0, StatusCode::OK);
    let calls = fake.wait_for("the answer replaced", 2).await;
    let updates: Vec<&Value> = calls.iter().filter(|(p, _)| p.ends_with("chat.update")).map(|(_, b)| b).collect();
    assert_eq!(updates.len(), 1, "the unchanged text was not answered again: {calls:?}");
    assert_eq!(
        (updates[0]["channel"].as_str(), updates[0]["ts"].as_str()),
        (Some("C0GENERAL"), Some("1700000000.000200"))
    );
    assert!(updates[0].to_string().contains("Learning"), "{}", updates[0]);

    let deleted = event(
        "Ev43",
        json!({"type": "message", "subtype": "message_deleted", "channel": "C0GENERAL", "hidden": true,
               "deleted_ts": "1700000000.004000", "ts": "1700000000.004200", "event_ts": "1700000000.004200"}),
    );
    assert_eq!(signed(&app, json_body, &deleted).await.0, StatusCode::OK);
    let calls = fake.wait_for("the answer deleted", 3).await;
    let delete = calls.iter().find(|(p, _)| p.ends_with("chat.delete")).expect("chat.delete");
    assert_eq!((delete.1["channel"].as_str(), delete.1["ts"].as_str()), (Some("C0GENERAL"), Some("1700000000.000200")));
}

/// The Block Kit button labelled `label` in a message.
fn slack_button<'a>(message: &'a Value, label: &str) -> &'a Value {
    message["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|b| b["elements"].as_array().into_iter().flatten())
        .find(|e| e["text"]["text"] == label)
        .unwrap_or_else(|| panic!("no `{label}` button: {message}"))
}

/// `/stackpick privacy` says what is kept (this bot has no database: in memory
/// only) and "Delete my data", confirmed, deletes the member's questions —
/// answered through each press's `response_url`.
#[tokio::test]
async fn privacy_shows_what_is_kept_and_deletes_it_on_request() {
    let (app, fake, url) = app().await;
    slash(&app, "U21", "which is faster?").await;
    slash(&app, "U22", "best for machine learning?").await;
    let shown = slash(&app, "U21", "privacy").await;
    assert_eq!(shown["response_type"], "ephemeral");
    let text = shown.to_string();
    assert!(text.contains("What stackpick keeps about you") && text.contains("Held in memory only"), "{shown}");
    assert!(text.contains("on Slack"), "{shown}");

    let form = "application/x-www-form-urlencoded";
    let delete = slack_button(&shown, "Delete my data");
    assert_eq!(signed(&app, form, &press_body("U21", delete, &url, "1")).await.0, StatusCode::OK);
    let calls = fake.wait_for("the confirmation", 1).await;
    let confirm = &calls.iter().find(|(p, _)| p == "/hooks/1").expect("asked to confirm").1;
    assert!(confirm.to_string().contains("cannot be undone"), "{confirm}");

    let yes = slack_button(confirm, "Yes, delete it");
    assert_eq!(signed(&app, form, &press_body("U21", yes, &url, "2")).await.0, StatusCode::OK);
    let calls = fake.wait_for("the deletion's outcome", 2).await;
    let done = &calls.iter().find(|(p, _)| p == "/hooks/2").expect("told what was deleted").1;
    assert!(done.to_string().contains("Done: I deleted 1 question."), "{done}");
}

/// The message shortcut "Ask stackpick" answers someone's message in its
/// thread, and tells the one who used it privately.
#[tokio::test]
async fn the_message_shortcut_answers_the_message_in_its_thread() {
    let (app, fake, url) = app().await;
    let payload = json!({
        "type": "message_action", "callback_id": "answer_message", "trigger_id": "1.2.3",
        "user": {"id": "U12"}, "team": {"id": TEAM}, "channel": {"id": "C0GENERAL"},
        "message": {"type": "message", "user": "U13", "ts": "1700000000.002000", "text": "is python or node faster for &lt;heavy&gt; maths?"},
        "response_url": format!("{url}/hooks/9"),
    });
    let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
    assert_eq!(signed(&app, "application/x-www-form-urlencoded", &body).await.0, StatusCode::OK);
    let calls = fake.wait_for("the notice and the answer", 2).await;
    let notice = calls.iter().find(|(p, _)| p == "/hooks/9").expect("the user is told");
    assert!(notice.1.to_string().contains("Answering that message below"), "{notice:?}");
    let post = calls.iter().find(|(p, _)| p.ends_with("chat.postMessage")).expect("the answer");
    assert_eq!((&post.1["channel"], &post.1["thread_ts"]), (&json!("C0GENERAL"), &json!("1700000000.002000")));
    assert!(post.1.to_string().contains("Performance"), "{}", post.1);
}

/// The App Home tab shows the pack's welcome; its "Ask a question" opens the
/// question form, and the submitted question's answer replaces the form.
#[tokio::test]
async fn app_home_offers_topics_and_a_question_form_answered_in_place() {
    let (app, fake, _) = app().await;
    let opened = event("Ev40", json!({"type": "app_home_opened", "user": "U14", "channel": "D0HOME", "tab": "home"}));
    assert_eq!(signed(&app, "application/json", &opened).await.0, StatusCode::OK);
    let calls = fake.wait_for("the Home tab", 1).await;
    let (path, publish) = &calls[0];
    assert!(path.ends_with("views.publish"), "{calls:?}");
    assert_eq!((&publish["user_id"], &publish["view"]["type"]), (&json!("U14"), &json!("home")));
    let home = publish["view"].to_string();
    assert!(home.contains("sp1:t:") && home.contains("sp1:ask"), "topics and the ask button: {home}");
    assert!(!home.contains("<@U14>"), "no greeting that pings: {home}");

    let press = json!({
        "type": "block_actions", "user": {"id": "U14"}, "team": {"id": TEAM}, "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "container": {"type": "view", "view_id": "V1"},
        "actions": [{"action_id": "sp1:ask", "type": "button", "value": "sp1:ask", "block_id": "b"}],
    });
    let body = serde_urlencoded::to_string([("payload", press.to_string())]).unwrap();
    assert_eq!(signed(&app, "application/x-www-form-urlencoded", &body).await.0, StatusCode::OK);
    let calls = fake.wait_for("the question form", 2).await;
    let (path, open) = &calls[1];
    assert!(path.ends_with("views.open"), "{calls:?}");
    assert_eq!(open["trigger_id"], "13345224609.738474920.8088930838d88f008e0");
    assert_eq!((&open["view"]["type"], &open["view"]["callback_id"]), (&json!("modal"), &json!("sp1:askm")));
    assert_eq!(open["view"]["blocks"][0]["block_id"], "question");

    let submitted = json!({
        "type": "view_submission", "user": {"id": "U14"}, "team": {"id": TEAM}, "trigger_id": "1.2.3",
        "view": {"id": "V2", "callback_id": "sp1:askm",
                 "state": {"values": {"question": {"question": {"type": "plain_text_input", "value": "which is faster?"}}}}},
    });
    let body = serde_urlencoded::to_string([("payload", submitted.to_string())]).unwrap();
    let (status, reply) = signed(&app, "application/x-www-form-urlencoded", &body).await;
    assert_eq!(status, StatusCode::OK);
    let reply: Value = serde_json::from_str(&reply).unwrap_or_else(|_| panic!("the answer in place: {reply}"));
    assert_eq!(reply["response_action"], "update");
    assert!(reply["view"]["blocks"].to_string().contains("Performance"), "{reply}");
}

/// `/stackpick recommend` alone opens a form with what Discord's
/// `/recommend` asks: what you build, and a menu per factor of the pack
/// (every choice, optional); the submitted form is answered in its place.
#[tokio::test]
async fn recommend_alone_opens_a_form_with_the_packs_factors_answered_in_place() {
    let (app, fake, _) = app().await;
    let (status, body) = signed(&app, "application/x-www-form-urlencoded", &slash_body("U60", "recommend")).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, ""), "nothing to show: the form opens instead");
    let calls = fake.wait_for("the form", 1).await;
    let open = &calls.iter().find(|(p, _)| p.ends_with("views.open")).expect("views.open").1;
    assert_eq!(open["trigger_id"], "1.2.3");
    let view = &open["view"];
    assert_eq!((&view["callback_id"], &view["submit"]["text"]), (&json!("sp1:recm"), &json!("Recommend")));
    let blocks = view["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["block_id"], "use_case");
    let engine = common::engine();
    let factors = &engine.pack().recommend.factors;
    assert_eq!(blocks.len(), 1 + factors.len(), "{view}");
    for (block, factor) in blocks[1..].iter().zip(factors) {
        assert_eq!(block["block_id"], factor.option.as_str());
        assert_eq!(block["optional"], true);
        let values: Vec<&str> =
            block["element"]["options"].as_array().unwrap().iter().map(|o| o["value"].as_str().unwrap()).collect();
        let want: Vec<&str> = factor.choices.iter().map(|c| c.value.as_str()).collect();
        assert_eq!(values, want);
    }

    let submitted = json!({
        "type": "view_submission", "user": {"id": "U60"}, "team": {"id": TEAM}, "trigger_id": "1.2.4",
        "view": {"id": "V3", "callback_id": "sp1:recm", "state": {"values": {
            "use_case": {"use_case": {"type": "plain_text_input", "value": "a chat app"}},
            "team_knows": {"team_knows": {"type": "static_select", "selected_option": {"value": "python", "text": {"type": "plain_text", "text": "Python"}}}},
        }}},
    });
    let body = serde_urlencoded::to_string([("payload", submitted.to_string())]).unwrap();
    let (status, reply) = signed(&app, "application/x-www-form-urlencoded", &body).await;
    assert_eq!(status, StatusCode::OK);
    let reply: Value = serde_json::from_str(&reply).unwrap_or_else(|_| panic!("the answer in place: {reply}"));
    assert_eq!(reply["response_action"], "update");
    let shown = reply["view"]["blocks"].to_string();
    assert!(shown.contains("already writes Python"), "the factor weighed in: {shown}");
    assert!(shown.to_lowercase().contains("chat"), "for the use case: {shown}");
}
