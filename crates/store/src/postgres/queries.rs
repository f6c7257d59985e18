//! The storage traits in Postgres's dialect.

use std::time::Duration;

use sqlx::Row;

use super::{PgDb, PostgresStore};
use crate::error::Context as _;
use crate::journal::Sink;
use crate::keys::{Member, Platform, Server};
use crate::records::{
    assemble_settings, ChannelRow, Entry, Forgotten, Gap, QuestionRecord, ServerSettings, SettingsRow, Stats, Vote,
};
use crate::similar::group_similar;
use crate::Result;

/// The tables that hold a server's data, each keyed by `(platform, server)`.
const PER_SERVER: [&str; 6] = ["server_settings", "answer_channels", "questions", "feedback", "welcomes", "departures"];

/// `$1` the platform, `$2` the server; both null for every server.
const IN_SERVER: &str = "($1::text IS NULL OR (platform = $1 AND server = $2))";

fn u(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn scope(server: Option<&Server>) -> (Option<&'static str>, Option<&str>) {
    (server.map(|s| s.platform.as_str()), server.map(|s| s.id.as_str()))
}

#[async_trait::async_trait]
impl Sink for PgDb {
    async fn write(&self, questions: &[QuestionRecord], votes: &[Vote]) -> Result<()> {
        let what = || format!("cannot write the question log to `{}`", self.name);
        let mut tx = self.pool.begin().await.context(what)?;
        for chunk in questions.chunks(500) {
            let mut insert = sqlx::QueryBuilder::<sqlx::Postgres>::new(
                "INSERT INTO questions (platform, server, channel, text, topic, confidence, answered, asked_at, asker) ",
            );
            insert.push_values(chunk, |mut row, q| {
                row.push_bind(q.place.platform.as_str())
                    .push_bind(&q.place.server)
                    .push_bind(&q.place.channel)
                    .push_bind(&q.text)
                    .push_bind(&q.topic)
                    .push_bind(q.confidence)
                    .push_bind(q.answered)
                    .push_bind(q.asked_at)
                    .push_bind(q.asker.as_ref().map(|m| crate::sqlite::hash_member(&self.key, m)));
            });
            // Not kept prepared: the text differs with every batch size (see the SQLite log).
            insert.build().persistent(false).execute(&mut *tx).await.context(what)?;
        }
        for v in votes {
            sqlx::query(
                "INSERT INTO feedback (topic, voter, platform, server, helpful, voted_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (topic, voter) DO UPDATE SET helpful = excluded.helpful, voted_at = excluded.voted_at",
            )
            .bind(&v.topic)
            .bind(crate::sqlite::hash_member(&self.key, &v.member))
            .bind(v.member.platform.as_str())
            .bind(&v.server)
            .bind(v.helpful)
            .bind(v.voted_at)
            .execute(&mut *tx)
            .await
            .context(what)?;
        }
        tx.commit().await.context(what)?;
        Ok(())
    }

    async fn prune(&self, before: i64) -> Result<u64> {
        let what = || format!("cannot prune the question log in `{}`", self.name);
        let q = sqlx::query("DELETE FROM questions WHERE asked_at < $1").bind(before).execute(&self.pool).await;
        let f = sqlx::query("DELETE FROM feedback WHERE voted_at < $1").bind(before).execute(&self.pool).await;
        sqlx::query("DELETE FROM deliveries WHERE at < $1")
            .bind(crate::now() - crate::DELIVERIES_KEPT_SECS)
            .execute(&self.pool)
            .await
            .context(what)?;
        Ok(q.context(what)?.rows_affected() + f.context(what)?.rows_affected())
    }

    async fn forget_departed(&self, before: i64) -> Result<Vec<Server>> {
        let gone: Vec<(String, String)> = sqlx::query_as("SELECT platform, server FROM departures WHERE left_at < $1")
            .bind(before)
            .fetch_all(&self.pool)
            .await
            .context(|| format!("cannot read the departures in `{}`", self.name))?;
        let mut out = Vec::with_capacity(gone.len());
        for (platform, server) in gone {
            let Some(p) = Platform::from_stored(&platform) else { continue };
            let server = Server::new(p, server);
            self.forget(&server).await?;
            out.push(server);
        }
        Ok(out)
    }

    fn describe(&self) -> String {
        self.name.clone()
    }
}

impl PgDb {
    async fn forget(&self, server: &Server) -> Result<u64> {
        let what = || format!("cannot delete the data of {server} from `{}`", self.name);
        let mut tx = self.pool.begin().await.context(what)?;
        let mut n = 0;
        for table in PER_SERVER {
            n += sqlx::query(&format!("DELETE FROM {table} WHERE platform = $1 AND server = $2"))
                .bind(server.platform.as_str())
                .bind(&server.id)
                .execute(&mut *tx)
                .await
                .context(what)?
                .rows_affected();
        }
        tx.commit().await.context(what)?;
        Ok(n)
    }

    /// Deletes one member's questions, votes and welcomes in one transaction.
    async fn forget_member(&self, member: &Member) -> Result<Forgotten> {
        let what = || format!("cannot delete a member's data from `{}`", self.name);
        let hash = crate::sqlite::hash_member(&self.key, member);
        let mut tx = self.pool.begin().await.context(what)?;
        let mut deleted = [0; 3];
        for (n, sql) in deleted.iter_mut().zip([
            "DELETE FROM questions WHERE asker = $1 AND platform = $2",
            "DELETE FROM feedback WHERE voter = $1 AND platform = $2",
            "DELETE FROM welcomes WHERE member = $1 AND platform = $2",
        ]) {
            *n = sqlx::query(sql)
                .bind(&hash)
                .bind(member.platform.as_str())
                .execute(&mut *tx)
                .await
                .context(what)?
                .rows_affected();
        }
        tx.commit().await.context(what)?;
        let [questions, votes, welcomes] = deleted;
        Ok(Forgotten { questions, votes, welcomes })
    }
}

#[async_trait::async_trait]
impl crate::Settings for PostgresStore {
    async fn all_settings(&self) -> Result<Vec<ServerSettings>> {
        self.settings_since(i64::MIN).await
    }

    async fn settings_since(&self, since: i64) -> Result<Vec<ServerSettings>> {
        let db = &self.db;
        let rows: Vec<SettingsRow> = sqlx::query_as(
            "SELECT platform, server, onboarding_enabled, onboarding_channel, onboarding_dm, cooldown_secs::BIGINT, \
             answer_channels_set FROM server_settings WHERE updated_at >= $1",
        )
        .bind(since)
        .fetch_all(&db.pool)
        .await
        .context(|| format!("cannot read the settings in `{}`", db.name))?;
        let channels: Vec<ChannelRow> = sqlx::query_as(
            "SELECT a.platform, a.server, a.channel FROM answer_channels a \
             JOIN server_settings s ON s.platform = a.platform AND s.server = a.server WHERE s.updated_at >= $1",
        )
        .bind(since)
        .fetch_all(&db.pool)
        .await
        .context(|| format!("cannot read the answer channels in `{}`", db.name))?;
        Ok(assemble_settings(rows, channels))
    }

    async fn knowledge_reloaded(&self, at: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO knowledge_reloads (id, at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at = GREATEST(knowledge_reloads.at, excluded.at)",
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
               cooldown_secs, answer_channels_set, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
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
        .bind(s.cooldown_secs.map(|c| c.min(3600) as i32))
        .bind(s.answer_channels.is_some())
        .bind(crate::now())
        .execute(&mut *tx)
        .await
        .context(what)?;
        sqlx::query("DELETE FROM answer_channels WHERE platform = $1 AND server = $2")
            .bind(platform)
            .bind(server)
            .execute(&mut *tx)
            .await
            .context(what)?;
        for channel in s.answer_channels.iter().flatten() {
            sqlx::query(
                "INSERT INTO answer_channels (platform, server, channel) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
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

#[async_trait::async_trait]
impl crate::Installs for PostgresStore {
    async fn save_install(&self, install: &crate::Install) -> Result<()> {
        let sealed = crate::sealed::seal(&self.db.key, &install.team, &install.bot_token)?;
        sqlx::query(
            "INSERT INTO slack_installs (team, bot_user, token, installed_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (team) DO UPDATE SET bot_user = excluded.bot_user, token = excluded.token, \
             installed_at = excluded.installed_at",
        )
        .bind(&install.team)
        .bind(&install.bot_user)
        .bind(sealed)
        .bind(crate::now())
        .execute(&self.db.pool)
        .await
        .context(|| format!("cannot save the installation of {} in `{}`", install.team, self.db.name))?;
        Ok(())
    }

    async fn install(&self, team: &str) -> Result<Option<crate::Install>> {
        let row: Option<(String, Vec<u8>)> =
            sqlx::query_as("SELECT bot_user, token FROM slack_installs WHERE team = $1")
                .bind(team)
                .fetch_optional(&self.db.pool)
                .await
                .context(|| format!("cannot read the installation of {team} in `{}`", self.db.name))?;
        row.map(|row| crate::sealed::install(&self.db.key, team, row)).transpose()
    }

    async fn remove_install(&self, team: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM slack_installs WHERE team = $1")
            .bind(team)
            .execute(&self.db.pool)
            .await
            .context(|| format!("cannot remove the installation of {team} in `{}`", self.db.name))?;
        Ok(done.rows_affected() > 0)
    }
}

#[async_trait::async_trait]
impl crate::Deliveries for PostgresStore {
    async fn claim_delivery(&self, platform: Platform, id: &str) -> Result<bool> {
        let done = sqlx::query("INSERT INTO deliveries (platform, id, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(platform.as_str())
            .bind(id)
            .bind(crate::now())
            .execute(&self.db.pool)
            .await
            .context(|| format!("cannot record a delivery in `{}`", self.db.name))?;
        Ok(done.rows_affected() == 1)
    }
}

#[async_trait::async_trait]
impl crate::Welcomes for PostgresStore {
    async fn claim_welcome(&self, server: &Server, member: &Member, pending: bool) -> Result<bool> {
        let status = if pending { "pending" } else { "sent" };
        let done = sqlx::query(
            "INSERT INTO welcomes (platform, server, member, status, at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT DO NOTHING",
        )
        .bind(server.platform.as_str())
        .bind(&server.id)
        .bind(self.hash_member(member))
        .bind(status)
        .bind(crate::now())
        .execute(&self.db.pool)
        .await
        .context(|| format!("cannot record a welcome in {server}"))?;
        Ok(!pending && done.rows_affected() == 1)
    }

    async fn claim_pending_welcome(&self, server: &Server, member: &Member) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE welcomes SET status = 'sent', at = $1 \
             WHERE platform = $2 AND server = $3 AND member = $4 AND status = 'pending'",
        )
        .bind(crate::now())
        .bind(server.platform.as_str())
        .bind(&server.id)
        .bind(self.hash_member(member))
        .execute(&self.db.pool)
        .await
        .context(|| format!("cannot record a welcome in {server}"))?;
        Ok(done.rows_affected() == 1)
    }
}

#[async_trait::async_trait]
impl crate::QuestionLog for PostgresStore {
    fn record(&self, entry: Entry) {
        match &self.journal {
            Some(journal) => journal.record(entry),
            None => tracing::warn!(database = %self.db.name, "a store opened for reports logs nothing; entry dropped"),
        }
    }

    async fn departed(&self, server: &Server, at: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO departures (platform, server, left_at) VALUES ($1, $2, $3) \
             ON CONFLICT (platform, server) DO NOTHING",
        )
        .bind(server.platform.as_str())
        .bind(&server.id)
        .bind(at)
        .execute(&self.db.pool)
        .await
        .context(|| format!("cannot note that {server} removed the bot"))?;
        Ok(())
    }

    async fn returned(&self, server: &Server) -> Result<()> {
        sqlx::query("DELETE FROM departures WHERE platform = $1 AND server = $2")
            .bind(server.platform.as_str())
            .bind(&server.id)
            .execute(&self.db.pool)
            .await
            .context(|| format!("cannot note that {server} has the bot"))?;
        Ok(())
    }

    async fn forget(&self, server: &Server) -> Result<u64> {
        self.db.forget(server).await
    }

    async fn forget_member(&self, member: &Member) -> Result<Forgotten> {
        crate::journal::written_before_forgetting(self.journal.as_deref()).await?;
        self.db.forget_member(member).await
    }

    async fn close(&self, within: Duration) {
        if let Some(journal) = &self.journal {
            journal.close(within).await;
        }
        self.db.pool.close().await;
    }
}

#[async_trait::async_trait]
impl crate::Reports for PostgresStore {
    async fn gaps(&self, server: Option<&Server>, since: i64, unsure_below: f32) -> Result<Vec<Gap>> {
        let (platform, id) = scope(server);
        let sql = format!(
            "SELECT text, topic FROM questions WHERE {IN_SERVER} AND asked_at >= $3 \
             AND (NOT answered OR confidence < $4) ORDER BY asked_at DESC LIMIT 5000"
        );
        let rows = sqlx::query(&sql)
            .bind(platform)
            .bind(id)
            .bind(since)
            .bind(unsure_below)
            .fetch_all(&self.db.pool)
            .await
            .context(|| format!("cannot read `{}`", self.db.name))?;
        Ok(group_similar(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect()))
    }

    async fn disliked(&self, server: Option<&Server>, since: i64) -> Result<Vec<Gap>> {
        let (platform, id) = scope(server);
        let sql = format!(
            "SELECT text, topic FROM questions WHERE {IN_SERVER} AND answered AND asked_at >= $3 \
             AND topic IN (SELECT topic FROM feedback WHERE {IN_SERVER} AND NOT helpful AND voted_at >= $3) \
             ORDER BY asked_at DESC LIMIT 5000"
        );
        let rows = sqlx::query(&sql)
            .bind(platform)
            .bind(id)
            .bind(since)
            .fetch_all(&self.db.pool)
            .await
            .context(|| format!("cannot read `{}`", self.db.name))?;
        Ok(group_similar(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect()))
    }

    async fn stats(&self, server: Option<&Server>, since: i64) -> Result<Stats> {
        let what = || format!("cannot read `{}`", self.db.name);
        let pool = &self.db.pool;
        let (platform, id) = scope(server);
        let sql = format!(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE answered) FROM questions WHERE {IN_SERVER} AND asked_at >= $3"
        );
        let row = sqlx::query(&sql).bind(platform).bind(id).bind(since).fetch_one(pool).await.context(what)?;
        let sql = format!(
            "SELECT topic, COUNT(*) AS n FROM questions WHERE {IN_SERVER} AND topic IS NOT NULL AND asked_at >= $3 \
             GROUP BY topic ORDER BY n DESC, topic LIMIT 25"
        );
        let per_topic = sqlx::query(&sql)
            .bind(platform)
            .bind(id)
            .bind(since)
            .fetch_all(pool)
            .await
            .context(what)?
            .into_iter()
            .map(|r| (r.get::<String, _>(0), u(r.get(1))))
            .collect();
        let sql = format!(
            "SELECT COUNT(*) FILTER (WHERE helpful), COUNT(*) FILTER (WHERE NOT helpful) FROM feedback \
             WHERE {IN_SERVER} AND voted_at >= $3"
        );
        let votes = sqlx::query(&sql).bind(platform).bind(id).bind(since).fetch_one(pool).await.context(what)?;
        let sql = format!("SELECT COUNT(*) FROM welcomes WHERE {IN_SERVER} AND status = 'sent'");
        let welcomes: i64 = sqlx::query(&sql).bind(platform).bind(id).fetch_one(pool).await.context(what)?.get(0);
        Ok(Stats {
            questions: u(row.get(0)),
            answered: u(row.get(1)),
            per_topic,
            helpful: u(votes.get(0)),
            unhelpful: u(votes.get(1)),
            welcomes: u(welcomes),
        })
    }
}
