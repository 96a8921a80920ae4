//! Who is signed in: online with the server (registering the device the first time
//! and refreshing the user's key slot), or offline against the key slot an earlier
//! online sign-in left; signing out; and the screen lock.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;

use jinlin_shared::area::Scope;
use jinlin_shared::ids::{CommunityId, UserId};
use jinlin_shared::user::SignedInUser;
use jinlin_shared::wire::{DeviceKey, DeviceRegistration, ErrorCode, LoginRequest, LoginResponse, PROTOCOL_VERSION};
use serde::{Deserialize, Serialize};

use super::{Station, blocking, poisoned};
use crate::client::ClientError;
use crate::crypto::{self, UserKey};
use crate::error::StationError;
use crate::store::{KeySlot, StoredDocument};
use crate::vault::Vault;

/// The signed-in user and what their session holds in memory only.
#[derive(Clone)]
pub(crate) struct Session {
    pub user: SignedInUser,
    pub vault: Vault,
    /// `None` while signed in offline without a live token.
    pub token: Option<String>,
    pub communities: BTreeSet<CommunityId>,
    pub bootstrapped: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("user", &self.user).field("online", &self.token.is_some()).finish()
    }
}

impl Session {
    /// Whether the user may write to `community`: their own community, one of their
    /// scope as the server named them at sign-in, one whose documents they received,
    /// or any for the city scope.
    pub fn can_write(&self, community: CommunityId) -> bool {
        match self.user.scope {
            Scope::City => true,
            Scope::Area(area) => {
                area == community
                    || self.communities.contains(&community)
                    || self.user.communities.iter().any(|named| named.id == community)
            }
        }
    }

    /// Refuses a stored document of a community outside the user's reach.
    pub fn check_scope(&self, row: &StoredDocument) -> Result<(), StationError> {
        if self.can_write(row.community) { Ok(()) } else { Err(StationError::OutOfScope(row.elder)) }
    }
}

/// Why a user was signed in by the workstation alone, without the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub enum OfflineReason {
    /// The server could not be reached.
    Unreachable,
    /// The server is slowing sign-ins down after failed ones (on this login or from
    /// this address).
    Throttled,
    /// The server was too busy to check the password.
    Busy,
}

/// The refusals after which a user known here signs in offline.
fn offline_reason(code: ErrorCode) -> Option<OfflineReason> {
    match code {
        ErrorCode::RateLimited => Some(OfflineReason::Throttled),
        ErrorCode::Unavailable => Some(OfflineReason::Busy),
        _ => None,
    }
}

/// How a sign-in went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct SignIn {
    pub user: SignedInUser,
    /// Why the workstation signed the user in by itself; `None` when the server did.
    pub offline: Option<OfflineReason>,
}

impl Station {
    /// The session for an operation of the window: refused while the screen is locked.
    pub(crate) fn session(&self) -> Result<Session, StationError> {
        let session = self.signed_in()?;
        if self.is_locked() {
            return Err(StationError::Locked);
        }
        Ok(session)
    }

    /// The server and the signed-in user's token for it. The server is read first:
    /// [`Station::set_server`] forgets the token before it changes the server, so a
    /// token read after the server was issued by that server.
    /// Refused while the screen is locked, as [`Station::session`] is.
    pub(crate) fn server_and_token(&self) -> Result<(crate::client::ServerClient, String), StationError> {
        let client = self.client();
        let token = self.session()?.token.ok_or(StationError::Offline)?;
        Ok((client, token))
    }

    /// Ends every session's use of the server: the live token is forgotten (the
    /// user goes on offline, and what waits to be sent stays queued); the stored
    /// ones were sealed for the old server and no longer open.
    pub(crate) fn forget_token(&self) -> Result<(), StationError> {
        if let Some(live) = self.inner.session.write().map_err(|_| poisoned())?.as_mut() {
            live.token = None;
        }
        Ok(())
    }

    /// The session whether or not the screen is locked: for sync and signing out.
    pub(crate) fn signed_in(&self) -> Result<Session, StationError> {
        self.inner.session.read().map_err(|_| poisoned())?.clone().ok_or(StationError::SignedOut)
    }

