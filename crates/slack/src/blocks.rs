//! The one builder of everything stackpick sends to Slack: a neutral
//! [`Message`] as Block Kit, within Slack's documented limits
//! (`shared/slack-docs/LIMITS.md`), with a plain-text fallback for
//! notifications.
//!
//! **Nobody is pinged by accident.** Every piece of text is escaped (`&`, `<`,
//! `>`), so `<!channel>`, `<!here>`, `<!everyone>`, user and group mentions a
//! question contained are shown as text, never sent as mentions. The only
//! markup this module writes itself is the mention of the one user the
//! message names in `ping`, channel links (`<#C…>`, which notify nobody) and
//! links (`<url|label>`). Link unfurling is off on every message posted.
//!
//! The blocks are built as JSON, the shape Slack documents; a test reads
//! every one back into slack-morphism's typed `SlackBlock` to check it.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{json, Value};
use stackpick_commands::reply::{Button, Message, Row, Style};
use stackpick_core::embed::EmbedDoc;
use stackpick_core::limits;

/// Slack's documented limits, in characters (blocks per message in count).
pub mod limit {
    pub const BLOCKS: usize = 50;
    /// Blocks in a modal or on App Home.
    pub const MODAL_BLOCKS: usize = 100;
    pub const HEADER: usize = 150;
    pub const SECTION: usize = 3000;
    pub const FIELDS: usize = 10;
    pub const FIELD: usize = 2000;
    pub const CONTEXT_ELEMENTS: usize = 10;
    pub const ACTIONS_ELEMENTS: usize = 25;
    pub const BUTTON_TEXT: usize = 75;
    pub const BUTTON_VALUE: usize = 2000;
    pub const ACTION_ID: usize = 255;
    pub const OPTIONS: usize = 100;
    pub const OPTION_TEXT: usize = 75;
    pub const OPTION_VALUE: usize = 150;
    pub const FALLBACK: usize = 3000;
}

/// A message as Slack's `text` (the notification fallback) and `blocks`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub text: String,
    pub blocks: Vec<Value>,
}

/// Escapes what a user may have written, so nothing in it is markup.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

static BOLD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\*\*(.+?)\*\*").expect("bold regex compiles"));
static LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)").expect("link regex compiles"));
static CHANNEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"&lt;#([A-Z0-9]{2,30})&gt;").expect("channel regex compiles"));

/// Text written for Discord's markdown (the command layer's dialect: `**bold**`,
/// `[label](url)`, `<@id>`, `<#id>`) as Slack's mrkdwn, escaped first.
pub fn mrkdwn(text: &str, ping: Option<&str>) -> String {
    let mut out = escape(text);
    out = BOLD.replace_all(&out, "*$1*").into_owned();
    out = LINK.replace_all(&out, "<$2|$1>").into_owned();
    out = CHANNEL.replace_all(&out, "<#$1>").into_owned();
    if let Some(user) = ping.filter(|u| is_id(u)) {
        out = out.replace(&format!("&lt;@{user}&gt;"), &format!("<@{user}>"));
    }
    out
}

/// Text for a `plain_text` object: no markup at all, links as "label (url)".
pub fn plain(text: &str) -> String {
    let text = BOLD.replace_all(text, "$1");
    LINK.replace_all(&text, "$1 ($2)").into_owned()
}

