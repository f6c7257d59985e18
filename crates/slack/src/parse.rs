//! Reading what Slack delivers into the command layer's neutral request:
//! the `/stackpick` slash command, Events API callbacks (mentions, DMs,
//! answer channels) and button presses.

use serde::Deserialize;
use stackpick_commands::custom_id::Action;
use stackpick_commands::request::{
    ChatMessage, Command, Context, Interaction, Kb, MessageRef, Powers, Pressed, Quoted, Revision, Setup,
};
use stackpick_commands::Platform;

/// The subcommands `/stackpick` knows, and how many words each takes at most:
/// `/stackpick help` is help, `/stackpick help me choose a framework` is a
/// question, because "help" takes no words after it.
const SUBCOMMANDS: [(&str, usize); 7] =
    [("help", 0), ("topics", 0), ("privacy", 0), ("compare", 4), ("recommend", 12), ("setup", 3), ("kb", 2)];

/// A slash command as Slack posts it (form-encoded).
#[derive(Debug, Clone, Deserialize)]
pub struct SlashCommand {
    pub team_id: String,
    pub channel_id: String,
    pub user_id: String,
    #[serde(default)]
    pub text: String,
    pub response_url: Option<String>,
    /// For opening a modal in answer (valid for 3 seconds).
    pub trigger_id: Option<String>,
}

fn context(team: Option<&str>, channel: &str, user: &str) -> Context {
    Context {
        platform: Platform::Slack,
        server: team.map(str::to_owned),
        channel: Some(channel.to_owned()),
        user: user.to_owned(),
        // Workspace admins are known from `users.info`, asked only for the
        // commands that need it (`serve`).
        powers: Powers::default(),
    }
}

/// `/stackpick …` read into a command. Answers are private unless shared.
pub fn slash(cmd: &SlashCommand) -> (Context, Interaction) {
    let cx = context(Some(&cmd.team_id), &cmd.channel_id, &cmd.user_id);
    (cx, Interaction::Command(command(&cmd.text)))
}

/// The text after `/stackpick`, read by the rule in [`SUBCOMMANDS`].
pub fn command(text: &str) -> Command {
    let text = text.trim();
    let mut words = text.split_whitespace();
    let first = words.next().unwrap_or("");
    let rest: Vec<&str> = words.collect();
    let sub = SUBCOMMANDS.iter().find(|(name, _)| *name == first).filter(|(_, most)| rest.len() <= *most);
    let Some((name, _)) = sub else {
        if text.is_empty() {
            return Command::Help;
        }
        return Command::Ask { question: text.to_owned(), private: true, mention: None };
    };
    let rest_text = rest.join(" ");
    match *name {
        "help" => Command::Help,
        "topics" => Command::Topics,
        "privacy" => Command::Privacy,
        "compare" => Command::Compare { topic: rest_text, private: true, mention: None },
        "recommend" => Command::Recommend { use_case: rest_text, factors: Vec::new(), private: true },
        "kb" => Command::Kb(match rest.as_slice() {
            ["reload"] => Kb::Reload,
            ["gaps"] => Kb::Gaps { days: None },
            ["stats"] => Kb::Stats { days: None },
            ["gaps", d] => Kb::Gaps { days: d.parse::<u32>().ok().map(|d| d.clamp(1, 3650)) },
            ["stats", d] => Kb::Stats { days: d.parse::<u32>().ok().map(|d| d.clamp(1, 3650)) },
            _ => Kb::Unknown,
        }),
        _ => Command::Setup(match rest.as_slice() {
            [] | ["show"] => Setup::Show,
            ["welcome", "off"] => Setup::WelcomeOff,
            ["welcome", "dm"] => Setup::WelcomeByDm(true),
            ["welcome", channel] => channel_id(channel).map_or(Setup::Unknown, Setup::WelcomeIn),
            ["answer-channel", "add", channel] => channel_id(channel).map_or(Setup::Unknown, Setup::AddAnswerChannel),
            ["answer-channel", "remove", channel] => {
                channel_id(channel).map_or(Setup::Unknown, Setup::RemoveAnswerChannel)
            }
            ["cooldown", secs] => Setup::Cooldown(secs.parse().ok()),
            _ => Setup::Unknown,
        }),
    }
}

/// A channel as Slack escapes it in command text (`<#C123|general>`).
fn channel_id(word: &str) -> Option<String> {
    let inner = word.strip_prefix("<#")?.strip_suffix('>')?;
    let id = inner.split('|').next()?;
    id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()).then(|| id.to_owned())
}

/// The Events API's envelope, as much of it as the bot reads.
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope {
    #[serde(rename = "type")]
    pub kind: String,
    pub challenge: Option<String>,
    pub team_id: Option<String>,
    pub event_id: Option<String>,
    pub event: Option<Event>,
    #[serde(default)]
    pub authorizations: Vec<Authorization>,
}

