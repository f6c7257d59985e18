//! What reaches the command layer: a platform's interaction or chat message,
//! parsed once by its face into these neutral types.
//!
//! Ids are text, as the platforms give them (Discord's snowflakes, Slack's
//! `T…`/`U…`/`C…`), so nothing here knows which platform sent them. Text that
//! names a user or a channel uses the `<@id>` and `<#id>` markup, which
//! Discord and Slack happen to share.

use crate::custom_id::Action;
pub use stackpick_store::Platform;

/// Who acts, where, and what they may do there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    pub platform: Platform,
    /// The server (Discord) or workspace (Slack); `None` in a direct message.
    pub server: Option<String>,
    /// The channel, when the platform says.
    pub channel: Option<String>,
    /// The user who acted.
    pub user: String,
    pub powers: Powers,
}

impl Context {
    /// Who may change settings and read reports, in the platform's own words.
    pub fn managers(&self) -> &'static str {
        match self.platform {
            Platform::Discord => "members with the Manage Server permission",
            Platform::Slack => "workspace admins and owners",
        }
    }
}

/// What the acting user may do where they act, as the platform reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Powers {
    /// Change the bot's settings and read its reports (Discord: Manage Server;
    /// Slack: a workspace admin or owner).
    pub manage_server: bool,
    /// Delete other people's answers (Discord: Manage Messages).
    pub manage_messages: bool,
}

/// One message in a channel, for effects that act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRef {
    pub channel: String,
    pub message: String,
}

/// Someone's message, as a command points at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quoted {
    pub id: MessageRef,
    pub text: String,
}

/// Everything an interaction can ask of the bot.
#[derive(Debug, Clone, PartialEq)]
pub enum Interaction {
    /// The platform checking the endpoint is alive.
    Ping,
    /// A command, typed by the user.
    Command(Command),
    /// The user is typing an option that offers completions.
    Complete(Completion),
    /// A button or a menu of one of the bot's messages.
    Press { action: Action, pressed: Pressed, message: Option<MessageRef> },
    /// A submitted form: its text field, and the choices made in its menus
    /// (menu id, chosen value).
    Form { action: Action, question: String, choices: Vec<(String, String)> },
    /// A kind of interaction the bot does not handle.
    Unsupported,
}

/// What a press carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pressed {
    Button,
    /// A choice from a menu (`None`: the user cleared it).
    Choice(Option<String>),
    /// A component of another kind.
    Other,
}

/// A command with its options, read and checked for type.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// A question in the user's words.
    Ask { question: String, private: bool, mention: Option<String> },
    /// One topic side by side; `topic` as typed or chosen.
    Compare { topic: String, private: bool, mention: Option<String> },
    /// A recommendation from a use case and the pack's factors (option name, chosen value).
    Recommend { use_case: String, factors: Vec<(String, String)>, private: bool },
    /// Every topic, with menus to open one.
    Topics,
    /// What the bot does and how to ask.
    Help,
    /// Answer someone else's message (Discord's message command); `None`
    /// when the platform did not show the message.
    AnswerMessage(Option<Quoted>),
    /// The knowledge base's reports and reloading.
    Kb(Kb),
    /// Per-server settings.
    Setup(Setup),
    /// The welcome, shown privately to an admin.
    OnboardingPreview,
    /// What the bot keeps about the user, with a button to delete it.
    Privacy,
    /// A command this version does not know (left over from an older one).
    Unknown(String),
}

/// `/kb …`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kb {
    Reload,
    Gaps { days: Option<u32> },
    Stats { days: Option<u32> },
    Unknown,
}

/// `/setup …`
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setup {
    Show,
    /// Welcome new members in this channel.
    WelcomeIn(String),
    WelcomeOff,
    /// Welcome by direct message (or stop doing so).
    WelcomeByDm(bool),
    AddAnswerChannel(String),
    RemoveAnswerChannel(String),
    /// Seconds each member waits between answers (checked by the handler).
    Cooldown(Option<i64>),
    Unknown,
}

/// Which option is being completed, and what has been typed so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completion {
    Topic(String),
    UseCase(String),
    Other,
}

/// A chat message that may be for the bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    /// Where it was posted and by whom (`server: None` is a direct message).
    pub context: Context,
    /// The message itself, for the reply's reference.
    pub id: MessageRef,
    /// The text, without the platform's mentions of the bot.
    pub text: String,
    /// Whether the message names the bot (a mention).
    pub mentions_me: bool,
    /// Whether it replies to one of the bot's messages without naming the bot.
    pub replies_to_me: bool,
    /// What the bot's message it replies to was about, read from what the
    /// bot encoded in that message (never from its visible text).
    pub replied_subject: Option<Subject>,
}

/// Which version of a chat message an edit carries: the time of its latest
/// edit as the platform stamps it, in microseconds since the Unix epoch
/// ([`Revision::ORIGINAL`] before any edit, the smallest). Faces hand edits
/// over as they come, and they may come out of order — the gateway handles
/// each event in its own task, Slack's events each in their own request — so
/// the bot applies an edit only when it is newer than the version its answer
/// reflects: an older one would put back text the asker had replaced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Revision(Option<i64>);

impl Revision {
    /// The message as first posted.
    pub const ORIGINAL: Revision = Revision(None);

    /// The version edited at `micros` microseconds after the Unix epoch.
    pub fn edited_at_micros(micros: i64) -> Self {
        Revision(Some(micros))
    }
}

/// What one of the bot's answers was about, as its buttons encode it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// The topic's stable id.
    pub topic: String,
    /// The use case's stable id, when the answer was a recommendation for one.
    pub use_case: Option<String>,
}
