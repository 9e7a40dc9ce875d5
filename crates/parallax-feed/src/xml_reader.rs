//! One pass over an XML feed with quick-xml, reading the parts Parallax
//! uses from RSS 0.90, 0.91, 0.92, 1.0 and 2.0, Atom 0.3 and 1.0, and CDF.
//!
//! Written here rather than taken from feed-rs, which Parallax used before:
//! on feedparser's test suite (`parallax eval feeds`) feed-rs read Atom 0.3
//! (`http://purl.org/atom/ns#`), RSS 0.90 and prefixed RSS (`<r:rss>`) as
//! feeds without entries, failed whole feeds over one entry's content type
//! (`text/plain`, `TEXT`, `""`, base64), re-read escaped text inside XHTML
//! as tags, and ignored `xml:base`; no maintained Rust crate reads Atom 0.3
//! or CDF at all. This reader is what those formats need and no more.
//!
//! Its rules, close to what feed readers do:
//! - The feed's vocabulary is whatever namespace its root element is in,
//!   plus no namespace, RSS 1.0, RSS 0.90, UserLand's RSS 2.0 and both
//!   Atoms: `<r:rss xmlns:r="...">` reads like `<rss>`. Known extensions
//!   (content, Dublin Core, iTunes, XHTML) are recognised by namespace, or
//!   by their usual prefix when the feed forgot to declare it.
//! - Element names compare without regard to case (CDF writes `<ITEM>`).
//! - An entry is any `item` or `entry` of the feed's vocabulary outside
//!   another entry; only its direct children are its fields, so an Atom
//!   `<source>` or an author's `<name>` never becomes its title. The first
//!   of each field wins.
//! - Text is read by its declared type (Atom 1.0 `type`, Atom 0.3 `type`
//!   and `mode`, base64 included); an unknown type is read as text, never
//!   an error. XHTML is serialised back to HTML with its text escaped.
//! - `xml:base` is honoured for links and content, on top of the base the
//!   caller gives (the response's Content-Location or the feed's URL).

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use url::Url;

use crate::dates::feed_timestamp;
use crate::model::{FeedEntry, FeedLink, FeedText, RawFeed, TextKind, repair_c1_controls};

/// Why the document is not a feed.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The root element is not one a feed has.
    NotAFeedRoot(String),
    /// quick-xml stopped; `read` holds what came before.
    Xml { message: String, read: Box<RawFeed> },
}

/// Which vocabulary an element belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    /// The feed's own: RSS, Atom, CDF, or the root element's namespace.
    Feed,
    Content,
    DublinCore,
    DcTerms,
    Itunes,
    Media,
    Xhtml,
    Other,
}

const FEED_NAMESPACES: [&str; 7] = [
    "http://www.w3.org/2005/Atom",
    "http://purl.org/atom/ns#",
    "http://purl.org/rss/1.0/",
    "http://my.netscape.com/rdf/simple/0.9/",
    "http://backend.userland.com/rss2",
    "http://backend.userland.com/rss",
    "http://blogs.law.harvard.edu/tech/rss",
];

fn namespace_kind(uri: &str, root_namespace: Option<&str>) -> Ns {
    match uri {
        "http://purl.org/rss/1.0/modules/content/" => Ns::Content,
        "http://purl.org/dc/elements/1.1/" => Ns::DublinCore,
        "http://purl.org/dc/terms/" => Ns::DcTerms,
        "http://www.itunes.com/dtds/podcast-1.0.dtd" | "http://www.itunes.com/DTDs/Podcast-1.0.dtd" => Ns::Itunes,
        "http://www.w3.org/1999/xhtml" => Ns::Xhtml,
        "http://search.yahoo.com/mrss/" | "http://search.yahoo.com/mrss" => Ns::Media,
        uri if FEED_NAMESPACES.contains(&uri) || root_namespace == Some(uri) => Ns::Feed,
        _ => Ns::Other,
    }
}

