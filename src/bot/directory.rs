//! What the transport knows about a server's channels. The gateway has
//! serenity's cache and can compute the bot's permissions in any channel; the
//! HTTP endpoint keeps no cache and says so.

use serenity::model::id::{ChannelId, GuildId};
use serenity::model::permissions::Permissions;

/// The bot's standing in one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelCheck {
    /// The channel does not belong to this server.
    NotInServer,
    /// The bot's effective permissions there.
    Permissions(Permissions),
    /// This transport cannot tell.
    Unknown,
}

/// Channel facts, from whatever the transport has.
pub trait Directory: Send + Sync {
    fn channel(&self, guild: GuildId, channel: ChannelId) -> ChannelCheck;

    /// The server's name, when this transport knows it.
    fn guild_name(&self, _guild: GuildId) -> Option<String> {
        None
    }
}

/// A transport with no cache (the HTTP endpoint).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDirectory;

impl Directory for NoDirectory {
    fn channel(&self, _: GuildId, _: ChannelId) -> ChannelCheck {
        ChannelCheck::Unknown
    }
}

/// What the bot needs wherever it posts answers or welcomes.
pub fn needed_to_post() -> Permissions {
    Permissions::VIEW_CHANNEL
        | Permissions::SEND_MESSAGES
        | Permissions::EMBED_LINKS
        | Permissions::READ_MESSAGE_HISTORY
}
