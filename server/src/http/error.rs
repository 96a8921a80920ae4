//! The one HTTP error type: every failure a handler can have, mapped once to a status
//! and the JSON body `{ "error": code, "message": text }`. Internal causes are logged
//! with their chain and never sent.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jinlin_shared::wire::{ErrorBody, ErrorCode, RequestError};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("the request body is too large")]
    PayloadTooLarge,
    #[error("sign in first")]
    Unauthorised,
    #[error("the session has expired or was revoked; sign in again")]
    SessionExpired,
    #[error("this workstation was revoked by an administrator")]
    DeviceRevoked,
    #[error("{0}")]
    Forbidden(String),
    /// The one answer to a wrong login, a wrong password and a disabled account.
    #[error("the user name or password is wrong")]
    WrongCredentials,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("too many failed sign-ins; try again in {retry_after_seconds} s")]
    RateLimited { retry_after_seconds: i64 },
    #[error(transparent)]
    Request(#[from] RequestError),
    #[error("the server is busy; try again")]
    Unavailable,
    /// Every password-hashing slot stayed taken ([`crate::state::Limits::concurrent_password_hashes`]).
    #[error("the server is checking as many sign-ins as it can at once; try again in {retry_after_seconds} s")]
    SignInsBusy { retry_after_seconds: u64 },
    /// Every report slot is taken ([`crate::state::Limits::concurrent_reports`]).
    #[error("the server is making as many reports as it can at once; try again in {retry_after_seconds} s")]
    ReportsBusy { retry_after_seconds: u64 },
    /// The request ran past [`crate::state::Limits::request_timeout`] and was stopped.
    #[error("the request took longer than {} and was stopped; try again", spoken(*.limit))]
    TimedOut { limit: std::time::Duration },
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl From<crate::sync::push::PushError> for ApiError {
    fn from(error: crate::sync::push::PushError) -> Self {
        match error {
            crate::sync::push::PushError::Request(e) => ApiError::Request(e),
            crate::sync::push::PushError::Internal(e) => ApiError::Internal(e),
        }
    }
}

impl From<crate::generation::GenerationError> for ApiError {
    fn from(error: crate::generation::GenerationError) -> Self {
        ApiError::Internal(error.into())
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        ApiError::Internal(anyhow::Error::new(error).context("database"))
    }
}

impl ApiError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::BadRequest(_) => ErrorCode::BadRequest,
            ApiError::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            ApiError::Unauthorised => ErrorCode::Unauthorised,
            ApiError::SessionExpired => ErrorCode::SessionExpired,
            ApiError::DeviceRevoked => ErrorCode::DeviceRevoked,
            ApiError::Forbidden(_) => ErrorCode::Forbidden,
            ApiError::WrongCredentials => ErrorCode::WrongCredentials,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::Conflict(_) => ErrorCode::Conflict,
            ApiError::RateLimited { .. } => ErrorCode::RateLimited,
            ApiError::Request(e) => e.code(),
            ApiError::Unavailable
            | ApiError::ReportsBusy { .. }
            | ApiError::SignInsBusy { .. }
            | ApiError::TimedOut { .. } => ErrorCode::Unavailable,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(error = format!("{cause:#}"), "request failed");
        }
        let code = self.code();
        let status = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = match &self {
            ApiError::RateLimited { retry_after_seconds } => Some(u64::try_from(*retry_after_seconds).unwrap_or(1)),
            ApiError::ReportsBusy { retry_after_seconds } | ApiError::SignInsBusy { retry_after_seconds } => {
                Some(*retry_after_seconds)
            }
            _ => None,
        };
        let mut response = (status, Json(ErrorBody::new(code, self.to_string()))).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        }
        response
    }
}

/// The code for a status that did not come from an [`ApiError`] (axum's own answers:
/// 405, 415, …). The wire's closed set has no code for a wrong method or media type;
/// adding one would be a protocol change every workstation must know, and both are a
/// malformed request, so they are `badRequest` under their own status.
pub fn code_for_status(status: StatusCode) -> ErrorCode {
    match status {
        StatusCode::UNAUTHORIZED => ErrorCode::Unauthorised,
        StatusCode::FORBIDDEN => ErrorCode::Forbidden,
        StatusCode::NOT_FOUND => ErrorCode::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
        StatusCode::CONFLICT => ErrorCode::Conflict,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::TOO_MANY_REQUESTS => ErrorCode::RateLimited,
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT | StatusCode::REQUEST_TIMEOUT => {
            ErrorCode::Unavailable
        }
        status if status.is_client_error() => ErrorCode::BadRequest,
        _ => ErrorCode::Internal,
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            _ => ApiError::BadRequest(rejection.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::BadRequest(rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        // A path that names no route never gets here (that is a 404); these are
        // segments that do not fit, such as bytes that are not UTF-8.
        ApiError::BadRequest(rejection.body_text())
    }
}

/// A duration as people say it: whole seconds, or milliseconds under one.
fn spoken(duration: std::time::Duration) -> String {
    match duration.as_secs() {
        0 => format!("{} ms", duration.as_millis()),
        seconds => format!("{seconds} s"),
    }
}
