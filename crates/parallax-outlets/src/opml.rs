//! OPML feed lists. Any `<outline>` with an `xmlUrl` is a feed; outlines
//! without one are categories, and a feed is filed under every category
//! outline it is nested in, outermost first.
//!
//! Parallax reads a few extension attributes in its own namespace
//! ([`PARALLAX_NAMESPACE`], conventionally prefixed `parallax:`), plus the
//! plain `language` attribute many OPML writers already emit:
//!
//! - `parallax:outlet="nytimes.com"`: the outlet, when the URLs would
//!   mislead (`feeds.bbci.co.uk` is the BBC);
//! - `parallax:lean`, `parallax:factuality`, `parallax:country`: a rating by
//!   provider `opml:<file name>`, version the file name's date or
//!   `unversioned`, with the generic CSV's vocabulary.
//!
//! Without `parallax:outlet` the outlet is the registrable domain of
//! `htmlUrl`, else of `xmlUrl`. A file that uses the `parallax:` prefix
//! without declaring it is read as if it had.

use crate::collect::{Collector, domains};
use crate::labels;
use crate::text::{self, LineIndex};
use parallax_core::FeedSource;
use quick_xml::NsReader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};

/// The namespace of Parallax's OPML extension attributes.
pub const PARALLAX_NAMESPACE: &str = "https://parallax.invalid/opml";
const PARALLAX_PREFIX: &str = "parallax";

#[derive(Default)]
struct Outline {
    xml_url: Option<String>,
    html_url: Option<String>,
    text: Option<String>,
    title: Option<String>,
    language: Option<String>,
    outlet: Option<String>,
    lean: Option<String>,
    factuality: Option<String>,
    country: Option<String>,
}

impl Outline {
    fn name(&self) -> Option<&str> {
        self.text.as_deref().or(self.title.as_deref())
    }

    fn has_rating(&self) -> bool {
        self.lean.is_some() || self.factuality.is_some() || self.country.is_some()
    }
}

struct Context {
    provider: String,
    version: String,
}

pub fn read(text: &str, out: &mut Collector) -> Result<(), String> {
    let lines = LineIndex::new(text);
    let context = Context {
        provider: format!("opml:{}", out.source_file()),
        version: text::date_in_file_name(out.source_file()).unwrap_or_else(|| text::UNVERSIONED.to_string()),
    };
    let mut reader = NsReader::from_str(text);
    // One entry per open <outline>: its category name, if it is a category.
    let mut open_outlines: Vec<Option<String>> = Vec::new();
    let mut saw_opml = false;
    loop {
        let before = reader.buffer_position() as usize;
        let tag_start = text.get(before..).map_or(before, |rest| before + (rest.len() - rest.trim_start().len()));
        let line = Some(lines.line_of(tag_start));
        let (element, is_empty) = match reader.read_event() {
            Ok(Event::Start(element)) => (element, false),
            Ok(Event::Empty(element)) => (element, true),
            Ok(Event::End(element)) => {
                if element.local_name().as_ref() == "outline" {
                    open_outlines.pop();
                }
                continue;
            }
            Ok(Event::Eof) => break,
            Ok(_) => continue,
            Err(e) => {
                let at = lines.line_of(reader.error_position() as usize);
                out.diagnostic(Some(at), format!("malformed XML: {e}; the rest of the file is not read"));
                break;
            }
        };
        match element.local_name().as_ref() {
            "opml" => saw_opml = true,
            "outline" => {
                let outline = read_attributes(&reader, &element, out, line);
                if outline.xml_url.is_some() {
                    let categories = open_outlines.iter().flatten().cloned().collect();
                    add_feed(out, line, &outline, categories, &context);
                }
                if !is_empty {
                    let category = outline.xml_url.is_none().then(|| outline.name().map(str::to_string)).flatten();
                    open_outlines.push(category);
                }
            }
            _ => {}
        }
    }
    if saw_opml { Ok(()) } else { Err("no <opml> element".to_string()) }
}