/// An undeclared prefix is taken at its usual meaning.
fn prefix_kind(prefix: &str) -> Ns {
    match prefix {
        "content" => Ns::Content,
        "dc" => Ns::DublinCore,
        "dcterms" => Ns::DcTerms,
        "itunes" => Ns::Itunes,
        "xhtml" => Ns::Xhtml,
        "media" => Ns::Media,
        _ => Ns::Feed,
    }
}

/// What an open element is to the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The feed itself or an RSS channel: its title and language are the
    /// feed's.
    Head,
    Entry,
    Other,
}

/// Entry fields read from text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Title,
    Link,
    Id,
    Summary,
    /// A summary only used when the entry has no other (`itunes:summary`,
    /// `dc:description`, `media:description`).
    SummaryFallback,
    /// A title only used when the entry has no other (`dc:title`,
    /// `media:title`).
    TitleFallback,
    Content,
    Published,
    Updated,
    Language,
    /// An RSS `<category>`'s text (Atom's are attributes).
    Category,
    FeedTitle,
    FeedLanguage,
    FeedTtl,
}

/// How captured text is collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Text is kept unescaped; child elements are written back as tags
    /// (raw HTML in an RSS description that happened to be well-formed).
    Html,
    /// Text is kept unescaped; child elements' text is kept, their tags
    /// dropped.
    Plain,
    /// Child elements are written back as tags and text is escaped.
    Xhtml,
    /// Text is base64, decoded at the end and then read as `TextKind`.
    Base64(TextKind),
    /// Nothing is kept (content whose type is not text).
    Skip,
}

struct Capture {
    field: Field,
    mode: Mode,
    /// Depth of the captured element; the capture ends with its end tag.
    depth: usize,
    text: String,
    base: Option<usize>,
}

struct Frame {
    role: Role,
    /// Index into `bases` of the base URL in effect.
    base: usize,
    /// Whether this element or an ancestor set `xml:base`.
    explicit_base: bool,
    /// The local name of an element inside captured markup, for its end tag.
    tag: String,
}

/// Reads `doc`; relative links resolve against `base` unless `xml:base`
/// says otherwise.
pub(crate) fn read(doc: &str, base: Option<&Url>) -> Result<RawFeed, ReadError> {
    let mut reader = NsReader::from_str(doc);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.allow_dangling_amp = true;
    let mut state = State {
        feed: RawFeed::default(),
        bases: vec![base.cloned()],
        stack: Vec::new(),
        entry: None,
        entry_depth: 0,
        capture: None,
        root_namespace: None,
        atom: false,
        saw_root: false,
        bare_ampersands: 0,
        fallbacks: Fallbacks::default(),
    };
    loop {
        let (resolved, event) = match reader.read_resolved_event() {
            Ok(read) => read,
            Err(error) => {
                let message = format!("{error} at byte {}", reader.error_position());
                state.drop_open_entry();
                return Err(ReadError::Xml { message, read: Box::new(state.feed) });
            }
        };
        let namespace = match resolved {
            ResolveResult::Bound(namespace) => Namespace::Uri(namespace.0.to_string()),
            ResolveResult::Unbound => Namespace::None,
            ResolveResult::Unknown(prefix) => Namespace::UndeclaredPrefix(prefix),
        };
        match event {
            Event::Start(start) => {
                state.start(&start, &namespace, false)?;
            }
            Event::Empty(start) if state.start(&start, &namespace, true)? => state.end(),
            Event::End(_) => state.end(),
            Event::Text(text) => {
                let text = text.xml10_content();
                // quick-xml hands a bare `&` (AT&T) over as text starting
                // with it; the XML is broken there, which is worth a note.
                state.bare_ampersands += usize::from(text.starts_with('&'));
                state.text(&text);
            }
            Event::CData(data) => state.text(&data),
            Event::GeneralRef(reference) => state.text(&decode_reference(&reference)),
            Event::Eof => break,
            _ => {}
        }
    }
    if !state.saw_root {
        return Err(ReadError::NotAFeedRoot(String::new()));
    }
    if state.bare_ampersands > 0 {
        let count = state.bare_ampersands;
        state.feed.notes.push(format!("malformed XML: {count} bare & read as text"));
    }
    if state.stack.is_empty() {
        state.finish_entry();
    } else {
        state.drop_open_entry();
    }
    Ok(state.feed)
}

