//! Cleaning rules for text, HTML and URLs taken from feeds.
//!
//! Standalone and cheap: full-text extraction and clustering call these on
//! their own input too, so nothing here knows about feeds or entries.

mod html;
mod language;
mod text;
mod truncation;
mod url;

pub use html::sanitize_html;
pub(crate) use html::sanitize_markup;
pub use language::{FeedLanguages, detect_language};
pub use text::plain_text;
pub(crate) use text::{markup_text, normalise_plain_text, windows_1252_c1};
pub use truncation::is_truncated;
pub(crate) use url::canonical;
pub use url::canonical_url;
