//! `/kb`: the knowledge base's reports (gaps, stats) and reloading the pack.

use super::*;

impl Bot {
    pub(super) async fn kb(&self, cmd: &CommandInteraction) -> Reply {
        // Discord hides the command from members without Manage Server, but a
        // stale client or a crafted request could still send it.
        if !manages_server(cmd) {
            return ephemeral(respond::notice(
                "Only members with the Manage Server permission can manage the knowledge base.",
            ));
        }
        let options = cmd.data.options();
        let Some(sub) = options.first() else {
            return ephemeral(respond::notice("Unknown /kb subcommand."));
        };
        let days = match &sub.value {
            ResolvedValue::SubCommand(opts) => opts.iter().find_map(|o| match o.value {
                ResolvedValue::Integer(d) => Some(d.clamp(1, 3650) as u32),
                _ => None,
            }),
            _ => None,
        };
        match sub.name {
            commands::KB_RELOAD => {
                let text = match self.reload_pack() {
                    Ok(text) => {
                        // Other processes sharing the store follow within their settings refresh.
                        let at = crate::store::now_millis();
                        self.reload_seen.fetch_max(at, std::sync::atomic::Ordering::SeqCst);
                        if let Err(e) = self.store.knowledge_reloaded(at).await {
                            tracing::warn!(error = %e, "could not tell the other processes about the reload");
                        }
                        text
                    }
                    Err(text) => text,
                };
                ephemeral(respond::notice(text))
            }
            commands::KB_GAPS | commands::KB_STATS => {
                let store = self.store();
                let guild = cmd.guild_id.map(server);
                let guild = guild.as_ref();
                let engine = self.engine();
                let doc = if sub.name == commands::KB_GAPS {
                    reports::gaps(store, &engine, guild, days.unwrap_or(30)).await
                } else {
                    reports::stats(store, &engine, guild, days.unwrap_or(30)).await
                };
                match doc {
                    Ok(doc) => ephemeral(respond::response(None).embed(doc.to_create_embed()).ephemeral(true)),
                    Err(e) => {
                        tracing::warn!(error = %e, "report failed");
                        ephemeral(respond::notice("I couldn't read the question log just now; try again later."))
                    }
                }
            }
            _ => ephemeral(respond::notice("Unknown /kb subcommand.")),
        }
    }

    /// Reloads the pack from disk. A broken pack keeps the last good one
    /// running; the message lists every problem and says which pack is in use.
    pub fn reload(&self) -> String {
        self.reload_pack().unwrap_or_else(|problems| problems)
    }

    /// [`Bot::reload`], telling a reload (`Ok`) from a refusal (`Err`).
    pub fn reload_pack(&self) -> Result<String, String> {
        match crate::knowledge::load_from(&self.knowledge) {
            Ok(pack) => {
                let (t, u) = (pack.topics.len(), pack.use_cases.len());
                self.engine.store(Arc::new(Engine::new(pack)));
                tracing::info!(topics = t, use_cases = u, pack = %self.knowledge, "knowledge reloaded");
                let from = match &self.knowledge {
                    crate::knowledge::PackSource::Dir(dir) => format!("from `{}`", dir.display()),
                    crate::knowledge::PackSource::Shipped => "the pack built into this binary (unchanged until it is rebuilt; set STACKPICK_KNOWLEDGE to edit one)".into(),
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
