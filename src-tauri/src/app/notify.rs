//! A desktop notification when a sync brings new early warnings: how many, in the
//! user's language, never a name or a number (a notification shows on a screen
//! anyone in the office can see, and may stay in the system's list).

use jinlin_shared::label::Language;
use tauri::{AppHandle, Manager as _, Runtime};
use tauri_plugin_notification::NotificationExt as _;

use super::SettingsState;
use crate::Station;

/// Looks for new warnings after each sync that completes, until the app ends.
pub(crate) async fn after_each_sync<R: Runtime>(
    handle: AppHandle<R>,
    mut events: tokio::sync::broadcast::Receiver<crate::SyncStatus>,
) {
    let mut last_success = None;
    loop {
        match events.recv().await {
            Ok(status) => {
                let synced = status.last_success.is_some() && status.last_success != last_success;
                last_success = status.last_success;
                if synced {
                    tell_of_new_warnings(&handle).await;
                }
            }
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
        }
    }
}

/// Tells the user how many warnings are new since they last heard, if any.
async fn tell_of_new_warnings<R: Runtime>(handle: &AppHandle<R>) {
    let Some(station) = handle.try_state::<Station>().map(|s| s.inner().clone()) else { return };
    let count = match station.new_warnings().await {
        Ok(count) => count,
        // Signed out or locked in between: nobody to tell.
        Err(_) => return,
    };
    if count == 0 {
        return;
    }
    let language = handle
        .try_state::<SettingsState>()
        .and_then(|settings| settings.current.lock().ok().map(|current| current.language))
        .unwrap_or(Language::ZhCn);
    let (title, body) = words(language, count);
    if let Err(error) = handle.notification().builder().title(title).body(body).show() {
        tracing::warn!(%error, "the desktop notification of new warnings could not be shown");
    }
}

/// The notification's title and text.
pub(crate) fn words(language: Language, count: u32) -> (&'static str, String) {
    match language {
        Language::ZhCn => ("近邻", format!("同步带来 {count} 条新预警，请在探访名单的“今日提醒”中查看。")),
        Language::En => {
            let noun = if count == 1 { "warning" } else { "warnings" };
            ("Jinlin", format!("The sync brought {count} new {noun}: see Today on the visit roster."))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notification_says_a_count_in_either_language() {
        assert_eq!(words(Language::ZhCn, 3).1, "同步带来 3 条新预警，请在探访名单的“今日提醒”中查看。");
        assert_eq!(words(Language::En, 1).1, "The sync brought 1 new warning: see Today on the visit roster.");
        assert!(words(Language::En, 2).1.contains("2 new warnings"));
    }
}