/// Who the event was delivered for: the bot's own user id.
#[derive(Debug, Clone, Deserialize)]
pub struct Authorization {
    pub user_id: Option<String>,
}

/// One event: a message or a mention.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    #[serde(rename = "type")]
    pub kind: String,
    pub subtype: Option<String>,
    /// A user id, or (in `team_join`) the user object.
    pub user: Option<serde_json::Value>,
    pub bot_id: Option<String>,
    pub text: Option<String>,
    pub channel: Option<String>,
    pub channel_type: Option<String>,
    pub ts: Option<String>,
    pub thread_ts: Option<String>,
    /// The message as it now reads (subtype `message_changed`).
    pub message: Option<Box<Event>>,
    /// The message deleted (subtype `message_deleted`).
    pub deleted_ts: Option<String>,
    /// Who edited the message and when (the message of a `message_changed`).
    pub edited: Option<EditedBy>,
    /// The tokens revoked (`tokens_revoked`): `{"oauth": [...], "bot": [...]}`.
    pub tokens: Option<serde_json::Value>,
}

/// A message's latest edit: its time, a Slack timestamp (`"1700000000.004100"`).
#[derive(Debug, Clone, Deserialize)]
pub struct EditedBy {
    pub ts: Option<String>,
}

impl Event {
    /// The acting user's id, whether the event gives it as text or as a user object.
    pub fn user_id(&self) -> Option<&str> {
        match self.user.as_ref()? {
            serde_json::Value::String(id) => Some(id),
            user => user.get("id")?.as_str(),
        }
    }

    /// Whether a `tokens_revoked` event revokes bot tokens (not only users').
    pub fn revokes_bot_tokens(&self) -> bool {
        self.tokens
            .as_ref()
            .and_then(|t| t.get("bot"))
            .and_then(serde_json::Value::as_array)
            .is_some_and(|b| !b.is_empty())
    }

    /// Whether the user (of a `team_join`) is a bot.
    pub fn user_is_bot(&self) -> bool {
        self.user.as_ref().and_then(|u| u.get("is_bot")).and_then(serde_json::Value::as_bool).unwrap_or(false)
    }
}

/// An event the bot may answer, read: the neutral message and where the
/// answer goes (in a thread under a mention; inline in a DM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chat {
    pub message: ChatMessage,
    pub thread: Option<String>,
}

/// Reads a callback's event, or `None` for events the bot never answers
/// (from bots, edits, its own messages; a plain message that mentions the
/// bot, which Slack also delivers as `app_mention`).
pub fn event(envelope: &Envelope) -> Option<Chat> {
    let event = envelope.event.as_ref()?;
    if event.bot_id.is_some() || event.subtype.is_some() {
        return None;
    }
    let me = envelope.authorizations.iter().find_map(|a| a.user_id.clone());
    let user = event.user_id()?;
    if me.as_deref() == Some(user) {
        return None;
    }
    let (channel, ts) = (event.channel.as_deref()?, event.ts.as_deref()?);
    let text = event.text.as_deref().unwrap_or("");
    let mention = me.as_ref().map(|me| format!("<@{me}>"));
    let names_me = mention.as_ref().is_some_and(|m| text.contains(m.as_str()));
    let direct = event.channel_type.as_deref() == Some("im");
    let (mentions_me, thread) = match event.kind.as_str() {
        "app_mention" => (true, Some(event.thread_ts.clone().unwrap_or_else(|| ts.to_owned()))),
        "message" if direct => (names_me, None),
        // `app_mention` carries the mention; this copy would answer twice.
        "message" if names_me => return None,
        // An answer channel: answered in a thread under the question.
        "message" => (false, Some(event.thread_ts.clone().unwrap_or_else(|| ts.to_owned()))),
        _ => return None,
    };
    let text = match &mention {
        Some(m) => text.replace(m.as_str(), " "),
        None => text.to_owned(),
    };
    let server = if direct { None } else { envelope.team_id.as_deref() };
    Some(Chat {
        message: ChatMessage {
            context: context(server, channel, user),
            id: MessageRef { channel: channel.to_owned(), message: ts.to_owned() },
            text: unescape(&text),
            mentions_me,
            replies_to_me: false,
            replied_subject: None,
        },
        thread,
    })
}

/// A message edited or deleted, which may be a question the bot answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// Its new text, without the bot's mention, whether that text names the
    /// bot, and which version it is.
    Edited {
        id: MessageRef,
        text: String,
        names_me: bool,
        revision: Revision,
    },
    Deleted {
        id: MessageRef,
    },
}

