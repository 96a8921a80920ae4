//! Versions that overlap: before a sync, at most hourly, the workstation asks the
//! server what the city says of its apps. A newer app offered is shown; an app older
//! than the city's minimum stops syncing and says so, while everything recorded here
//! waits, offline, for the new app. A server that no longer speaks this app's protocol
//! is met the same way (`StationError::AppTooOld`).

use std::time::Duration;

use jinlin_shared::wire::AppStanding;

use crate::client::ServerClient;
use crate::error::StationError;
use crate::station::Station;

/// How often the server is asked: a city publishes an app a few times a year.
pub(super) const RELEASE_CHECK_EVERY: Duration = Duration::from_secs(60 * 60);

impl Station {
    /// Asks the server about releases when due (every time while this app is too old,
    /// so a city that lowers its minimum is heard at the next sync), and keeps the
    /// answer in the status; refuses to sync when this app is too old. An unreachable
    /// server is no answer: the sync finds out for itself.
    pub(super) async fn check_release(&self, client: &ServerClient) -> Result<(), StationError> {
        let too_old = matches!(self.sync_status().app, AppStanding::TooOld { .. });
        if self.release_check_due(RELEASE_CHECK_EVERY) || too_old {
            match client.version().await {
                Ok(version) => {
                    let standing = version.releases.standing(crate::app_version());
                    self.update_status(|status| status.app = standing);
                }
                Err(error) => tracing::info!(%error, "the server's releases could not be read"),
            }
        }
        match self.sync_status().app {
            AppStanding::TooOld { minimum, download } => {
                Err(StationError::AppTooOld { minimum: Some(minimum), download })
            }
            _ => Ok(()),
        }
    }
}
