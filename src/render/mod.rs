//! One answer model, three renderings: a Discord embed, terminal text and JSON.
//!
//! The embed document itself is built by the engine crate ([`embed`]); turning
//! it into serenity's builder happens here, on the Discord side of the line.

pub use stackpick_core::embed;

pub mod json;
pub mod terminal;

use serenity::builder::{CreateEmbed, CreateEmbedFooter};

/// An embed document as serenity's builder, ready to send.
pub trait ToCreateEmbed {
    fn to_create_embed(&self) -> CreateEmbed;
}

impl ToCreateEmbed for embed::EmbedDoc {
    fn to_create_embed(&self) -> CreateEmbed {
        let mut e = CreateEmbed::new().colour(self.colour);
        if !self.title.is_empty() {
            e = e.title(&self.title);
        }
        if !self.description.is_empty() {
            e = e.description(&self.description);
        }
        e = e.fields(self.fields.iter().map(|f| (f.name.clone(), f.value.clone(), f.inline)));
        if !self.footer.is_empty() {
            e = e.footer(CreateEmbedFooter::new(&self.footer));
        }
        e
    }
}
