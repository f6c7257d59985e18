//! Buttons and menus on the bot's messages: open a topic, vote, delete.

use stackpick_store::{Entry, Member, Vote as VoteRecord};

use crate::custom_id::{Action, Vote};
use crate::handle::onboarding;
use crate::reply::{self, Buttons, Effect, Response};
use crate::request::{Context, MessageRef, Pressed};
use crate::state::Recorded;
use crate::{Bot, Reply};

pub(super) fn handle(
    bot: &Bot,
    cx: &Context,
    action: &Action,
    pressed: &Pressed,
    message: Option<&MessageRef>,
) -> Reply {
    let engine = bot.engine();
    let pack = engine.pack();
    let show_topic = |id: &str| -> Reply {
        match pack.topic_by_id(id) {
            Some(t) => {
                let answer = engine.topic_answer(t);
                reply::answer(&engine, &answer, Buttons { delete_by: None, feedback: true, share: true }, None)
                    .private(true)
                    .into()
            }
            None => reply::notice("That topic is no longer in the knowledge base. Try /topics."),
        }
    };
    match action {
        Action::Topic(id) => show_topic(id),
        Action::AskButton => onboarding::ask_form(&engine),
        Action::AskModal | Action::RecommendModal => reply::notice("That form has expired; please start again."),
        Action::TopicMenu => match pressed {
            Pressed::Choice(Some(id)) => show_topic(id),
            Pressed::Choice(None) => Response::Acknowledge.into(),
            Pressed::Button | Pressed::Other => reply::notice("That menu has expired. Use /topics again."),
        },
        Action::Feedback { vote, topic, .. } => {
            if pack.topic_by_id(topic).is_none() {
                return reply::notice("That answer's topic is no longer in the knowledge base.");
            }
            bot.store.record(Entry::Vote(VoteRecord {
                topic: topic.clone(),
                member: Member::new(cx.platform, cx.user.clone()),
                server: cx.server.clone(),
                helpful: *vote == Vote::Up,
                voted_at: stackpick_store::now(),
            }));
            let text = match bot.feedback.record(topic, &cx.user, *vote) {
                Recorded::New | Recorded::Changed if *vote == Vote::Up => "Thanks! Glad it helped.",
                Recorded::New | Recorded::Changed => "Thanks for telling me. I'll use it to improve this answer.",
                Recorded::Same => "You already said so — thanks!",
            };
            reply::notice(text)
        }
        Action::Delete { asker } => {
            if cx.user != *asker && !cx.powers.manage_messages {
                return reply::notice(
                    "Only the person who asked (or someone with Manage Messages) can delete this answer.",
                );
            }
            match message {
                Some(m) => Reply { response: Response::Acknowledge, effects: vec![Effect::Delete(m.clone())] },
                None => reply::notice("I can't find that answer any more."),
            }
        }
        Action::Share { topic, use_case } => {
            let use_case = use_case.as_deref().and_then(|u| pack.use_cases.iter().position(|x| x.id == u));
            let answer = match (use_case, pack.topic_by_id(topic)) {
                (Some(u), _) => engine.use_case_answer(stackpick_core::knowledge::UseCaseIdx(u)),
                (None, Some(t)) => engine.topic_answer(t),
                (None, None) => return reply::notice("That answer's topic is no longer in the knowledge base."),
            };
            let Some(channel) = cx.channel.clone() else {
                return reply::notice("I can't tell which channel to share this in.");
            };
            let buttons = Buttons { delete_by: Some(&cx.user), feedback: true, share: false };
            let message = Box::new(reply::answer(&engine, &answer, buttons, None));
            Reply {
                response: Response::Message(reply::Message::notice("Shared in this channel.")),
                effects: vec![Effect::Post { channel, message }],
            }
        }
        Action::Forget => super::privacy::confirm(cx),
        // Handled (with the database) before this point.
        Action::ForgetConfirmed => reply::notice("I don't know how to handle that interaction."),
        Action::Expired => {
            reply::notice("This button has expired (it is from an older version of stackpick). Ask again with /ask.")
        }
    }
}
