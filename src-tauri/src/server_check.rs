//! Testing a server address before it is saved (the first-run screen): the address
//! and the authority file checked as the settings are, then the server asked what it
//! is and which protocols it speaks.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::client::{ClientError, ServerClient};
use crate::error::StationError;
use crate::settings::SettingsError;

/// What testing a server address found: the server answers, over a connection this
/// workstation trusts, and speaks this app's protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct ServerCheck {
    /// The address as it will be saved (trimmed, no trailing slash).
    pub server: String,
    /// The server's build, for a support call.
    pub server_version: String,
    /// How this app stands against the city's releases.
    pub app: jinlin_shared::wire::AppStanding,
}

/// Tests `server` (with the authority file `ca_certificate`, if any) before it is
/// saved: a bad address, a plain-HTTP one to another computer, a file that is not a
/// PEM authority, an unreachable or untrusted server, and a server that does not speak
/// this app's protocol are each named; nothing is saved either way.
pub async fn check_server(server: &str, ca_certificate: Option<&str>) -> Result<ServerCheck, StationError> {
    use jinlin_shared::wire::{AppStanding, PROTOCOL_VERSION};
    let ca = ca_certificate.map(str::trim).filter(|path| !path.is_empty()).map(PathBuf::from);
    let client = ServerClient::new(server, ca.as_deref()).map_err(|error| match error {
        ClientError::PlainHttp(server) => SettingsError::PlainHttp(server),
        ClientError::BadCertificateAuthority { path, reason } => {
            SettingsError::BadCertificateAuthority { path, reason }
        }
        _ => SettingsError::BadServerAddress(server.to_owned()),
    })?;
    let version = client.version().await?;
    let oldest = version.oldest_protocol.unwrap_or(version.protocol);
    if PROTOCOL_VERSION > version.protocol {
        return Err(
            SettingsError::ServerTooOld { server: client.server().to_owned(), protocol: version.protocol }.into()
        );
    }
    let app = version.releases.standing(crate::app_version());
    if PROTOCOL_VERSION < oldest {
        let minimum = match &app {
            AppStanding::TooOld { minimum, .. } => Some(*minimum),
            _ => None,
        };
        return Err(StationError::AppTooOld { minimum, download: version.releases.download.clone() });
    }
    Ok(ServerCheck { server: client.server().to_owned(), server_version: version.server, app })
}
