//! Slash commands, the message command, autocomplete and components: one
//! interaction in, one [`Reply`] out, computed without I/O.

use super::*;

impl Bot {
    pub(super) fn command(&self, cmd: &CommandInteraction, now: Instant) -> Reply {
        let engine = self.engine();
        let options = cmd.data.options();
        let opt_str = |name: &str| {
            options.iter().find(|o| o.name == name).and_then(|o| match o.value {
                ResolvedValue::String(s) => Some(s),
                _ => None,
            })
        };
        let private = asks_privately(&options);
        let mention = options.iter().find(|o| o.name == commands::OPT_MENTION).and_then(|o| match o.value {
            ResolvedValue::User(u, _) if !u.bot => Some(u.id),
            _ => None,
        });
        let asker = cmd.user.id;
        let answer_buttons = Buttons { delete_by: if private { None } else { Some(asker) }, feedback: true };

        match cmd.data.name.as_str() {
            commands::ASK => {
                let question = opt_str(commands::OPT_QUESTION).unwrap_or("").trim();
                if question.is_empty() {
                    return ephemeral(respond::notice(
                        "Type a question in the `question` option, like “which is faster?”.",
                    ));
                }
                if let Some(reply) = self.cooling(cmd.guild_id, asker, now) {
                    return reply;
                }
                let answer = timed_answer(&engine, question);
                self.log(cmd.guild_id, Some(cmd.channel_id), &answer, &engine);
                self.answer_reply(&engine, &answer, answer_buttons, mention, private)
            }
            commands::COMPARE => {
                let typed = opt_str(commands::OPT_TOPIC).unwrap_or("");
                let topic =
                    engine.pack().topic_by_id(typed.trim()).or_else(|| engine.complete_topics(typed).first().copied());
                let Some(topic) = topic else {
                    return ephemeral(respond::notice(format!(
                        "I have no topic called “{}”. Pick one from the list, or see /topics.",
                        crate::limits::truncate(typed, 100)
                    )));
                };
                if let Some(reply) = self.cooling(cmd.guild_id, asker, now) {
                    return reply;
                }
                let answer = engine.topic_answer(topic);
                self.answer_reply(&engine, &answer, answer_buttons, mention, private)
            }
            commands::RECOMMEND => self.recommend(&engine, cmd, &options, private, now),
            commands::TOPICS => self.topics(&engine),
            commands::HELP => ephemeral(self.help(&engine)),
            commands::ASK_MESSAGE => self.ask_message(&engine, cmd, now),
            other => ephemeral(respond::notice(format!(
                "`/{}` is not a command I know any more; it may be left over from an older version.",
                crate::limits::truncate(other, 50)
            ))),
        }
    }

    pub(super) fn answer_reply(
        &self,
        engine: &Engine,
        answer: &Answer,
        buttons: Buttons,
        mention: Option<UserId>,
        private: bool,
    ) -> Reply {
        // An ephemeral answer pings nobody: only the asker sees it.
        let mention = if private { None } else { mention };
        let out = respond::answer(engine, answer, buttons, mention);
        CreateInteractionResponse::Message(out.interaction(private)).into()
    }

