//! Text-level fixes to an XML feed before the reader (`xml_reader`) sees it.
//!
//! The reader (quick-xml) never expands DTD entities, never fetches
//! anything and stops at some well-formedness errors. These steps keep
//! hostile documents harmless and rescue the common ways real feeds are
//! broken, each with a diagnostic so the breakage stays visible.

use std::ops::Range;

/// What comes before the root element.
pub(crate) struct Prolog<'a> {
    /// Where the document continues after its XML declaration. The
    /// declaration is dropped: the text is UTF-8 by now, and a parser that
    /// read `encoding="ISO-8859-1"` would decode it a second time.
    pub body_start: usize,
    pub doctype: Option<Doctype<'a>>,
    /// The root element's qualified name and where its start tag begins.
    pub root: Option<(&'a str, usize)>,
}

pub(crate) struct Doctype<'a> {
    pub range: Range<usize>,
    pub name: &'a str,
    /// General entities declared in the internal subset (`<!ENTITY x ...>`).
    pub entities: Vec<&'a str>,
    /// The replacement text of those that are internal (`<!ENTITY x "v">`),
    /// by name; external ones (`SYSTEM`, `PUBLIC`) have none.
    pub values: Vec<(&'a str, &'a str)>,
    /// Whether the internal subset declares any entity, general or `%`.
    pub declares_entities: bool,
}

pub(crate) fn scan_prolog(doc: &str) -> Prolog<'_> {
    let bytes = doc.as_bytes();
    let mut prolog = Prolog { body_start: 0, doctype: None, root: None };
    let mut pos = 0;
    loop {
        pos += doc[pos..].len() - doc[pos..].trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}').len();
        let rest = &bytes[pos..];
        if rest.starts_with(b"<?") {
            let Some(end) = find(bytes, pos, b"?>") else { return prolog };
            if rest.starts_with(b"<?xml") && rest.get(5).is_some_and(u8::is_ascii_whitespace) {
                prolog.body_start = end + 2;
            }
            pos = end + 2;
        } else if rest.starts_with(b"<!--") {
            let Some(end) = find(bytes, pos, b"-->") else { return prolog };
            pos = end + 3;
        } else if rest.len() >= 9 && rest[..9].eq_ignore_ascii_case(b"<!DOCTYPE") {
            let doctype = scan_doctype(doc, pos);
            pos = doctype.range.end;
            prolog.doctype = Some(doctype);
        } else if rest.first() == Some(&b'<') && rest.get(1).is_some_and(|&b| is_name_byte(b)) {
            let name_end =
                bytes[pos + 1..].iter().position(|&b| !is_name_byte(b)).map_or(bytes.len(), |at| pos + 1 + at);
            prolog.root = Some((&doc[pos + 1..name_end], pos));
            return prolog;
        } else {
            return prolog;
        }
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-' | b'.') || b >= 0x80
}

/// Reads `<!DOCTYPE name ... [internal subset]>` starting at `start`,
/// honouring quotes and comments so a `>` or `]` inside them does not end
/// it. An unterminated DOCTYPE runs to the end of the document.
fn scan_doctype(doc: &str, start: usize) -> Doctype<'_> {
    let bytes = doc.as_bytes();
    let name_start = start + 9 + bytes[start + 9..].iter().take_while(|b| b.is_ascii_whitespace()).count();
    let name_end = bytes[name_start..].iter().position(|&b| !is_name_byte(b)).map_or(bytes.len(), |at| name_start + at);
    let mut doctype = Doctype {
        range: start..bytes.len(),
        name: &doc[name_start..name_end],
        entities: Vec::new(),
        values: Vec::new(),
        declares_entities: false,
    };
    let mut pos = name_end;
    let mut in_subset = false;
    while pos < bytes.len() {
        match bytes[pos] {
            quote @ (b'"' | b'\'') => {
                pos = find(bytes, pos + 1, &[quote]).map_or(bytes.len(), |end| end + 1);
                continue;
            }
            b'<' if in_subset && bytes[pos..].starts_with(b"<!--") => {
                pos = find(bytes, pos + 4, b"-->").map_or(bytes.len(), |end| end + 3);
                continue;
            }
            b'<' if in_subset && bytes[pos..].starts_with(b"<!ENTITY") => {
                doctype.declares_entities = true;
                let after = pos + 8;
                let name_start = after + bytes[after..].iter().take_while(|b| b.is_ascii_whitespace()).count();
                if bytes.get(name_start) != Some(&b'%') {
                    let name_len = bytes[name_start..].iter().take_while(|&&b| is_name_byte(b)).count();
                    if name_len > 0 {
                        let name = &doc[name_start..name_start + name_len];
                        doctype.entities.push(name);
                        let value_start = name_start
                            + name_len
                            + bytes[name_start + name_len..].iter().take_while(|b| b.is_ascii_whitespace()).count();
                        if let Some(&quote @ (b'"' | b'\'')) = bytes.get(value_start)
                            && let Some(end) = find(bytes, value_start + 1, &[quote])
                        {
                            doctype.values.push((name, &doc[value_start + 1..end]));
                        }
                    }
                }
                pos = after;
                continue;
            }
            b'[' if !in_subset => in_subset = true,
            b']' if in_subset => in_subset = false,
            b'>' if !in_subset => {
                doctype.range.end = pos + 1;
                return doctype;
            }
            _ => {}
        }
        pos += 1;
    }
    doctype
}

