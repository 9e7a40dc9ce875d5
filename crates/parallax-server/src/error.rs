//! Request failures with the status that fits: answered as JSON by the
//! API, as a page by [`crate::pages`].

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::pool::PoolError;
use crate::search::SearchError;

/// A request that cannot be answered as asked.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A query or path parameter is malformed, missing, repeated or
    /// unknown; `parameter` names it.
    #[error("parameter '{parameter}' {problem}")]
    BadParameter { parameter: String, problem: String, code: ErrorCode },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Pool(#[from] PoolError),
    #[error("{0}")]
    Search(#[from] SearchError),
    #[error("server: cannot render the page: {0}")]
    Render(#[from] askama::Error),
    #[error("server: cannot encode the answer: {0}")]
    Encode(String),
    /// Too many requests of this kind at once; try again after
    /// `retry_after` seconds.
    #[error("{what}; try again in {retry_after} s")]
    Busy { what: &'static str, retry_after: u64 },
}

/// What went wrong, as a client program tests it: stable across versions
/// (messages may be reworded; codes are not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A value that does not have the parameter's form.
    InvalidParameter,
    /// A required parameter is absent or empty.
    MissingParameter,
    /// A parameter given more than once.
    RepeatedParameter,
    /// A parameter this endpoint does not take.
    UnknownParameter,
    NotFound,
    MethodNotAllowed,
    /// Too many requests of this kind at once: retry after `Retry-After`.
    Busy,
    Unavailable,
    Internal,
}

impl AppError {
    /// A malformed value.
    pub fn bad(parameter: &str, problem: impl Into<String>) -> AppError {
        AppError::bad_as(ErrorCode::InvalidParameter, parameter, problem)
    }

    /// A parameter error of the given kind.
    pub fn bad_as(code: ErrorCode, parameter: &str, problem: impl Into<String>) -> AppError {
        AppError::BadParameter { parameter: parameter.to_string(), problem: problem.into(), code }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadParameter { .. } => StatusCode::BAD_REQUEST,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Pool(PoolError::Closed) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Pool(_) | AppError::Search(_) | AppError::Render(_) | AppError::Encode(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::BadParameter { code, .. } => *code,
            AppError::NotFound(_) => ErrorCode::NotFound,
            AppError::Busy { .. } => ErrorCode::Busy,
            AppError::Pool(PoolError::Closed) => ErrorCode::Unavailable,
            AppError::Pool(_) | AppError::Search(_) | AppError::Render(_) | AppError::Encode(_) => ErrorCode::Internal,
        }
    }

    /// The parameter a 400 is about.
    pub fn parameter(&self) -> Option<&str> {
        match self {
            AppError::BadParameter { parameter, .. } => Some(parameter),
            _ => None,
        }
    }

    /// What the client is told: the full reason for its own mistakes, a
    /// generic line for ours (the reason goes to the log).
    pub fn public_message(&self) -> String {
        if self.status().is_server_error() && !matches!(self, AppError::Busy { .. }) {
            tracing::error!(error = %self, "request failed");
            "the server could not answer this request; the reason is in its log".to_string()
        } else {
            self.to_string()
        }
    }
}

/// An error answered as JSON ([`crate::responses::ErrorBody`]).
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(error: E) -> Self {
        ApiError(error.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let body = crate::responses::ErrorBody {
            status: status.as_u16(),
            code: self.0.code(),
            message: self.0.public_message(),
            parameter: self.0.parameter().map(str::to_string),
        };
        let mut response = (status, axum::Json(body)).into_response();
        self.0.add_headers(&mut response);
        response
    }
}

impl AppError {
    /// `Retry-After` on a 503 that says when to come back.
    pub(crate) fn add_headers(&self, response: &mut Response) {
        if let AppError::Busy { retry_after, .. } = self {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(*retry_after));
        }
    }
}
