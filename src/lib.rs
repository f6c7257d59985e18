//! stackpick answers "which backend stack?" questions in Discord from a curated
//! knowledge pack.
//!
//! The engine — knowledge, reading, the answer model — is the `stackpick-core`
//! crate (re-exported here under its old paths); this crate holds its faces:
//! - [`render`] turns an [`answer::Answer`] into a Discord embed, terminal text or JSON;
//! - [`bot`] is the command layer, [`gateway`] and [`serve`] the two Discord faces;
//! - [`store`] (the `stackpick-store` crate) keeps settings, welcomes and the question log;
//! - [`cli`] is the command-line face.
//!
//! See ARCHITECTURE.md for the map and the path of one question.

pub mod bot;
pub mod cli;
pub mod config;
pub mod gateway;
pub mod metrics;
pub mod render;
pub mod rest;
pub mod serve;

/// Storage: the traits the command layer holds and their SQLite and in-memory implementations.
pub use stackpick_store as store;

// The engine crate's modules, under the paths the faces and tests have always used.
pub use stackpick_core::{answer, embed, engine, eval, knowledge, limits, model, train};
pub use stackpick_core::{load, Answer, Engine, Outcome, Pack, PackErrors};
