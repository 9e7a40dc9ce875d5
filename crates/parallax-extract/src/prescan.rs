//! One linear pass over a page before any HTML parser sees it: counts its
//! elements and caps how deeply they nest.
//!
//! html5ever checks element scope by walking the stack of open elements, so
//! building a tree is quadratic in its depth (100,000 nested `<div>`s take
//! about a minute), and dom_smoothie walks the tree recursively, so the same
//! page overflows a 2 MiB thread stack. Blink stops nesting at 512 for the
//! same reasons. This pass does what Blink does, on the raw text: tags that
//! would open an element deeper than the limit are dropped (their text is
//! kept), together with the end tags that would have closed them.
//!
//! The depth is estimated with a cheap tag scanner, not a tree builder:
//! void elements and elements whose end tag HTML lets authors omit (`p`,
//! `li`, `td`, ...) are not counted, so unclosed paragraphs never look deep,
//! at the price of counting nested lists and tables at a half or a quarter of
//! their real depth. The scanner is linear in the input: an end tag that
//! matches no open element is recognised in constant time.

use std::borrow::Cow;
use std::collections::HashMap;

/// Elements that never have content.
const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
    "basefont", "bgsound", "frame", "keygen", "image",
];

/// Elements whose end tag may be omitted, so an author's unclosed ones do
/// not nest in the parsed tree.
const OPTIONAL_END_ELEMENTS: &[&str] = &[
    "html", "head", "body", "p", "li", "dt", "dd", "option", "optgroup", "rb", "rt", "rp", "rtc", "tr", "td", "th",
    "thead", "tbody", "tfoot", "colgroup", "caption",
];

/// Elements whose content is raw text up to their own end tag: a `<div>`
/// inside a script is not an element.
const RAW_TEXT_ELEMENTS: &[&str] =
    &["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"];

/// The page with over-deep tags removed, how many tags were removed, and
/// how many start tags the page has.
pub(crate) struct Prescanned<'a> {
    pub html: Cow<'a, str>,
    pub dropped_tags: usize,
    pub elements: usize,
}

pub(crate) fn prescan(html: &str, max_depth: usize) -> Prescanned<'_> {
    let mut scanner = Scanner {
        html,
        max_depth,
        open: Vec::new(),
        open_count: HashMap::new(),
        dropped_open: HashMap::new(),
        output: None,
        copied_up_to: 0,
        dropped_tags: 0,
        elements: 0,
    };
    scanner.run();
    let (dropped_tags, elements) = (scanner.dropped_tags, scanner.elements);
    let html = match scanner.output {
        None => Cow::Borrowed(html),
        Some(mut output) => {
            output.push_str(&html[scanner.copied_up_to..]);
            Cow::Owned(output)
        }
    };
    Prescanned { html, dropped_tags, elements }
}

struct Scanner<'a> {
    html: &'a str,
    max_depth: usize,
    /// Lower-cased names of the counted open elements, innermost last.
    open: Vec<String>,
    open_count: HashMap<String, usize>,
    /// Start tags dropped and not yet matched by an end tag, by name.
    dropped_open: HashMap<String, usize>,
    /// Only allocated once a tag is dropped.
    output: Option<String>,
    copied_up_to: usize,
    dropped_tags: usize,
    elements: usize,
}

impl Scanner<'_> {
    fn run(&mut self) {
        let bytes = self.html.as_bytes();
        let mut position = 0;
        while let Some(offset) = find_byte(&bytes[position..], b'<') {
            let start = position + offset;
            let rest = &bytes[start..];
            if rest.starts_with(b"<!--") {
                position = find_from(bytes, start + 4, b"-->").map_or(bytes.len(), |end| end + 3);
            } else if rest.len() > 1 && (rest[1] == b'!' || rest[1] == b'?') {
                position = tag_end(bytes, start + 2);
            } else if rest.len() > 2 && rest[1] == b'/' && rest[2].is_ascii_alphabetic() {
                let name = tag_name(bytes, start + 2);
                let end = tag_end(bytes, start + 2 + name.len());
                self.end_tag(&name, start, end);
                position = end;
            } else if rest.len() > 1 && rest[1].is_ascii_alphabetic() {
                let name = tag_name(bytes, start + 1);
                let end = tag_end(bytes, start + 1 + name.len());
                let self_closing = end >= 2 && bytes[end - 1] == b'>' && bytes[end - 2] == b'/';
                position = end;
                self.elements += 1;
                if name == "plaintext" {
                    return;
                }
                if RAW_TEXT_ELEMENTS.contains(&name.as_str()) {
                    // The element's end tag is handled by the next iteration.
                    position = find_end_tag(bytes, end, &name).unwrap_or(bytes.len());
                    continue;
                }
                if !self_closing {
                    self.start_tag(name, start, end);
                }
            } else {
                position = start + 1;
            }
        }
    }

    fn start_tag(&mut self, name: String, start: usize, end: usize) {
        if !counts_for_depth(&name) {
            return;
        }
        if self.open.len() >= self.max_depth {
            *self.dropped_open.entry(name).or_insert(0) += 1;
            self.drop_span(start, end);
            return;
        }
        *self.open_count.entry(name.clone()).or_insert(0) += 1;
        self.open.push(name);
    }

    fn end_tag(&mut self, name: &str, start: usize, end: usize) {
        if !counts_for_depth(name) {
            return;
        }
        let closes_innermost = self.open.last().is_some_and(|innermost| innermost == name);
        let dropped = if closes_innermost { None } else { self.dropped_open.get_mut(name) };
        if let Some(dropped) = dropped.filter(|dropped| **dropped > 0) {
            *dropped -= 1;
            self.drop_span(start, end);
            return;
        }
        if self.open_count.get(name).copied().unwrap_or(0) == 0 {
            return;
        }
        // Like a parser, an end tag closes everything opened inside its element.
        while let Some(closed) = self.open.pop() {
            if let Some(count) = self.open_count.get_mut(&closed) {
                *count = count.saturating_sub(1);
            }
            if closed == name {
                break;
            }
        }
    }

    fn drop_span(&mut self, start: usize, end: usize) {
        let output = self.output.get_or_insert_with(|| String::with_capacity(self.html.len()));
        output.push_str(&self.html[self.copied_up_to..start]);
        self.copied_up_to = end;
        self.dropped_tags += 1;
    }
}

