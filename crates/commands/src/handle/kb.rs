//! `/kb`: the knowledge base's reports (gaps, stats) and reloading the pack.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use stackpick_core::knowledge::{self, PackSource};
use stackpick_core::Engine;

use crate::reply::{self, Message};
use crate::request::{Context, Kb};
use crate::{reports, server_of, Bot, Reply};

pub(super) async fn handle(bot: &Bot, cx: &Context, kb: Kb) -> Reply {
    // Discord hides the command from members without Manage Server, but a
    // stale client or a crafted request could still send it.
    if !cx.powers.manage_server {
        return reply::notice(format!("Only {} can manage the knowledge base.", cx.managers()));
    }
    match kb {
        Kb::Reload => {
            let text = match bot.reload_pack() {
                Ok(text) => {
                    // Other processes sharing the store follow within their settings refresh.
                    let at = stackpick_store::now_millis();
                    bot.reload_seen.fetch_max(at, Ordering::SeqCst);
                    if let Err(e) = bot.store.knowledge_reloaded(at).await {
                        tracing::warn!(error = %e, "could not tell the other processes about the reload");
                    }
                    text
                }
                Err(text) => text,
            };
            reply::notice(text)
        }
        Kb::Gaps { days } | Kb::Stats { days } => {
            let server = server_of(cx);
            let engine = bot.engine();
            let days = days.unwrap_or(30).clamp(1, 3650);
            let doc = if matches!(kb, Kb::Gaps { .. }) {
                reports::gaps(bot.store(), &engine, server.as_ref(), days).await
            } else {
                reports::stats(bot.store(), &engine, server.as_ref(), days).await
            };
            match doc {
                Ok(doc) => Message::doc(doc).private(true).into(),
                Err(e) => {
                    tracing::warn!(error = %e, "report failed");
                    reply::notice("I couldn't read the question log just now; try again later.")
                }
            }
        }
        Kb::Unknown => reply::notice("Unknown /kb subcommand."),
    }
}

impl Bot {
    /// Reloads the pack from disk. A broken pack keeps the last good one
    /// running; the message lists every problem and says which pack is in use.
    pub fn reload(&self) -> String {
        self.reload_pack().unwrap_or_else(|problems| problems)
    }

    /// [`Bot::reload`], telling a reload (`Ok`) from a refusal (`Err`).
    pub fn reload_pack(&self) -> Result<String, String> {
        match knowledge::load_from(&self.knowledge) {
            Ok(pack) => {
                let (t, u) = (pack.topics.len(), pack.use_cases.len());
                self.engine.store(Arc::new(Engine::new(pack)));
                tracing::info!(topics = t, use_cases = u, pack = %self.knowledge, "knowledge reloaded");
                let from = match &self.knowledge {
                    PackSource::Dir(dir) => format!("from `{}`", dir.display()),
                    PackSource::Shipped => "the pack built into this binary (unchanged until it is rebuilt; set STACKPICK_KNOWLEDGE to edit one)".into(),
                };
                Ok(format!("✅ Knowledge reloaded: {t} topics, {u} use cases, {from}."))
            }
            Err(errors) => {
                tracing::warn!(problems = errors.0.len(), "knowledge reload refused");
                let list = errors.0.iter().map(|p| format!("• {p}")).collect::<Vec<_>>().join("\n");
                Err(format!(
                    "❌ The knowledge pack has {} problem(s); I kept the last good one running.\n{list}",
                    errors.0.len()
                ))
            }
        }
    }
}
