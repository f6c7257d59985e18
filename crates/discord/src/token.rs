//! The bot token, a secret.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// The bot token: a [`SecretString`], zeroed when dropped; `Debug` prints a
/// placeholder and there is no `Display`.
#[derive(Clone)]
pub struct Token(SecretString);

impl Token {
    pub fn new(token: impl Into<String>) -> Token {
        Token(SecretString::new(token.into()))
    }

    /// A token as pasted, with or without the `Bot ` prefix.
    pub fn parse(s: &str) -> Result<Token, String> {
        Ok(Token::new(s.trim().trim_start_matches("Bot ")))
    }

    /// The secret itself, for the HTTP client only.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}