enum Namespace {
    None,
    Uri(String),
    UndeclaredPrefix(String),
}

/// `&amp;` and the other XML references as their text; HTML's named
/// entities (`&nbsp;`, `&rsquo;`), which feeds use without declaring them,
/// too. An unknown name stays as written.
fn decode_reference(reference: &str) -> String {
    if let Some(number) = reference.strip_prefix('#') {
        let parsed = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => number.parse::<u32>().ok(),
        };
        return parsed.and_then(char::from_u32).filter(|c| *c != '\0').unwrap_or('\u{fffd}').to_string();
    }
    match reference {
        "amp" => "&".to_string(),
        "lt" => "<".to_string(),
        "gt" => ">".to_string(),
        "quot" => "\"".to_string(),
        "apos" => "'".to_string(),
        name => html_escape::decode_html_entities(&format!("&{name};")).into_owned(),
    }
}

struct State {
    feed: RawFeed,
    /// Base URLs met so far; index 0 is the caller's.
    bases: Vec<Option<Url>>,
    stack: Vec<Frame>,
    entry: Option<FeedEntry>,
    /// Stack depth of the open entry element.
    entry_depth: usize,
    capture: Option<Capture>,
    root_namespace: Option<String>,
    /// Whether the root is Atom's (`feed`, `entry`), whose text constructs
    /// are plain text unless typed; RSS text is HTML by convention.
    atom: bool,
    saw_root: bool,
    bare_ampersands: usize,
    /// Extension elements that stand in for a missing title or summary.
    fallbacks: Fallbacks,
}

#[derive(Default)]
struct Fallbacks {
    title: Option<FeedText>,
    summary: Option<FeedText>,
}

/// Root elements a feed can have: RSS, RSS 1.0 and 0.90 (`rdf:RDF`), Atom
/// (a feed or a lone entry) and CDF.
const FEED_ROOTS: [&str; 5] = ["rss", "rdf", "feed", "channel", "entry"];

/// Whether a root element's qualified name is one a feed can have.
pub(crate) fn is_feed_root(qualified: &str) -> bool {
    let local = qualified.rsplit(':').next().unwrap_or(qualified);
    FEED_ROOTS.iter().any(|root| root.eq_ignore_ascii_case(local))
}

