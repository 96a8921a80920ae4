//! Identifier newtypes: every id in Jinlin is a UUIDv7, carried as a string on the wire.
//!
//! UUIDv7 sorts by creation time, which keeps database indexes and document maps
//! append-friendly. This crate never makes ids itself (it has no clock and no
//! randomness): callers generate them and pass them in, and this module checks them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// Why a string is not a Jinlin id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    #[error("{kind} id {value:?} is not a UUID")]
    NotAUuid { kind: &'static str, value: String },
    #[error("{kind} id {value:?} is a UUID version {version}, expected version 7")]
    WrongVersion { kind: &'static str, value: String, version: usize },
}

macro_rules! uuid_v7_id {
    ($(#[$meta:meta])* $name:ident, $kind:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub struct $name(Uuid);

        impl $name {
            /// The kind of id, as error messages name it.
            pub const KIND: &'static str = $kind;

            /// Wraps a UUID, refusing any version but 7.
            pub fn from_uuid(uuid: Uuid) -> Result<Self, IdError> {
                match uuid.get_version_num() {
                    7 => Ok(Self(uuid)),
                    version => Err(IdError::WrongVersion {
                        kind: $kind,
                        value: uuid.to_string(),
                        version,
                    }),
                }
            }

            /// Builds a UUIDv7 from a creation time and ten bytes the caller chose at random.
            pub fn from_parts(unix_millis: u64, random: [u8; 10]) -> Self {
                Self(uuid::Builder::from_unix_timestamp_millis(unix_millis, &random).into_uuid())
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                let uuid = Uuid::try_parse(s).map_err(|_| IdError::NotAUuid {
                    kind: $kind,
                    value: s.chars().take(64).collect(),
                })?;
                Self::from_uuid(uuid)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.as_hyphenated().fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.as_hyphenated())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

uuid_v7_id!(
    /// An elder on the roster; also the id of the elder's document.
    ElderId, "elder"
);
uuid_v7_id!(
    /// One visit, the key of the document's `visits` map.
    VisitId, "visit"
);
uuid_v7_id!(
    /// One follow-up action, the key of the document's `followUps` map.
    FollowUpId, "follow-up"
);
uuid_v7_id!(
    /// A person who signs in: assistant, supervisor or admin.
    UserId, "user"
);
uuid_v7_id!(
    /// A registered workstation (or the server itself, for changes it authors).
    DeviceId, "device"
);
uuid_v7_id!(
    /// An area of any level: district, street or community.
    AreaId, "area"
);
uuid_v7_id!(
    /// One entry of an elder's status history or placement history.
    EntryId, "entry"
);
uuid_v7_id!(
    /// One emergency contact of an elder.
    ContactId, "contact"
);
uuid_v7_id!(
    /// The central database's generation: made when the database is created, and
    /// anew each time a backup is restored into it. A workstation that sees it change
    /// sends again what the server may have lost.
    Generation, "generation"
);

impl DeviceId {
    /// The server itself, as the device of changes it writes on a user's behalf.
    pub const SERVER: DeviceId = DeviceId(Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0000));
}

/// A community is an area of the lowest level; its id is an [`AreaId`].
pub type CommunityId = AreaId;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_their_string_form() {
        let id = ElderId::from_parts(1_700_000_000_000, [7; 10]);
        let text = id.to_string();
        assert_eq!(text.parse::<ElderId>(), Ok(id));
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<ElderId>(&json).unwrap(), id);
    }

    #[test]
    fn ids_refuse_other_uuid_versions_and_garbage() {
        let v4 = "8c3f1f5e-4b7a-4c2e-9d1a-2f0e6b1c3a4d";
        assert!(matches!(v4.parse::<VisitId>(), Err(IdError::WrongVersion { version: 4, .. })));
        assert!(matches!("not-an-id".parse::<VisitId>(), Err(IdError::NotAUuid { .. })));
        assert!(serde_json::from_str::<UserId>("\"\"").is_err());
    }
}
