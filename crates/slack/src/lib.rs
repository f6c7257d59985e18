//! stackpick in Slack: a face over the platform-neutral command layer, a
//! sibling of the Discord crate that copies nothing from it.
//!
//! [`parse`] reads Slack's slash command, Events API callbacks and
//! interactivity payloads into the neutral request; [`blocks`] is the one
//! builder of what the bot sends (Block Kit, every user-written character
//! escaped); [`web`] is the Web API through slack-morphism's client;
//! [`serve`] is the HTTP endpoint (`stackpick slack serve`) and [`socket`]
//! Socket Mode (`stackpick slack run`), over the same handlers.
//!
//! Built on slack-morphism: its request-signature verifier, its typed Web API
//! client and its Block Kit types (every message is read back into them).

pub mod blocks;
pub mod oauth;
pub mod parse;
pub mod serve;
pub mod socket;
pub mod web;
