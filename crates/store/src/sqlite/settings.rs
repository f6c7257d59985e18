//! Per-server settings in SQLite.

use super::SqliteStore;
use crate::error::Context as _;
use crate::records::{assemble_settings, ChannelRow, ServerSettings, SettingsRow};
use crate::Result;

#[async_trait::async_trait]
impl crate::Settings for SqliteStore {
    async fn all_settings(&self) -> Result<Vec<ServerSettings>> {
        self.settings_since(i64::MIN).await
    }

    async fn settings_since(&self, since: i64) -> Result<Vec<ServerSettings>> {
        let db = &self.db;
        let rows: Vec<SettingsRow> = sqlx::query_as(
            "SELECT platform, server, onboarding_enabled, onboarding_channel, onboarding_dm, cooldown_secs, \
             answer_channels_set FROM server_settings WHERE updated_at >= ?",
        )
        .bind(since)
        .fetch_all(&db.pool)
        .await
        .context(|| format!("cannot read the settings in `{}`", db.name))?;
        let channels: Vec<ChannelRow> = sqlx::query_as(
            "SELECT a.platform, a.server, a.channel FROM answer_channels a \
             JOIN server_settings s ON s.platform = a.platform AND s.server = a.server WHERE s.updated_at >= ?",
        )
        .bind(since)
        .fetch_all(&db.pool)
        .await
        .context(|| format!("cannot read the answer channels in `{}`", db.name))?;
        Ok(assemble_settings(rows, channels))
    }

    async fn knowledge_reloaded(&self, at: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO knowledge_reloads (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = MAX(at, excluded.at)",
        )
        .bind(at)
        .execute(&self.db.pool)
        .await
        .context(|| format!("cannot note the knowledge reload in `{}`", self.db.name))?;
        Ok(())
    }

    async fn last_knowledge_reload(&self) -> Result<Option<i64>> {
        sqlx::query_scalar("SELECT at FROM knowledge_reloads WHERE id = 1")
            .fetch_optional(&self.db.pool)
            .await
            .context(|| format!("cannot read the last knowledge reload in `{}`", self.db.name))
    }

    async fn save_settings(&self, s: &ServerSettings) -> Result<()> {
        let db = &self.db;
        let what = || format!("cannot save the settings of {} in `{}`", s.server, db.name);
        let (platform, server) = (s.server.platform.as_str(), s.server.id.as_str());
        let mut tx = db.pool.begin().await.context(what)?;
        sqlx::query(
            "INSERT INTO server_settings (platform, server, onboarding_enabled, onboarding_channel, onboarding_dm, \
               cooldown_secs, answer_channels_set, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (platform, server) DO UPDATE SET onboarding_enabled = excluded.onboarding_enabled, \
               onboarding_channel = excluded.onboarding_channel, onboarding_dm = excluded.onboarding_dm, \
               cooldown_secs = excluded.cooldown_secs, answer_channels_set = excluded.answer_channels_set, \
               updated_at = excluded.updated_at",
        )
        .bind(platform)
        .bind(server)
        .bind(s.onboarding_enabled)
        .bind(&s.onboarding_channel)
        .bind(s.onboarding_dm)
        .bind(s.cooldown_secs.map(i64::from))
        .bind(s.answer_channels.is_some())
        .bind(crate::now())
        .execute(&mut *tx)
        .await
        .context(what)?;
        sqlx::query("DELETE FROM answer_channels WHERE platform = ? AND server = ?")
            .bind(platform)
            .bind(server)
            .execute(&mut *tx)
            .await
            .context(what)?;
        for channel in s.answer_channels.iter().flatten() {
            sqlx::query(
                "INSERT INTO answer_channels (platform, server, channel) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(platform)
            .bind(server)
            .bind(channel)
            .execute(&mut *tx)
            .await
            .context(what)?;
        }
        tx.commit().await.context(what)?;
        Ok(())
    }
}
