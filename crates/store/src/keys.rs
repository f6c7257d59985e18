//! Platform-neutral keys: a platform and the platform's own text id.

use std::fmt;

/// The chat platform an id belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Discord,
    Slack,
}

impl Platform {
    /// The name stored in the database's `platform` columns.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Discord => "discord",
            Platform::Slack => "slack",
        }
    }

    /// Reads a stored name back; `None` for a platform this build does not know.
    pub fn from_stored(name: &str) -> Option<Platform> {
        match name {
            "discord" => Some(Platform::Discord),
            "slack" => Some(Platform::Slack),
            _ => None,
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Discord server (guild) or a Slack workspace (team).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Server {
    pub platform: Platform,
    /// The platform's id: a snowflake's decimal digits, or `T…` on Slack.
    pub id: String,
}

impl Server {
    pub fn new(platform: Platform, id: impl Into<String>) -> Server {
        Server { platform, id: id.into() }
    }

    /// A Discord server by its snowflake.
    pub fn discord(guild: u64) -> Server {
        Server::new(Platform::Discord, guild.to_string())
    }
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.platform, self.id)
    }
}

/// A member (user) of a platform. Stores keep only a keyed hash of it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Member {
    pub platform: Platform,
    pub id: String,
}

impl Member {
    pub fn new(platform: Platform, id: impl Into<String>) -> Member {
        Member { platform, id: id.into() }
    }

    /// A Discord user by their snowflake.
    pub fn discord(user: u64) -> Member {
        Member::new(Platform::Discord, user.to_string())
    }

    /// The bytes a member's hash is computed over. A Discord id is its eight
    /// little-endian bytes, exactly what earlier versions hashed, so votes and
    /// welcomes recorded before ids became text are still recognised; other
    /// platforms hash `platform:id`, which is never eight bytes long.
    pub(crate) fn hash_input(&self) -> Vec<u8> {
        match (self.platform, self.id.parse::<u64>()) {
            (Platform::Discord, Ok(n)) => n.to_le_bytes().to_vec(),
            _ => format!("{}:{}", self.platform, self.id).into_bytes(),
        }
    }
}

/// A member's id is personal data: debug output shows the platform only.
impl fmt::Debug for Member {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Member").field("platform", &self.platform).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_discord_member_hashes_as_before_and_other_platforms_never_collide_with_it() {
        assert_eq!(Member::discord(42).hash_input(), 42u64.to_le_bytes());
        let slack = Member::new(Platform::Slack, "U0123ABC").hash_input();
        assert_eq!(slack, b"slack:U0123ABC");
        assert_ne!(slack.len(), 8);
        assert!(!format!("{:?}", Member::discord(42)).contains("42"), "no id in debug output");
    }
}
