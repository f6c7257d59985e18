//! stackpick answers "which backend stack?" questions in Discord from a curated
//! knowledge pack.
//!
//! The engine — knowledge, reading, the answer model — is the `stackpick-core`
//! crate (re-exported here under its old paths); this crate holds its faces:
//! - [`bot`] is the command layer (the `stackpick-commands` crate): neutral requests in, neutral replies out;
//! - [`discord`] (the `stackpick-discord` crate) reads Discord's payloads into that request
//!   and renders its replies, for both Discord faces, [`gateway`] and [`serve`];
//! - [`render`] turns an [`answer::Answer`] into terminal text or JSON;
//! - [`store`] (the `stackpick-store` crate) keeps settings, welcomes and the question log;
//! - [`cli`] is the command-line face.
//!
//! See ARCHITECTURE.md for the map and the path of one question.

pub mod cli;
pub mod config;
pub mod render;

/// Discord: the adapter and its two faces.
pub use stackpick_discord as discord;
pub use stackpick_discord::{gateway, rest, serve};

/// The command layer, shared by every chat platform.
pub use stackpick_commands as bot;
/// The process's counters (kept by the command layer, served at `GET /metrics`).
pub use stackpick_commands::metrics;

/// Storage: the traits the command layer holds and their SQLite and in-memory implementations.
pub use stackpick_store as store;

// The engine crate's modules, under the paths the faces and tests have always used.
pub use stackpick_core::{answer, embed, engine, eval, knowledge, limits, model, train};
pub use stackpick_core::{load, Answer, Engine, Outcome, Pack, PackErrors};