impl State {
    /// Handles a start tag; returns whether a frame was pushed (an empty
    /// element inside captured markup is written whole and pushes none).
    fn start(&mut self, start: &BytesStart<'_>, namespace: &Namespace, empty: bool) -> Result<bool, ReadError> {
        let depth = self.stack.len();
        if let Some(capture) = &mut self.capture {
            // Atom wraps XHTML in a <div> that is not part of the text.
            let is_wrapper = capture.mode == Mode::Xhtml
                && depth == capture.depth + 1
                && !empty
                && capture.text.trim().is_empty()
                && start.local_name().as_ref().eq_ignore_ascii_case("div");
            let tag = if is_wrapper { String::new() } else { write_start_tag(capture, start, empty) };
            if empty {
                return Ok(false);
            }
            let base = self.stack.last().map_or(0, |frame| frame.base);
            self.stack.push(Frame { role: Role::Other, base, explicit_base: false, tag });
            return Ok(true);
        }
        let local_name = start.local_name();
        let local = local_name.as_ref();
        let (base, explicit_base) = self.element_base(start);
        if !self.saw_root {
            self.saw_root = true;
            if !FEED_ROOTS.iter().any(|root| root.eq_ignore_ascii_case(local)) {
                return Err(ReadError::NotAFeedRoot(start.name().as_ref().to_string()));
            }
            if let Namespace::Uri(uri) = namespace {
                self.root_namespace = Some(uri.clone());
            }
            self.atom = local.eq_ignore_ascii_case("feed") || local.eq_ignore_ascii_case("entry");
            let is_entry = local.eq_ignore_ascii_case("entry");
            self.stack.push(Frame {
                role: if is_entry { Role::Entry } else { Role::Head },
                base,
                explicit_base,
                tag: String::new(),
            });
            self.feed.language = attribute(start, "xml:lang");
            if is_entry {
                self.feed.entry_elements += 1;
                self.open_entry(start, depth);
            }
            return Ok(true);
        }
        let kind = match namespace {
            Namespace::Uri(uri) => namespace_kind(uri, self.root_namespace.as_deref()),
            Namespace::UndeclaredPrefix(prefix) => prefix_kind(prefix),
            Namespace::None => Ns::Feed,
        };
        let parent = self.stack.last().map_or(Role::Other, |frame| frame.role);
        let in_entry = self.entry.is_some();
        let named_entry = local.eq_ignore_ascii_case("item") || local.eq_ignore_ascii_case("entry");
        self.feed.entry_elements += usize::from(named_entry);
        let is_entry_element = kind == Ns::Feed && named_entry;
        let role = if in_entry {
            Role::Other
        } else if is_entry_element {
            Role::Entry
        } else if kind == Ns::Feed && local.eq_ignore_ascii_case("channel") {
            Role::Head
        } else {
            Role::Other
        };
        self.stack.push(Frame { role, base, explicit_base, tag: String::new() });
        if role == Role::Entry {
            self.open_entry(start, depth);
        } else if in_entry && depth == self.entry_depth + 1 {
            self.entry_child(start, local, kind, depth, empty);
        } else if parent == Role::Head && !in_entry {
            self.head_child(start, local, kind, depth);
        }
        Ok(true)
    }

    fn end(&mut self) {
        let Some(frame) = self.stack.pop() else { return };
        let depth = self.stack.len();
        if let Some(capture) = &mut self.capture {
            if depth > capture.depth {
                if matches!(capture.mode, Mode::Html | Mode::Xhtml) && !frame.tag.is_empty() {
                    capture.text.push_str("</");
                    capture.text.push_str(&frame.tag);
                    capture.text.push('>');
                }
                return;
            }
            if let Some(capture) = self.capture.take() {
                self.finish_capture(capture, frame.base);
            }
        }
        if self.entry.is_some() && depth == self.entry_depth && frame.role == Role::Entry {
            self.finish_entry();
        }
    }

    fn text(&mut self, text: &str) {
        let Some(capture) = &mut self.capture else { return };
        match capture.mode {
            Mode::Xhtml => capture.text.push_str(&html_escape::encode_text(text)),
            Mode::Skip => {}
            _ => capture.text.push_str(text),
        }
    }

    /// The base in effect for an element: its own `xml:base` resolved
    /// against its parent's, or its parent's.
    fn element_base(&mut self, start: &BytesStart<'_>) -> (usize, bool) {
        let parent = self.stack.last().map_or(0, |frame| frame.base);
        let explicit = self.stack.last().is_some_and(|frame| frame.explicit_base);
        if !start.attributes_raw().contains("xml:base") {
            return (parent, explicit);
        }
        let Some(value) = attribute(start, "xml:base") else { return (parent, explicit) };
        let resolved = match &self.bases[parent] {
            Some(base) => base.join(value.trim()).ok(),
            None => Url::parse(value.trim()).ok(),
        };
        match resolved {
            Some(url) => {
                self.bases.push(Some(url));
                (self.bases.len() - 1, true)
            }
            None => (parent, explicit),
        }
    }

