//! Embeds as data: built once per entry and checked against Discord's limits;
//! the Discord face turns them into serenity's builder when sent.
//!
//! Keeping our own small [`EmbedDoc`] (instead of building serenity's
//! `CreateEmbed` here) keeps this crate free of any chat platform's library
//! and lets the pack validator and the tests measure exactly what will be
//! sent; serenity's builder hides its fields.

use crate::answer::{Recommendation, Unsure};
use crate::knowledge::{Pack, Pick, Source, TopicIdx, UseCaseIdx};
use crate::limits;

/// An embed ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbedDoc {
    pub title: String,
    pub description: String,
    pub colour: u32,
    pub fields: Vec<Field>,
    pub footer: String,
}

/// One embed field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub inline: bool,
}

/// A broken Discord limit, naming the embed part.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub field: String,
    pub message: String,
}

fn len(s: &str) -> usize {
    s.trim().chars().count()
}

impl EmbedDoc {
    /// Every Discord embed limit this embed breaks; empty when it can be sent.
    pub fn violations(&self) -> Vec<Violation> {
        let mut out = Vec::new();
        let mut check = |field: String, value: &str, max: usize, required: bool| {
            let n = len(value);
            if n > max {
                out.push(Violation { field, message: format!("is {n} characters; Discord allows {max}") });
            } else if required && n == 0 {
                out.push(Violation { field, message: "is empty; Discord rejects empty embed text".into() });
            }
        };
        check("embed.title".into(), &self.title, limits::EMBED_TITLE, false);
        check("embed.description".into(), &self.description, limits::EMBED_DESCRIPTION, false);
        check("embed.footer".into(), &self.footer, limits::EMBED_FOOTER, false);
        for (i, f) in self.fields.iter().enumerate() {
            check(format!("embed.fields[{i}].name"), &f.name, limits::EMBED_FIELD_NAME, true);
            check(format!("embed.fields[{i}].value"), &f.value, limits::EMBED_FIELD_VALUE, true);
        }
        if self.fields.len() > limits::EMBED_FIELDS {
            out.push(Violation {
                field: "embed.fields".into(),
                message: format!("has {} fields; Discord allows {}", self.fields.len(), limits::EMBED_FIELDS),
            });
        }
        let total = self.total_chars();
        if total > limits::EMBED_TOTAL {
            out.push(Violation {
                field: "embed".into(),
                message: format!("has {total} characters of text in all; Discord allows {}", limits::EMBED_TOTAL),
            });
        }
        out
    }

    /// The characters Discord counts towards the 6000 total.
    pub fn total_chars(&self) -> usize {
        len(&self.title)
            + len(&self.description)
            + len(&self.footer)
            + self.fields.iter().map(|f| len(&f.name) + len(&f.value)).sum::<usize>()
    }
}

/// A topic's embed without its verdict, for a question that asked what a
/// contender is rather than which to pick (the answer's `pick` is then none,
/// and the embed must not show one either). Its colour is the contender's.
pub fn profile(pack: &Pack, idx: TopicIdx) -> EmbedDoc {
    let topic = pack.topic(idx);
    let mut doc = self::topic(pack, idx, None);
    doc.description = topic.summary.clone();
    if let Some(about) = topic.about {
        doc.colour = pack.contender(about).side.colour;
    }
    doc
}

fn bullets(points: &[String]) -> String {
    points.iter().map(|p| format!("• {p}")).collect::<Vec<_>>().join("\n")
}

fn verdict_line(pack: &Pack, pick: Pick, reason: &str) -> String {
    let side = pack.side(pick);
    format!("**Verdict: {} {}.** {}", side.emoji, side.name, reason)
}

