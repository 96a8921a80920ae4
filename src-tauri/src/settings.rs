//! The workstation's settings: which server it talks to, where it keeps its data,
//! and what a person chooses in the window (language, text size, when the screen
//! locks). They live in `settings.json` in the user's configuration directory, which
//! holds only what was chosen; everything else takes its default.

use std::path::{Path, PathBuf};

use jinlin_shared::label::Language;
use serde::{Deserialize, Serialize};

use crate::client::{ClientError, ServerClient};

/// The server a fresh workstation talks to.
pub const DEFAULT_SERVER: &str = match option_env!("JINLIN_PRESET_SERVER") {
    // Set by `scripts/package.sh --server`: a city's installer starts pointed at its server.
    Some(server) => server,
    None => "http://127.0.0.1:8080",
};

/// The city's certificate authority (PEM), set by `scripts/package.sh --ca`; empty
/// when the installer names none. Written beside the settings at the first start.
pub const PRESET_CERTIFICATE_AUTHORITY: &str = include_str!(concat!(env!("OUT_DIR"), "/preset_ca.pem"));

/// Everything the workstation reads at start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DesktopSettings {
    /// The sync server.
    pub server: String,
    /// A certificate authority (PEM file) the workstation trusts besides the
    /// platform's: a city's own, for a server on a government network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_certificate: Option<PathBuf>,
    /// Nothing says yet which server this workstation talks to (no settings file, no
    /// address preset by the installer or the environment): the window asks first.
    #[serde(skip)]
    pub first_run: bool,
    /// The store's directory; `cn.jinlin.desktop` in the platform's data folder when left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    pub language: Language,
    pub text_size: TextSize,
    /// Minutes without input before the screen locks.
    pub lock_after_minutes: u16,
}

impl Default for DesktopSettings {
    fn default() -> Self {
        Self {
            server: DEFAULT_SERVER.into(),
            ca_certificate: None,
            data_dir: None,
            language: Language::ZhCn,
            text_size: TextSize::Standard,
            lock_after_minutes: 10,
            first_run: false,
        }
    }
}

/// How large the window's text is: 100 %, 125 % or 150 % of the standard size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub enum TextSize {
    #[default]
    Standard,
    Large,
    ExtraLarge,
}

/// What the settings screen shows and changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct WindowSettings {
    pub server: String,
    /// The certificate authority file, or `None` for the platform's roots alone.
    pub ca_certificate: Option<String>,
    pub language: Language,
    pub text_size: TextSize,
    pub lock_after_minutes: u16,
    /// The window asks for the server first (`DesktopSettings::first_run`); the core
    /// decides it, whatever the window sends back.
    #[serde(default)]
    pub first_run: bool,
}

/// The range the lock delay may take, in minutes.
pub const LOCK_AFTER_MINUTES: std::ops::RangeInclusive<u16> = 1..=120;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    #[error("{0:?} is not a server address (expected https://host:port)")]
    BadServerAddress(String),
    #[error(
        "{0} is plain HTTP to another computer: passwords and records would cross the network unencrypted; use https://"
    )]
    PlainHttp(String),
    #[error("the certificate authority file {path} cannot be used: {reason}")]
    BadCertificateAuthority { path: String, reason: String },
    #[error("the screen must lock after 1 to 120 minutes without input, not {0}")]
    LockAfterOutOfRange(u16),
    #[error("the settings file {path} could not be written: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error(
        "the server at {server} speaks protocol {protocol}, older than this app's: the server must be upgraded first"
    )]
    ServerTooOld { server: String, protocol: u32 },
}