    fn open_entry(&mut self, start: &BytesStart<'_>, depth: usize) {
        self.entry_depth = depth;
        let mut entry = FeedEntry { language: attribute(start, "xml:lang"), ..FeedEntry::default() };
        // CDF gives an item's page and date as attributes.
        if let Some(href) = attribute(start, "href") {
            let base = self.stack.last().and_then(|frame| self.bases[frame.base].clone());
            entry.links.push(FeedLink { href, base });
        }
        if let Some(modified) = attribute(start, "lastmod") {
            entry.updated = feed_timestamp(&modified);
        }
        // An RSS 1.0 item names itself by its `rdf:about`.
        if let Some(about) = attribute(start, "rdf:about") {
            entry.id = about.trim().to_string();
        }
        self.entry = Some(entry);
        self.fallbacks = Fallbacks::default();
    }

    fn finish_entry(&mut self) {
        if let Some(mut entry) = self.entry.take() {
            let fallbacks = std::mem::take(&mut self.fallbacks);
            entry.summary = entry.summary.or(fallbacks.summary);
            entry.title = entry.title.or(fallbacks.title);
            self.feed.entries.push(entry);
        }
    }

    /// A document that ends inside an entry was cut off; the entry is
    /// incomplete and left out.
    fn drop_open_entry(&mut self) {
        if self.entry.take().is_some() {
            self.feed.notes.push("the document ends inside an entry; that entry was left out".to_string());
        }
    }

    fn head_child(&mut self, start: &BytesStart<'_>, local: &str, kind: Ns, depth: usize) {
        let field = match kind {
            Ns::Feed if local.eq_ignore_ascii_case("title") && self.feed.title.is_none() => Field::FeedTitle,
            Ns::Feed | Ns::DublinCore if local.eq_ignore_ascii_case("language") && self.feed.language.is_none() => {
                Field::FeedLanguage
            }
            Ns::Feed if local.eq_ignore_ascii_case("ttl") => Field::FeedTtl,
            _ => return,
        };
        let mode = if field == Field::FeedTitle { text_mode(start, self.atom) } else { Mode::Plain };
        self.capture = Some(Capture { field, mode, depth, text: String::new(), base: None });
    }

    fn entry_child(&mut self, start: &BytesStart<'_>, local: &str, kind: Ns, depth: usize, empty: bool) {
        let Some(entry) = &mut self.entry else { return };
        let name = local.to_ascii_lowercase();
        let field = match (kind, name.as_str()) {
            (Ns::Feed, "title") if entry.title.is_none() => Field::Title,
            (Ns::Feed, "link") => {
                if let Some(href) = attribute(start, "href") {
                    let rel = attribute(start, "rel");
                    if rel.as_deref().is_none_or(|rel| rel.trim().eq_ignore_ascii_case("alternate")) {
                        let base = self.stack.last().and_then(|frame| self.bases[frame.base].clone());
                        entry.links.push(FeedLink { href, base });
                    }
                    return;
                }
                if empty {
                    return;
                }
                Field::Link
            }
            (Ns::Feed, "guid" | "id") if entry.id.is_empty() => {
                entry.id_is_not_permalink =
                    attribute(start, "isPermaLink").is_some_and(|value| value.trim().eq_ignore_ascii_case("false"));
                Field::Id
            }
            (Ns::Feed, "category") => {
                let label = attribute(start, "label").filter(|label| !label.trim().is_empty());
                if let Some(named) = label.or_else(|| attribute(start, "term")) {
                    entry.categories.push(named);
                    return;
                }
                if empty {
                    return;
                }
                Field::Category
            }
            (Ns::Feed, "description" | "summary" | "abstract") if entry.summary.is_none() => Field::Summary,
            (Ns::Itunes, "summary") | (Ns::DublinCore | Ns::Media, "description")
                if self.fallbacks.summary.is_none() =>
            {
                Field::SummaryFallback
            }
            (Ns::DublinCore | Ns::Media, "title") if self.fallbacks.title.is_none() => Field::TitleFallback,
            (Ns::Feed, "content" | "fullitem") | (Ns::Content, "encoded") | (Ns::Xhtml | Ns::Feed, "body")
                if entry.content.is_none() =>
            {
                Field::Content
            }
            (Ns::Feed, "pubdate" | "published" | "issued" | "created")
            | (Ns::DublinCore, "date")
            | (Ns::DcTerms, "issued" | "created")
                if entry.published.is_none() =>
            {
                Field::Published
            }
            (Ns::Feed, "updated" | "modified") | (Ns::DcTerms, "modified") if entry.updated.is_none() => Field::Updated,
            (Ns::DublinCore, "language") if entry.language.is_none() => Field::Language,
            _ => return,
        };
        let mode = match (field, kind, name.as_str()) {
            (Field::Content, Ns::Feed, "content") if attribute(start, "src").is_some() => Mode::Skip,
            (Field::Title | Field::Summary | Field::Content, Ns::Feed, "title" | "summary" | "content") => {
                text_mode(start, self.atom)
            }
            (Field::Content, _, "body") => Mode::Xhtml,
            (Field::SummaryFallback, Ns::Itunes, _) | (Field::TitleFallback, Ns::Media, _) => Mode::Plain,
            (Field::Link | Field::Id | Field::Published | Field::Updated | Field::Language | Field::Category, _, _) => {
                Mode::Plain
            }
            _ => Mode::Html,
        };
        let base = self.stack.last().filter(|frame| frame.explicit_base).map(|frame| frame.base);
        self.capture = Some(Capture { field, mode, depth, text: String::new(), base });
    }