/// A Slack id (`U…`, `C…`, `T…`): what may be written into markup.
fn is_id(s: &str) -> bool {
    (2..=30).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn cut(text: &str, max: usize) -> String {
    limits::truncate(text, max).into_owned()
}

fn plain_text(text: &str, max: usize) -> Value {
    json!({"type": "plain_text", "text": cut(&plain(text), max), "emoji": true})
}

fn mrkdwn_text(text: &str, ping: Option<&str>, max: usize) -> Value {
    // Cut before converting would split markup; cut the result on a safe length instead.
    json!({"type": "mrkdwn", "text": cut(&mrkdwn(text, ping), max)})
}

/// Renders a neutral message.
pub fn render(m: &Message) -> Rendered {
    let ping = m.ping.as_deref();
    let mut blocks = Vec::new();
    if let Some(text) = m.text.as_deref().filter(|t| !t.trim().is_empty()) {
        blocks.push(json!({"type": "section", "text": mrkdwn_text(text, ping, limit::SECTION)}));
    }
    if let Some(doc) = &m.doc {
        blocks.extend(document(doc, ping));
    }
    for row in &m.rows {
        if let Some(block) = actions(row) {
            blocks.push(block);
        }
    }
    blocks.truncate(limit::BLOCKS);
    Rendered { text: fallback(m), blocks }
}

/// The notification text: the document's title, else the message's text.
fn fallback(m: &Message) -> String {
    let text = match (&m.doc, &m.text) {
        (Some(doc), _) if !doc.title.is_empty() => plain(&doc.title),
        (_, Some(text)) => plain(text),
        (Some(doc), None) => plain(&doc.description),
        (None, None) => String::new(),
    };
    cut(&escape(&text), limit::FALLBACK)
}

fn document(doc: &EmbedDoc, ping: Option<&str>) -> Vec<Value> {
    let mut blocks = Vec::new();
    if !doc.title.is_empty() {
        blocks.push(json!({"type": "header", "text": plain_text(&doc.title, limit::HEADER)}));
    }
    if !doc.description.is_empty() {
        blocks.push(json!({"type": "section", "text": mrkdwn_text(&doc.description, ping, limit::SECTION)}));
    }
    for chunk in doc.fields.chunks(limit::FIELDS) {
        let fields: Vec<Value> =
            chunk.iter().map(|f| mrkdwn_text(&format!("**{}**\n{}", f.name, f.value), ping, limit::FIELD)).collect();
        blocks.push(json!({"type": "section", "fields": fields}));
    }
    if !doc.footer.is_empty() {
        blocks.push(json!({"type": "context", "elements": [mrkdwn_text(&doc.footer, None, limit::SECTION)]}));
    }
    blocks
}

fn actions(row: &Row) -> Option<Value> {
    let elements: Vec<Value> = match row {
        Row::Buttons(buttons) => buttons.iter().take(limit::ACTIONS_ELEMENTS).map(button).collect(),
        Row::Menu(menu) => {
            let options: Vec<Value> = menu
                .options
                .iter()
                .take(limit::OPTIONS)
                .filter(|o| o.value.chars().count() <= limit::OPTION_VALUE)
                .map(|o| json!({"text": plain_text(&o.label, limit::OPTION_TEXT), "value": o.value}))
                .collect();
            if options.is_empty() {
                return None;
            }
            vec![json!({
                "type": "static_select",
                "action_id": cut(&menu.id, limit::ACTION_ID),
                "placeholder": plain_text(&menu.placeholder, limit::OPTION_TEXT),
                "options": options,
            })]
        }
    };
    (!elements.is_empty()).then(|| json!({"type": "actions", "elements": elements}))
}

fn button(b: &Button) -> Value {
    let label = match (&b.label, b.emoji) {
        (Some(label), Some(emoji)) => format!("{emoji} {label}"),
        (Some(label), None) => label.clone(),
        (None, Some(emoji)) => emoji.to_string(),
        (None, None) => "…".to_owned(),
    };
    let id = b.action.id();
    let mut out = json!({
        "type": "button",
        "action_id": cut(&id, limit::ACTION_ID),
        "value": cut(&id, limit::BUTTON_VALUE),
        "text": plain_text(&label, limit::BUTTON_TEXT),
    });
    // Slack has two styles; everything else is its default.
    match b.style {
        Style::Primary | Style::Success => out["style"] = json!("primary"),
        Style::Danger => out["style"] = json!("danger"),
        Style::Secondary => {}
    }
    out
}

/// Modal titles and their buttons: 24 characters each.
const MODAL_TEXT: usize = 24;

/// A form as a modal (the welcome's "Ask a question", the recommendation's
/// use case and factors); each submitted value comes back under its field's
/// or menu's id, as block and action id. Menus are optional, as Discord's
/// options are; the text field is when the form allows it empty.
pub fn modal(form: &stackpick_commands::reply::Form) -> Value {
    let mut input = json!({
        "type": "plain_text_input",
        "action_id": form.field,
        "multiline": form.max_len > 200,
        "max_length": form.max_len.min(3000),
    });
    if form.min_len > 0 {
        input["min_length"] = json!(form.min_len);
    }
    if !form.placeholder.is_empty() {
        input["placeholder"] = plain_text(&form.placeholder, 150);
    }
    let mut text =
        json!({"type": "input", "block_id": form.field, "label": plain_text(&form.label, 2000), "element": input});
    if form.min_len == 0 {
        text["optional"] = json!(true);
    }
    let mut blocks = vec![text];
    for choice in form.choices.iter().take(limit::MODAL_BLOCKS - 1) {
        let options: Vec<Value> = choice
            .options
            .iter()
            .take(limit::OPTIONS)
            .map(|o| json!({"text": plain_text(&o.label, limit::OPTION_TEXT), "value": cut(&o.value, limit::OPTION_VALUE)}))
            .collect();
        blocks.push(json!({
            "type": "input",
            "block_id": cut(&choice.id, limit::ACTION_ID),
            "optional": true,
            "label": plain_text(&choice.label, 2000),
            "element": {"type": "static_select", "action_id": cut(&choice.id, limit::ACTION_ID), "options": options},
        }));
    }
    json!({
        "type": "modal",
        "callback_id": cut(&form.action.id(), limit::ACTION_ID),
        "title": plain_text(&form.title, MODAL_TEXT),
        "submit": plain_text(&form.submit, MODAL_TEXT),
        "close": plain_text("Cancel", MODAL_TEXT),
        "blocks": blocks,
    })
}

/// A message shown in place of the modal that asked for it (the answer to a
/// submitted question): Slack's `response_action: update`.
pub fn modal_update(title: &str, m: &Message) -> Value {
    let mut blocks = render(m).blocks;
    blocks.truncate(100);
    json!({
        "response_action": "update",
        "view": {"type": "modal", "title": plain_text(title, MODAL_TEXT), "close": plain_text("Close", MODAL_TEXT), "blocks": blocks},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_a_user_wrote_becomes_a_mention() {
        for hostile in ["<!channel>", "<!here>", "<!everyone>", "<@U123ABC>", "<!subteam^S123>", "a & b"] {
            let out = mrkdwn(&format!("I have no topic called “{hostile}”."), None);
            assert!(!out.contains('<') && !out.contains('>'), "{out}");
        }
        // The one user the message may ping is the only mention written.
        let out = mrkdwn("<@U42> <@U43>", Some("U42"));
        assert_eq!(out, "<@U42> &lt;@U43&gt;");
    }

    #[test]
    fn discord_markdown_becomes_mrkdwn() {
        let out = mrkdwn("**Pick: Tea.** See [the menu](https://tea.example/menu) in <#C0123>.", None);
        assert_eq!(out, "*Pick: Tea.* See <https://tea.example/menu|the menu> in <#C0123>.");
        assert_eq!(plain("**Bold** [x](https://a.b)"), "Bold x (https://a.b)");
    }
}