    pub(super) fn recommend(
        &self,
        engine: &Engine,
        cmd: &CommandInteraction,
        options: &[ResolvedOption<'_>],
        private: bool,
        now: Instant,
    ) -> Reply {
        let asker = cmd.user.id;
        let pack = engine.pack();
        let mut request = Request::default();
        let mut typed = "";
        for o in options {
            let ResolvedValue::String(value) = o.value else { continue };
            if o.name == commands::OPT_USE_CASE {
                typed = value;
                request.use_case = engine.find_use_case(value);
            } else if let Some(f) = pack.recommend.factors.iter().position(|f| f.option == o.name) {
                match pack.recommend.factors[f].choices.iter().position(|c| c.value == value) {
                    Some(c) => request.choices.push((f, c)),
                    None => {
                        return ephemeral(respond::notice(format!(
                            "`{}` is not a choice for `{}`; pick one from the list.",
                            crate::limits::truncate(value, 100),
                            o.name
                        )))
                    }
                }
            }
        }
        let Some(rec) = engine.recommend(&request) else {
            return ephemeral(respond::notice("Tell me what you are building in `use_case`, or pick a factor."));
        };
        if let Some(reply) = self.cooling(cmd.guild_id, asker, now) {
            return reply;
        }
        let mut doc = embed::recommendation(pack, &rec);
        if request.use_case.is_none() && !typed.trim().is_empty() {
            doc.description.push_str(&format!(
                "\n\nI don't know “{}” as a use case, so this rests on your other answers.",
                crate::limits::truncate(typed.trim(), 100)
            ));
        }
        let buttons: Vec<_> = rec.topics.iter().take(3).map(|&t| respond::topic_button(engine, t)).collect();
        let mut rows = vec![CreateActionRow::Buttons(buttons)];
        if !private {
            rows.push(CreateActionRow::Buttons(vec![serenity::builder::CreateButton::new(
                Action::Delete { asker }.id(),
            )
            .emoji('🗑')
            .style(serenity::model::application::ButtonStyle::Danger)]));
        }
        let out = Outgoing { content: None, embed: doc.to_create_embed(), components: rows, mention: None };
        CreateInteractionResponse::Message(out.interaction(private)).into()
    }

    pub(super) fn topics(&self, engine: &Engine) -> Reply {
        let pack = engine.pack();
        let list = pack.topics.iter().map(|t| format!("`{}` {}", t.id, t.title)).collect::<Vec<_>>().join("\n");
        let doc = embed::EmbedDoc {
            title: format!("What I can answer about {}", pack.info.name),
            description: crate::limits::truncate(&list, crate::limits::EMBED_DESCRIPTION).into_owned(),
            colour: pack.info.either.colour,
            fields: Vec::new(),
            footer: "Pick a topic below, or use /compare topic:…".into(),
        };
        let m = respond::response(None)
            .embed(doc.to_create_embed())
            .components(respond::topic_menus(engine, "Open a topic…"))
            .ephemeral(true);
        ephemeral(m)
    }

    pub(super) fn help(&self, engine: &Engine) -> CreateInteractionResponseMessage {
        let pack = engine.pack();
        let prefix = match &self.config.prefix {
            Some(p) => format!(", or start a message with `{p}`"),
            None => String::new(),
        };
        let examples: Vec<String> =
            pack.info.starter_topics.iter().take(4).map(|&t| format!("• {}", pack.topic(t).title)).collect();
        let text = format!(
            "I answer questions about {scope} from a curated knowledge base, and say so when I'm not sure.\n\n\
             **Ask** — `/ask question:which is faster?`, mention me with a question, DM me{prefix}.\n\
             **Compare** — `/compare topic:` one topic side by side.\n\
             **Recommend** — `/recommend use_case:` what you are building, plus what your team knows and what matters most.\n\
             **Topics** — `/topics` lists everything, with a menu.\n\
             **Point me at a message** — right-click a message → Apps → *{msg}*.\n\n\
             Add `private:True` to see an answer only yourself.",
            scope = pack.info.scope,
            msg = commands::ASK_MESSAGE,
        );
        let doc = embed::EmbedDoc {
            title: format!("stackpick — {}", pack.info.name),
            description: text,
            colour: pack.info.either.colour,
            fields: vec![embed::Field { name: "Popular topics".into(), value: examples.join("\n"), inline: false }],
            footer: format!("Source: {}", pack.info.source),
        };
        respond::response(None).embed(doc.to_create_embed()).ephemeral(true)
    }

    pub(super) fn ask_message(&self, engine: &Engine, cmd: &CommandInteraction, now: Instant) -> Reply {
        let target = cmd.data.target_id.and_then(|id| cmd.data.resolved.messages.get(&id.to_message_id()));
        let Some(target) = target else {
            return ephemeral(respond::notice("I can't see that message."));
        };
        if target.content.trim().is_empty() {
            return ephemeral(respond::notice("That message has no text for me to answer."));
        }
        if let Some(reply) = self.cooling(cmd.guild_id, cmd.user.id, now) {
            return reply;
        }
        let answer = timed_answer(engine, &target.content);
        self.log(cmd.guild_id, Some(cmd.channel_id), &answer, engine);
        let out = respond::answer(engine, &answer, Buttons { delete_by: Some(cmd.user.id), feedback: true }, None);
        let reply = out.message().reference_message(reference(target.channel_id, target.id));
        Reply {
            response: CreateInteractionResponse::Message(respond::notice("Answering that message below.")),
            effects: vec![Effect::Reply { channel: target.channel_id, message: Box::new(reply) }],
        }
    }

    pub(super) fn autocomplete(&self, cmd: &CommandInteraction) -> Reply {
        let engine = self.engine();
        let pack = engine.pack();
        let focused = cmd.data.autocomplete();
        let typed = focused.as_ref().map_or("", |f| f.value);
        let mut response = CreateAutocompleteResponse::new();
        match (cmd.data.name.as_str(), focused.as_ref().map(|f| f.name)) {
            (commands::COMPARE, Some(commands::OPT_TOPIC)) => {
                for t in engine.complete_topics(typed) {
                    let t = pack.topic(t);
                    response = response.add_string_choice(crate::limits::truncate(&t.title, 100), &t.id);
                }
            }
            (commands::RECOMMEND, Some(commands::OPT_USE_CASE)) => {
                for u in engine.complete_use_cases(typed) {
                    let u = pack.use_case(u);
                    response = response.add_string_choice(crate::limits::truncate(&u.name, 100), &u.id);
                }
            }
            _ => {}
        }
        CreateInteractionResponse::Autocomplete(response).into()
    }

    pub(super) fn component(&self, c: &ComponentInteraction) -> Reply {
        let engine = self.engine();
        let pack = engine.pack();
        let presser = c.user.id;
        let show_topic = |id: &str| -> Reply {
            match pack.topic_by_id(id) {
                Some(t) => {
                    let out = respond::answer(
                        &engine,
                        &engine.topic_answer(t),
                        Buttons { delete_by: None, feedback: true },
                        None,
                    );
                    CreateInteractionResponse::Message(out.interaction(true)).into()
                }
                None => ephemeral(respond::notice("That topic is no longer in the knowledge base. Try /topics.")),
            }
        };
        match Action::parse(&c.data.custom_id) {
            Action::Topic(id) => show_topic(&id),
            Action::AskButton => onboarding::ask_modal(&engine),
            Action::AskModal => ephemeral(respond::notice("That form has expired; please start again.")),
            Action::TopicMenu => match &c.data.kind {
                ComponentInteractionDataKind::StringSelect { values } => match values.first() {
                    Some(id) => show_topic(id),
                    None => CreateInteractionResponse::Acknowledge.into(),
                },
                _ => ephemeral(respond::notice("That menu has expired. Use /topics again.")),
            },
            Action::Feedback(vote, topic) => {
                if pack.topic_by_id(&topic).is_none() {
                    return ephemeral(respond::notice("That answer's topic is no longer in the knowledge base."));
                }
                self.store.record(Entry::Vote(crate::store::Vote {
                    topic: topic.clone(),
                    member: member(presser),
                    server: c.guild_id.map(|g| g.to_string()),
                    helpful: vote == Vote::Up,
                    voted_at: crate::store::now(),
                }));
                let text = match self.feedback.record(&topic, presser, vote) {
                    Recorded::New | Recorded::Changed if vote == Vote::Up => "Thanks! Glad it helped.",
                    Recorded::New | Recorded::Changed => "Thanks for telling me. I'll use it to improve this answer.",
                    Recorded::Same => "You already said so — thanks!",
                };
                ephemeral(respond::notice(text))
            }
            Action::Delete { asker } => {
                let moderator = c
                    .member
                    .as_ref()
                    .and_then(|m| m.permissions)
                    .is_some_and(|p| p.contains(Permissions::MANAGE_MESSAGES));
                if presser != asker && !moderator {
                    return ephemeral(respond::notice(
                        "Only the person who asked (or someone with Manage Messages) can delete this answer.",
                    ));
                }
                Reply {
                    response: CreateInteractionResponse::Acknowledge,
                    effects: vec![Effect::DeleteMessage { channel: c.channel_id, message: c.message.id }],
                }
            }
            Action::Expired => ephemeral(respond::notice(
                "This button has expired (it is from an older version of stackpick). Ask again with /ask.",
            )),
        }
    }
}
