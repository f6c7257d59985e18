//! Reports read from the SQLite log. Reading only: reports never write.

use sqlx::Row;

use super::SqliteStore;
use crate::error::Context as _;
use crate::keys::Server;
use crate::records::{Gap, Stats};
use crate::similar::group_similar;
use crate::Result;

/// `(? IS NULL OR (platform = ? AND server = ?))`, bound from an optional server.
const IN_SERVER: &str = "(? IS NULL OR (platform = ? AND server = ?))";

/// Binds [`IN_SERVER`]'s three parameters.
fn in_server<'q>(
    query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    server: Option<&'q Server>,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    let platform = server.map(|s| s.platform.as_str());
    query.bind(platform).bind(platform).bind(server.map(|s| s.id.as_str()))
}

fn u(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

#[async_trait::async_trait]
impl crate::Reports for SqliteStore {
    async fn gaps(&self, server: Option<&Server>, since: i64, unsure_below: f32) -> Result<Vec<Gap>> {
        let sql = format!(
            "SELECT text, topic FROM questions WHERE asked_at >= ? AND {IN_SERVER} \
             AND (answered = 0 OR confidence < ?) ORDER BY asked_at DESC LIMIT 5000"
        );
        let query = in_server(sqlx::query(&sql).bind(since), server).bind(f64::from(unsure_below));
        let rows = query.fetch_all(&self.db.pool).await.context(|| format!("cannot read `{}`", self.db.name))?;
        Ok(group_similar(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect()))
    }

    async fn disliked(&self, server: Option<&Server>, since: i64) -> Result<Vec<Gap>> {
        let sql = format!(
            "SELECT text, topic FROM questions WHERE answered = 1 AND asked_at >= ? AND {IN_SERVER} \
             AND topic IN (SELECT topic FROM feedback WHERE helpful = 0 AND voted_at >= ? AND {IN_SERVER}) \
             ORDER BY asked_at DESC LIMIT 5000"
        );
        let query = in_server(in_server(sqlx::query(&sql).bind(since), server).bind(since), server);
        let rows = query.fetch_all(&self.db.pool).await.context(|| format!("cannot read `{}`", self.db.name))?;
        Ok(group_similar(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect()))
    }

    async fn stats(&self, server: Option<&Server>, since: i64) -> Result<Stats> {
        let what = || format!("cannot read `{}`", self.db.name);
        let pool = &self.db.pool;
        let sql =
            format!("SELECT COUNT(*), COALESCE(SUM(answered), 0) FROM questions WHERE asked_at >= ? AND {IN_SERVER}");
        let row = in_server(sqlx::query(&sql).bind(since), server).fetch_one(pool).await.context(what)?;
        let sql = format!(
            "SELECT topic, COUNT(*) AS n FROM questions WHERE topic IS NOT NULL AND asked_at >= ? AND {IN_SERVER} \
             GROUP BY topic ORDER BY n DESC, topic LIMIT 25"
        );
        let per_topic = in_server(sqlx::query(&sql).bind(since), server)
            .fetch_all(pool)
            .await
            .context(what)?
            .into_iter()
            .map(|r| (r.get::<String, _>(0), u(r.get(1))))
            .collect();
        let sql =
            format!("SELECT COALESCE(SUM(helpful), 0), COUNT(*) FROM feedback WHERE voted_at >= ? AND {IN_SERVER}");
        let votes = in_server(sqlx::query(&sql).bind(since), server).fetch_one(pool).await.context(what)?;
        let sql = format!("SELECT COUNT(*) FROM welcomes WHERE status = 'sent' AND {IN_SERVER}");
        let welcomes: i64 = in_server(sqlx::query(&sql), server).fetch_one(pool).await.context(what)?.get(0);
        let (helpful, total): (i64, i64) = (votes.get(0), votes.get(1));
        Ok(Stats {
            questions: u(row.get(0)),
            answered: u(row.get(1)),
            per_topic,
            helpful: u(helpful),
            unhelpful: u(total - helpful),
            welcomes: u(welcomes),
        })
    }
}
