//! Installing the app in many workspaces (OAuth v2) against the fake Slack:
//! the install link, the redirect's checks, the token kept sealed and used for
//! that workspace only, and uninstalling.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use serde_json::json;
use stackpick::bot::{Bot, Config};
use stackpick::store::{Installs, KeySource, OpenOptions, SqliteStore};
use stackpick_slack::oauth::OAuth;
use stackpick_slack::serve::{router, AppState};
use stackpick_slack::web::Web;
use tower::ServiceExt;

use crate::common;
use crate::fake::*;

async fn get(app: &Router, uri: &str, cookie: Option<&str>) -> (StatusCode, axum::http::HeaderMap, String) {
    let mut request = Request::get(uri);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let response = app.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

/// A workspace installs the app: the install link sends the browser to
/// Slack's consent page with a signed state, also set in a cookie; a redirect
/// without that cookie, or with a state this deployment did not make, is
/// refused; the right one exchanges the code for the workspace's token, which
/// then answers that workspace's mentions (and no other's). Uninstalling
/// removes it at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_installs_the_app_and_is_answered_with_its_own_token() {
    let (fake, fake_url) = Fake::start().await;
    let db = common::TempDb::new();
    let options = OpenOptions { key: KeySource::Key([4; 32]), ..OpenOptions::default() };
    let store = Arc::new(SqliteStore::open_with(&db.url(), options).await.unwrap());
    let bot =
        Bot::new(common::engine_owned(), common::pack_dir(), Config::default()).with_store(store.clone(), Vec::new());
    // No SLACK_BOT_TOKEN: only installed workspaces have a token.
    let api = Web::new(&format!("{fake_url}/api"), secrecy::SecretString::new(String::new())).unwrap();
    let oauth = OAuth {
        client_id: "111.222".into(),
        client_secret: secrecy::SecretString::new("client-secret".into()),
        redirect_url: None,
    };
    let app = router(Arc::new(AppState::new(Arc::new(bot), SECRET, None).with_oauth(oauth, api)));

    let (status, headers, _) = get(&app, "/slack/install", None).await;
    assert_eq!(status, StatusCode::FOUND);
    let location = headers[header::LOCATION].to_str().unwrap();
    assert!(location.starts_with("https://slack.com/oauth/v2/authorize?client_id=111.222&scope="), "{location}");
    let state = location.rsplit_once("state=").unwrap().1.to_owned();
    let cookie = headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.contains(&state) && cookie.contains("HttpOnly") && cookie.contains("Secure"), "{cookie}");
    let cookie = format!("stackpick_oauth_state={state}");

    let redirect = |code: &str, state: &str| format!("/slack/oauth_redirect?code={code}&state={state}");
    let (status, _, page) = get(&app, &redirect("good-code", &state), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no cookie: started in another browser: {page}");
    let forged = format!("{}.{}", &state[..state.rfind('.').unwrap()], "0".repeat(64));
    let (status, _, _) =
        get(&app, &redirect("good-code", &forged), Some(&format!("stackpick_oauth_state={forged}"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a state this deployment did not sign");
    let (status, _, _) = get(&app, "/slack/oauth_redirect?error=access_denied&state=x", Some(&cookie)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "consent refused");
    let (status, _, page) = get(&app, &redirect("bad-code", &state), Some(&cookie)).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{page}");
    let (status, _, page) = get(&app, &redirect("good-code", &state), Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("installed in New Team"), "{page}");

    // The new workspace's mention is answered with its own token.
    let mention = |id: &str, team: &str| {
        json!({"type": "event_callback", "team_id": team, "event_id": id, "event_time": 1700000000,
               "authorizations": [{"user_id": "U0NEWBOT", "team_id": team, "is_bot": true}],
               "event": {"type": "app_mention", "user": "U90", "text": "<@U0NEWBOT> which is faster?",
                         "ts": "1700000000.009000", "channel": "C0NEW", "event_ts": "1700000000.009000"}})
        .to_string()
    };
    assert_eq!(signed(&app, "application/json", &mention("Ev90", "T0NEW")).await.0, StatusCode::OK);
    fake.settled_posts("the installed workspace's answer").await;
    let used: Vec<(String, String)> = fake.auth.lock().unwrap().clone();
    let post = used.iter().find(|(p, _)| p.ends_with("chat.postMessage")).expect("answered");
    assert_eq!(post.1, "Bearer xoxb-new-team");
    // A workspace that never installed the app has no token: not answered.
    assert_eq!(signed(&app, "application/json", &mention("Ev91", "T0OTHER")).await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(fake.posts().len(), 1);

    // Uninstalled: removed at once; the workspace's next mention goes unanswered.
    let uninstalled =
        json!({"type": "event_callback", "team_id": "T0NEW", "event_id": "Ev92", "event_time": 1700000000,
        "event": {"type": "app_uninstalled"}})
        .to_string();
    assert_eq!(signed(&app, "application/json", &uninstalled).await.0, StatusCode::OK);
    let mut removed = false;
    for _ in 0..100 {
        if store.install("T0NEW").await.unwrap().is_none() {
            removed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(removed, "the installation is removed");
    assert_eq!(signed(&app, "application/json", &mention("Ev93", "T0NEW")).await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(fake.posts().len(), 1, "no answer after uninstalling");
    // Its data goes after the grace period, as for a Discord server that removes the bot.
    let departed: i64 = {
        let raw = sqlx::SqlitePool::connect(&db.url()).await.unwrap();
        let n = sqlx::query_scalar("SELECT COUNT(*) FROM departures WHERE platform = 'slack' AND server = 'T0NEW'")
            .fetch_one(&raw)
            .await
            .unwrap();
        raw.close().await;
        n
    };
    assert_eq!(departed, 1);
}