/// Reads a `message_changed` or `message_deleted` event; `None` for any
/// other event, and for the bot's own messages or other bots'.
pub fn changed(envelope: &Envelope) -> Option<Changed> {
    let event = envelope.event.as_ref()?;
    if event.kind != "message" {
        return None;
    }
    let channel = event.channel.clone()?;
    match event.subtype.as_deref()? {
        "message_deleted" => Some(Changed::Deleted { id: MessageRef { channel, message: event.deleted_ts.clone()? } }),
        "message_changed" => {
            let now = event.message.as_deref()?;
            let me = envelope.authorizations.iter().find_map(|a| a.user_id.clone());
            if now.bot_id.is_some()
                || now.subtype.is_some()
                || now.user_id().is_none()
                || now.user_id() == me.as_deref()
            {
                return None;
            }
            let text = now.text.as_deref().unwrap_or("");
            let mention = me.map(|me| format!("<@{me}>"));
            let names_me = mention.as_ref().is_some_and(|m| text.contains(m.as_str()));
            let text = mention.map_or_else(|| text.to_owned(), |m| text.replace(m.as_str(), " "));
            let revision = now.edited.as_ref().and_then(|e| e.ts.as_deref()).map_or(Revision::ORIGINAL, revision);
            Some(Changed::Edited {
                id: MessageRef { channel, message: now.ts.clone()? },
                text: unescape(&text),
                names_me,
                revision,
            })
        }
        _ => None,
    }
}

/// The version a Slack edit timestamp (`"1700000000.004100"`: seconds, a
/// dot, microseconds) names; one that does not read as such is taken for
/// the original, which an answer never goes back to.
fn revision(ts: &str) -> Revision {
    let (seconds, fraction) = ts.split_once('.').unwrap_or((ts, ""));
    let micros = format!("{fraction:0<6}");
    match (seconds.parse::<i64>(), micros.get(..6).and_then(|m| m.parse::<i64>().ok())) {
        (Ok(s), Some(m)) if fraction.bytes().all(|b| b.is_ascii_digit()) => s
            .checked_mul(1_000_000)
            .and_then(|s| s.checked_add(m))
            .map_or(Revision::ORIGINAL, Revision::edited_at_micros),
        _ => Revision::ORIGINAL,
    }
}

