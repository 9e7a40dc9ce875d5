//! Where a round gets feed bytes: the network, files held in memory (the
//! demo's sample feeds), or a test's fixture. The round does the rest
//! (parsing, storing, back-off) the same way whatever the supply.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub use parallax_fetch::Validators;
use parallax_fetch::{FetchOutcome, Fetcher};

/// A feed's bytes as supplied, with what the server said about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedBody {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    /// The document's own address, against which its relative links
    /// resolve: its Content-Location, else where redirects ended.
    pub base_url: Option<String>,
    pub validators: Validators,
    /// The server's Cache-Control `max-age`, a refresh hint.
    pub max_age: Option<Duration>,
}

/// What asking for one feed gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Supplied {
    Body(FeedBody),
    /// The feed has not changed since the validators' version (HTTP 304).
    NotModified {
        validators: Validators,
        max_age: Option<Duration>,
    },
}

/// Why a feed could not be had, and how long its server asked us to wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplyError {
    pub reason: String,
    pub retry_after: Option<Duration>,
}

pub type SupplyFuture<'a> = Pin<Box<dyn Future<Output = Result<Supplied, SupplyError>> + Send + 'a>>;

/// The source of feed bytes for a round.
pub trait FeedSupply: Send + Sync {
    /// The bytes of the feed at `url`, conditional on `validators`.
    fn fetch<'a>(&'a self, url: &'a str, validators: &'a Validators) -> SupplyFuture<'a>;
}

/// Feeds from their servers, through `parallax-fetch` (address policy,
/// size caps, timeouts, conditional GET).
pub struct NetworkSupply {
    fetcher: Fetcher,
}

impl NetworkSupply {
    pub fn new(fetcher: Fetcher) -> NetworkSupply {
        NetworkSupply { fetcher }
    }

    /// A supply with its own client, built from the `[fetch]` limits.
    pub fn from_config(config: &parallax_core::config::FetchConfig) -> Result<NetworkSupply, crate::IngestError> {
        Ok(NetworkSupply::new(Fetcher::new(config)?))
    }
}

impl FeedSupply for NetworkSupply {
    fn fetch<'a>(&'a self, url: &'a str, validators: &'a Validators) -> SupplyFuture<'a> {
        Box::pin(async move {
            match self.fetcher.fetch(url, validators).await {
                Ok(FetchOutcome::Fetched(body)) => Ok(Supplied::Body(FeedBody {
                    bytes: body.body,
                    content_type: body.content_type,
                    base_url: Some(body.content_location.unwrap_or(body.final_url)),
                    validators: body.validators,
                    max_age: body.max_age,
                })),
                Ok(FetchOutcome::NotModified(not_modified)) => {
                    Ok(Supplied::NotModified { validators: not_modified.validators, max_age: not_modified.max_age })
                }
                Err(error) => Err(SupplyError { retry_after: error.retry_after(), reason: error.to_string() }),
            }
        })
    }
}

/// Feeds held in memory, keyed by URL: the demo's sample files, or a
/// test's fixtures. A URL it does not hold fails with a reason naming it.
#[derive(Debug, Clone, Default)]
pub struct MemorySupply {
    feeds: HashMap<String, Vec<u8>>,
    /// Names the supply in the failure of a URL it does not hold.
    name: String,
}

impl MemorySupply {
    pub fn new(name: &str, feeds: impl IntoIterator<Item = (String, Vec<u8>)>) -> MemorySupply {
        MemorySupply { feeds: feeds.into_iter().collect(), name: name.to_string() }
    }
}

impl FeedSupply for MemorySupply {
    fn fetch<'a>(&'a self, url: &'a str, _validators: &'a Validators) -> SupplyFuture<'a> {
        let supplied = match self.feeds.get(url) {
            Some(bytes) => Ok(Supplied::Body(FeedBody {
                bytes: bytes.clone(),
                content_type: None,
                base_url: None,
                validators: Validators::default(),
                max_age: None,
            })),
            None => Err(SupplyError { reason: format!("{}: no feed file for {url}", self.name), retry_after: None }),
        };
        Box::pin(std::future::ready(supplied))
    }
}
