//! End-to-end tests: the real `parallax` binary against fixture feeds served
//! on loopback, most of them hostile.

mod bench;
#[cfg(unix)]
mod broken_pipe;
mod full_text;
mod generative;
mod harness;
mod hostile_feeds;
#[cfg(unix)]
mod kill_mid_ingest;
mod opml;
mod private_networks;
mod ratings;
mod real_articles;
#[cfg(unix)]
mod serve;
mod stories;
