//! Parallax's only network client: fetches one untrusted feed URL over HTTP(S).
//!
//! This crate owns every outgoing socket. It enforces the fetch limits from
//! [`FetchConfig`]: only http and https; no loopback, private or otherwise
//! internal addresses unless `allow_private_networks` or listed in
//! `allowed_private_networks` (checked on IP literals before each request and
//! on resolved addresses at connect time, see [`policy`]); redirects followed by hand and re-checked hop by hop; a
//! connect timeout and one total deadline over the whole fetch; a cap on the
//! decoded body enforced while streaming. It speaks conditional GET and
//! reports the server's caching and back-off hints.
//!
//! Beside feeds, [`JsonClient`] posts JSON to one endpoint the operator
//! configured (a model server for generative summaries). That URL is trusted
//! configuration, never fetched content, so the address policy does not
//! apply to it; the size cap and the timeout do.
//!
//! It must never parse what it fetched (a non-feed content type is not an
//! error here; the parser decides; [`JsonClient`] only checks that its answer
//! is JSON), never use a proxy (it would bypass the address checks), and
//! never retry on its own: scheduling and back-off belong to the caller.

mod error;
mod headers;
mod json_client;
pub mod policy;
mod resolver;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use parallax_core::config::FetchConfig;
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use url::Url;

pub use error::FetchError;
pub use json_client::{JsonClient, JsonClientLimits};
pub use policy::{AddressClass, AddressPolicy, ForbiddenAddress, IpNetwork};

use resolver::{HostRefused, PolicyResolver};

/// The validators a server gave for a feed, sent back as If-None-Match and
/// If-Modified-Since so an unchanged feed costs a 304.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchOutcome {
    NotModified(NotModified),
    Fetched(FetchedBody),
}

/// A 304: the copy the caller already has is current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotModified {
    /// The server's validators, or the ones sent where it repeated none.
    pub validators: Validators,
    /// Cache-Control max-age, a hint for when to poll next.
    pub max_age: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedBody {
    /// The URL after redirects.
    pub final_url: String,
    pub content_type: Option<String>,
    /// The Content-Location header as sent: the body's own address, which
    /// a feed's relative links resolve against.
    pub content_location: Option<String>,
    /// The decoded body, at most `max_body_bytes` long.
    pub body: Vec<u8>,
    pub validators: Validators,
    /// Cache-Control max-age, a hint for when to poll next.
    pub max_age: Option<Duration>,
}

/// Fetches URLs under the limits of one [`FetchConfig`]. Cheap to clone; the
/// clones share one connection pool.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    limits: Arc<Limits>,
}

#[derive(Debug)]
struct Limits {
    total_timeout: Duration,
    connect_timeout: Duration,
    max_body_bytes: u64,
    max_redirects: usize,
    address_policy: AddressPolicy,
    min_retry_after: Duration,
    max_retry_after: Duration,
    /// Lets unit tests reach a loopback fixture on the first hop while still
    /// proving that later hops are checked.
    #[cfg(test)]
    trust_first_hop: bool,
}

impl Fetcher {
    /// Fails when the HTTP client cannot be built or an entry of
    /// `allowed_private_networks` is not a network.
    pub fn new(config: &FetchConfig) -> Result<Fetcher, FetchError> {
        let limits = Limits {
            total_timeout: Duration::from_secs(config.total_timeout_secs),
            connect_timeout: Duration::from_secs(config.connect_timeout_secs),
            max_body_bytes: config.max_body_bytes,
            max_redirects: config.max_redirects,
            address_policy: AddressPolicy::from_config(config)?,
            min_retry_after: Duration::from_secs(config.min_retry_after_secs),
            max_retry_after: Duration::from_secs(config.max_retry_after_secs),
            #[cfg(test)]
            trust_first_hop: false,
        };
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(limits.connect_timeout)
            .user_agent(config.user_agent.as_str());
        if !limits.address_policy.allow_private_networks {
            builder = builder.dns_resolver(PolicyResolver { policy: limits.address_policy.clone() });
        }
        let client = builder.build().map_err(|error| FetchError::Client { detail: error_chain(&error) })?;
        Ok(Fetcher { client, limits: Arc::new(limits) })
    }

    /// Fetch one URL, conditional on the validators; follows up to
    /// `max_redirects`, re-checking each hop. The total timeout covers the
    /// whole chain, body included.
    pub async fn fetch(&self, url: &str, validators: &Validators) -> Result<FetchOutcome, FetchError> {
        let deadline = self.limits.total_timeout;
        match tokio::time::timeout(deadline, self.follow_redirects(url, validators)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(FetchError::TimedOut { secs: deadline.as_secs() }),
        }
    }

