//! What is stored: settings, log rows, and the reports made from them.

use crate::keys::{Member, Platform, Server};

/// One server's settings. `None` fields fall back to the deployment's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSettings {
    pub server: Server,
    pub onboarding_enabled: bool,
    /// The channel welcomes are posted in (the platform's channel id).
    pub onboarding_channel: Option<String>,
    pub onboarding_dm: bool,
    pub cooldown_secs: Option<u32>,
    /// `None`: not configured (the deployment's default list); `Some`: exactly these.
    pub answer_channels: Option<Vec<String>>,
}

impl ServerSettings {
    /// A server that has saved nothing: every field at its default.
    pub fn new(server: Server) -> ServerSettings {
        ServerSettings {
            server,
            onboarding_enabled: false,
            onboarding_channel: None,
            onboarding_dm: false,
            cooldown_secs: None,
            answer_channels: None,
        }
    }
}

/// Where a question was asked: the platform, and the server and channel when
/// there is one (a DM has neither server nor, for the log, a channel worth keeping).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub platform: Platform,
    pub server: Option<String>,
    pub channel: Option<String>,
}

impl Place {
    /// The server of this place, as a key.
    pub fn server_key(&self) -> Option<Server> {
        self.server.as_ref().map(|id| Server::new(self.platform, id.clone()))
    }
}

/// One asked question, as logged (no user id).
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionRecord {
    pub place: Place,
    /// The question after cleaning (no mentions, links or markup).
    pub text: String,
    pub topic: Option<String>,
    pub confidence: f32,
    pub answered: bool,
    pub asked_at: i64,
}

/// A 👍/👎 vote. The store keeps a keyed hash of the member, never the id.
#[derive(Debug, Clone, PartialEq)]
pub struct Vote {
    pub topic: String,
    pub member: Member,
    /// The server the vote was cast in (`None` in a DM); same platform as the member.
    pub server: Option<String>,
    pub helpful: bool,
    pub voted_at: i64,
}

/// One thing to log.
#[derive(Debug, Clone)]
pub enum Entry {
    Question(QuestionRecord),
    Vote(Vote),
}

/// Unanswered or unsure questions asked alike, most asked first.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Gap {
    pub example: String,
    pub count: usize,
    pub answered_as: Option<String>,
}

/// What a server asked and thought of the answers.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Stats {
    pub questions: u64,
    pub answered: u64,
    pub per_topic: Vec<(String, u64)>,
    pub helpful: u64,
    pub unhelpful: u64,
    pub welcomes: u64,
}
