//! Turning a feed's bytes into UTF-8 text before any parser sees them.
//!
//! Which encoding applies, first match wins: a byte order mark; UTF-16
//! recognisable from the zero bytes around `<?`; the XML declaration's
//! `encoding`; the HTTP `charset`; UTF-8. The declaration outranks HTTP
//! although RFC 7303 says otherwise, because servers routinely send a
//! default `charset=ISO-8859-1` for feeds their CMS wrote as UTF-8, while
//! the declaration is written by the program that encoded the bytes.
//! Labels are resolved the WHATWG way, so ISO-8859-1 and US-ASCII read as
//! windows-1252, which is what such feeds really contain.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

/// How far into the document an XML declaration may end, bytes. The
/// declaration is the first thing in the file; this only bounds the search.
const XML_DECLARATION_MAX_BYTES: usize = 512;

/// The document as UTF-8 plus what was noticed on the way.
pub(crate) struct Transcoded<'a> {
    pub text: Cow<'a, str>,
    pub notes: Vec<String>,
}

pub(crate) fn to_utf8<'a>(bytes: &'a [u8], content_type: Option<&str>) -> Transcoded<'a> {
    let mut notes = Vec::new();
    let (encoding, body) = choose_encoding(bytes, content_type, &mut notes);
    let (text, had_errors) = encoding.decode_without_bom_handling(body);
    if had_errors {
        notes.push(format!("invalid {} byte sequences replaced with U+FFFD", encoding.name()));
    }
    Transcoded { text, notes }
}

fn choose_encoding<'a>(
    bytes: &'a [u8],
    content_type: Option<&str>,
    notes: &mut Vec<String>,
) -> (&'static Encoding, &'a [u8]) {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return (encoding, &bytes[bom_len..]);
    }
    match bytes {
        [b'<', 0, b'?', 0, ..] => return (UTF_16LE, bytes),
        [0, b'<', 0, b'?', ..] => return (UTF_16BE, bytes),
        _ => {}
    }
    let declared = xml_declared_encoding(bytes)
        .map(|label| (label, "XML declaration"))
        .or_else(|| content_type.and_then(http_charset).map(|label| (label, "HTTP charset")));
    let Some((label, origin)) = declared else {
        return (UTF_8, bytes);
    };
    let Some(encoding) = Encoding::for_label(label.trim().as_bytes()) else {
        notes.push(format!("unknown encoding {label:?} in the {origin}; read as UTF-8"));
        return (UTF_8, bytes);
    };
    if encoding == UTF_16LE || encoding == UTF_16BE {
        // The label was readable as ASCII, so the bytes are not UTF-16.
        notes.push(format!("{origin} says {label:?} but the bytes are not UTF-16; read as UTF-8"));
        return (UTF_8, bytes);
    }
    if encoding != UTF_8 && !bytes.is_ascii() && std::str::from_utf8(bytes).is_ok() {
        // Legacy text almost never forms valid multi-byte UTF-8 by chance;
        // a feed declaring Latin-1 that is valid UTF-8 was mislabelled.
        notes.push(format!("{origin} says {label:?} but the bytes are valid UTF-8; read as UTF-8"));
        return (UTF_8, bytes);
    }
    (encoding, bytes)
}

/// The `encoding` pseudo-attribute of a leading `<?xml ...?>`.
fn xml_declared_encoding(bytes: &[u8]) -> Option<&str> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &bytes[start..bytes.len().min(start + XML_DECLARATION_MAX_BYTES)];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let declaration = std::str::from_utf8(&head[..end]).ok()?;
    let after_name = &declaration[declaration.find("encoding")? + "encoding".len()..];
    let after_equals = after_name.trim_start().strip_prefix('=')?.trim_start();
    let quote = after_equals.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &after_equals[1..];
    Some(&value[..value.find(quote)?])
}

/// The `charset` parameter of a Content-Type header value.
pub(crate) fn http_charset(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(|c| c == '"' || c == '\''))
            .filter(|value| !value.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(bytes: &[u8], content_type: Option<&str>, expected: &str, expected_notes: usize) {
        let transcoded = to_utf8(bytes, content_type);
        assert_eq!(transcoded.text, expected);
        assert_eq!(transcoded.notes.len(), expected_notes, "{:?}", transcoded.notes);
    }

    #[test]
    fn follows_bom_then_declaration_then_http_charset() {
        check(b"\xef\xbb\xbf<a>\xc3\xa9</a>", Some("text/xml; charset=iso-8859-1"), "<a>é</a>", 0);
        check(b"\xff\xfe<\x00a\x00>\x00", None, "<a>", 0);
        check(b"<\x00?\x00x\x00", None, "<?x", 0);
        check(
            b"<?xml version='1.0' encoding='ISO-8859-1'?><a>\xe9\x92</a>",
            None,
            "<?xml version='1.0' encoding='ISO-8859-1'?><a>é’</a>",
            0,
        );
        check(b"<a>\xe9</a>", Some("application/rss+xml; Charset=\"windows-1252\""), "<a>é</a>", 0);
        check(b"<a>\xc3\xa9</a>", None, "<a>é</a>", 0);
    }

    #[test]
    fn reports_what_it_had_to_guess_or_replace() {
        check(b"<a>\xff\xfeok</a>", None, "<a>\u{fffd}\u{fffd}ok</a>", 1);
        check(
            b"<?xml version=\"1.0\" encoding=\"klingon\"?><a/>",
            None,
            "<?xml version=\"1.0\" encoding=\"klingon\"?><a/>",
            1,
        );
        check(
            b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xc3\xa9</a>",
            None,
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>é</a>",
            1,
        );
    }

    #[test]
    fn reads_the_charset_parameter() {
        assert_eq!(http_charset("text/xml; charset=UTF-8"), Some("UTF-8"));
        assert_eq!(http_charset("text/xml;charset='latin1' ; q=1"), Some("latin1"));
        assert_eq!(http_charset("text/xml"), None);
        assert_eq!(http_charset("text/xml; charset="), None);
    }
}