fn read_attributes(
    reader: &NsReader<&[u8]>,
    element: &BytesStart<'_>,
    out: &mut Collector,
    line: Option<usize>,
) -> Outline {
    let mut outline = Outline::default();
    for attribute in element.attributes() {
        let attribute = match attribute {
            Ok(attribute) => attribute,
            Err(e) => {
                out.diagnostic(line, format!("malformed attribute: {e}; skipped"));
                continue;
            }
        };
        let value = match attribute.normalized_value(XmlVersion::Implicit1_0) {
            Ok(value) => value.into_owned(),
            Err(e) => {
                out.diagnostic(line, format!("attribute {}: {e}; kept as written", attribute.key.as_ref()));
                attribute.value.clone().into_owned()
            }
        };
        let value = text::field(&value);
        let (namespace, local) = reader.resolver().resolve_attribute(attribute.key);
        let is_parallax = match namespace {
            ResolveResult::Bound(Namespace(uri)) => uri == PARALLAX_NAMESPACE,
            ResolveResult::Unknown(prefix) => prefix == PARALLAX_PREFIX,
            ResolveResult::Unbound => false,
        };
        let local = local.as_ref().to_ascii_lowercase();
        let slot = match (is_parallax, local.as_str()) {
            (false, "xmlurl") => &mut outline.xml_url,
            (false, "htmlurl") => &mut outline.html_url,
            (false, "text") => &mut outline.text,
            (false, "title") => &mut outline.title,
            (false, "language") => &mut outline.language,
            (true, "outlet") => &mut outline.outlet,
            (true, "lean") => &mut outline.lean,
            (true, "factuality") => &mut outline.factuality,
            (true, "country") => &mut outline.country,
            _ => continue,
        };
        *slot = value;
    }
    outline
}

fn add_feed(out: &mut Collector, line: Option<usize>, outline: &Outline, categories: Vec<String>, context: &Context) {
    let url = outline.xml_url.clone().unwrap_or_default();
    let refusal = match url::Url::parse(url.trim()) {
        Err(error) => Some(format!("{url:?} is not a URL: {error}")),
        Ok(parsed) if !matches!(parsed.scheme(), "http" | "https") => Some(format!("{url:?} is not an http(s) URL")),
        Ok(_) => None,
    };
    if let Some(reason) = refusal {
        out.diagnostic(line, format!("{reason}; feed skipped"));
        return;
    }
    // A feed on an IP address (an intranet, a test server) is fine when the
    // outline names its outlet; only an unnamed one needs a domain to go by.
    let outlet = match outlet_of(out, line, outline) {
        Some(outlet) => outlet,
        None => match domains::from_url(&url) {
            Ok(domain) => domain,
            Err(reason) => match ip_host(&url) {
                // An intranet or self-hosted feed: its host is the best name
                // there is, and the operator is told how to give a better one.
                Some(host) => {
                    out.diagnostic(
                        line,
                        format!(
                            "{url:?} is on an IP address and names no outlet: its outlet is called {host}; \
                             give it a name with htmlUrl or parallax:outlet"
                        ),
                    );
                    host
                }
                None => {
                    out.diagnostic(line, format!("{reason}; name its outlet with parallax:outlet; feed skipped"));
                    return;
                }
            },
        },
    };
    let language = out.label(line, "language", outline.language.as_deref().unwrap_or(""), labels::language);
    out.outlet(&outlet, outline.name());
    if outline.has_rating() {
        let mut rating = out.blank_rating(&outlet, &context.provider, &context.version);
        rating.outlet_name = outline.name().map(str::to_string);
        rating.lean = out.label(line, "lean", outline.lean.as_deref().unwrap_or(""), labels::generic_lean);
        rating.factuality =
            out.label(line, "factuality", outline.factuality.as_deref().unwrap_or(""), labels::factuality);
        rating.country = outline.country.clone();
        rating.language = language.clone();
        // Annotating every feed of an outlet with the same rating is fine;
        // only a differing second rating is a conflict worth reporting.
        if !out.ratings().contains(&rating) {
            out.rating(line, rating);
        }
    }
    let feed =
        FeedSource { url, outlet, title: outline.title.clone().or_else(|| outline.text.clone()), language, categories };
    out.feed(line, feed);
}

/// The IP address a feed URL's host is, if it is one.
fn ip_host(url: &str) -> Option<String> {
    match url::Url::parse(url.trim()).ok()?.host()? {
        url::Host::Ipv4(address) => Some(address.to_string()),
        url::Host::Ipv6(address) => Some(address.to_string()),
        url::Host::Domain(_) => None,
    }
}

/// The outlet named by `parallax:outlet`, else the one `htmlUrl` belongs to;
/// `None` leaves the choice to the feed URL.
fn outlet_of(out: &mut Collector, line: Option<usize>, outline: &Outline) -> Option<String> {
    if let Some(named) = &outline.outlet {
        match domains::from_column(named) {
            Ok(domain) => return Some(domain),
            Err(reason) => out.diagnostic(line, format!("parallax:outlet {reason}; ignored")),
        }
    }
    let html_url = outline.html_url.as_deref()?;
    match domains::from_url(html_url) {
        Ok(domain) => Some(domain),
        Err(reason) => {
            out.diagnostic(line, format!("htmlUrl {reason}; outlet taken from xmlUrl"));
            None
        }
    }
}
