//! The question log, votes, welcomes and departures in SQLite.

use std::time::Duration;

use super::{Db, SqliteStore};
use crate::error::Context as _;
use crate::journal::Sink;
use crate::keys::{Member, Platform, Server};
use crate::records::{Entry, Forgotten, QuestionRecord, Vote};
use crate::Result;

/// The tables that hold a server's data, each keyed by `(platform, server)`.
const PER_SERVER: [&str; 6] = ["server_settings", "answer_channels", "questions", "feedback", "welcomes", "departures"];

#[async_trait::async_trait]
impl Sink for Db {
    async fn write(&self, questions: &[QuestionRecord], votes: &[Vote]) -> Result<()> {
        let what = || format!("cannot write the question log to `{}`", self.name);
        let mut tx = self.pool.begin().await.context(what)?;
        // Many rows per statement: one round trip to SQLite's thread per batch, not per row.
        for chunk in questions.chunks(500) {
            let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO questions (platform, server, channel, text, topic, confidence, answered, asked_at, asker) ",
            );
            insert.push_values(chunk, |mut row, q| {
                row.push_bind(q.place.platform.as_str())
                    .push_bind(&q.place.server)
                    .push_bind(&q.place.channel)
                    .push_bind(&q.text)
                    .push_bind(&q.topic)
                    .push_bind(f64::from(q.confidence))
                    .push_bind(q.answered)
                    .push_bind(q.asked_at)
                    .push_bind(q.asker.as_ref().map(|m| super::key::hash(&self.key, m)));
            });
            // Not kept prepared: the statement's text differs with every batch
            // size, and sqlx's cache of 100 per connection held hundreds of KB each.
            insert.build().persistent(false).execute(&mut *tx).await.context(what)?;
        }
        for v in votes {
            sqlx::query(
                "INSERT INTO feedback (topic, voter, platform, server, helpful, voted_at) VALUES (?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (topic, voter) DO UPDATE SET helpful = excluded.helpful, voted_at = excluded.voted_at",
            )
            .bind(&v.topic)
            .bind(super::key::hash(&self.key, &v.member))
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
        let q = sqlx::query("DELETE FROM questions WHERE asked_at < ?").bind(before).execute(&self.pool).await;
        let f = sqlx::query("DELETE FROM feedback WHERE voted_at < ?").bind(before).execute(&self.pool).await;
        sqlx::query("DELETE FROM deliveries WHERE at < ?")
            .bind(crate::now() - crate::DELIVERIES_KEPT_SECS)
            .execute(&self.pool)
            .await
            .context(what)?;
        Ok(q.context(what)?.rows_affected() + f.context(what)?.rows_affected())
    }

    async fn forget_departed(&self, before: i64) -> Result<Vec<Server>> {
        let gone: Vec<(String, String)> = sqlx::query_as("SELECT platform, server FROM departures WHERE left_at < ?")
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

impl Db {
    /// Deletes everything stored about `server` in one transaction.
    pub(crate) async fn forget(&self, server: &Server) -> Result<u64> {
        let what = || format!("cannot delete the data of {server} from `{}`", self.name);
        let mut tx = self.pool.begin().await.context(what)?;
        let mut n = 0;
        for table in PER_SERVER {
            n += sqlx::query(&format!("DELETE FROM {table} WHERE platform = ? AND server = ?"))
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
    pub(crate) async fn forget_member(&self, member: &Member) -> Result<Forgotten> {
        let what = || format!("cannot delete a member's data from `{}`", self.name);
        let hash = super::key::hash(&self.key, member);
        let mut tx = self.pool.begin().await.context(what)?;
        let mut deleted = [0; 3];
        for (n, sql) in deleted.iter_mut().zip([
            "DELETE FROM questions WHERE asker = ? AND platform = ?",
            "DELETE FROM feedback WHERE voter = ? AND platform = ?",
            "DELETE FROM welcomes WHERE member = ? AND platform = ?",
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
impl crate::QuestionLog for SqliteStore {
    fn record(&self, entry: Entry) {
        match &self.journal {
            Some(journal) => journal.record(entry),
            None => tracing::warn!(database = %self.db.name, "a read-only store logs nothing; entry dropped"),
        }
    }

    async fn departed(&self, server: &Server, at: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO departures (platform, server, left_at) VALUES (?, ?, ?) ON CONFLICT (platform, server) DO NOTHING",
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
        sqlx::query("DELETE FROM departures WHERE platform = ? AND server = ?")
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
impl crate::Installs for SqliteStore {
    async fn save_install(&self, install: &crate::Install) -> Result<()> {
        let sealed = crate::sealed::seal(&self.db.key, &install.team, &install.bot_token)?;
        sqlx::query(
            "INSERT INTO slack_installs (team, bot_user, token, installed_at) VALUES (?, ?, ?, ?) \
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
            sqlx::query_as("SELECT bot_user, token FROM slack_installs WHERE team = ?")
                .bind(team)
                .fetch_optional(&self.db.pool)
                .await
                .context(|| format!("cannot read the installation of {team} in `{}`", self.db.name))?;
        row.map(|row| crate::sealed::install(&self.db.key, team, row)).transpose()
    }

    async fn remove_install(&self, team: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM slack_installs WHERE team = ?")
            .bind(team)
            .execute(&self.db.pool)
            .await
            .context(|| format!("cannot remove the installation of {team} in `{}`", self.db.name))?;
        Ok(done.rows_affected() > 0)
    }
}

#[async_trait::async_trait]
impl crate::Deliveries for SqliteStore {
    async fn claim_delivery(&self, platform: Platform, id: &str) -> Result<bool> {
        let done = sqlx::query("INSERT INTO deliveries (platform, id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
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
impl crate::Welcomes for SqliteStore {
    async fn claim_welcome(&self, server: &Server, member: &Member, pending: bool) -> Result<bool> {
        let status = if pending { "pending" } else { "sent" };
        let done = sqlx::query(
            "INSERT INTO welcomes (platform, server, member, status, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
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
            "UPDATE welcomes SET status = 'sent', at = ? \
             WHERE platform = ? AND server = ? AND member = ? AND status = 'pending'",
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
