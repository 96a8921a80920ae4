//! Why a request fails as a whole: the error codes every HTTP error carries, the
//! body they travel in, and the refusals made before any document is read.

use serde::{Deserialize, Serialize};

use super::{OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION};
use crate::ids::ElderId;
use crate::label::labelled_enum;

labelled_enum! {
    /// Why a request failed as a whole; the `error` of an [`ErrorBody`]. Clients
    /// switch on it, never on the message.
    pub enum ErrorCode {
        BadRequest = "badRequest" => ("请求有误", "The request is malformed"),
        PayloadTooLarge = "payloadTooLarge" => ("请求数据过大", "The request is too large"),
        Unauthorised = "unauthorised" => ("尚未登录", "You are not signed in"),
        Forbidden = "forbidden" => ("没有权限", "You are not allowed to do this"),
        WrongCredentials = "wrongCredentials" => ("用户名或密码错误", "The user name or password is wrong"),
        NotFound = "notFound" => ("未找到", "Not found"),
        MethodNotAllowed = "methodNotAllowed" => ("不支持此请求方式", "This method is not allowed here"),
        Conflict = "conflict" => ("与现有数据冲突", "It conflicts with existing data"),
        UnsupportedProtocol = "unsupportedProtocol" => ("软件版本不兼容，请更新", "This version is not supported; please update the app"),
        RateLimited = "rateLimited" => ("请求过于频繁，请稍后再试", "Too many requests; try again shortly"),
        SessionExpired = "sessionExpired" => ("登录已过期，请重新登录", "Your session has expired; please sign in again"),
        DeviceRevoked = "deviceRevoked" => ("此工作站已被停用", "This workstation has been revoked"),
        Unavailable = "unavailable" => ("服务器暂时不可用", "The server is temporarily unavailable"),
        Internal = "internal" => ("服务器内部错误", "Something went wrong on the server"),
    }
}

impl ErrorCode {
    /// The HTTP status the server answers with.
    pub fn status(self) -> u16 {
        match self {
            // 400 rather than 426: 426 promises an `Upgrade` header naming a protocol
            // to switch to, and the remedy here is a new app, not a new connection.
            ErrorCode::BadRequest | ErrorCode::UnsupportedProtocol => 400,
            // Both mean "sign in again"; the code tells the client which words to show.
            ErrorCode::Unauthorised | ErrorCode::SessionExpired => 401,
            // Signing in again will not help a revoked device.
            ErrorCode::Forbidden | ErrorCode::WrongCredentials | ErrorCode::DeviceRevoked => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Conflict => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
        }
    }

    /// Whether the same request may succeed later unchanged, so the sync engine
    /// backs off and retries instead of stopping to show the error.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorCode::RateLimited | ErrorCode::Unavailable | ErrorCode::Internal)
    }
}

/// Every HTTP error's body: exactly `{"error": code, "message": text}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{error}: {message}")]
pub struct ErrorBody {
    pub error: ErrorCode,
    /// A sentence for people; never an internal cause (those are logged, not sent).
    pub message: String,
}

impl ErrorBody {
    pub fn new(error: ErrorCode, message: impl Into<String>) -> Self {
        Self { error, message: message.into() }
    }

    pub fn status(&self) -> u16 {
        self.error.status()
    }
}

/// Why a sync request is refused before any document is read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    #[error("protocol version {requested} is not supported; this server speaks {oldest} to {newest}")]
    UnsupportedProtocol { requested: u32, oldest: u32, newest: u32 },
    #[error("the push holds {count} documents; at most {max} are allowed")]
    TooManyDocuments { count: usize, max: usize },
    #[error("the push holds {count} changes for elder {elder}; at most {max} are allowed")]
    TooManyChanges { elder: ElderId, count: usize, max: usize },
    #[error("change {index} for elder {elder} is {bytes} bytes; at most {max} are allowed")]
    ChangeTooLarge { elder: ElderId, index: usize, bytes: usize, max: usize },
    #[error("the push names elder {elder} more than once")]
    DuplicateElder { elder: ElderId },
    #[error("the push holds {found} {what}; at most {max} are allowed in one push")]
    PushTooHeavy { what: &'static str, found: u64, max: u64 },
    #[error("the pull reports waiting changes of {found} authors; at most {max} are allowed")]
    TooManyWaitingAuthors { found: usize, max: usize },
}

impl RequestError {
    pub fn code(&self) -> ErrorCode {
        match self {
            RequestError::UnsupportedProtocol { .. } => ErrorCode::UnsupportedProtocol,
            RequestError::TooManyDocuments { .. }
            | RequestError::TooManyChanges { .. }
            | RequestError::ChangeTooLarge { .. }
            | RequestError::PushTooHeavy { .. }
            | RequestError::TooManyWaitingAuthors { .. } => ErrorCode::PayloadTooLarge,
            RequestError::DuplicateElder { .. } => ErrorCode::BadRequest,
        }
    }
}

impl From<&RequestError> for ErrorBody {
    fn from(error: &RequestError) -> Self {
        ErrorBody::new(error.code(), error.to_string())
    }
}

/// Refuses a protocol version this build does not speak: it speaks its own and the
/// one before ([`OLDEST_PROTOCOL_VERSION`]).
pub fn check_protocol(requested: u32) -> Result<(), RequestError> {
    if (OLDEST_PROTOCOL_VERSION..=PROTOCOL_VERSION).contains(&requested) {
        Ok(())
    } else {
        Err(RequestError::UnsupportedProtocol { requested, oldest: OLDEST_PROTOCOL_VERSION, newest: PROTOCOL_VERSION })
    }
}
