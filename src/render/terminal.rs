//! Readable terminal text: the same content as the embed, without Discord markdown.

use std::fmt::Write;

use crate::answer::Answer;
use crate::engine::Engine;

/// Discord markdown out: bold and code marks dropped, `[title](url)` links
/// written as `title <url>` so a terminal can still open them.
fn plain(text: &str) -> String {
    static LINK: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"\[([^\]]+)\]\((https?://[^)\s]+)\)").expect("valid regex"));
    let text = text.replace("**", "").replace('`', "");
    LINK.replace_all(&text, "$1 <$2>").into_owned()
}

/// The answer as terminal text.
pub fn render(engine: &Engine, answer: &Answer) -> String {
    let doc = engine.embed(answer);
    let mut out = String::new();
    let _ = writeln!(out, "{}", plain(&doc.title));
    let _ = writeln!(out, "{}", "─".repeat(doc.title.chars().count().clamp(8, 60)));
    let _ = writeln!(out, "{}", plain(&doc.description));
    for f in &doc.fields {
        let _ = writeln!(out, "\n{}", plain(&f.name));
        for line in f.value.lines() {
            let _ = writeln!(out, "  {}", plain(line));
        }
    }
    // The chat's `/topics` is `stackpick topics` here.
    let footer = doc.footer.replace(crate::render::embed::TOPICS_HINT, "`stackpick topics` lists everything I know");
    let _ = writeln!(out, "\n{footer}");
    let _ = writeln!(out, "confidence {:.2}", answer.confidence);
    out
}
