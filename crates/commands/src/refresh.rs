//! Keeping the settings copy and the knowledge pack in step with the store,
//! so that processes sharing one (gateway shards, HTTP replicas) agree within
//! a few seconds.

use std::sync::Arc;
use std::time::Duration;

use crate::{computing, metrics, Bot};

/// How often the settings copy catches up with changes saved by other processes.
pub const SETTINGS_REFRESH: Duration = Duration::from_secs(2);
/// How far apart the clocks of processes sharing a store may be: each look
/// for changed settings reaches back this much further.
const CLOCK_SKEW: i64 = 60;

impl Bot {
    /// Takes in the settings other processes saved since `since` (Unix
    /// seconds); returns how many servers' settings were read. A server that
    /// turned onboarding on elsewhere gets its welcomes here too: the gateway
    /// reconnects for member events when the portal grants them.
    pub async fn refresh_settings(&self, since: i64) -> stackpick_store::Result<usize> {
        let changed = self.store.settings_since(since).await?;
        let n = changed.len();
        let onboarding = changed.iter().any(|s| s.onboarding_enabled);
        let members_wanted_before = self.wants_member_events();
        for s in changed {
            self.remember_settings(s);
        }
        if onboarding && !members_wanted_before {
            if let Some(connection) = self.connection() {
                connection.welcomes_wanted();
            }
        }
        Ok(n)
    }

    /// Reloads the pack when another process sharing the store reloaded its
    /// own since this one last did (each reloads from its own disk, so a new
    /// pack is deployed to every machine before `/kb reload`).
    pub async fn follow_reloads(&self) -> stackpick_store::Result<bool> {
        let Some(at) = self.store.last_knowledge_reload().await? else { return Ok(false) };
        let seen = self.reload_seen.fetch_max(at, std::sync::atomic::Ordering::SeqCst);
        if at <= seen {
            return Ok(false);
        }
        match computing(|| self.reload_pack()) {
            Ok(text) => tracing::info!(%text, "followed a knowledge reload made in another process"),
            Err(text) => tracing::warn!(%text, "another process reloaded the knowledge; this one's copy is broken"),
        }
        Ok(true)
    }

    /// Keeps the settings copy and the pack in step with the store while the
    /// process runs: every [`SETTINGS_REFRESH`], the settings saved since the
    /// last look (less [`CLOCK_SKEW`], for processes whose clocks differ) and
    /// any newer `/kb reload`. With one process it finds only its own changes;
    /// with several sharing a store, a change made through one reaches the
    /// others within that interval.
    pub fn keep_settings_fresh(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let bot = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut since = stackpick_store::now();
            loop {
                tokio::time::sleep(SETTINGS_REFRESH).await;
                let Some(bot) = bot.upgrade() else { return };
                let now = stackpick_store::now();
                if let Err(e) = bot.follow_reloads().await {
                    tracing::warn!(error = %e, "cannot read the last knowledge reload");
                }
                match bot.refresh_settings(since - CLOCK_SKEW).await {
                    Ok(_) => since = now,
                    Err(e) => {
                        metrics::get().store_error();
                        tracing::warn!(error = %e, "cannot read settings changes; keeping the last good ones");
                    }
                }
            }
        })
    }
}