/// Longest internal entity value expanded, bytes; longer ones are removed
/// like external ones.
const MAX_ENTITY_VALUE_BYTES: usize = 1024;

/// The document after its XML declaration with a DOCTYPE that declares
/// entities removed, and every reference to those entities replaced:
/// by its value when the entity is internal and its value is plain text
/// (no `&`, `<` or `%`, at most [`MAX_ENTITY_VALUE_BYTES`]), else by
/// nothing. Returns the document and how many references were expanded.
///
/// Entity declarations are how billion-laughs and XXE attacks work: an
/// external entity is never fetched, and a value that refers to other
/// entities is never expanded, so nothing nests. Plain values are what a
/// feed that declares `<!ENTITY id "tag:example.com,">` means, and leaving
/// them out would silently change the text (a GUID, the dedup key). The
/// expansion stops once it has added as many bytes as the document has,
/// so memory stays proportional to the input.
pub(crate) fn strip_entity_doctype(doc: &str, prolog: &Prolog<'_>, doctype: &Doctype<'_>) -> (String, usize) {
    let mut out = String::with_capacity(doc.len() - doctype.range.len());
    out.push_str(&doc[prolog.body_start.min(doctype.range.start)..doctype.range.start]);
    let rest = &doc[doctype.range.end..];
    let mut budget = doc.len();
    let mut expanded = 0;
    let mut copied = 0;
    for (at, _) in rest.match_indices('&') {
        if at < copied {
            continue;
        }
        let name_len = rest.as_bytes()[at + 1..].iter().take_while(|&&b| is_name_byte(b)).count();
        let name = &rest[at + 1..at + 1 + name_len];
        if rest.as_bytes().get(at + 1 + name_len) == Some(&b';') && doctype.entities.contains(&name) {
            out.push_str(&rest[copied..at]);
            let value = doctype.values.iter().find(|(declared, _)| *declared == name).map(|(_, value)| *value);
            if let Some(value) = value
                .filter(|value| value.len() <= MAX_ENTITY_VALUE_BYTES.min(budget) && !value.contains(['&', '<', '%']))
            {
                out.push_str(value);
                budget -= value.len();
                expanded += 1;
            }
            copied = at + name_len + 2;
        }
    }
    out.push_str(&rest[copied..]);
    (out, expanded)
}

/// RSS elements whose text is HTML by convention.
const HTML_TEXT_ELEMENTS: [&str; 3] = ["title", "description", "content:encoded"];

/// Wraps raw HTML inside RSS `<title>`, `<description>` and
/// `<content:encoded>` in CDATA. Returns the new document and how many
/// elements were wrapped, or `None` when nothing needed it.
///
/// Some generators paste HTML into these elements without escaping it.
/// The XML stays well-formed only when the HTML happens to be: a bare
/// `<br>` or `<p>` left open shifts every later end tag onto the wrong
/// element, and the item's remaining fields would be read as its
/// description's.
pub(crate) fn wrap_raw_html(doc: &str) -> Option<(String, usize)> {
    let bytes = doc.as_bytes();
    let mut starts: Vec<(usize, &str)> = HTML_TEXT_ELEMENTS
        .iter()
        .flat_map(|name| {
            memchr::memmem::find_iter(bytes, format!("<{name}").as_bytes())
                .filter(|&open| bytes.get(open + 1 + name.len()).is_some_and(|&b| b == b'>' || b.is_ascii_whitespace()))
                .map(|open| (open, *name))
                .collect::<Vec<_>>()
        })
        .collect();
    starts.sort_unstable();
    let mut out = String::new();
    let mut copied = 0;
    let mut wrapped = 0;
    let mut pos = 0;
    for (open, name) in starts {
        if open < pos {
            continue;
        }
        let Some(tag_end) = find(bytes, open, b">") else { break };
        if bytes[tag_end - 1] == b'/' {
            continue;
        }
        let content_start = tag_end + 1;
        let closing = format!("</{name}");
        let Some(content_end) = find(bytes, content_start, closing.as_bytes()) else { break };
        let inner = &doc[content_start..content_end];
        if has_raw_markup(inner) {
            out.push_str(&doc[copied..content_start]);
            push_as_cdata(&mut out, inner);
            copied = content_end;
            wrapped += 1;
        }
        pos = content_end + closing.len();
    }
    if wrapped == 0 {
        return None;
    }
    out.push_str(&doc[copied..]);
    Some((out, wrapped))
}

