//! After the entries: the rendered embeds against Discord's limits, `recommend.toml` and `onboarding.toml`.

use super::*;

pub(super) fn check_rendered(pack: &Pack, display: &dyn Fn(&str) -> String, problems: &mut Vec<Problem>) {
    let mut c = Collector::new(display(TOPICS_FILE), problems);
    for (i, topic) in pack.topics.iter().enumerate() {
        for v in embed::topic(pack, TopicIdx(i), None).violations() {
            c.field(&format!("topic `{}`", topic.id), &v.field, format!("as rendered, {}", v.message));
        }
    }
    let mut c = Collector::new(display(USE_CASES_FILE), problems);
    for (i, uc) in pack.use_cases.iter().enumerate() {
        for v in embed::use_case(pack, crate::knowledge::UseCaseIdx(i)).violations() {
            c.field(&format!("use case `{}`", uc.id), &v.field, format!("as rendered, {}", v.message));
        }
    }
}

pub(super) fn recommend(
    file: &raw::RecommendFile,
    topic_ids: &HashMap<String, usize>,
    contender_ids: &HashMap<&str, ContenderIdx>,
    check_refs: bool,
    c: &mut Collector,
) -> crate::knowledge::Recommend {
    if !(file.use_case_weight >= 0.0 && file.use_case_weight <= 10.0) {
        c.field("[recommend]", "use_case_weight", "must be between 0 and 10");
    }
    let option_name = regex::Regex::new(r"^[-_a-z0-9]{1,32}$").expect("option name regex compiles");
    let mut options = HashSet::new();
    let mut factors = Vec::new();
    for (i, raw) in file.factor.iter().enumerate() {
        let entry =
            if raw.option.is_empty() { format!("factor #{}", i + 1) } else { format!("factor `{}`", raw.option) };
        if !option_name.is_match(&raw.option) {
            c.field(
                &entry,
                "option",
                "must be 1-32 lower-case letters, digits, `-` or `_` (a slash-command option name)",
            );
        } else if RESERVED_OPTIONS.contains(&raw.option.as_str()) {
            c.field(&entry, "option", format!("`{}` is used by /recommend itself", raw.option));
        } else if !options.insert(raw.option.clone()) {
            c.field(&entry, "option", format!("duplicate option `{}`", raw.option));
        }
        if c.require(&entry, "description", &raw.description) && raw.description.chars().count() > 100 {
            c.field(&entry, "description", "is longer than Discord's 100 characters for option descriptions");
        }
        if raw.choice.is_empty() || raw.choice.len() > crate::limits::CHOICES {
            c.field(&entry, "choice", format!("needs 1 to {} choices", crate::limits::CHOICES));
        }
        let mut values = HashSet::new();
        let mut choices = Vec::new();
        for (j, ch) in raw.choice.iter().enumerate() {
            let field = |f: &str| format!("choice[{j}].{f}");
            if c.require(&entry, &field("value"), &ch.value) {
                if ch.value.chars().count() > crate::limits::CHOICE_TEXT {
                    c.field(&entry, &field("value"), "is longer than 100 characters");
                }
                if !values.insert(ch.value.clone()) {
                    c.field(&entry, &field("value"), format!("duplicate value `{}`", ch.value));
                }
            }
            if c.require(&entry, &field("name"), &ch.name) && ch.name.chars().count() > crate::limits::CHOICE_TEXT {
                c.field(&entry, &field("name"), "is longer than 100 characters");
            }
            c.require(&entry, &field("reason"), &ch.reason);
            if !(ch.weight >= 0.0 && ch.weight <= 10.0) {
                c.field(&entry, &field("weight"), "must be between 0 and 10");
            }
            let favours = pick(&ch.favours, &entry, &field("favours"), contender_ids, check_refs, c);
            let topic = match topic_ids.get(&ch.topic) {
                Some(&t) => TopicIdx(t),
                None => {
                    c.field(&entry, &field("topic"), format!("unknown topic id `{}`", ch.topic));
                    continue;
                }
            };
            choices.push(crate::knowledge::FactorChoice {
                value: ch.value.clone(),
                name: ch.name.clone(),
                favours,
                weight: ch.weight,
                reason: ch.reason.clone(),
                topic,
            });
        }
        factors.push(crate::knowledge::Factor {
            option: raw.option.clone(),
            description: raw.description.clone(),
            choices,
        });
    }
    // /recommend has use_case and private besides the factors; Discord allows 25 options.
    if factors.len() + 2 > 25 {
        c.file(format!("{} factors are more than /recommend can offer (23 at most)", factors.len()));
    }
    crate::knowledge::Recommend { use_case_weight: file.use_case_weight, factors }
}

pub(super) fn onboarding(
    file: &raw::OnboardingFile,
    topic_ids: &HashMap<String, usize>,
    c: &mut Collector,
) -> crate::knowledge::Onboarding {
    let entry = "[onboarding]";
    let limited = |c: &mut Collector, field: &str, value: &str, max: usize| {
        if c.require(entry, field, value) && value.chars().count() > max {
            c.field(entry, field, format!("is {} characters; Discord allows {max} here", value.chars().count()));
        }
    };
    // Leave room for the server's name (up to 100 characters) in the title.
    limited(c, "title", &file.title, crate::limits::EMBED_TITLE - 100);
    limited(c, "intro", &file.intro, 3000);
    limited(c, "menu_placeholder", &file.menu_placeholder, 150);
    limited(c, "ask_button", &file.ask_button, crate::limits::BUTTON_LABEL);
    limited(c, "modal_title", &file.modal_title, 45);
    limited(c, "question_label", &file.question_label, 45);
    limited(c, "question_placeholder", &file.question_placeholder, 100);
    if file.starter_topics.is_empty() || file.starter_topics.len() > 5 {
        c.field(entry, "starter_topics", "list 1 to 5 topics (one row of buttons)");
    }
    let starter_topics = topic_refs(&file.starter_topics, entry, "starter_topics", topic_ids, c);
    crate::knowledge::Onboarding {
        title: file.title.trim().to_owned(),
        intro: file.intro.trim().to_owned(),
        starter_topics,
        menu_placeholder: file.menu_placeholder.clone(),
        ask_button: file.ask_button.clone(),
        modal_title: file.modal_title.clone(),
        question_label: file.question_label.clone(),
        question_placeholder: file.question_placeholder.clone(),
    }
}