    fn set_session(&self, session: Option<Session>) -> Result<(), StationError> {
        *self.inner.session.write().map_err(|_| poisoned())? = session;
        Ok(())
    }

    /// The signed-in user, if any.
    pub fn current_user(&self) -> Option<SignedInUser> {
        self.inner.session.read().ok().and_then(|s| s.as_ref().map(|s| s.user.clone()))
    }

    pub fn is_locked(&self) -> bool {
        self.inner.locked.load(Ordering::SeqCst)
    }

    /// Locks the screen (no input for a while, or the user stepped away). Sync goes
    /// on; every other operation waits for [`Station::unlock`].
    pub fn lock(&self) -> Result<(), StationError> {
        self.signed_in()?;
        self.inner.locked.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// Unlocks the screen with the signed-in user's password, checked against their
    /// key slot on this workstation (no network, and no password hash kept).
    pub async fn unlock(&self, password: &str) -> Result<SignedInUser, StationError> {
        let session = self.signed_in()?;
        self.open_key_slot(&session.user.login, password).await?;
        self.inner.locked.store(false, Ordering::SeqCst);
        Ok(session.user)
    }

    /// Users who have signed in on this workstation, for the "who are you" screen.
    pub async fn known_users(&self) -> Result<Vec<SignedInUser>, StationError> {
        Ok(self.inner.store.key_slots().await?.into_iter().map(|slot| slot.user).collect())
    }

    /// Signs in: with the server when it answers (registering the device the first
    /// time and refreshing the user's key slot), otherwise against the key slot kept
    /// from an earlier online sign-in: when the server cannot be reached, is busy, or
    /// slows sign-ins down after failed ones, a user known here still works, offline,
    /// and is told why.
    pub async fn sign_in(&self, login: &str, password: &str) -> Result<SignIn, StationError> {
        let login = login.trim();
        let device = self.inner.store.device_id().await?;
        let request = LoginRequest {
            protocol: PROTOCOL_VERSION,
            login: login.to_owned(),
            password: password.to_owned(),
            device: DeviceRegistration { id: device, name: self.inner.device_name.clone() },
        };
        let client = self.client();
        let (session, offline) = match client.login(&request).await {
            Ok(answer) => (self.signed_in_online(login, password, answer, client.server()).await?, None),
            Err(ClientError::Unreachable { .. }) => {
                (self.sign_in_offline(login, password).await?, Some(OfflineReason::Unreachable))
            }
            Err(ClientError::Refused(body)) if offline_reason(body.error).is_some() => {
                match self.sign_in_offline(login, password).await {
                    Ok(session) => (session, offline_reason(body.error)),
                    // Not known here: the server's own words say when to try again.
                    Err(StationError::FirstSignInNeedsServer { .. }) => return Err(StationError::Server(body)),
                    Err(other) => return Err(other),
                }
            }
            Err(error) => return Err(self.refused_sign_in(login, error).await),
        };
        tracing::info!(login = %session.user.login, offline = ?offline, "signed in");
        let user = session.user.clone();
        self.set_session(Some(session))?;
        self.inner.locked.store(false, Ordering::SeqCst);
        self.publish_counts().await?;
        self.inner.work.notify_one();
        Ok(SignIn { user, offline })
    }

    /// The server said yes: the device is registered, and the user's key slot holds
    /// the device's data key and the new token, each under the user's own key (the
    /// token bound to `issuer`, the server that said yes).
    async fn signed_in_online(
        &self,
        login: &str,
        password: &str,
        answer: LoginResponse,
        issuer: &str,
    ) -> Result<Session, StationError> {
        self.inner.store.set_device_id(answer.device).await?;
        let salt = crypto::new_salt();
        let (password_owned, user_for_slot) = (password.to_owned(), answer.user.id.to_string());
        let own = blocking(move || UserKey::derive(&password_owned, &salt, &user_for_slot)).await??;
        let earlier = self.inner.store.key_slot(login).await?.filter(|earlier| earlier.user.id == answer.user.id);
        let communities = earlier.as_ref().map(|e| e.communities.clone()).unwrap_or_default();
        let bootstrapped = earlier.as_ref().is_some_and(|e| e.bootstrapped);
        self.inner
            .store
            .save_key_slot(KeySlot {
                user: answer.user.clone(),
                salt: salt.to_vec(),
                sealed_key: own.wrap(&answer.device_key),
                sealed_token: Some(own.seal_token(&answer.token, issuer)),
                token_expires_at: Some(answer.expires_at),
                communities: communities.clone(),
                bootstrapped,
                signed_in_at: self.now(),
            })
            .await?;
        Ok(Session {
            user: answer.user,
            vault: Vault::new(&answer.device_key),
            token: Some(answer.token),
            communities,
            bootstrapped,
        })
    }

    /// The server said no: a wrong password reads as one; a revoked device is wiped.
    async fn refused_sign_in(&self, login: &str, error: ClientError) -> StationError {
        let error = StationError::from(error);
        tracing::info!(login, code = ?error.code(), "sign-in refused");
        match error {
            StationError::Server(body) if body.error == ErrorCode::WrongCredentials => StationError::WrongPassword,
            StationError::DeviceRevoked => match self.wipe().await {
                Ok(()) => StationError::DeviceRevoked,
                Err(failed) => failed,
            },
            other => other,
        }
    }

    async fn sign_in_offline(&self, login: &str, password: &str) -> Result<Session, StationError> {
        let (slot, own, key) = self.open_key_slot(login, password).await?;
        let live = slot.token_expires_at.is_some_and(|expires| expires > self.now());
        // A token sealed by an earlier version, or issued by another server than the
        // one this workstation now talks to, does not open: it is dropped, and the next
        // online sign-in brings a new one.
        let token = match (&slot.sealed_token, live) {
            (Some(sealed), true) => own.open_token(sealed, self.client().server()).ok(),
            _ => None,
        };
        Ok(Session {
            user: slot.user,
            vault: Vault::new(&key),
            token,
            communities: slot.communities,
            bootstrapped: slot.bootstrapped,
        })
    }

    /// The user's key slot on this workstation and the data key it holds, opened with
    /// the password (argon2id, off the runtime's threads). A wrong password fails the
    /// slot's AEAD tag: that is the check, and no password hash is kept.
    async fn open_key_slot(&self, login: &str, password: &str) -> Result<(KeySlot, UserKey, DeviceKey), StationError> {
        let slot = self
            .inner
            .store
            .key_slot(login)
            .await?
            .ok_or(StationError::FirstSignInNeedsServer { login: login.into() })?;
        let (sealed_key, salt, user_id, password) =
            (slot.sealed_key.clone(), slot.salt.clone(), slot.user.id.to_string(), password.to_owned());
        let opened = blocking(move || {
            let own = UserKey::derive(&password, &salt, &user_id)?;
            own.unwrap(&sealed_key).map(|key| (own, key))
        })
        .await?;
        match opened {
            Ok((own, key)) => Ok((slot, own, key)),
            Err(crypto::CryptoError::Open) => Err(StationError::WrongPassword),
            Err(other) => Err(other.into()),
        }
    }

    /// Signs out: the key leaves memory; the data stays, sealed, for the next sign-in.
    /// Allowed while the screen is locked: the next person switches user this way.
    pub async fn sign_out(&self) -> Result<(), StationError> {
        let session = self.signed_in()?;
        self.set_session(None)?;
        self.inner.locked.store(false, Ordering::SeqCst);
        if let Some(token) = &session.token {
            // Best effort: an unreachable server lets the token expire by itself.
            let _ = self.client().logout(token).await;
        }
        self.inner.store.clear_token(&session.user.id).await?;
        self.publish_counts().await?;
        Ok(())
    }

    /// The server no longer takes the user's token: it is forgotten here and in the
    /// session, which goes on offline until the next online sign-in.
    pub(crate) async fn session_expired(&self, user: &UserId) -> Result<(), StationError> {
        self.inner.store.clear_token(user).await?;
        if let Some(live) = self.inner.session.write().map_err(|_| poisoned())?.as_mut()
            && live.user.id == *user
        {
            live.token = None;
        }
        Ok(())
    }

    /// Removes every record from this workstation (it was revoked).
    pub(crate) async fn wipe(&self) -> Result<(), StationError> {
        let _turn = self.writing().await;
        self.set_session(None)?;
        self.inner.store.wipe().await?;
        Ok(())
    }
}
