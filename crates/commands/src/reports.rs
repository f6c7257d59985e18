//! What the bot learned: gaps (questions to add to the knowledge next) and
//! stats, as embeds for `/kb` and as text or JSON for the CLI.

use anyhow::Result;

use stackpick_store::{Server, Storage};

use stackpick_core::embed::{EmbedDoc, Field};
use stackpick_core::engine::{Engine, CONFIDENCE_THRESHOLD};
use stackpick_store::{Gap, Stats};

/// Answers below this confidence count as "unsure" in gaps, even when given.
pub const UNSURE_BELOW: f32 = CONFIDENCE_THRESHOLD + 0.1;

fn since(days: u32) -> i64 {
    stackpick_store::now() - i64::from(days) * 86_400
}

/// The gaps, most asked first.
pub async fn gap_list(store: &dyn Storage, server: Option<&Server>, days: u32) -> Result<Vec<Gap>> {
    Ok(store.gaps(server, since(days), UNSURE_BELOW).await?)
}

/// Gaps and 👎-voted questions as evaluation rows with an empty label column,
/// for a maintainer to label and turn into `examples` or eval lines.
pub async fn gap_rows(store: &dyn Storage, server: Option<&Server>, days: u32) -> Result<String> {
    let mut out = String::from(
        "# Questions from the question log, as evaluation rows: fill the second column with the topic ids\n\
         # that should answer (or `-` when none should), then add them to a topic's `examples` or to an\n\
         # evaluation file. Columns: question, topics, pick (`.` = unchecked).\n",
    );
    let tsv_text = |t: &str| t.replace(['\t', '\n', '\r'], " ");
    for g in store.gaps(server, since(days), UNSURE_BELOW).await? {
        let how = g.answered_as.map_or("not answered".to_owned(), |t| format!("answered unsure as {t}"));
        out.push_str(&format!("# {}× · {how}\n{}\t\t.\n", g.count, tsv_text(&g.example)));
    }
    for g in store.disliked(server, since(days)).await? {
        let how = g.answered_as.map_or(String::new(), |t| format!("answered as {t}, which got 👎"));
        out.push_str(&format!("# {}× · {how}\n{}\t\t.\n", g.count, tsv_text(&g.example)));
    }
    Ok(out)
}

/// The stats.
pub async fn stat_counts(store: &dyn Storage, server: Option<&Server>, days: u32) -> Result<Stats> {
    Ok(store.stats(server, since(days)).await?)
}

/// Where the counts come from, when it is not a database: the admin should
/// know they start again at the next restart.
fn kept_where(store: &dyn Storage) -> String {
    if store.durable() {
        String::new()
    } else {
        " Counted in memory since the bot started (no database): the counts start again at the next restart.".to_owned()
    }
}

fn gap_line(g: &Gap) -> String {
    let how = match &g.answered_as {
        Some(t) => format!("answered unsure as `{t}`"),
        None => "not answered".to_owned(),
    };
    format!("{}× “{}” — {how}", g.count, stackpick_core::limits::truncate(&g.example, 120))
}

/// `/kb gaps` as an embed.
pub async fn gaps(store: &dyn Storage, engine: &Engine, server: Option<&Server>, days: u32) -> Result<EmbedDoc> {
    let gaps = gap_list(store, server, days).await?;
    let description = if gaps.is_empty() {
        format!("No unanswered or unsure questions in the last {days} days.")
    } else {
        stackpick_core::limits::truncate(&gaps.iter().take(20).map(gap_line).collect::<Vec<_>>().join("\n"), 4000)
            .into_owned()
    };
    Ok(EmbedDoc {
        title: format!("Knowledge gaps — last {days} days"),
        description,
        colour: engine.pack().info.either.colour,
        fields: Vec::new(),
        footer: format!("Similar questions are grouped; add the most asked ones to knowledge/.{}", kept_where(store)),
    })
}

/// `/kb stats` as an embed.
pub async fn stats(store: &dyn Storage, engine: &Engine, server: Option<&Server>, days: u32) -> Result<EmbedDoc> {
    let s = stat_counts(store, server, days).await?;
    let share = if s.questions == 0 { 0.0 } else { 100.0 * s.answered as f64 / s.questions as f64 };
    let votes = s.helpful + s.unhelpful;
    let helpful = if votes == 0 {
        "no votes yet".to_owned()
    } else {
        format!("{:.0}% of {votes} votes", 100.0 * s.helpful as f64 / votes as f64)
    };
    let topics = if s.per_topic.is_empty() {
        "None yet".to_owned()
    } else {
        s.per_topic.iter().take(10).map(|(t, n)| format!("`{t}` {n}")).collect::<Vec<_>>().join("\n")
    };
    Ok(EmbedDoc {
        title: format!("stackpick stats — last {days} days"),
        description: format!(
            "**{}** questions, **{share:.0}%** answered. Helpful: **{helpful}**. Welcomes sent: **{}**.",
            s.questions, s.welcomes
        ),
        colour: engine.pack().info.either.colour,
        fields: vec![Field { name: "Questions per topic".into(), value: topics, inline: false }],
        footer: kept_where(store).trim_start().to_owned(),
    })
}

/// Gaps as terminal lines.
pub fn gaps_text(gaps: &[Gap]) -> String {
    if gaps.is_empty() {
        return "No unanswered or unsure questions.\n".into();
    }
    gaps.iter().map(|g| format!("{}\n", gap_line(g))).collect()
}

/// Stats as terminal lines.
pub fn stats_text(s: &Stats) -> String {
    let mut out = format!(
        "questions: {}\nanswered: {}\nhelpful votes: {}\nunhelpful votes: {}\nwelcomes sent: {}\n",
        s.questions, s.answered, s.helpful, s.unhelpful, s.welcomes
    );
    for (t, n) in &s.per_topic {
        out.push_str(&format!("  {t}: {n}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's samples of `stackpick gaps` and `stackpick stats` are what
    /// these formatters print for the same rows.
    #[test]
    fn the_readmes_report_samples_are_real_output() {
        let readme = include_str!("../../../README.md");
        let start = readme.find("<!-- report-samples").expect("the README has report samples");
        let end = readme.find("<!-- /report-samples -->").expect("the samples end");
        let blocks: Vec<&str> =
            readme[start..end].split("```text\n").skip(1).map(|b| b.split("```").next().unwrap()).collect();
        let gaps = [
            Gap { example: "is bun stable enough for production yet".into(), count: 4, answered_as: None },
            Gap {
                example: "which one has better support for graphql subscriptions".into(),
                count: 2,
                answered_as: Some("api-design".into()),
            },
        ];
        assert_eq!(blocks[0], gaps_text(&gaps));
        let stats = Stats {
            questions: 57,
            answered: 49,
            per_topic: vec![("performance".into(), 14), ("machine-learning".into(), 9), ("learning-curve".into(), 6)],
            helpful: 12,
            unhelpful: 2,
            welcomes: 5,
        };
        assert_eq!(blocks[1], stats_text(&stats));
    }
}