/// Whether XML element content holds a tag outside CDATA and comments.
fn has_raw_markup(inner: &str) -> bool {
    let bytes = inner.as_bytes();
    let mut pos = 0;
    while let Some(open) = find(bytes, pos, b"<") {
        let rest = &bytes[open..];
        if rest.starts_with(b"<![CDATA[") {
            match find(bytes, open, b"]]>") {
                Some(end) => pos = end + 3,
                None => return false,
            }
        } else if rest.starts_with(b"<!--") {
            match find(bytes, open, b"-->") {
                Some(end) => pos = end + 3,
                None => return false,
            }
        } else if rest.get(1).is_some_and(|&b| b.is_ascii_alphabetic() || b == b'/') {
            return true;
        } else {
            pos = open + 1;
        }
    }
    false
}

/// Appends `inner` as one CDATA section: existing CDATA sections are
/// unwrapped, and a `]]>` in the text is split so it cannot end ours.
fn push_as_cdata(out: &mut String, inner: &str) {
    out.push_str("<![CDATA[");
    let mut rest = inner;
    while let Some(start) = rest.find("<![CDATA[") {
        out.push_str(&rest[..start].replace("]]>", "]]]]><![CDATA[>"));
        let section = &rest[start + 9..];
        let end = section.find("]]>").unwrap_or(section.len());
        out.push_str(&section[..end]);
        rest = section.get(end + 3..).unwrap_or("");
    }
    out.push_str(&rest.replace("]]>", "]]]]><![CDATA[>"));
    out.push_str("]]>");
}

/// What [`repair`] changed, for the diagnostic.
pub(crate) struct Repaired {
    pub doc: String,
    pub actions: Vec<&'static str>,
}

/// Second chance for a document the reader stopped on: escapes bare `&` (the
/// most common error in hand-built feeds, `AT&T` in a title), and closes a
/// document that was cut off after its last complete item (a download
/// stopped at the size limit). `None` when neither applies.
pub(crate) fn repair(doc: &str, root: &str) -> Option<Repaired> {
    let mut actions = Vec::new();
    let mut repaired = escape_bare_ampersands(doc).inspect(|_| actions.push("escaped bare &"));
    let current = repaired.as_deref().unwrap_or(doc);
    if let Some(closed) = close_truncated(current, root) {
        repaired = Some(closed);
        actions.push("closed the document after its last complete entry");
    }
    repaired.map(|doc| Repaired { doc, actions })
}

/// Longest entity name looked for after `&`; anything longer is text.
const MAX_ENTITY_NAME_BYTES: usize = 32;

fn escape_bare_ampersands(doc: &str) -> Option<String> {
    let bytes = doc.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut pos = 0;
    while let Some(at) = memchr::memchr2(b'&', b'<', &bytes[pos..]).map(|at| pos + at) {
        if bytes[at] == b'<' {
            pos = if bytes[at..].starts_with(b"<![CDATA[") {
                find(bytes, at, b"]]>").map_or(bytes.len(), |end| end + 3)
            } else if bytes[at..].starts_with(b"<!--") {
                find(bytes, at, b"-->").map_or(bytes.len(), |end| end + 3)
            } else {
                at + 1
            };
            continue;
        }
        pos = at + 1;
        if !is_reference(&bytes[at + 1..]) {
            out.push_str(&doc[copied..at]);
            out.push_str("&amp;");
            copied = at + 1;
        }
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&doc[copied..]);
    Some(out)
}

/// Whether the bytes after `&` form `name;`, `#123;` or `#x1F;`.
fn is_reference(after: &[u8]) -> bool {
    let (body, valid): (&[u8], fn(&u8) -> bool) = match after {
        [b'#', b'x' | b'X', rest @ ..] => (rest, u8::is_ascii_hexdigit),
        [b'#', rest @ ..] => (rest, u8::is_ascii_digit),
        _ => (after, |b: &u8| is_name_byte(*b)),
    };
    let len = body.iter().take(MAX_ENTITY_NAME_BYTES + 1).take_while(|b| valid(b)).count();
    len > 0 && len <= MAX_ENTITY_NAME_BYTES && body.get(len) == Some(&b';')
}