    fn finish_capture(&mut self, capture: Capture, element_base: usize) {
        let base = capture.base.and_then(|index| self.bases[index].clone());
        let (kind, body) = match capture.mode {
            Mode::Html => (TextKind::Html, capture.text),
            Mode::Plain => (TextKind::Plain, capture.text),
            Mode::Xhtml => (TextKind::Xhtml, capture.text),
            Mode::Base64(kind) => match decode_base64(&capture.text) {
                Some(decoded) => (kind, decoded),
                None => {
                    self.note("base64 text that does not decode to UTF-8; left out");
                    return;
                }
            },
            Mode::Skip => {
                self.note("content that is only linked (src); left out");
                return;
            }
        };
        let body = match repair_c1_controls(&body) {
            Cow::Borrowed(_) => body,
            Cow::Owned(repaired) => repaired,
        };
        let text = FeedText { body, kind, base };
        match capture.field {
            Field::FeedTitle => self.feed.title = Some(text),
            Field::FeedLanguage => self.feed.language = Some(text.body.trim().to_string()),
            Field::FeedTtl => self.feed.ttl_minutes = text.body.trim().parse().ok(),
            Field::SummaryFallback => self.fallbacks.summary = Some(text),
            Field::TitleFallback => self.fallbacks.title = Some(text),
            field => {
                let element_base = self.bases[element_base].clone();
                let Some(entry) = &mut self.entry else { return };
                match field {
                    Field::Title => entry.title = Some(text),
                    Field::Link => {
                        let href = text.body.trim();
                        if !href.is_empty() {
                            entry.links.push(FeedLink { href: href.to_string(), base: element_base });
                        }
                    }
                    Field::Id => entry.id = text.body.trim().to_string(),
                    Field::Summary => entry.summary = Some(text),
                    Field::Content => entry.content = Some(text),
                    Field::Published => entry.published = feed_timestamp(&text.body),
                    Field::Updated => entry.updated = feed_timestamp(&text.body),
                    Field::Language => entry.language = Some(text.body.trim().to_string()),
                    Field::Category => entry.categories.push(text.body),
                    Field::FeedTitle
                    | Field::FeedLanguage
                    | Field::FeedTtl
                    | Field::SummaryFallback
                    | Field::TitleFallback => {}
                }
            }
        }
    }

