//! Request failures with the status that fits: answered as JSON by the
//! API, as a page by [`crate::pages`].

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::pool::PoolError;
use crate::search::SearchError;

/// A request that cannot be answered as asked.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A query or path parameter is malformed; `parameter` names it.
    #[error("parameter '{parameter}' {problem}")]
    BadParameter { parameter: &'static str, problem: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Pool(#[from] PoolError),
    #[error("{0}")]
    Search(#[from] SearchError),
    #[error("server: cannot render the page: {0}")]
    Render(#[from] askama::Error),
    /// Too many requests of this kind at once; try again after
    /// `retry_after` seconds.
    #[error("{what}; try again in {retry_after} s")]
    Busy { what: &'static str, retry_after: u64 },
}

impl AppError {
    pub fn bad(parameter: &'static str, problem: impl Into<String>) -> AppError {
        AppError::BadParameter { parameter, problem: problem.into() }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadParameter { .. } => StatusCode::BAD_REQUEST,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Pool(PoolError::Closed) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Pool(_) | AppError::Search(_) | AppError::Render(_) => StatusCode::INTERNAL_SERVER_ERROR,
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

/// An error answered as JSON: `{"status": 404, "message": "..."}`.
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(error: E) -> Self {
        ApiError(error.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let body = serde_json::json!({ "status": status.as_u16(), "message": self.0.public_message() });
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
