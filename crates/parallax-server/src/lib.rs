//! Parallax's web server: story pages in the browser, an open JSON API
//! (`/api/v1/`), full-text search, Prometheus metrics, and the scheduler
//! that keeps feeds fresh while the server answers.
//!
//! This crate owns HTTP, the HTML templates and their presentation (bias
//! bars, charts), the search index and the refresh loop. It must never
//! fetch, parse or cluster by itself (it calls `parallax-ingest`), never
//! write SQL (it goes through `parallax-store`'s `Store` trait), and never
//! put untrusted text on a page unescaped: templates escape everything, no
//! value is marked safe, and the Content-Security-Policy forbids scripts.

pub mod api;
pub mod app;
pub mod cache;
pub mod config;
pub mod connections;
pub mod demo;
pub mod editions;
pub mod error;
pub mod feeds_out;
pub mod lists;
pub mod methodology;
pub mod metrics;
pub mod outlets;
pub mod pages;
pub mod params;
pub mod pool;
pub mod present;
pub mod reading;
pub mod responses;
pub mod scheduler;
pub mod search;
pub mod search_filters;
pub mod server;

pub use app::{AppState, router};
pub use config::ServerConfig;
pub use server::{ServeOptions, Server, ServerError};