fn close_truncated(doc: &str, root: &str) -> Option<String> {
    if doc.contains(&format!("</{root}>")) {
        return None;
    }
    let (entry_end, closers) = if root == "rss" {
        ("</item>", format!("</channel></{root}>"))
    } else if root.ends_with("feed") {
        ("</entry>", format!("</{root}>"))
    } else {
        ("</item>", format!("</{root}>"))
    };
    let cut = doc.rfind(entry_end)? + entry_end.len();
    Some(format!("{}{closers}", &doc[..cut]))
}

/// Whether the start of a document that did not parse looks like HTML.
pub(crate) fn looks_like_html(doc: &str) -> bool {
    let head = &doc.as_bytes()[..doc.len().min(HTML_SNIFF_BYTES)];
    ["<html", "<head", "<body", "<!doctype html"]
        .iter()
        .any(|marker| head.windows(marker.len()).any(|w| w.eq_ignore_ascii_case(marker.as_bytes())))
}

/// Elements an HTML page can start with when it has no `<html>` (tag soup
/// from a CMS error page or a parking page).
const HTML_START_ELEMENTS: [&str; 12] =
    ["html", "head", "body", "meta", "title", "link", "script", "style", "div", "p", "table", "span"];

pub(crate) fn is_html_element(name: &str) -> bool {
    HTML_START_ELEMENTS.iter().any(|html| html.eq_ignore_ascii_case(name))
}

/// How much of a failed document is searched for HTML markers, bytes.
const HTML_SNIFF_BYTES: usize = 2048;

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(bytes.get(from..)?, needle).map(|at| from + at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_declaration_doctype_and_root() {
        let doc = "\u{feff} <?xml version=\"1.0\"?>\n<?xml-stylesheet href=\"a\"?><!-- c --><!DOCTYPE rss [<!ENTITY a \"]>\"><!ENTITY % p \"x\">]><rss version=\"2.0\">";
        let prolog = scan_prolog(doc);
        assert_eq!(&doc[prolog.body_start..prolog.body_start + 1], "\n");
        let doctype = prolog.doctype.as_ref().unwrap();
        assert_eq!(doctype.name, "rss");
        assert_eq!(doctype.entities, ["a"]);
        assert!(doctype.declares_entities);
        assert_eq!(&doc[doctype.range.end..doctype.range.end + 4], "<rss");
        assert_eq!(prolog.root.map(|(name, _)| name), Some("rss"));
    }

    #[test]
    fn strips_entity_doctype_and_references() {
        let doc =
            "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>a&e;b&amp;c&f;</x>";
        let prolog = scan_prolog(doc);
        let doctype = prolog.doctype.as_ref().unwrap();
        assert_eq!(strip_entity_doctype(doc, &prolog, doctype), ("<x>ab&amp;c&f;</x>".to_string(), 0));
        let doc = "<!DOCTYPE rss [<!ENTITY id \"tag:e.com,\"><!ENTITY n '&id;'>]><g>&id;2006:&n;/</g>";
        let prolog = scan_prolog(doc);
        let doctype = prolog.doctype.as_ref().unwrap();
        assert_eq!(strip_entity_doctype(doc, &prolog, doctype), ("<g>tag:e.com,2006:/</g>".to_string(), 1));
    }

    #[test]
    fn wraps_raw_html_in_rss_text_elements() {
        let doc = "<item><title>A <b>b</b></title><description><![CDATA[ok]]></description><description>x <br> ]]> <![CDATA[<i>y</i>]]></description><content:encoded/></item>";
        let (wrapped, count) = wrap_raw_html(doc).unwrap();
        assert_eq!(count, 2);
        assert_eq!(
            wrapped,
            "<item><title><![CDATA[A <b>b</b>]]></title><description><![CDATA[ok]]></description><description><![CDATA[x <br> ]]]]><![CDATA[> <i>y</i>]]></description><content:encoded/></item>"
        );
        assert!(wrap_raw_html("<title>plain &amp; simple</title>").is_none());
    }

    #[test]
    fn repairs_bare_ampersands_and_truncation() {
        let repaired =
            repair("<rss><channel><item><title>AT&T &amp; &#38; <![CDATA[&]]></title></item><item><ti", "rss").unwrap();
        assert_eq!(
            repaired.doc,
            "<rss><channel><item><title>AT&amp;T &amp; &#38; <![CDATA[&]]></title></item></channel></rss>"
        );
        assert_eq!(repaired.actions.len(), 2);
        assert!(repair("<feed><entry></entry></feed>", "feed").is_none());
    }

    #[test]
    fn recognises_html() {
        assert!(looks_like_html("<!DOCTYPE HTML><title>x</title>"));
        assert!(looks_like_html("junk <BODY>"));
        assert!(!looks_like_html("<rss></rss>"));
    }
}