fn counts_for_depth(name: &str) -> bool {
    !VOID_ELEMENTS.contains(&name) && !OPTIONAL_END_ELEMENTS.contains(&name)
}

fn find_byte(haystack: &[u8], needle: u8) -> Option<usize> {
    haystack.iter().position(|&byte| byte == needle)
}

fn find_from(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes.get(from..)?.windows(needle.len()).position(|window| window == needle).map(|at| from + at)
}

/// Lower-cased tag name starting at `from`.
fn tag_name(bytes: &[u8], from: usize) -> String {
    bytes[from..]
        .iter()
        .take_while(|byte| !byte.is_ascii_whitespace() && **byte != b'/' && **byte != b'>')
        .map(|byte| byte.to_ascii_lowercase() as char)
        .collect()
}

/// Index just past the `>` that ends the tag whose attributes start at
/// `from`; quoted attribute values may contain `>`.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote = None;
    for (offset, &byte) in bytes[from..].iter().enumerate() {
        match quote {
            Some(open) if byte == open => quote = None,
            Some(_) => {}
            None if byte == b'"' || byte == b'\'' => quote = Some(byte),
            None if byte == b'>' => return from + offset + 1,
            None => {}
        }
    }
    bytes.len()
}

/// Start of the `</name` that ends a raw-text element, case-insensitively.
fn find_end_tag(bytes: &[u8], from: usize, name: &str) -> Option<usize> {
    let mut position = from;
    while let Some(offset) = find_from(bytes, position, b"</") {
        let after = offset + 2;
        let candidate = bytes.get(after..after + name.len())?;
        if candidate.eq_ignore_ascii_case(name.as_bytes()) {
            return Some(offset);
        }
        position = after;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capped(html: &str, max_depth: usize) -> (String, usize) {
        let prescanned = prescan(html, max_depth);
        (prescanned.html.into_owned(), prescanned.dropped_tags)
    }

    #[test]
    fn shallow_pages_are_borrowed_unchanged() {
        let html = "<div><p>a<p>b<ul><li>c<li>d</ul></div>";
        assert!(matches!(prescan(html, 3).html, Cow::Borrowed(_)));
    }

    #[test]
    fn elements_are_counted_outside_scripts_and_comments() {
        let html = "<div><br/><img src=x><!-- <p> --><script>'<b>'</script></div>";
        assert_eq!(prescan(html, 10).elements, 4);
    }

    #[test]
    fn tags_past_the_limit_are_dropped_with_their_end_tags() {
        let html = "<div><div><div><div>deep</div></div></div></div><p>after</p>";
        assert_eq!(capped(html, 2), ("<div><div>deep</div></div><p>after</p>".to_string(), 4));
    }

    #[test]
    fn unclosed_optional_end_tags_do_not_deepen() {
        let html = format!("<div>{}</div>", "<p>para".repeat(1000));
        assert_eq!(capped(&html, 2).1, 0);
    }

    #[test]
    fn tags_inside_scripts_and_comments_are_not_elements() {
        let html = "<div><script>var s = '<div><div><div>';</script><!-- <div><div> --></div>";
        assert_eq!(capped(html, 1).1, 0);
    }

    #[test]
    fn quoted_angle_brackets_do_not_end_a_tag() {
        let html = r#"<div title="a > b"><span>x</span></div>"#;
        assert_eq!(capped(html, 1), (r#"<div title="a > b">x</div>"#.to_string(), 2));
    }

    #[test]
    fn unmatched_end_tags_are_ignored() {
        let html = "</span></div><div>x</div></b>";
        assert_eq!(capped(html, 5).1, 0);
    }
}
