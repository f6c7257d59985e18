//! Discord's privileged intents: which ones the portal grants, which ones
//! the gateway asks for, and [`Link`], through which the command layer learns
//! what they let through and asks for a reconnect when welcomes need members.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use serenity::all::{GatewayIntents, Http};
use tokio::sync::Notify;

use crate::bot::Connection;
use crate::rest;

/// Discord's privileged gateway intents, as the bot uses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Privileged {
    /// Server Members: member joins and screening, for onboarding.
    pub members: bool,
    /// Message Content: the text of messages that do not mention the bot,
    /// for answer channels and the `!ask` prefix.
    pub message_content: bool,
}

/// What the gateway asked for, and what the Developer Portal allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GatewayState {
    pub requested: Privileged,
    pub granted: Privileged,
}

/// The gateway connection as the command layer sees it: what its intents let
/// through, and a way to ask for a reconnect with the members intent.
#[derive(Debug, Default)]
pub struct Link {
    state: Mutex<Option<GatewayState>>,
    pub(super) reconnect: Notify,
    pending: AtomicBool,
}

impl Link {
    /// Records the connection's intents.
    pub fn set_state(&self, state: GatewayState) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = Some(state);
    }

    /// The connection's intents, once connected.
    pub fn state(&self) -> Option<GatewayState> {
        *self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Asks the gateway to reconnect (it picks its intents anew).
    pub fn reconnect(&self) {
        self.pending.store(true, Ordering::SeqCst);
        self.reconnect.notify_one();
    }

    /// Whether a reconnect was asked for (and clears the request).
    pub(super) fn take_reconnect(&self) -> bool {
        self.pending.swap(false, Ordering::SeqCst)
    }
}

impl Connection for Link {
    fn welcomes_turned_on(&self) -> &'static str {
        match self.state() {
            Some(g) if !g.requested.members && !g.granted.members => {
                "\n⚠️ I can't see members join yet: turn on **Server Members Intent** in the Developer Portal \
                 (your application → Bot → Privileged Gateway Intents). I'll ask for it the next time I connect."
            }
            Some(g) if !g.requested.members => {
                self.reconnect();
                "\nI'm reconnecting to Discord to receive member joins; welcomes start in a few seconds."
            }
            _ => "",
        }
    }

    fn answer_channel_added(&self) -> &'static str {
        match self.state() {
            Some(g) if !g.requested.message_content => {
                "\n⚠️ Message Content Intent is off, so I can't read messages in answer channels (mentions, DMs and \
                 slash commands still work). Turn it on in the Developer Portal (your application → Bot → Privileged \
                 Gateway Intents); I'll ask for it the next time I connect."
            }
            _ => "",
        }
    }

    fn welcomes_wanted(&self) {
        if let Some(g) = self.state().filter(|g| g.granted.members && !g.requested.members) {
            tracing::info!(?g, "a server turned onboarding on in another process; reconnecting for member joins");
            self.reconnect();
        }
    }
}

/// The gateway intents the bot needs. Message content and guild members are
/// privileged: enable them in the Developer Portal (Bot → Privileged Gateway Intents).
pub fn intents(privileged: Privileged) -> GatewayIntents {
    let mut intents = GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::DIRECT_MESSAGES;
    if privileged.members {
        intents |= GatewayIntents::GUILD_MEMBERS;
    }
    if privileged.message_content {
        intents |= GatewayIntents::MESSAGE_CONTENT;
    }
    intents
}

/// The privileged intents the application has been granted in the Developer
/// Portal, from its flags. Unknown (the call failed): assume both, as before,
/// and let a 4014 close explain.
pub(super) async fn granted(http: &Http) -> Privileged {
    use serenity::model::application::ApplicationFlags as F;
    match rest::retrying(|| http.get_current_application_info()).await {
        Ok(app) => {
            let flags = app.flags.unwrap_or(F::empty());
            Privileged {
                members: flags.intersects(F::GATEWAY_GUILD_MEMBERS | F::GATEWAY_GUILD_MEMBERS_LIMITED),
                message_content: flags.intersects(F::GATEWAY_MESSAGE_CONTENT | F::GATEWAY_MESSAGE_CONTENT_LIMITED),
            }
        }
        Err(e) => {
            tracing::warn!(
                error = %e,
                "cannot read which privileged intents the portal grants; assuming both are granted (a 4014 close will say if not)"
            );
            Privileged { members: true, message_content: true }
        }
    }
}
