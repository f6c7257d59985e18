//! Events about the workspace rather than a question: the App Home tab
//! opened, a member joined, the app uninstalled or its tokens revoked.

use std::sync::Arc;

use super::AppState;
use crate::blocks;
use crate::parse::Envelope;

/// The App Home tab: the pack's welcome (starter topics, the topic menu and
/// "Ask a question"), published for the user who opened it.
pub(super) fn home_opened(state: &Arc<AppState>, envelope: &Envelope) {
    let Some(user) = envelope.event.as_ref().and_then(|e| e.user_id()).map(str::to_owned) else { return };
    let state = state.clone();
    let team = envelope.team_id.clone();
    tokio::spawn(async move {
        let engine = state.bot.engine();
        let Some(mut welcome) = stackpick_commands::onboarding::message(&engine, &user, "this workspace") else {
            return;
        };
        // The Home tab is the user's own: no greeting that names them.
        welcome.text = None;
        welcome.ping = None;
        let Some(web) = state.web_for(team.as_deref()).await else { return };
        if let Err(e) = web.publish_home(&user, blocks::render(&welcome).blocks).await {
            tracing::warn!(error = %e, "App Home not published");
        }
    });
}

/// Someone joined the workspace: welcomed once, as the workspace's
/// onboarding settings say (in a channel, or by direct message).
pub(super) fn team_join(state: &Arc<AppState>, envelope: &Envelope) {
    let (Some(event), Some(team)) = (envelope.event.as_ref(), envelope.team_id.clone()) else { return };
    let Some(user) = event.user_id().map(str::to_owned) else { return };
    let is_bot = event.user_is_bot();
    let state = state.clone();
    tokio::spawn(async move {
        let server = stackpick_store::Server::new(stackpick_store::Platform::Slack, team);
        let Some(welcome) = state.bot.member_joined(&server, &user, is_bot, false, "this workspace").await else {
            return;
        };
        let Some(web) = state.web_for(Some(&server.id)).await else { return };
        // Posting to a user's id is a direct message from the app.
        let channel = match &welcome.to {
            stackpick_commands::WelcomeTo::Channel(channel) => channel.clone(),
            stackpick_commands::WelcomeTo::Dm(user) => user.clone(),
        };
        if let Err(e) = web.post(&channel, None, blocks::render(&welcome.message)).await {
            tracing::warn!(error = %e, "Slack welcome not sent");
        }
    });
}

/// The app was uninstalled from a workspace, or its tokens revoked: its
/// installation is removed at once (nothing more is sent there), and its
/// data deleted after the grace period, as for a Discord server that removes
/// the bot (reinstalling within it keeps everything).
pub(super) fn uninstalled(state: &Arc<AppState>, envelope: &Envelope) {
    let Some(team) = envelope.team_id.clone() else { return };
    // Revoking a user's token leaves the bot's: only the bot's revoked stops it.
    let event = envelope.event.as_ref();
    if event.is_some_and(|e| e.kind == "tokens_revoked" && !e.revokes_bot_tokens()) {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        match state.bot.store().remove_install(&team).await {
            Ok(removed) => tracing::info!(%team, removed, "uninstalled from a Slack workspace"),
            Err(e) => tracing::warn!(error = %e, %team, "the installation could not be removed"),
        }
        state.bot.server_left(&stackpick_store::Server::new(stackpick_store::Platform::Slack, team)).await;
    });
}
