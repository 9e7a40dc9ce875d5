//! Bytes of a fetched page to text, choosing the character encoding the way
//! a browser does: byte-order mark, then the HTTP `Content-Type` charset,
//! then a `<meta>` declaration near the top, then (nothing declared) UTF-8
//! if the bytes are valid UTF-8, else Mozilla's detector for legacy pages.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

/// How far into the page a `<meta charset>` is looked for. The HTML
/// standard's prescan stops at 1,024 bytes, but browsers also honour a later
/// declaration in the head (by reparsing), and real pages put kilobytes of
/// inline script before it.
const META_SCAN_BYTES: usize = 64 * 1024;

/// Decodes a page. Never fails: undecodable bytes become U+FFFD.
pub fn decode_html(bytes: &[u8], content_type: Option<&str>) -> String {
    let encoding = sniff_encoding(bytes, content_type);
    // `decode` lets a byte-order mark override `encoding` and strips it.
    let (text, _, _) = encoding.decode(bytes);
    text.into_owned()
}

/// The encoding [`decode_html`] uses for these bytes.
pub fn sniff_encoding(bytes: &[u8], content_type: Option<&str>) -> &'static Encoding {
    if let Some((encoding, _)) = Encoding::for_bom(bytes) {
        return encoding;
    }
    if let Some(encoding) = content_type.and_then(charset_parameter).and_then(label_encoding) {
        return encoding;
    }
    let head = &bytes[..bytes.len().min(META_SCAN_BYTES)];
    if let Some(encoding) = meta_charset(head) {
        // A page that could declare itself in ASCII is not UTF-16, and
        // x-user-defined is windows-1252 when declared in a page (HTML
        // standard, "prescan a byte stream").
        if encoding == encoding_rs::UTF_16BE || encoding == encoding_rs::UTF_16LE {
            return UTF_8;
        }
        if encoding == encoding_rs::X_USER_DEFINED {
            return WINDOWS_1252;
        }
        return encoding;
    }
    if std::str::from_utf8(bytes).is_ok() {
        return UTF_8;
    }
    // ISO-2022-JP is 7-bit, so such a page was valid UTF-8 and never gets here.
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    // Invalid UTF-8 can still be UTF-8 with a few broken bytes.
    detector.guess(None, chardetng::Utf8Detection::Allow)
}

fn label_encoding(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes())
}

/// The `charset` parameter of a `Content-Type` value.
fn charset_parameter(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim().eq_ignore_ascii_case("charset").then(|| value.trim().trim_matches(['"', '\'']))
    })
}

/// The first `charset=` inside a `<meta ...>` tag, whether written as
/// `<meta charset="x">` or `<meta http-equiv=content-type content="...; charset=x">`.
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut position = 0;
    while let Some(offset) = find(&lower[position..], b"<meta") {
        let tag_start = position + offset + b"<meta".len();
        let tag_end = find(&lower[tag_start..], b">").map_or(lower.len(), |end| tag_start + end);
        let tag = &lower[tag_start..tag_end];
        if let Some(at) = find(tag, b"charset") {
            let value = tag[at + b"charset".len()..]
                .iter()
                .skip_while(|byte| byte.is_ascii_whitespace() || **byte == b'=')
                .skip_while(|byte| **byte == b'"' || **byte == b'\'')
                .take_while(|byte| byte.is_ascii_alphanumeric() || b"-_:.".contains(byte))
                .map(|byte| *byte as char)
                .collect::<String>();
            if let Some(encoding) = label_encoding(&value) {
                return Some(encoding);
            }
        }
        position = tag_end;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(bytes: &[u8], content_type: Option<&str>, expected_encoding: &str, expected: &str) {
        assert_eq!(sniff_encoding(bytes, content_type).name(), expected_encoding);
        assert!(decode_html(bytes, content_type).contains(expected), "{expected:?} not decoded");
    }

    #[test]
    fn meta_charset_is_honoured() {
        check(b"<meta charset=\"windows-1251\"><p>\xcf\xf0\xe8\xe2\xe5\xf2", None, "windows-1251", "Привет");
        check(
            b"<meta http-equiv='Content-Type' content='text/html; charset=ISO-8859-1'><p>caf\xe9",
            None,
            "windows-1252",
            "café",
        );
    }

    #[test]
    fn content_type_beats_meta_and_bom_beats_both() {
        let page = b"<meta charset=utf-8><p>caf\xe9";
        check(page, Some("text/html; charset=\"latin1\""), "windows-1252", "café");
        check(b"\xef\xbb\xbf<p>caf\xc3\xa9", Some("text/html; charset=latin1"), "UTF-8", "café");
    }

    #[test]
    fn undeclared_pages_are_utf8_when_valid() {
        check("<p>naïve café".as_bytes(), None, "UTF-8", "naïve café");
        check(b"<p>plain", Some("text/html"), "UTF-8", "plain");
    }

    #[test]
    fn undeclared_legacy_pages_are_detected() {
        let text = "Съешь же ещё этих мягких французских булок, да выпей чаю. ".repeat(5);
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(&text);
        check(&bytes, None, "windows-1251", "французских");
    }

    #[test]
    fn invalid_utf8_declared_as_utf8_is_replaced_not_rejected() {
        check(b"<meta charset=utf-8><p>ok \xff\xfe bytes", None, "UTF-8", "ok \u{fffd}\u{fffd} bytes");
    }

    #[test]
    fn utf16_declared_in_ascii_means_utf8() {
        check(b"<meta charset=utf-16><p>ok", None, "UTF-8", "ok");
    }
}
