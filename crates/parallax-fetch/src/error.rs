use std::fmt;
use std::time::Duration;

use crate::policy::ForbiddenAddress;

/// Why a fetch failed. Every message starts with `fetch:` and names the limit
/// or the server's answer, so it can be shown to a user as is.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("fetch: cannot build the HTTP client: {detail}")]
    Client { detail: String },

    #[error("fetch: fetch.allowed_private_networks entry {entry:?} is not a network in CIDR notation: {problem}")]
    InvalidAllowedNetwork { entry: String, problem: String },

    #[error("fetch: {url:?} is not a valid URL: {source}")]
    InvalidUrl {
        url: String,
        #[source]
        source: url::ParseError,
    },

    #[error("fetch: only http and https URLs are fetched, not {scheme:?}")]
    UnsupportedScheme { scheme: String },

    #[error("fetch: URL {url} has no host")]
    NoHost { url: String },

    #[error("fetch: {0} (pass --allow-private-networks to allow)")]
    ForbiddenAddress(ForbiddenAddress),

    #[error(
        "fetch: host {host} resolves only to forbidden addresses: {forbidden} (pass --allow-private-networks to allow)"
    )]
    ForbiddenHost { host: String, forbidden: ForbiddenAddress },

    #[error("fetch: too many redirects (more than {max})")]
    TooManyRedirects { max: usize },

    #[error("fetch: HTTP {status} redirect from {from} has {problem}")]
    BadRedirect { from: String, status: u16, problem: String },

    #[error("fetch: could not connect within {secs} s")]
    ConnectTimedOut { secs: u64 },

    #[error("fetch: timed out after {secs} s")]
    TimedOut { secs: u64 },

    #[error("fetch: body exceeds {}", ByteSize(*limit_bytes))]
    BodyTooLarge { limit_bytes: u64 },

    #[error("fetch: HTTP {status} {reason}{}", RetryNote(*retry_after))]
    Http { status: u16, reason: String, retry_after: Option<Duration> },

    #[error("fetch: request to {url} failed: {detail}")]
    Network { url: String, detail: String },

    #[error("fetch: reading the body of {url} failed: {detail}")]
    Body { url: String, detail: String },

    /// An error status from a configured endpoint ([`crate::JsonClient`]),
    /// with the start of its answer: model servers say there what was wrong
    /// ("model not found").
    #[error("fetch: HTTP {status} {reason}{}", AnswerNote(answer))]
    EndpointStatus { status: u16, reason: String, answer: String },

    #[error("fetch: the answer of {url} is not JSON: {detail}")]
    NotJson { url: String, detail: String },
}

impl FetchError {
    /// How long the server asked us to wait (429 and 503 only), already
    /// clamped to the configured `[min_retry_after_secs, max_retry_after_secs]`.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status, when the server answered with an error status.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Http { status, .. } | FetchError::EndpointStatus { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Byte counts as people read them: whole MiB or KiB when exact.
struct ByteSize(u64);

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const KIB: u64 = 1024;
        const MIB: u64 = 1024 * KIB;
        match self.0 {
            bytes if bytes >= MIB && bytes % MIB == 0 => write!(f, "{} MiB", bytes / MIB),
            bytes if bytes >= KIB && bytes % KIB == 0 => write!(f, "{} KiB", bytes / KIB),
            bytes => write!(f, "{bytes} bytes"),
        }
    }
}

struct RetryNote(Option<Duration>);

impl fmt::Display for RetryNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(wait) => write!(f, " (retry after {} s)", wait.as_secs()),
            None => Ok(()),
        }
    }
}

struct AnswerNote<'a>(&'a str);

impl fmt::Display for AnswerNote<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() { Ok(()) } else { write!(f, ": {}", self.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(error: FetchError, expected: &str) {
        assert_eq!(error.to_string(), expected);
    }

    #[test]
    fn messages_name_the_limit() {
        check(FetchError::BodyTooLarge { limit_bytes: 15 * 1024 * 1024 }, "fetch: body exceeds 15 MiB");
        check(FetchError::BodyTooLarge { limit_bytes: 64 * 1024 }, "fetch: body exceeds 64 KiB");
        check(FetchError::BodyTooLarge { limit_bytes: 1000 }, "fetch: body exceeds 1000 bytes");
        check(FetchError::TooManyRedirects { max: 5 }, "fetch: too many redirects (more than 5)");
        check(FetchError::TimedOut { secs: 30 }, "fetch: timed out after 30 s");
        check(
            FetchError::Http { status: 404, reason: "Not Found".into(), retry_after: None },
            "fetch: HTTP 404 Not Found",
        );
        check(
            FetchError::Http {
                status: 429,
                reason: "Too Many Requests".into(),
                retry_after: Some(Duration::from_secs(120)),
            },
            "fetch: HTTP 429 Too Many Requests (retry after 120 s)",
        );
        check(
            FetchError::EndpointStatus {
                status: 404,
                reason: "Not Found".into(),
                answer: r#"{"error":"model 'x' not found"}"#.into(),
            },
            r#"fetch: HTTP 404 Not Found: {"error":"model 'x' not found"}"#,
        );
        check(
            FetchError::EndpointStatus { status: 500, reason: "Internal Server Error".into(), answer: String::new() },
            "fetch: HTTP 500 Internal Server Error",
        );
    }
}
