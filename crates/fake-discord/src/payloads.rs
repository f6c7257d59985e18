//! Payloads in the shapes Discord documents (see `shared/discord-docs/`), with
//! the fields serenity 0.12 requires.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{json, Value};
use serenity::model::event::GatewayEvent;

use super::{APP_ID, BOT_ID, CHANNEL_ID, GUILD_ID, USER_ID};

/// Panics unless serenity reads this dispatch as the event it names.
pub fn check_dispatch(event: &str, data: &Value) {
    if event == "INTERACTION_CREATE" {
        if let Err(e) = serde_json::from_value::<serenity::model::application::Interaction>(data.clone()) {
            panic!("serenity cannot read the fake's interaction: {e}\n{data:#}");
        }
    }
    let frame = json!({"op": 0, "t": event, "s": 1, "d": data});
    match serde_json::from_value::<GatewayEvent>(frame) {
        Ok(GatewayEvent::Dispatch(_, e)) => {
            let name = format!("{e:?}");
            assert!(!name.starts_with("Unknown"), "serenity read {event} as an unknown event");
        }
        Ok(other) => panic!("{event} read as {other:?}"),
        Err(e) => panic!("serenity cannot read the fake's {event}: {e}\n{data:#}"),
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(700_000_000_000_000_000);

/// A fresh snowflake.
pub fn id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::SeqCst)
}

pub fn bot_user() -> Value {
    json!({"id": BOT_ID.to_string(), "username": "stackpick", "discriminator": "0", "global_name": null, "avatar": null, "bot": true})
}

pub fn user(id: u64, name: &str) -> Value {
    json!({"id": id.to_string(), "username": name, "discriminator": "0", "global_name": name, "avatar": null, "public_flags": 0})
}

pub fn application() -> Value {
    json!({
        "id": APP_ID.to_string(), "name": "stackpick", "icon": null, "description": "", "bot_public": true,
        "bot_require_code_grant": false, "verify_key": "00", "flags": 0, "team": null,
        "owner": user(USER_ID, "owner"), "summary": ""
    })
}

pub fn ready(ws_url: &str) -> Value {
    json!({
        "v": 10,
        "user": bot_user(),
        "guilds": [{"id": GUILD_ID.to_string(), "unavailable": true}],
        "session_id": "fake-session",
        "resume_gateway_url": ws_url,
        "shard": [0, 1],
        "application": {"id": APP_ID.to_string(), "flags": 0}
    })
}

fn channel(id: u64, name: &str) -> Value {
    json!({"id": id.to_string(), "type": 0, "guild_id": GUILD_ID.to_string(), "name": name, "position": 0,
           "permission_overwrites": [], "nsfw": false, "parent_id": null})
}

fn no_embeds_channel() -> Value {
    let mut c = channel(super::NO_EMBEDS_CHANNEL_ID, "no-embeds");
    c["permission_overwrites"] = json!([{"id": GUILD_ID.to_string(), "type": 0, "allow": "0", "deny": "16384"}]);
    c
}

