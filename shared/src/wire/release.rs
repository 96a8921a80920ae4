//! Versions that overlap: an app's own version, and what the server says of the apps
//! a city runs (the oldest it still syncs with, the newest it offers, and where to
//! download it). The server answers them at `GET version`; a workstation compares
//! itself with them and tells its user ([`AppStanding`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An app version, `major.minor.patch` as Cargo writes it (`0.1.0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AppVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

/// Why a text is not an app version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a version such as 1.2.0 (three numbers with dots)")]
pub struct AppVersionError(pub String);

impl FromStr for AppVersion {
    type Err = AppVersionError;
    fn from_str(text: &str) -> Result<Self, AppVersionError> {
        let refused = || AppVersionError(text.chars().take(32).collect());
        let mut parts = text.trim().trim_start_matches('v').split('.');
        let mut number = || -> Result<u32, AppVersionError> {
            let part = parts.next().ok_or_else(refused)?;
            if part.is_empty() || part.len() > 9 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(refused());
            }
            part.parse().map_err(|_| refused())
        };
        let version = AppVersion { major: number()?, minor: number()?, patch: number()? };
        match parts.next() {
            None => Ok(version),
            Some(_) => Err(refused()),
        }
    }
}

impl fmt::Display for AppVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl Serialize for AppVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AppVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// What the city says of its apps, from the server's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Releases {
    /// Apps older than this are told to update, and stop syncing (their work waits,
    /// offline, for the new app).
    #[serde(default)]
    pub minimum_app: Option<AppVersion>,
    /// The newest app the city offers; older ones are told it exists.
    #[serde(default)]
    pub current_app: Option<AppVersion>,
    /// Where the city offers it (an address on its own network).
    #[serde(default)]
    pub download: Option<String>,
}

/// How an app stands against the city's releases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum AppStanding {
    UpToDate,
    /// A newer app is offered; this one still syncs.
    UpdateAvailable {
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        version: AppVersion,
        download: Option<String>,
    },
    /// The server no longer syncs with this app: it keeps working offline, and its
    /// user is told to update.
    TooOld {
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        minimum: AppVersion,
        download: Option<String>,
    },
}

impl Releases {
    /// How `app` stands: too old before the minimum, behind the current release, or
    /// up to date.
    pub fn standing(&self, app: AppVersion) -> AppStanding {
        let download = self.download.clone();
        match (self.minimum_app, self.current_app) {
            (Some(minimum), _) if app < minimum => AppStanding::TooOld { minimum, download },
            (_, Some(version)) if app < version => AppStanding::UpdateAvailable { version, download },
            _ => AppStanding::UpToDate,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> AppVersion {
        text.parse().expect("a version")
    }

    #[test]
    fn versions_read_as_cargo_writes_them_and_order_by_number() {
        assert_eq!(v("0.1.0"), AppVersion { major: 0, minor: 1, patch: 0 });
        assert_eq!(v("v1.10.2").to_string(), "1.10.2");
        assert!(v("0.10.0") > v("0.9.9"), "by number, not by text");
        for bad in ["", "1", "1.2", "1.2.3.4", "1.x.3", "1..3", "-1.2.3", "99999999999.0.0"] {
            assert!(bad.parse::<AppVersion>().is_err(), "{bad:?}");
        }
        assert_eq!(serde_json::to_string(&v("1.2.3")).expect("serialises"), "\"1.2.3\"");
        assert!(serde_json::from_str::<AppVersion>("\"one\"").is_err());
    }

    #[test]
    fn an_app_is_too_old_below_the_minimum_behind_below_the_current_and_else_up_to_date() {
        let releases = Releases {
            minimum_app: Some(v("0.2.0")),
            current_app: Some(v("0.3.0")),
            download: Some("https://jinlin.xm.gov.cn/download".into()),
        };
        assert!(matches!(releases.standing(v("0.1.9")), AppStanding::TooOld { minimum, .. } if minimum == v("0.2.0")));
        assert!(
            matches!(releases.standing(v("0.2.5")), AppStanding::UpdateAvailable { version, .. } if version == v("0.3.0"))
        );
        assert_eq!(releases.standing(v("0.3.0")), AppStanding::UpToDate);
        assert_eq!(releases.standing(v("0.4.0")), AppStanding::UpToDate, "a newer app than the city offers");
        assert_eq!(Releases::default().standing(v("0.0.1")), AppStanding::UpToDate, "a city that says nothing");
    }
}