    async fn follow_redirects(&self, url: &str, validators: &Validators) -> Result<FetchOutcome, FetchError> {
        let mut current = Url::parse(url).map_err(|source| FetchError::InvalidUrl { url: url.to_string(), source })?;
        for hop in 0..=self.limits.max_redirects {
            self.check_hop(&current, hop)?;
            let response = self.send(&current, validators).await?;
            let status = response.status();
            if is_followed_redirect(status) {
                current = redirect_target(&current, status, response.headers())?;
                continue;
            }
            return self.finish(current, response, validators).await;
        }
        Err(FetchError::TooManyRedirects { max: self.limits.max_redirects })
    }

    fn check_hop(&self, url: &Url, hop: usize) -> Result<(), FetchError> {
        if self.first_hop_trusted(hop) {
            return policy::check_url(url, &AddressPolicy { allow_private_networks: true, ..AddressPolicy::default() });
        }
        policy::check_url(url, &self.limits.address_policy)
    }

    #[cfg(test)]
    fn first_hop_trusted(&self, hop: usize) -> bool {
        hop == 0 && self.limits.trust_first_hop
    }

    #[cfg(not(test))]
    fn first_hop_trusted(&self, _hop: usize) -> bool {
        false
    }

    async fn send(&self, url: &Url, validators: &Validators) -> Result<reqwest::Response, FetchError> {
        let mut request = self.client.get(url.clone());
        if let Some(etag) = &validators.etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(last_modified) = &validators.last_modified {
            request = request.header(header::IF_MODIFIED_SINCE, last_modified);
        }
        request.send().await.map_err(|error| self.request_error(url, error))
    }

    async fn finish(
        &self,
        url: Url,
        mut response: reqwest::Response,
        sent: &Validators,
    ) -> Result<FetchOutcome, FetchError> {
        let status = response.status();
        let headers = response.headers();
        let max_age = header_text(headers, header::CACHE_CONTROL).and_then(|value| headers::max_age(&value));
        let validators = Validators {
            etag: header_text(headers, header::ETAG),
            last_modified: header_text(headers, header::LAST_MODIFIED),
        };
        if status == StatusCode::NOT_MODIFIED {
            let validators = Validators {
                etag: validators.etag.or_else(|| sent.etag.clone()),
                last_modified: validators.last_modified.or_else(|| sent.last_modified.clone()),
            };
            return Ok(FetchOutcome::NotModified(NotModified { validators, max_age }));
        }
        if !status.is_success() {
            return Err(self.status_error(status, headers));
        }
        let content_type = header_text(headers, header::CONTENT_TYPE);
        let content_location = header_text(headers, header::CONTENT_LOCATION);
        let body = read_body(&mut response, &url, self.limits.max_body_bytes).await?;
        Ok(FetchOutcome::Fetched(FetchedBody {
            final_url: url.to_string(),
            content_type,
            content_location,
            body,
            validators,
            max_age,
        }))
    }

    fn status_error(&self, status: StatusCode, headers: &HeaderMap) -> FetchError {
        let retry_after = if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
            header_text(headers, header::RETRY_AFTER).and_then(|value| {
                headers::retry_after(
                    &value,
                    SystemTime::now(),
                    self.limits.min_retry_after,
                    self.limits.max_retry_after,
                )
            })
        } else {
            None
        };
        FetchError::Http {
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("(unknown status)").to_string(),
            retry_after,
        }
    }

    fn request_error(&self, url: &Url, error: reqwest::Error) -> FetchError {
        if let Some(refused) = find_source::<HostRefused>(&error) {
            return FetchError::ForbiddenHost { host: refused.host.clone(), forbidden: refused.first };
        }
        if error.is_connect() && error.is_timeout() {
            return FetchError::ConnectTimedOut { secs: self.limits.connect_timeout.as_secs() };
        }
        // The URL is already in the message.
        FetchError::Network { url: url.to_string(), detail: error_chain(&error.without_url()) }
    }
}