pub fn guild_create() -> Value {
    json!({
        "id": GUILD_ID.to_string(),
        "name": "Test Server",
        "icon": null, "splash": null, "discovery_splash": null,
        "owner_id": USER_ID.to_string(),
        "afk_channel_id": null, "afk_timeout": 300,
        "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
        "roles": [{
            "id": GUILD_ID.to_string(), "name": "@everyone", "color": 0, "colors": {"primary_color": 0},
            "hoist": false, "icon": null, "unicode_emoji": null, "position": 0, "permissions": "1071698660929",
            "managed": false, "mentionable": false, "flags": 0
        }],
        "emojis": [], "stickers": [], "features": [],
        "mfa_level": 0, "application_id": null, "system_channel_id": null, "system_channel_flags": 0,
        "rules_channel_id": null, "vanity_url_code": null, "description": null, "banner": null,
        "premium_tier": 0, "premium_subscription_count": 0, "preferred_locale": "en-US",
        "public_updates_channel_id": null, "nsfw_level": 0, "premium_progress_bar_enabled": false,
        "safety_alerts_channel_id": null,
        "joined_at": "2026-01-01T00:00:00.000000+00:00", "large": false, "unavailable": false,
        "member_count": 3, "voice_states": [], "presences": [], "threads": [], "stage_instances": [],
        "guild_scheduled_events": [], "soundboard_sounds": [],
        "members": [{"user": bot_user(), "roles": [], "joined_at": "2026-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0}],
        "channels": [
            channel(CHANNEL_ID, "general"),
            channel(super::ANSWER_CHANNEL_ID, "ask-here"),
            channel(super::WELCOME_CHANNEL_ID, "welcome"),
            no_embeds_channel()
        ]
    })
}

/// A guild member object for `user`, with channel permissions.
pub fn member(user_id: u64, name: &str, permissions: &str) -> Value {
    json!({
        "user": user(user_id, name), "roles": [], "premium_since": null, "permissions": permissions,
        "pending": false, "nick": null, "mute": false, "joined_at": "2024-03-13T19:19:14.040000+00:00",
        "deaf": false, "avatar": null, "flags": 0
    })
}

/// Permissions of an ordinary member (view, send, read history).
pub const MEMBER_PERMS: &str = "68608";
/// Permissions with Manage Messages (1<<13) and Manage Server (1<<5).
pub const MODERATOR_PERMS: &str = "76832";

/// A message in a channel (the message object of the docs).
pub fn message(channel: u64, author: u64, content: &str) -> Value {
    json!({
        "id": id().to_string(), "channel_id": channel.to_string(), "author": user(author, "someone"),
        "content": content, "timestamp": "2026-11-26T12:00:00.000000+00:00", "edited_timestamp": null,
        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [],
        "embeds": [], "pinned": false, "type": 0, "flags": 0, "components": []
    })
}

/// A MESSAGE_CREATE in the test server.
pub fn guild_message(channel: u64, author: u64, content: &str, mentions: &[u64]) -> Value {
    let mut m = message(channel, author, content);
    m["guild_id"] = json!(GUILD_ID.to_string());
    m["member"] =
        json!({"roles": [], "joined_at": "2024-03-13T19:19:14.040000+00:00", "deaf": false, "mute": false, "flags": 0});
    m["mentions"] =
        Value::Array(mentions.iter().map(|&u| if u == BOT_ID { bot_user() } else { user(u, "mentioned") }).collect());
    m
}

/// A MESSAGE_CREATE in a DM.
pub fn dm_message(author: u64, content: &str) -> Value {
    message(super::DM_CHANNEL_ID, author, content)
}

fn interaction(kind: u8, data: Value, member_perms: &str, user_id: u64) -> Value {
    json!({
        "id": id().to_string(),
        "application_id": APP_ID.to_string(),
        "type": kind,
        "data": data,
        "guild_id": GUILD_ID.to_string(),
        "channel_id": CHANNEL_ID.to_string(),
        "channel": {"id": CHANNEL_ID.to_string(), "type": 0, "guild_id": GUILD_ID.to_string(), "name": "general", "permissions": member_perms},
        "member": member(user_id, "asker", member_perms),
        "token": format!("token-{}", id()),
        "version": 1,
        "app_permissions": "442368",
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": GUILD_ID.to_string()},
        "context": 0,
        "attachment_size_limit": 10485760
    })
}

/// A slash command with options (`[{type, name, value}]`), as a member.
pub fn slash(name: &str, options: Value) -> Value {
    slash_as(name, options, MEMBER_PERMS, USER_ID)
}

pub fn slash_as(name: &str, options: Value, perms: &str, user_id: u64) -> Value {
    interaction(2, json!({"id": id().to_string(), "name": name, "type": 1, "options": options}), perms, user_id)
}

/// `/ask` with a question and extra options.
pub fn ask(question: &str, extra: Value) -> Value {
    let mut options = vec![json!({"type": 3, "name": "question", "value": question})];
    options.extend(extra.as_array().cloned().unwrap_or_default());
    slash("ask", Value::Array(options))
}

/// A user option, with the resolved user the docs show next to it.
pub fn with_resolved_user(mut interaction: Value, user_id: u64) -> Value {
    interaction["data"]["resolved"] = json!({
        "users": {user_id.to_string(): user(user_id, "teammate")},
        "members": {user_id.to_string(): {"roles": [], "joined_at": "2024-03-13T19:19:14.040000+00:00", "deaf": false, "mute": false, "flags": 0, "permissions": MEMBER_PERMS}}
    });
    interaction
}

/// An autocomplete interaction with the focused option's partial value.
pub fn autocomplete(command: &str, option: &str, typed: &str) -> Value {
    interaction(
        4,
        json!({"id": id().to_string(), "name": command, "type": 1, "version": id().to_string(),
               "options": [{"type": 3, "name": option, "value": typed, "focused": true}]}),
        MEMBER_PERMS,
        USER_ID,
    )
}

/// A button press on a message the bot sent.
pub fn button(custom_id: &str, perms: &str, user_id: u64) -> Value {
    let mut i = interaction(3, json!({"custom_id": custom_id, "component_type": 2}), perms, user_id);
    let mut msg = message(CHANNEL_ID, BOT_ID, "");
    msg["author"]["bot"] = json!(true);
    i["message"] = msg;
    i
}

/// A string-select choice on a message the bot sent.
pub fn select(custom_id: &str, values: &[&str]) -> Value {
    let mut i =
        interaction(3, json!({"custom_id": custom_id, "component_type": 3, "values": values}), MEMBER_PERMS, USER_ID);
    let mut msg = message(CHANNEL_ID, BOT_ID, "");
    msg["author"]["bot"] = json!(true);
    i["message"] = msg;
    i
}

/// The "Ask stackpick" message command on a message by another user.
pub fn message_command(target_content: &str) -> (Value, u64) {
    let target = message(CHANNEL_ID, super::OTHER_USER_ID, target_content);
    let target_id: u64 = target["id"].as_str().unwrap().parse().unwrap();
    let data = json!({
        "id": id().to_string(), "name": "Ask stackpick", "type": 3,
        "target_id": target_id.to_string(),
        "resolved": {"messages": {target_id.to_string(): target}}
    });
    (interaction(2, data, MEMBER_PERMS, USER_ID), target_id)
}

/// A modal submit with one text input.
pub fn modal_submit(custom_id: &str, input_id: &str, value: &str) -> Value {
    interaction(
        5,
        json!({"custom_id": custom_id, "components": [{"type": 1, "components": [{"type": 4, "custom_id": input_id, "value": value}]}]}),
        MEMBER_PERMS,
        USER_ID,
    )
}

/// A `/setup` command as a server manager: `path` of sub-command names, then leaf options.
pub fn setup(path: &[&str], leaf: Value, perms: &str) -> Value {
    let mut options = leaf;
    for (i, name) in path.iter().enumerate().rev() {
        let kind = if i + 1 == path.len() { 1 } else { 2 };
        options = json!([{"type": kind, "name": name, "options": options}]);
    }
    let mut i = slash_as("setup", options, perms, USER_ID);
    // Channel options come with their resolved channel, as Discord sends them.
    let mut channels = serde_json::Map::new();
    for id in [CHANNEL_ID, super::ANSWER_CHANNEL_ID, super::WELCOME_CHANNEL_ID, super::NO_EMBEDS_CHANNEL_ID] {
        channels.insert(
            id.to_string(),
            json!({"id": id.to_string(), "name": "channel", "type": 0, "permissions": "2147483647"}),
        );
    }
    i["data"]["resolved"] = json!({"channels": channels});
    i
}

/// A channel option for `/setup`.
pub fn channel_option(id: u64) -> Value {
    json!([{"type": 7, "name": "channel", "value": id.to_string()}])
}

/// GUILD_MEMBER_ADD for a user joining the test server.
pub fn member_add(user_id: u64, pending: bool, bot: bool) -> Value {
    let mut u = user(user_id, "newcomer");
    u["bot"] = json!(bot);
    json!({
        "guild_id": GUILD_ID.to_string(), "user": u, "roles": [], "joined_at": "2026-11-26T12:00:00.000000+00:00",
        "deaf": false, "mute": false, "pending": pending, "flags": 0, "nick": null, "avatar": null, "premium_since": null
    })
}

/// GUILD_MEMBER_UPDATE, e.g. after membership screening.
pub fn member_update(user_id: u64, pending: bool) -> Value {
    json!({
        "guild_id": GUILD_ID.to_string(), "user": user(user_id, "newcomer"), "roles": [], "nick": null, "avatar": null,
        "joined_at": "2026-11-26T12:00:00.000000+00:00", "premium_since": null, "deaf": false, "mute": false,
        "pending": pending, "communication_disabled_until": null, "flags": 0
    })
}
