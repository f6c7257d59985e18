//! One answer model, three renderings: a Discord embed, terminal text and JSON.

pub mod embed;
pub mod json;
pub mod terminal;
