//! The command line's renderings of an answer: terminal text and JSON.
//!
//! The embed document itself is built by the engine crate ([`embed`]); the
//! JSON carries it as Discord would receive it ([`crate::discord::build::embed`]).

pub use stackpick_core::embed;

pub mod json;
pub mod terminal;
