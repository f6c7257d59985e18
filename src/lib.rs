//! stackpick answers "which backend stack?" questions in Discord from a curated
//! knowledge pack.
//!
//! The crate is one engine with several faces:
//! - [`knowledge`] loads and validates a pack of TOML files;
//! - [`engine`] reads a chat question and finds the answer (pure, no I/O);
//! - [`render`] turns an [`answer::Answer`] into a Discord embed, terminal text or JSON;
//! - [`cli`] is the command-line face.
//!
//! See ARCHITECTURE.md for the map and the path of one question.

pub mod answer;
pub mod bot;
pub mod cli;
pub mod engine;
pub mod eval;
pub mod gateway;
pub mod journal;
pub mod knowledge;
pub mod limits;
pub mod model;
pub mod render;
pub mod rest;
pub mod serve;
pub mod settings;
pub mod store;
pub mod train;

pub use answer::{Answer, Outcome};
pub use engine::Engine;
pub use knowledge::{load, Pack, PackErrors};