    fn note(&mut self, note: &str) {
        if let Some(entry) = &mut self.entry {
            entry.notes.push(note.to_string());
        }
    }
}

/// How an Atom text construct (or any element with `type`/`mode`) is read.
/// With no `type`, Atom text is plain text and RSS text is HTML (by
/// convention; RSS has no types).
fn text_mode(start: &BytesStart<'_>, atom_default_text: bool) -> Mode {
    let ty = attribute(start, "type").map(|ty| ty.trim().to_ascii_lowercase());
    let mode = attribute(start, "mode").map(|mode| mode.trim().to_ascii_lowercase());
    let kind = match ty.as_deref() {
        None if atom_default_text => Some(TextKind::Plain),
        None => Some(TextKind::Html),
        Some("" | "text" | "text/plain") => Some(TextKind::Plain),
        Some("html" | "text/html") => Some(TextKind::Html),
        Some("xhtml" | "application/xhtml+xml") => Some(TextKind::Xhtml),
        Some(ty) if ty.starts_with("text/") => Some(TextKind::Plain),
        Some(ty) if ty.ends_with("+xml") || ty.ends_with("/xml") => Some(TextKind::Xhtml),
        Some(_) => None,
    };
    match (mode.as_deref(), kind) {
        (Some("base64"), kind) => Mode::Base64(kind.unwrap_or(TextKind::Plain)),
        (Some("escaped"), Some(TextKind::Xhtml | TextKind::Html)) => Mode::Html,
        (Some("escaped"), _) => Mode::Plain,
        (_, Some(TextKind::Plain)) => Mode::Plain,
        (_, Some(TextKind::Html)) => Mode::Html,
        (_, Some(TextKind::Xhtml)) => Mode::Xhtml,
        // Atom 1.0: content of any other type is base64.
        (_, None) => Mode::Base64(TextKind::Plain),
    }
}

/// Base64 text (line breaks and missing padding allowed) as UTF-8.
fn decode_base64(text: &str) -> Option<String> {
    use base64::Engine;
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD_INDIFFERENT.decode(compact).ok()?;
    String::from_utf8(bytes).ok()
}

/// An attribute's value with its references decoded: XML's, and HTML's
/// named entities, which feeds use undeclared.
fn attribute_value(attribute: &quick_xml::events::attributes::Attribute<'_>) -> String {
    html_escape::decode_html_entities(&attribute.value).into_owned()
}

/// An attribute's value, decoded, by qualified name (any case).
fn attribute(start: &BytesStart<'_>, name: &str) -> Option<String> {
    start
        .attributes()
        .with_checks(false)
        .flatten()
        .find_map(|attribute| attribute.key.as_ref().eq_ignore_ascii_case(name).then(|| attribute_value(&attribute)))
}

/// Writes a start tag inside captured markup, without its prefix and
/// namespace declarations; plain captures keep only text.
fn write_start_tag(capture: &mut Capture, start: &BytesStart<'_>, empty: bool) -> String {
    if !matches!(capture.mode, Mode::Html | Mode::Xhtml) {
        return String::new();
    }
    let local = start.local_name();
    capture.text.push('<');
    capture.text.push_str(local.as_ref());
    for attribute in start.attributes().with_checks(false).flatten() {
        let key = attribute.key.as_ref();
        if key == "xmlns" || key.starts_with("xmlns:") || key.starts_with("xml:") {
            continue;
        }
        let value = attribute_value(&attribute);
        capture.text.push(' ');
        capture.text.push_str(key.rsplit(':').next().unwrap_or(key));
        capture.text.push_str("=\"");
        capture.text.push_str(&html_escape::encode_double_quoted_attribute(&value));
        capture.text.push('"');
    }
    capture.text.push_str(if empty { " />" } else { ">" });
    local.as_ref().to_string()
}
