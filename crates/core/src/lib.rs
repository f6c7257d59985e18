//! stackpick's engine: everything between a knowledge pack on disk and the
//! answer to one question, and nothing about where the question came from.
//!
//! - [`knowledge`] loads and validates a pack of TOML files (reading them is
//!   this crate's only I/O, with the sentence model's files in [`model`]);
//! - [`semantic`] is the sentence encoder (weights in, vectors out; pure);
//! - [`engine`] reads a chat question and finds the answer (pure, synchronous,
//!   built once and shared read-only);
//! - [`answer`] is the answer model every face renders;
//! - [`embed`] lays an answer out as an embed document, checked against the
//!   chat limits in [`limits`];
//! - [`eval`] and [`train`] measure and fit the answer model.
//!
//! This crate exists so that the layer order holds by construction: it may not
//! depend on a chat platform's library, an async runtime, a database or the
//! network (checked by `tests/architecture.rs` at the workspace root), so the
//! Discord faces today and a Slack face next sit beside each other on top of it.

pub mod answer;
pub mod embed;
pub mod engine;
pub mod eval;
pub mod knowledge;
pub mod limits;
pub mod model;
pub mod semantic;
pub mod train;

pub use answer::{Answer, Outcome};
pub use engine::Engine;
pub use knowledge::{load, Pack, PackErrors};