/// Reads a response's decoded body, stopping as soon as it exceeds `limit`
/// bytes, so an oversized or bomb body is never buffered whole.
async fn read_body(response: &mut reqwest::Response, url: &Url, limit: u64) -> Result<Vec<u8>, FetchError> {
    // Exact only for an identity body; a compressed one is capped while decoding.
    if response.content_length().is_some_and(|declared| declared > limit) {
        return Err(FetchError::BodyTooLarge { limit_bytes: limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| FetchError::Body { url: url.to_string(), detail: error_chain(&error.without_url()) })?
    {
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Err(FetchError::BodyTooLarge { limit_bytes: limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// rustls with the ring provider, passed explicitly rather than installed as
/// the process default so this crate never depends on global state, and the
/// operating system's certificate store.
fn tls_config() -> Result<rustls::ClientConfig, FetchError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone())
        .map_err(|error| FetchError::Client { detail: format!("TLS certificate verifier: {error}") })?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| FetchError::Client { detail: format!("TLS protocol versions: {error}") })?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

fn is_followed_redirect(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::MOVED_PERMANENTLY
            | StatusCode::FOUND
            | StatusCode::SEE_OTHER
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT
    )
}

fn redirect_target(from: &Url, status: StatusCode, headers: &HeaderMap) -> Result<Url, FetchError> {
    let bad = |problem: String| FetchError::BadRedirect { from: from.to_string(), status: status.as_u16(), problem };
    let location = headers.get(header::LOCATION).ok_or_else(|| bad("no Location header".to_string()))?;
    // Some servers send raw UTF-8 in Location; the URL parser percent-encodes it.
    let location = String::from_utf8_lossy(location.as_bytes());
    from.join(location.trim()).map_err(|error| bad(format!("an invalid Location {location:?}: {error}")))
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    let value = headers.get(name)?;
    let text = String::from_utf8_lossy(value.as_bytes()).trim().to_string();
    (!text.is_empty()).then_some(text)
}

fn find_source<'a, T: std::error::Error + 'static>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a T> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(found) = error.downcast_ref::<T>() {
            return Some(found);
        }
        current = error.source();
    }
    None
}

/// reqwest's own message is generic ("error sending request"); the cause that
/// says what went wrong is further down the chain.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut current = error.source();
    while let Some(cause) = current {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        current = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use parallax_testkit::{FixtureServer, Route};

    /// A fetcher that refuses internal addresses but trusts its first hop,
    /// so a loopback fixture can stand in for a public server that redirects.
    fn public_fetcher() -> Fetcher {
        let mut fetcher = Fetcher::new(&FetchConfig::default()).expect("fetcher builds");
        let limits = Arc::get_mut(&mut fetcher.limits).expect("fetcher not shared yet");
        limits.trust_first_hop = true;
        fetcher
    }

    #[tokio::test]
    async fn a_redirect_to_an_internal_address_is_refused() {
        let target = FixtureServer::start(vec![(
            "/admin".to_string(),
            Route::Body { status: 200, headers: Vec::new(), body: b"secret".to_vec() },
        )])
        .expect("start target");
        let port = target.addr().port();
        let redirect = |location: String| Route::Redirect { status: 302, location };
        let server = FixtureServer::start(vec![
            ("/to-ip".to_string(), redirect(target.url("/admin"))),
            ("/to-name".to_string(), redirect(format!("http://localhost:{port}/admin"))),
            ("/to-mapped".to_string(), redirect(format!("http://[::ffff:7f00:1]:{port}/admin"))),
            ("/to-metadata".to_string(), redirect("http://169.254.169.254/latest/meta-data/".to_string())),
        ])
        .expect("start redirector");
        let fetcher = public_fetcher();
        let cases = [
            ("/to-ip", "fetch: address 127.0.0.1 is loopback"),
            ("/to-name", "fetch: host localhost resolves only to forbidden addresses"),
            ("/to-mapped", "fetch: address ::ffff:127.0.0.1 is loopback (embeds 127.0.0.1)"),
            ("/to-metadata", "fetch: address 169.254.169.254 is link-local"),
        ];
        for (path, message) in cases {
            let error = fetcher.fetch(&server.url(path), &Validators::default()).await.expect_err(path);
            assert!(error.to_string().starts_with(message), "{path}: {error}");
            assert_eq!(server.hits(path), 1, "{path}");
        }
        assert_eq!(target.hits("/admin"), 0);
    }

    #[tokio::test]
    async fn the_trusted_first_hop_reaches_the_fixture() {
        let server = FixtureServer::start(vec![(
            "/feed".to_string(),
            Route::Body { status: 200, headers: Vec::new(), body: b"ok".to_vec() },
        )])
        .expect("start fixture");
        let outcome = public_fetcher().fetch(&server.url("/feed"), &Validators::default()).await;
        assert!(matches!(outcome, Ok(FetchOutcome::Fetched(_))), "{outcome:?}");
    }
}
