//! What the face knows about a server's channels. Discord's gateway keeps a
//! cache and can compute the bot's permissions in any channel; the
//! HTTP endpoint keeps no cache and says so.

/// The bot's standing in one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelCheck {
    /// The channel does not belong to this server.
    NotInServer,
    /// The bot can see the channel; these permissions it needs to post
    /// answers or welcomes there are missing (none: it can post).
    Missing(Vec<String>),
    /// This face cannot tell.
    Unknown,
}

/// Channel facts, from whatever the face has.
pub trait Directory: Send + Sync {
    fn channel(&self, server: &str, channel: &str) -> ChannelCheck;

    /// The server's name, when this face knows it.
    fn server_name(&self, _server: &str) -> Option<String> {
        None
    }
}

/// A face with no cache (the HTTP endpoint).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDirectory;

impl Directory for NoDirectory {
    fn channel(&self, _: &str, _: &str) -> ChannelCheck {
        ChannelCheck::Unknown
    }
}