/// Slack escapes `&`, `<` and `>` in message text; the engine reads the text
/// as written.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// An interactivity payload (the `payload` field of the form), as much as the bot reads.
#[derive(Debug, Clone, Deserialize)]
pub struct Payload {
    #[serde(rename = "type")]
    pub kind: String,
    /// A shortcut's id (`message_action`).
    pub callback_id: Option<String>,
    /// The message a message shortcut was used on.
    pub message: Option<ShortcutMessage>,
    /// For opening a modal in answer (valid for 3 seconds).
    pub trigger_id: Option<String>,
    /// A submitted modal (`view_submission`).
    pub view: Option<SubmittedView>,
    pub user: Option<Id>,
    pub team: Option<Id>,
    pub channel: Option<Id>,
    pub container: Option<Container>,
    pub response_url: Option<String>,
    #[serde(default)]
    pub actions: Vec<PayloadAction>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SubmittedView {
    pub callback_id: Option<String>,
    pub state: Option<ViewState>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ViewState {
    /// Block id → action id → the input's value.
    pub values: std::collections::HashMap<String, std::collections::HashMap<String, InputValue>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InputValue {
    /// A text input's value.
    pub value: Option<String>,
    /// A menu's choice.
    pub selected_option: Option<SelectedOption>,
}

/// A submitted modal read into the neutral form submission.
pub fn submission(payload: &Payload) -> Option<(Context, Interaction)> {
    if payload.kind != "view_submission" {
        return None;
    }
    let user = &payload.user.as_ref()?.id;
    let view = payload.view.as_ref()?;
    // Each input is a block whose id is the form's field or menu, holding one
    // element of the same id (`blocks::modal`): the text is the one with a
    // value, the choices the ones with a selected option.
    let mut question = String::new();
    let mut choices = Vec::new();
    for (block, inputs) in view.state.iter().flat_map(|s| &s.values) {
        let Some(input) = inputs.get(block) else { continue };
        if let Some(option) = &input.selected_option {
            choices.push((block.clone(), option.value.clone()));
        } else if let Some(text) = &input.value {
            question = text.clone();
        }
    }
    choices.sort();
    // A modal belongs to no channel; the answer is shown in the modal itself.
    let mut cx = context(payload.team.as_ref().map(|t| t.id.as_str()), "", user);
    cx.channel = None;
    let action = Action::parse(view.callback_id.as_deref().unwrap_or(""));
    Some((cx, Interaction::Form { action, question, choices }))
}

#[derive(Debug, Clone, Deserialize)]
pub struct ShortcutMessage {
    pub ts: String,
    #[serde(default)]
    pub text: String,
}

/// The message shortcut's `callback_id` (`slack/manifest.yml`), Discord's
/// "Ask stackpick" message command.
pub const ANSWER_MESSAGE_CALLBACK: &str = "answer_message";

#[derive(Debug, Clone, Deserialize)]
pub struct Id {
    pub id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Container {
    pub message_ts: Option<String>,
    pub channel_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PayloadAction {
    pub action_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub selected_option: Option<SelectedOption>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SelectedOption {
    pub value: String,
}

/// A button press or menu choice read into the neutral press; `None` for
/// payloads the bot does not handle.
pub fn press(payload: &Payload) -> Option<(Context, Interaction)> {
    let user = &payload.user.as_ref()?.id;
    // A press on the App Home tab or in a modal has no channel.
    let channel = payload
        .channel
        .as_ref()
        .map(|c| c.id.clone())
        .or_else(|| payload.container.as_ref().and_then(|c| c.channel_id.clone()));
    let mut cx = context(payload.team.as_ref().map(|t| t.id.as_str()), channel.as_deref().unwrap_or(""), user);
    cx.channel = channel.clone();
    if payload.kind == "message_action" && payload.callback_id.as_deref() == Some(ANSWER_MESSAGE_CALLBACK) {
        let quoted = payload
            .message
            .as_ref()
            .zip(channel)
            .map(|(m, channel)| Quoted { id: MessageRef { channel, message: m.ts.clone() }, text: unescape(&m.text) });
        return Some((cx, Interaction::Command(Command::AnswerMessage(quoted))));
    }
    if payload.kind != "block_actions" {
        return None;
    }
    let action = payload.actions.first()?;
    let pressed = match action.kind.as_str() {
        "button" => Pressed::Button,
        "static_select" => Pressed::Choice(action.selected_option.as_ref().map(|o| o.value.clone())),
        _ => Pressed::Other,
    };
    let message = payload
        .container
        .as_ref()
        .and_then(|c| c.message_ts.clone())
        .zip(channel)
        .map(|(ts, channel)| MessageRef { channel, message: ts });
    Some((cx, Interaction::Press { action: Action::parse(&action.action_id), pressed, message }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_timestamp_orders_versions_to_the_microsecond() {
        assert_eq!(revision("1700000000.004100"), Revision::edited_at_micros(1_700_000_000_004_100));
        assert_eq!(revision("1700000000.0041"), revision("1700000000.004100"), "a shorter fraction");
        assert_eq!(revision("1700000000"), Revision::edited_at_micros(1_700_000_000_000_000));
        assert!(revision("1700000000.000001") > revision("1700000000"));
        for unreadable in ["", "soon", "1700000000.x1", "99999999999999999999.1"] {
            assert_eq!(revision(unreadable), Revision::ORIGINAL, "{unreadable:?}");
        }
    }

    #[test]
    fn a_subcommand_is_its_word_with_no_more_than_it_takes() {
        assert_eq!(command("help"), Command::Help);
        assert_eq!(command(""), Command::Help);
        assert_eq!(command("topics"), Command::Topics);
        assert_eq!(command("privacy"), Command::Privacy);
        let revoked = |tokens: serde_json::Value| {
            serde_json::from_value::<Event>(serde_json::json!({"type": "tokens_revoked", "tokens": tokens}))
                .unwrap()
                .revokes_bot_tokens()
        };
        assert!(revoked(serde_json::json!({"oauth": [], "bot": ["U0BOT"]})));
        assert!(!revoked(serde_json::json!({"oauth": ["U123"]})), "a user's token only: the bot stays");
        let ask = |q: &str| Command::Ask { question: q.into(), private: true, mention: None };
        assert_eq!(command("help me choose between tea and coffee"), ask("help me choose between tea and coffee"));
        assert_eq!(command("topics that matter for a startup?"), ask("topics that matter for a startup?"));
        assert_eq!(command("which is faster?"), ask("which is faster?"));
        assert_eq!(command("privacy rules for a tea shop"), ask("privacy rules for a tea shop"));
        assert_eq!(
            command("compare performance"),
            Command::Compare { topic: "performance".into(), private: true, mention: None }
        );
        assert_eq!(command("kb gaps 7"), Command::Kb(Kb::Gaps { days: Some(7) }));
        assert_eq!(command("setup cooldown 10"), Command::Setup(Setup::Cooldown(Some(10))));
        assert_eq!(
            command("setup answer-channel add <#C0123|general>"),
            Command::Setup(Setup::AddAnswerChannel("C0123".into()))
        );
        // "compare" followed by a whole question is the question.
        assert!(matches!(command("compare tea and coffee for a long night of debugging"), Command::Ask { .. }));
    }
}
