//! Middleware around every route: the request time limit, and the last resort that
//! turns any error response not already JSON (axum's own 405, an unknown method's
//! rejection, anything a layer answers) into `{ "error": code, "message": text }`.

use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jinlin_shared::label::{Labelled as _, Language};
use jinlin_shared::wire::ErrorBody;

use super::error::{ApiError, code_for_status};

/// The longest body of a non-JSON error read to become its message: axum's own
/// rejections are one line; anything longer is not a message meant for people.
const MESSAGE_BYTES: usize = 1024;

/// Carries the route a request matched (`/api/v1/elders/{elder}/identity`) to its
/// response, for [`request_log`]. A route layer: axum has matched the route by then.
pub async fn mark_route(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}

/// One line per request at `info`: its method, the route it matched (a template, so
/// no id or query string), the status and the time taken. Never a body, a query
/// string or a header: those can hold passwords, tokens and ID numbers.
pub async fn request_log(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let route = response.extensions().get::<MatchedPath>().map_or("(no route)", MatchedPath::as_str);
    let ms = started.elapsed().as_millis() as u64;
    tracing::info!(%method, route = %route, status = response.status().as_u16(), ms, "answered");
    response
}

/// Stops a request that runs past `limit` with [`ApiError::TimedOut`]. The handler's
/// future is dropped, so a transaction in flight rolls back, as it would if the
/// client had gone away.
pub async fn time_limit(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::TimedOut { limit }.into_response(),
    }
}

/// Ends the connection after an error answer to a request that carried a body. Such
/// a body may have been refused before it was read (a `Content-Length` past the limit:
/// 413; no session: 401), and its unread bytes still sit on the connection: hyper will
/// not reuse it, so `Connection: close` tells a pooled client not to send its next
/// request there. Error answers are rare enough that closing after every one of them
/// costs nothing worth a finer rule.
pub async fn close_after_refused_body(request: Request, next: Next) -> Response {
    let carried_a_body = request.headers().contains_key(header::TRANSFER_ENCODING)
        || request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|length| length.to_str().ok())
            .is_some_and(|length| length.trim() != "0");
    let mut response = next.run(request).await;
    if carried_a_body && (response.status().is_client_error() || response.status().is_server_error()) {
        response.headers_mut().insert(header::CONNECTION, header::HeaderValue::from_static("close"));
    }
    response
}

/// Gives every error response a JSON body. Responses with status 400 or more whose
/// content type is not JSON keep their status and headers (`Allow`, `Retry-After`),
/// and get the [`jinlin_shared::wire::ErrorCode`] of their status and a message: the
/// body's text for a client error (axum's rejections say what was wrong, and hold no
/// internal cause), the code's own words otherwise.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let response = next.run(request).await;
    let status = response.status();
    if status.as_u16() < 400 || is_json(response.headers()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let code = code_for_status(status);
    let text = if status.is_client_error() {
        axum::body::to_bytes(body, MESSAGE_BYTES)
            .await
            .ok()
            .and_then(|bytes| String::from_utf8(bytes.to_vec()).ok())
            .map(|text| text.trim().to_owned())
            .filter(|text| !text.is_empty())
    } else {
        None
    };
    let message = match (status, text) {
        (_, Some(text)) => text,
        (StatusCode::METHOD_NOT_ALLOWED, None) => {
            let allowed = parts.headers.get(header::ALLOW).and_then(|v| v.to_str().ok()).unwrap_or("");
            format!("{method} is not allowed here (allowed: {allowed})")
        }
        (_, None) => code.label(Language::En).to_owned(),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    let json = Json(ErrorBody::new(code, message)).into_response();
    let (json_parts, json_body) = json.into_parts();
    parts.headers.extend(json_parts.headers);
    Response::from_parts(parts, Body::new(json_body))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/json"))
}