impl DesktopSettings {
    /// The file's settings over the defaults (an unreadable or damaged file counts as
    /// absent: the window still opens, and saving writes a good one), overlaid by
    /// `JINLIN_SERVER` and `JINLIN_STATION_DATA` for support and for tests.
    pub fn load(file: Option<&Path>) -> Self {
        let saved = file
            .and_then(|file| std::fs::read(file).ok())
            .and_then(|bytes| serde_json::from_slice::<DesktopSettings>(&bytes).ok());
        let mut settings = DesktopSettings {
            first_run: saved.is_none() && option_env!("JINLIN_PRESET_SERVER").is_none(),
            ..saved.unwrap_or_default()
        };
        if let Ok(server) = std::env::var("JINLIN_SERVER") {
            settings.server = server;
            settings.first_run = false;
        }
        if let Ok(file) = std::env::var("JINLIN_CA_CERT") {
            settings.ca_certificate = Some(file.into());
        }
        if let Ok(dir) = std::env::var("JINLIN_STATION_DATA") {
            settings.data_dir = Some(dir.into());
        }
        settings
    }

    /// Names the city's authority preset in the installer, when no other is named: it
    /// is written to `dir/city-ca.pem` (the configuration folder) for the client to read.
    pub fn with_preset_authority(mut self, dir: &Path) -> Self {
        if self.ca_certificate.is_none() && !PRESET_CERTIFICATE_AUTHORITY.is_empty() {
            let path = dir.join("city-ca.pem");
            match std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, PRESET_CERTIFICATE_AUTHORITY)) {
                Ok(()) => self.ca_certificate = Some(path),
                Err(error) => tracing::warn!(%error, "the preset certificate authority could not be written"),
            }
        }
        self
    }

    pub fn window(&self) -> WindowSettings {
        WindowSettings {
            server: self.server.clone(),
            ca_certificate: self.ca_certificate.as_ref().map(|p| p.display().to_string()),
            language: self.language,
            text_size: self.text_size,
            lock_after_minutes: self.lock_after_minutes,
            first_run: self.first_run,
        }
    }

    /// These settings with the window's choices, checked; nothing changes when a
    /// choice is refused.
    pub fn with_window(&self, chosen: &WindowSettings) -> Result<Self, SettingsError> {
        let server = chosen.server.trim().trim_end_matches('/').to_owned();
        let ca_certificate =
            chosen.ca_certificate.as_deref().map(str::trim).filter(|p| !p.is_empty()).map(PathBuf::from);
        ServerClient::new(&server, ca_certificate.as_deref()).map_err(|error| match error {
            ClientError::PlainHttp(server) => SettingsError::PlainHttp(server),
            ClientError::BadCertificateAuthority { path, reason } => {
                SettingsError::BadCertificateAuthority { path, reason }
            }
            _ => SettingsError::BadServerAddress(chosen.server.clone()),
        })?;
        if !LOCK_AFTER_MINUTES.contains(&chosen.lock_after_minutes) {
            return Err(SettingsError::LockAfterOutOfRange(chosen.lock_after_minutes));
        }
        Ok(Self {
            server,
            ca_certificate,
            data_dir: self.data_dir.clone(),
            language: chosen.language,
            text_size: chosen.text_size,
            lock_after_minutes: chosen.lock_after_minutes,
            // Chosen and saved: the server is known from now on.
            first_run: false,
        })
    }

    /// Writes the settings to `file` whole: to a temporary file first, then renamed
    /// over the old one, so a crash leaves either the old settings or the new.
    pub fn save(&self, file: &Path) -> Result<(), SettingsError> {
        let write = |source| SettingsError::Write { path: file.to_owned(), source };
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(write)?;
        }
        let json = serde_json::to_vec_pretty(self).map_err(|e| write(std::io::Error::other(e)))?;
        let temporary = file.with_extension("json.new");
        std::fs::write(&temporary, json).map_err(write)?;
        std::fs::File::open(&temporary).and_then(|f| f.sync_all()).map_err(write)?;
        std::fs::rename(&temporary, file).map_err(write)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chosen() -> WindowSettings {
        WindowSettings {
            server: "https://10.1.2.3:8080/".into(),
            ca_certificate: None,
            language: Language::En,
            text_size: TextSize::ExtraLarge,
            lock_after_minutes: 5,
            first_run: false,
        }
    }

    #[test]
    fn saved_settings_load_back_and_keep_the_data_directory() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("conf/settings.json");
        let start = DesktopSettings { data_dir: Some("/var/jinlin".into()), ..DesktopSettings::default() };
        let changed = start.with_window(&chosen()).unwrap();
        changed.save(&file).unwrap();
        let loaded = DesktopSettings::load(Some(&file));
        assert_eq!(loaded, changed);
        assert_eq!(loaded.server, "https://10.1.2.3:8080", "the trailing slash is trimmed");
        assert_eq!(loaded.data_dir.as_deref(), Some(Path::new("/var/jinlin")));
        assert!(!dir.path().join("conf/settings.json.new").exists());
    }

    #[test]
    fn refused_choices_change_nothing() {
        let start = DesktopSettings::default();
        let bad_server = WindowSettings { server: "10.1.2.3".into(), ..chosen() };
        assert!(matches!(start.with_window(&bad_server), Err(SettingsError::BadServerAddress(_))));
        let never_locks = WindowSettings { lock_after_minutes: 0, ..chosen() };
        assert!(matches!(start.with_window(&never_locks), Err(SettingsError::LockAfterOutOfRange(0))));
        // Plain HTTP is for this computer only.
        let in_the_clear = WindowSettings { server: "http://10.1.2.3:8080".into(), ..chosen() };
        assert!(matches!(start.with_window(&in_the_clear), Err(SettingsError::PlainHttp(_))));
        for local in ["http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"] {
            assert!(start.with_window(&WindowSettings { server: local.into(), ..chosen() }).is_ok(), "{local}");
        }
        let missing_ca = WindowSettings { ca_certificate: Some("/no/such/ca.pem".into()), ..chosen() };
        assert!(matches!(start.with_window(&missing_ca), Err(SettingsError::BadCertificateAuthority { .. })));
        // A page's address, a query, a scheme with a typo: the server's address alone.
        for typo in
            ["https://jinlin.example/login", "https://jinlin.example/?a=1", "htps://jinlin.example", "https//jinlin"]
        {
            let typed = WindowSettings { server: typo.into(), ..chosen() };
            assert!(matches!(start.with_window(&typed), Err(SettingsError::BadServerAddress(_))), "{typo}");
        }
        let dir = tempfile::tempdir().unwrap();
        let not_pem = dir.path().join("ca.txt");
        std::fs::write(&not_pem, "this is not a certificate").unwrap();
        let not_pem = WindowSettings { ca_certificate: Some(not_pem.display().to_string()), ..chosen() };
        assert!(matches!(start.with_window(&not_pem), Err(SettingsError::BadCertificateAuthority { .. })));
    }

    #[test]
    fn a_workstation_with_no_settings_and_no_preset_asks_for_its_server_first() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("settings.json");
        let nothing_preset = std::env::var("JINLIN_SERVER").is_err() && option_env!("JINLIN_PRESET_SERVER").is_none();
        assert_eq!(DesktopSettings::load(Some(&file)).first_run, nothing_preset);
        let saved = DesktopSettings::default().with_window(&chosen()).unwrap();
        assert!(!saved.first_run, "chosen and saved, the server is known");
        saved.save(&file).unwrap();
        assert!(!DesktopSettings::load(Some(&file)).first_run);
    }

    #[test]
    fn a_damaged_file_gives_the_defaults_and_a_partial_file_fills_in_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("settings.json");
        std::fs::write(&file, b"{ not json").unwrap();
        assert_eq!(DesktopSettings::load(Some(&file)).text_size, TextSize::Standard);
        std::fs::write(&file, br#"{"textSize":"large"}"#).unwrap();
        let loaded = DesktopSettings::load(Some(&file));
        assert_eq!((loaded.text_size, loaded.lock_after_minutes), (TextSize::Large, 10));
    }
}
