//! OAuth v2, the install of the app into a workspace: `GET /slack/install`
//! sends the installer to Slack's consent page with a signed state, and
//! `GET /slack/oauth_redirect` exchanges the code for the workspace's bot
//! token, kept sealed in the store ([`crate::oauth`] signs and checks the state).

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::oauth;

/// `GET /slack/install`: to Slack's consent page, with a fresh state.
pub(super) async fn install(State(state): State<Arc<AppState>>) -> Response {
    let Some(oauth) = &state.oauth else {
        return oauth::page(
            StatusCode::NOT_FOUND,
            "Not installable here",
            "This deployment has no Slack OAuth credentials.",
        );
    };
    let Ok(oauth_state) = oauth.new_state(stackpick_store::now()) else {
        return oauth::page(StatusCode::INTERNAL_SERVER_ERROR, "Try again", "Could not start the install; try again.");
    };
    let cookie = oauth::state_cookie(&oauth_state);
    (StatusCode::FOUND, [(header::LOCATION, oauth.authorize_url(&oauth_state)), (header::SET_COOKIE, cookie)])
        .into_response()
}

/// `GET /slack/oauth_redirect`: the workspace's token exchanged and kept.
pub(super) async fn oauth_redirect(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Query<oauth::Redirect>,
) -> Response {
    let Some(oauth) = &state.oauth else {
        return oauth::page(
            StatusCode::NOT_FOUND,
            "Not installable here",
            "This deployment has no Slack OAuth credentials.",
        );
    };
    if let Some(error) = &query.error {
        let text = format!("Slack says: {error}. Nothing was installed; you can start again from the install link.");
        return oauth::page(StatusCode::BAD_REQUEST, "Not installed", &text);
    }
    let (Some(code), Some(given)) = (&query.code, &query.state) else {
        return oauth::page(StatusCode::BAD_REQUEST, "Not installed", "The link is missing its code or state.");
    };
    let from_this_browser = oauth::cookie_state(&headers).is_some_and(|c| c == *given);
    if !from_this_browser || !oauth.state_is_valid(given, stackpick_store::now()) {
        return oauth::page(
            StatusCode::BAD_REQUEST,
            "Not installed",
            "This install link has expired or was started in another browser; start again from the install link.",
        );
    }
    let Some(web) = state.api() else {
        return oauth::page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Not installed",
            "This deployment cannot reach Slack's Web API.",
        );
    };
    let granted = match web.oauth_access(oauth, code).await {
        Ok(granted) => granted,
        Err(e) => {
            tracing::warn!(error = %e, "oauth.v2.access failed");
            return oauth::page(
                StatusCode::BAD_GATEWAY,
                "Not installed",
                "Slack did not accept the code; start again.",
            );
        }
    };
    let team = granted.team.id.0.clone();
    let name = granted.team.name.clone().unwrap_or_else(|| team.clone());
    let Some(bot_user) = granted.bot_user_id.map(|u| u.0) else {
        return oauth::page(StatusCode::BAD_GATEWAY, "Not installed", "Slack granted no bot token; start again.");
    };
    let install = stackpick_store::Install {
        team: team.clone(),
        bot_token: secrecy::SecretString::new(granted.access_token.0.clone()),
        bot_user,
    };
    if let Err(e) = state.bot.store().save_install(&install).await {
        tracing::warn!(error = %e, %team, "the installation was not saved");
        let text = match e {
            stackpick_store::StoreError::NotKept => "This deployment runs without a database, so it cannot keep \
                                                     an installation; its operator must set DATABASE_URL."
                .to_owned(),
            _ => "The installation could not be saved; try again in a few minutes.".to_owned(),
        };
        return oauth::page(StatusCode::SERVICE_UNAVAILABLE, "Not installed", &text);
    }
    state.bot.server_present(&stackpick_store::Server::new(stackpick_store::Platform::Slack, team.clone())).await;
    tracing::info!(%team, "installed in a Slack workspace");
    oauth::page(
        StatusCode::OK,
        "stackpick is installed",
        &format!("stackpick is installed in {name}. Mention @stackpick or type /stackpick in any channel."),
    )
}