/// A list of topics by title and id, for "related" and "did you mean" fields.
pub fn topic_list(pack: &Pack, topics: &[TopicIdx]) -> String {
    topics
        .iter()
        .map(|&t| {
            let t = pack.topic(t);
            format!("{} (`{}`)", t.title, t.id)
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// How many of an entry's sources an answer links: the first ones listed.
pub const SHOWN_SOURCES: usize = 3;

/// The "Sources" field: the entry's first sources as named links, as many as
/// fit in one field value. Discord renders no links in footers, so the sources
/// get a field of their own and the footer keeps the section and review date.
pub fn sources_field(sources: &[Source]) -> Option<Field> {
    let mut value = String::new();
    for s in sources.iter().take(SHOWN_SOURCES) {
        let link = format!("[{}]({})", s.label(), s.url);
        let sep = if value.is_empty() { "" } else { " · " };
        if value.chars().count() + sep.len() + link.chars().count() > limits::EMBED_FIELD_VALUE {
            break;
        }
        value.push_str(sep);
        value.push_str(&link);
    }
    (!value.is_empty()).then(|| Field { name: "Sources".into(), value, inline: false })
}

/// The embed answering one topic.
pub fn topic(pack: &Pack, idx: TopicIdx, note: Option<&str>) -> EmbedDoc {
    let topic = pack.topic(idx);
    let mut description =
        format!("{}\n\n{}", verdict_line(pack, topic.verdict.pick, &topic.verdict.reason), topic.summary);
    if let Some(note) = note {
        description.push_str("\n\n");
        description.push_str(note);
    }
    let mut fields: Vec<Field> = pack
        .contenders
        .iter()
        .zip(&topic.points)
        .map(|(c, points)| Field {
            name: format!("{} {}", c.side.emoji, c.side.name),
            value: bullets(points),
            inline: true,
        })
        .collect();
    if !topic.related.is_empty() {
        fields.push(Field { name: "Related topics".into(), value: topic_list(pack, &topic.related), inline: false });
    }
    fields.extend(sources_field(&topic.sources));
    let colour = match (topic.verdict.pick, topic.about) {
        (Pick::Either, Some(about)) => pack.contender(about).side.colour,
        (pick, _) => pack.side(pick).colour,
    };
    EmbedDoc {
        title: topic.title.clone(),
        description,
        colour,
        fields,
        footer: format!("Source: {} · reviewed {}", topic.section, topic.reviewed),
    }
}

/// The embed recommending a contender for one use case.
pub fn use_case(pack: &Pack, idx: UseCaseIdx) -> EmbedDoc {
    let uc = pack.use_case(idx);
    let side = pack.side(uc.pick);
    let consider_name = match uc.pick {
        Pick::Either => "How to decide".to_owned(),
        Pick::Contender(k) => {
            let others: Vec<&str> = pack
                .contenders
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != k.0)
                .map(|(_, c)| c.side.name.as_str())
                .collect();
            format!("When {} still makes sense", others.join(" or "))
        }
    };
    let mut fields = vec![
        Field { name: consider_name, value: uc.consider.clone(), inline: false },
        Field { name: "Topics behind this".into(), value: topic_list(pack, &uc.topics), inline: false },
    ];
    fields.extend(sources_field(&uc.sources));
    EmbedDoc {
        title: format!("{}: {} {}", uc.name, side.emoji, side.name),
        description: format!("**Pick: {} {}.** {}", side.emoji, side.name, uc.reason),
        colour: side.colour,
        fields,
        footer: format!("Source: {}", uc.section),
    }
}

/// The footer hint of a "not sure" answer in chat; faces without slash
/// commands (the terminal) replace it with their own command.
pub const TOPICS_HINT: &str = "/topics lists everything I know";

/// The "not sure" embed, with up to three suggestions.
pub fn not_sure(pack: &Pack, why: &Unsure, suggestions: &[TopicIdx]) -> EmbedDoc {
    let example = pack.info.starter_topics.first().map(|&t| pack.topic(t).title.as_str()).unwrap_or("a topic");
    let description = match why {
        Unsure::Empty => {
            // A title that is itself a question keeps its own mark: no "?." at the end.
            let stop = if example.ends_with(['?', '!', '.']) { "" } else { "." };
            format!("Ask me a question about {}, for example about **{example}**{stop}", pack.info.scope)
        }
        Unsure::OutOfScope(names) => format!(
            "That sounds like it is about {}, which I don't cover. I only answer questions about {}.",
            names.iter().map(|n| format!("**{n}**")).collect::<Vec<_>>().join(", "),
            pack.info.scope
        ),
        Unsure::NoMatch | Unsure::Ambiguous => format!(
            "I couldn't match that to anything I know about {}. Try rephrasing, or pick a topic below.",
            pack.info.scope
        ),
        Unsure::NoAnchor => format!(
            "That doesn't look like a question about {}, which is all I know about. Pick a topic below to see what I can answer.",
            pack.info.scope
        ),
        Unsure::SameSide { contender, names } => format!(
            "{} are {} {contender}, and I compare {}: I can't pick between them, but the topic below covers them.",
            names.iter().map(|n| format!("**{n}**")).collect::<Vec<_>>().join(" and "),
            if names.len() == 2 { "both" } else { "all" },
            pack.contenders.iter().map(|c| c.side.name.as_str()).collect::<Vec<_>>().join(" and ")
        ),
        Unsure::Language(language) => format!("Sorry, I only read questions in {language}."),
    };
    let mut fields = Vec::new();
    if !suggestions.is_empty() {
        fields.push(Field { name: "Did you mean".into(), value: topic_list(pack, suggestions), inline: false });
    }
    EmbedDoc {
        title: "🤔 Not sure about that one".into(),
        description,
        colour: pack.info.either.colour,
        fields,
        footer: format!("{} · {TOPICS_HINT}", pack.info.name),
    }
}

/// The `/recommend` embed: the pick, each reason that weighed in, and the
/// topics behind them.
pub fn recommendation(pack: &Pack, rec: &Recommendation) -> EmbedDoc {
    let side = pack.side(rec.pick);
    let title = match rec.use_case {
        Some(uc) => format!("Recommendation for {}: {} {}", pack.use_case(uc).name, side.emoji, side.name),
        None => format!("Recommendation: {} {}", side.emoji, side.name),
    };
    let why = rec
        .reasons
        .iter()
        .map(|r| {
            let towards = pack.side(r.favours);
            let weight = if r.weight > 0.0 { format!(" (+{} {})", r.weight, towards.name) } else { String::new() };
            format!("• **{}** — {}{}", r.label, r.text, weight)
        })
        .collect::<Vec<_>>()
        .join("\n");
    let score = pack
        .contenders
        .iter()
        .zip(&rec.totals)
        .map(|(c, t)| format!("{} {} {:.1}", c.side.emoji, c.side.name, t))
        .collect::<Vec<_>>()
        .join(" · ");
    let mut fields = vec![Field {
        name: "What weighed in".into(),
        value: crate::limits::truncate(&why, crate::limits::EMBED_FIELD_VALUE).into_owned(),
        inline: false,
    }];
    if let Some(uc) = rec.use_case {
        let u = pack.use_case(uc);
        fields.push(Field { name: "Worth knowing".into(), value: u.consider.clone(), inline: false });
    }
    if !rec.topics.is_empty() {
        fields.push(Field { name: "Topics behind this".into(), value: topic_list(pack, &rec.topics), inline: false });
    }
    let description = match rec.pick {
        Pick::Either => format!(
            "**{} {}** — both fit; the factors below do not separate them. Score: {score}",
            side.emoji, side.name
        ),
        Pick::Contender(_) => format!("**Pick: {} {}.** Score: {score}", side.emoji, side.name),
    };
    EmbedDoc {
        title: crate::limits::truncate(&title, crate::limits::EMBED_TITLE).into_owned(),
        description,
        colour: side.colour,
        fields,
        footer: format!("{} · weights from recommend.toml", pack.info.name),
    }
}
