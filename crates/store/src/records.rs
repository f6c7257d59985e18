//! What is stored: settings, log rows, and the reports made from them.

use std::collections::HashMap;

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

/// One asked question, as logged. The asker is stored only as a keyed hash,
/// so that they can delete their questions themselves (`/privacy`).
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionRecord {
    pub place: Place,
    /// Who asked; `None` when nobody can be named (a question logged by a tool).
    pub asker: Option<Member>,
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

impl Entry {
    /// The memory this entry holds while it waits for the writer: its own
    /// size and the text it owns (what the queue's byte bound counts).
    pub fn bytes(&self) -> usize {
        let owned = |s: &Option<String>| s.as_ref().map_or(0, String::len);
        std::mem::size_of::<Entry>()
            + match self {
                Entry::Question(q) => {
                    q.text.len()
                        + owned(&q.topic)
                        + owned(&q.place.server)
                        + owned(&q.place.channel)
                        + q.asker.as_ref().map_or(0, |m| m.id.len())
                }
                Entry::Vote(v) => v.topic.len() + v.member.id.len() + owned(&v.server),
            }
    }
}

/// What was deleted at a member's request ([`crate::QuestionLog::forget_member`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Forgotten {
    pub questions: u64,
    pub votes: u64,
    pub welcomes: u64,
}

impl Forgotten {
    /// Rows deleted in all.
    pub fn total(&self) -> u64 {
        self.questions + self.votes + self.welcomes
    }
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

/// A `server_settings` row as both dialects select it: platform, server,
/// onboarding enabled, onboarding channel, onboarding by DM, cooldown,
/// answer channels set.
pub(crate) type SettingsRow = (String, String, bool, Option<String>, bool, Option<i64>, bool);
/// An `answer_channels` row: platform, server, channel.
pub(crate) type ChannelRow = (String, String, String);

/// Settings from their rows, with each server's answer channels in a stable
/// order; rows of a platform this build does not know are skipped.
pub(crate) fn assemble_settings(rows: Vec<SettingsRow>, channels: Vec<ChannelRow>) -> Vec<ServerSettings> {
    let mut by_server: HashMap<(String, String), Vec<String>> = HashMap::new();
    for (platform, server, channel) in channels {
        by_server.entry((platform, server)).or_default().push(channel);
    }
    let mut out = Vec::with_capacity(rows.len());
    for (platform, server, onboarding_enabled, onboarding_channel, onboarding_dm, cooldown, set) in rows {
        // Written by a newer build for a platform this one does not serve.
        let Some(p) = Platform::from_stored(&platform) else { continue };
        let mut answer_channels = by_server.remove(&(platform, server.clone())).unwrap_or_default();
        sort_ids(&mut answer_channels);
        out.push(ServerSettings {
            server: Server::new(p, server),
            onboarding_enabled,
            onboarding_channel,
            onboarding_dm,
            cooldown_secs: cooldown.map(|s| s.clamp(0, 3600) as u32),
            answer_channels: set.then_some(answer_channels),
        });
    }
    out
}

/// Ids in a stable order: numeric ids (Discord's) by value, then the rest as text.
pub(crate) fn sort_ids(ids: &mut [String]) {
    ids.sort_by(|a, b| match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    });
}
