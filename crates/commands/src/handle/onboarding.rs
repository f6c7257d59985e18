//! Welcoming new members: the welcome message (from `onboarding.toml`), the
//! "Ask a question" form, and the decision of when to welcome whom.

use std::time::Instant;

use stackpick_core::embed::EmbedDoc;
use stackpick_core::{limits, Engine};
use stackpick_store::{Member, Server};

use crate::custom_id::Action;
use crate::directory::Directory;
use crate::reply::{self, Button, Buttons, Form, Message, Response, Row, Style};
use crate::request::Context;
use crate::{Bot, Reply};

/// The field of the question form.
pub const QUESTION_FIELD: &str = "question";

/// Where a welcome goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WelcomeTo {
    /// A channel of the server.
    Channel(String),
    /// A direct message to the member.
    Dm(String),
}

/// A welcome ready to send.
#[derive(Debug, Clone)]
pub struct Welcome {
    pub to: WelcomeTo,
    pub message: Message,
}

/// The welcome's parts, shared by the real welcome and the preview.
fn parts(engine: &Engine, member: &str, server: &str) -> Option<(String, EmbedDoc, Vec<Row>)> {
    let pack = engine.pack();
    let on = pack.onboarding.as_ref()?;
    let server = limits::cut(server, 100);
    let mention = format!("<@{member}>");
    let doc = EmbedDoc {
        title: on.title.replace("{server}", server),
        description: on.intro.replace("{member}", &mention).replace("{server}", server),
        colour: pack.info.either.colour,
        fields: Vec::new(),
        footer: format!("{} · /help for everything I can do", pack.info.name),
    };
    let mut rows = Vec::new();
    let buttons: Vec<Button> = on.starter_topics.iter().map(|&t| reply::topic_button(engine, t)).collect();
    if !buttons.is_empty() {
        rows.push(Row::Buttons(buttons));
    }
    rows.extend(reply::topic_menus(engine, &on.menu_placeholder).into_iter().take(3));
    rows.push(Row::Buttons(vec![Button {
        action: Action::AskButton,
        label: Some(limits::truncate(&on.ask_button, limits::BUTTON_LABEL).into_owned()),
        emoji: Some('❓'),
        style: Style::Success,
    }]));
    Some((mention, doc, rows))
}

/// The welcome for `member`: only they are pinged.
pub fn message(engine: &Engine, member: &str, server: &str) -> Option<Message> {
    let (mention, doc, rows) = parts(engine, member, server)?;
    Some(Message { text: Some(mention), doc: Some(doc), rows, ping: Some(member.to_owned()), ..Message::default() })
}

/// `/onboarding preview`: the welcome, shown privately to the admin.
///
/// Names the server when the face knows it (the gateway's cache); over the
/// HTTP endpoint, which keeps no cache, "this server" stays neutral.
pub(super) fn preview(bot: &Bot, cx: &Context, directory: &dyn Directory) -> Reply {
    if !cx.powers.manage_server {
        return reply::notice(format!("Only {} can preview the welcome.", cx.managers()));
    }
    let engine = bot.engine();
    let server =
        cx.server.as_deref().and_then(|s| directory.server_name(s)).unwrap_or_else(|| "this server".to_owned());
    let Some((_, doc, rows)) = parts(&engine, &cx.user, &server) else {
        return reply::notice("This knowledge pack has no welcome (knowledge/onboarding.toml).");
    };
    Message {
        text: Some("This is how new members will be welcomed:".into()),
        doc: Some(doc),
        rows,
        private: true,
        ..Message::default()
    }
    .into()
}

/// The question form, opened by "Ask a question".
pub(super) fn ask_form(engine: &Engine) -> Reply {
    let pack = engine.pack();
    let (title, label, placeholder) = match &pack.onboarding {
        Some(on) => (on.modal_title.as_str(), on.question_label.as_str(), on.question_placeholder.as_str()),
        None => ("Ask a question", "Your question", ""),
    };
    Response::Form(Form {
        action: Action::AskModal,
        title: title.to_owned(),
        submit: "Ask".to_owned(),
        label: label.to_owned(),
        placeholder: placeholder.to_owned(),
        field: QUESTION_FIELD,
        min_len: 2,
        max_len: 1000,
        choices: Vec::new(),
    })
    .into()
}

/// A submitted form: the answer goes back to the member privately.
pub(super) fn submitted(bot: &Bot, cx: &Context, action: &Action, question: &str, now: Instant) -> Reply {
    if *action != Action::AskModal {
        return reply::notice("That form has expired; please start again.");
    }
    if question.trim().is_empty() {
        return reply::notice("The question was empty; press “Ask a question” to try again.");
    }
    let (engine, answer) = match bot.asked(cx, question, now) {
        Ok(asked) => asked,
        Err(slow_down) => return *slow_down,
    };
    reply::answer(&engine, &answer, Buttons { delete_by: None, feedback: true, share: true }, None).private(true).into()
}

impl Bot {
    /// A member joined. Welcomes them now, or — when the platform's
    /// membership screening holds them (`pending`) — remembers to once they pass it.
    pub async fn member_joined(
        &self,
        server: &Server,
        member: &str,
        is_bot: bool,
        pending: bool,
        server_name: &str,
    ) -> Option<Welcome> {
        if is_bot {
            return None;
        }
        let to = self.welcome_target(server, member)?;
        let key = Member::new(server.platform, member);
        let first = match self.store().claim_welcome(server, &key, pending).await {
            Ok(first) => first,
            Err(e) => {
                // Better a rare second welcome than none at all.
                tracing::warn!(error = %e, "welcome bookkeeping failed");
                !pending
            }
        };
        if !first {
            return None;
        }
        Some(Welcome { to, message: message(&self.engine(), member, server_name)? })
    }

    /// A member was updated; welcomes them once if they just passed screening.
    pub async fn member_updated(
        &self,
        server: &Server,
        member: &str,
        is_bot: bool,
        pending: bool,
        server_name: &str,
    ) -> Option<Welcome> {
        if is_bot || pending {
            return None;
        }
        let to = self.welcome_target(server, member)?;
        let key = Member::new(server.platform, member);
        let passed = self.store().claim_pending_welcome(server, &key).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "welcome bookkeeping failed");
            false
        });
        if !passed {
            return None;
        }
        Some(Welcome { to, message: message(&self.engine(), member, server_name)? })
    }

    fn welcome_target(&self, server: &Server, member: &str) -> Option<WelcomeTo> {
        let s = self.settings_of(server);
        if !s.onboarding_enabled {
            return None;
        }
        if s.onboarding_dm {
            Some(WelcomeTo::Dm(member.to_owned()))
        } else {
            s.onboarding_channel.clone().map(WelcomeTo::Channel)
        }
    }
}
