//! Keeping the settings copy in step with the store, so that processes
//! sharing one (gateway shards, HTTP replicas) agree within a few seconds.

use super::*;

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
    pub async fn refresh_settings(&self, since: i64) -> crate::store::Result<usize> {
        let changed = self.store.settings_since(since).await?;
        let n = changed.len();
        let onboarding = changed.iter().any(|s| s.onboarding_enabled);
        let members_wanted_before = self.wants_member_events();
        for s in changed {
            self.remember_settings(s);
        }
        if onboarding && !members_wanted_before {
            if let Some(g) = self.gateway_state().filter(|g| g.granted.members && !g.requested.members) {
                tracing::info!(?g, "a server turned onboarding on in another process; reconnecting for member joins");
                self.reconnect_gateway();
            }
        }
        Ok(n)
    }

    /// Keeps the settings copy in step with the store while the process runs:
    /// every [`SETTINGS_REFRESH`], the settings saved since the last look
    /// (less [`CLOCK_SKEW`], for processes whose clocks differ). With one
    /// process it finds only its own changes; with several sharing a store, a
    /// change made through one reaches the others within that interval.
    pub fn keep_settings_fresh(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let bot = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut since = crate::store::now();
            loop {
                tokio::time::sleep(SETTINGS_REFRESH).await;
                let Some(bot) = bot.upgrade() else { return };
                let now = crate::store::now();
                match bot.refresh_settings(since - CLOCK_SKEW).await {
                    Ok(_) => since = now,
                    Err(e) => {
                        crate::metrics::get().store_error();
                        tracing::warn!(error = %e, "cannot read settings changes; keeping the last good ones");
                    }
                }
            }
        })
    }
}
