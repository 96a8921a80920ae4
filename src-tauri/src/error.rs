//! What can go wrong in a workstation operation, with a stable code for the window
//! and the command line to switch on (never the message).

use jinlin_shared::document::DocumentError;
use jinlin_shared::ids::ElderId;
use jinlin_shared::validate::{RejectCode, ValidationError};
use jinlin_shared::wire::{ErrorBody, ErrorCode};
use serde::{Deserialize, Serialize};

use crate::client::ClientError;
use crate::crypto::CryptoError;
use crate::settings::SettingsError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StationError {
    #[error("no one is signed in")]
    SignedOut,
    #[error("the screen is locked; unlock it with the password first")]
    Locked,
    #[error("the user name or password is wrong")]
    WrongPassword,
    #[error("{login} has never signed in on this workstation; the first sign-in needs the server")]
    FirstSignInNeedsServer { login: String },
    #[error("this needs the server, which cannot be reached now")]
    Offline,
    #[error("the session has expired; sign in again while the server can be reached")]
    SessionExpired,
    #[error("this workstation has been revoked by an administrator; its data was removed")]
    DeviceRevoked,
    #[error("no elder {0} on this workstation")]
    UnknownElder(ElderId),
    #[error("elder {0} is outside your area")]
    OutOfScope(ElderId),
    #[error("{0}")]
    Invalid(#[from] DocumentError),
    /// The edit breaks a rule the server holds every push to (a limit, or what the
    /// user's role may do); nothing was saved.
    #[error("{0}")]
    Refused(ValidationError),
    /// The server no longer syncs with this app (it speaks an older protocol, or is
    /// older than the city's minimum); work goes on here, offline.
    #[error("this app ({}) is too old for the server{}; install the newer app{}", crate::APP_VERSION, .minimum.map(|m| format!(", which asks for {m} or newer")).unwrap_or_default(), .download.as_ref().map(|d| format!(" from {d}")).unwrap_or_default())]
    AppTooOld { minimum: Option<jinlin_shared::wire::AppVersion>, download: Option<String> },
    #[error("the server refused: {}", .0.message)]
    Server(ErrorBody),
    #[error(transparent)]
    Client(ClientError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored data could not be opened: {0}")]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("the file could not be saved in {folder}: {reason}")]
    SaveFailed { folder: String, reason: String },
    #[error("the PDF could not be made: {0}")]
    Print(jinlin_print::PdfError),
    #[error("{0}")]
    Internal(String),
}

/// The closed set of error codes the window and the command line switch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub enum StationErrorCode {
    SignedOut,
    Locked,
    WrongPassword,
    FirstSignInNeedsServer,
    Offline,
    SessionExpired,
    DeviceRevoked,
    UnknownElder,
    OutOfScope,
    Invalid,
    /// The user's role may not do this (the role table in the policy).
    NotPermitted,
    /// The settings name a plain `http://` server on another computer.
    PlainHttp,
    /// The server's certificate is not trusted (a wrong address, or the city's
    /// certificate authority missing from the settings).
    UntrustedServer,
    /// This app is too old for the server: the city's newer one must be installed.
    AppTooOld,
    ServerRefused,
    BadSettings,
    SaveFailed,
    /// A printed sheet could not be drawn (no Chinese font on this computer).
    PrintFailed,
    Storage,
    Internal,
}

impl StationError {
    /// A fault of this program or of data it wrote itself (a malformed id in its own
    /// store, a task that panicked): said as it is, for the log and the support call.
    pub(crate) fn internal(error: impl std::fmt::Display) -> Self {
        StationError::Internal(error.to_string())
    }

    pub fn code(&self) -> StationErrorCode {
        match self {
            StationError::SignedOut => StationErrorCode::SignedOut,
            StationError::Locked => StationErrorCode::Locked,
            StationError::Settings(SettingsError::PlainHttp(_)) => StationErrorCode::PlainHttp,
            StationError::Settings(_) => StationErrorCode::BadSettings,
            StationError::SaveFailed { .. } => StationErrorCode::SaveFailed,
            StationError::Print(_) => StationErrorCode::PrintFailed,
            StationError::WrongPassword => StationErrorCode::WrongPassword,
            StationError::FirstSignInNeedsServer { .. } => StationErrorCode::FirstSignInNeedsServer,
            StationError::Offline => StationErrorCode::Offline,
            StationError::SessionExpired => StationErrorCode::SessionExpired,
            StationError::DeviceRevoked => StationErrorCode::DeviceRevoked,
            StationError::UnknownElder(_) => StationErrorCode::UnknownElder,
            StationError::OutOfScope(_) => StationErrorCode::OutOfScope,
            StationError::Invalid(_) => StationErrorCode::Invalid,
            StationError::Refused(refusal) => match refusal.code() {
                RejectCode::NotPermitted => StationErrorCode::NotPermitted,
                RejectCode::OutOfScope => StationErrorCode::OutOfScope,
                _ => StationErrorCode::Invalid,
            },
            StationError::AppTooOld { .. } => StationErrorCode::AppTooOld,
            StationError::Server(_) => StationErrorCode::ServerRefused,
            StationError::Client(ClientError::Untrusted { .. }) => StationErrorCode::UntrustedServer,
            StationError::Client(_) | StationError::Internal(_) => StationErrorCode::Internal,
            StationError::Store(_) | StationError::Crypto(_) => StationErrorCode::Storage,
        }
    }
}

impl From<ClientError> for StationError {
    fn from(error: ClientError) -> Self {
        match error {
            ClientError::Unreachable { .. } => StationError::Offline,
            ClientError::BadAddress(address) => StationError::Settings(SettingsError::BadServerAddress(address)),
            ClientError::PlainHttp(server) => StationError::Settings(SettingsError::PlainHttp(server)),
            ClientError::BadCertificateAuthority { path, reason } => {
                StationError::Settings(SettingsError::BadCertificateAuthority { path, reason })
            }
            ClientError::Refused(body) => match body.error {
                ErrorCode::SessionExpired | ErrorCode::Unauthorised => StationError::SessionExpired,
                ErrorCode::DeviceRevoked => StationError::DeviceRevoked,
                ErrorCode::UnsupportedProtocol => StationError::AppTooOld { minimum: None, download: None },
                _ => StationError::Server(body),
            },
            other => StationError::Client(other),
        }
    }
}

/// An error as it crosses to the window: `{ "code": …, "message": …, "refusal": … }`.
/// The window speaks from the codes, in the user's language; `message` is this
/// program's English sentence, for the English screen, the log and the command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ErrorView {
    pub code: StationErrorCode,
    pub message: String,
    /// Which rule refused the edit and the field at fault, when a rule did.
    pub refusal: Option<RefusalView>,
    /// The sentence in Chinese, where the core has one: a person's input an
    /// operation refused (a date before the enrolment, a blank reason …).
    pub zh: Option<String>,
}

/// A rule's refusal as the window shows it: the code (`REJECT_CODE_LABELS`) and the
/// field at fault, a dotted path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct RefusalView {
    pub code: RejectCode,
    pub field: Option<String>,
}

impl From<&StationError> for ErrorView {
    fn from(error: &StationError) -> Self {
        let refusal = match error {
            StationError::Refused(refusal) => Some(RefusalView { code: refusal.code(), field: refusal.field() }),
            _ => None,
        };
        let zh = match error {
            StationError::Invalid(jinlin_shared::document::DocumentError::Input(input)) => {
                Some(input.message(jinlin_shared::label::Language::ZhCn))
            }
            _ => None,
        };
        Self { code: error.code(), message: error.to_string(), refusal, zh }
    }
}
