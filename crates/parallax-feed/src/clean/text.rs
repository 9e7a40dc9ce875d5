//! `plain_text`: one forward pass over a string that may be HTML, escaped
//! HTML, text with CDATA leftovers, or all of these at once.
//!
//! Feeds put anything in their text fields. RSS `<description>` is HTML by
//! convention, often escaped twice; titles carry `<b>` and `&nbsp;`; broken
//! generators wrap CDATA inside CDATA and leave `]]>` behind. Parsing every
//! field as an HTML5 document would cost a DOM per field, so this scanner
//! only knows what it needs: where markup starts and ends, what an entity
//! decodes to, and which characters are whitespace.

use std::borrow::Cow;

use html_escape::NAMED_ENTITIES;

/// Longest escaped tag (`&lt;a href=...&gt;`) recognised as markup, bytes.
/// Escaped angle brackets further apart than this are prose ("if a &lt; b
/// then ... b &gt; a"), and the bound keeps the scan linear.
const MAX_ESCAPED_TAG_BYTES: usize = 1024;

/// Longest entity name in the HTML5 table is 32 bytes
/// (`CounterClockwiseContourIntegral`); anything longer is not an entity.
const MAX_ENTITY_NAME_BYTES: usize = 32;

/// Elements whose content is never text a reader should see.
const HIDDEN_CONTENT_TAGS: &[&str] = &["script", "style", "noscript", "template"];

/// Inline elements: stripping them must not split a word (`un<b>usual</b>`).
/// Every other tag stands for a break and becomes a space, so
/// `one</p><p>two` does not read `onetwo`.
const INLINE_TAGS: &[&str] = &[
    "a", "abbr", "acronym", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "font", "i", "ins",
    "kbd", "mark", "nobr", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u",
    "var", "wbr",
];

/// Legacy entities HTML5 still decodes without a semicolon (`&nbsp`,
/// `&copy 2024`). Old CMSes emit them; the rest of the legacy list is
/// accented letters that appear with their semicolon in practice.
const SEMICOLONLESS_ENTITIES: &[(&str, &str)] = &[
    ("amp", "&"),
    ("AMP", "&"),
    ("lt", "<"),
    ("LT", "<"),
    ("gt", ">"),
    ("GT", ">"),
    ("quot", "\""),
    ("QUOT", "\""),
    ("nbsp", "\u{a0}"),
    ("copy", "\u{a9}"),
    ("COPY", "\u{a9}"),
    ("reg", "\u{ae}"),
    ("REG", "\u{ae}"),
];

/// HTML5 maps numeric references in 0x80..=0x9F to windows-1252, because
/// pages written on Windows said `&#146;` and meant `’`.
const WINDOWS_1252_C1: [char; 32] = [
    '\u{20ac}', '\u{81}', '\u{201a}', '\u{192}', '\u{201e}', '\u{2026}', '\u{2020}', '\u{2021}', '\u{2c6}', '\u{2030}',
    '\u{160}', '\u{2039}', '\u{152}', '\u{8d}', '\u{17d}', '\u{8f}', '\u{90}', '\u{2018}', '\u{2019}', '\u{201c}',
    '\u{201d}', '\u{2022}', '\u{2013}', '\u{2014}', '\u{2dc}', '\u{2122}', '\u{161}', '\u{203a}', '\u{153}', '\u{9d}',
    '\u{17e}', '\u{178}',
];

/// Bytes the scanner must look at; every other byte is copied in runs.
/// Non-ASCII lead bytes are listed only where a whitespace, invisible or
/// control character can start (U+0080..U+00BF, U+1680, U+2000..U+206F,
/// U+3000, U+FEFF), so most non-Latin text is copied without decoding.
const SPECIAL_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b' ' as usize] = true;
    table[b'<' as usize] = true;
    table[b'&' as usize] = true;
    table[b']' as usize] = true;
    table[0x7f] = true;
    table[0xc2] = true;
    table[0xe1] = true;
    table[0xe2] = true;
    table[0xe3] = true;
    table[0xef] = true;
    table
};

/// Plain text of an HTML fragment or of text that merely went near HTML:
/// tags stripped, entities decoded, CDATA markers and their escaped scars
/// removed, `<script>`/`<style>` contents dropped, every run of whitespace
/// (including NBSP and zero-width characters) collapsed to one space, and
/// the result trimmed.
///
/// Escaped markup (`&lt;p&gt;`) counts as markup: RSS descriptions are
/// HTML, and many feeds escape them once more than they should, so a
/// reader would otherwise see tags. A double-escaped entity
/// (`&amp;nbsp;`, `&amp;#8217;`) is decoded once more for the same reason,
/// but only when what follows `&amp;` really is an entity, so `AT&amp;T`
/// stays `AT&T`.
pub fn plain_text(input: &str) -> String {
    scan(input, Escaping::Repaired)
}

/// Plain text of HTML that is known to be markup and nothing more (XHTML
/// from a feed, serialised): tags stripped and entities decoded once, as a
/// browser would, so `&lt;blink&gt;` is the text `<blink>`.
pub(crate) fn markup_text(input: &str) -> String {
    scan(input, Escaping::AsWritten)
}

/// Text that is already plain (Atom `type="text"`): only whitespace is
/// collapsed and invisible characters dropped; `<b>` and `&amp;` stay as
/// they are, since that is what the publisher wrote.
pub(crate) fn normalise_plain_text(input: &str) -> String {
    let mut sink = Sink::with_capacity(input.len());
    sink.push_str(input);
    sink.out
}

/// A character in U+0080..=U+009F read as windows-1252, as HTML5 reads
/// `&#146;`; any other character unchanged.
pub(crate) fn windows_1252_c1(c: char) -> char {
    match c {
        '\u{80}'..='\u{9f}' => WINDOWS_1252_C1[c as usize - 0x80],
        other => other,
    }
}

/// Whether escaped markup and double-escaped entities are repaired.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Escaping {
    Repaired,
    AsWritten,
}

fn scan(input: &str, escaping: Escaping) -> String {
    let mut scanner = Scanner {
        input,
        bytes: input.as_bytes(),
        sink: Sink::with_capacity(input.len()),
        no_raw_close_from: usize::MAX,
        escaping,
    };
    scanner.run();
    scanner.sink.out
}

/// Decodes entities the way [`plain_text`] does and changes nothing else.
pub(super) fn decode_entities(input: &str) -> Cow<'_, str> {
    let bytes = input.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    for (at, _) in input.match_indices('&') {
        if at < copied {
            continue;
        }
        if let Some((decoded, end)) = decode_entity(bytes, at) {
            out.push_str(&input[copied..at]);
            match decoded {
                Decoded::Str(s) => out.push_str(s),
                Decoded::Char(c) => out.push(c),
            }
            copied = end;
        }
    }
    if copied == 0 {
        return Cow::Borrowed(input);
    }
    out.push_str(&input[copied..]);
    Cow::Owned(out)
}

/// How a piece of markup was written: with real angle brackets, or escaped
/// as `&lt;`/`&gt;` (which a second escaping turns into `&amp;lt;`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Brackets {
    Raw,
    Escaped,
}

struct Scanner<'a> {
    input: &'a str,
    bytes: &'a [u8],
    sink: Sink,
    /// Once a search for `>` from some position found none, no later
    /// search can; remembering it keeps `<a<a<a...` linear.
    no_raw_close_from: usize,
    escaping: Escaping,
}

impl Scanner<'_> {
    fn run(&mut self) {
        let len = self.bytes.len();
        let mut pos = 0;
        while pos < len {
            let run_start = pos;
            while pos < len && !SPECIAL_BYTES[self.bytes[pos] as usize] {
                pos += 1;
            }
            if pos > run_start {
                self.sink.push_word(&self.input[run_start..pos]);
            }
            if pos >= len {
                break;
            }
            pos = match self.bytes[pos] {
                b'<' => match self.markup_end(pos + 1, Brackets::Raw) {
                    Some(end) => end,
                    None => {
                        self.sink.push_char('<');
                        pos + 1
                    }
                },
                b'&' => self.entity(pos),
                b']' => self.cdata_close(pos),
                b if b < 0x80 => {
                    self.sink.space();
                    pos + 1
                }
                _ => {
                    let c = self.input[pos..].chars().next().unwrap_or('\u{fffd}');
                    self.sink.push_char(c);
                    pos + c.len_utf8()
                }
            };
        }
    }

    /// A stray `]]>` (or its escaped form `]]&gt;`) is the end of a CDATA
    /// section that a generator nested or escaped; it is never content.
    fn cdata_close(&mut self, pos: usize) -> usize {
        let rest = &self.bytes[pos..];
        if self.escaping == Escaping::AsWritten {
            self.sink.push_char(']');
            pos + 1
        } else if rest.starts_with(b"]]>") {
            pos + 3
        } else if rest.starts_with(b"]]&gt;") {
            pos + 6
        } else {
            self.sink.push_char(']');
            pos + 1
        }
    }

    /// Decodes the entity at `pos` (which holds `&`), or keeps the `&`.
    fn entity(&mut self, pos: usize) -> usize {
        let Some((mut decoded, mut end)) = decode_entity(self.bytes, pos) else {
            self.sink.push_char('&');
            return pos + 1;
        };
        if self.escaping == Escaping::AsWritten {
            match decoded {
                Decoded::Str(s) => self.sink.push_str(s),
                Decoded::Char(c) => self.sink.push_char(c),
            }
            return end;
        }
        if decoded == Decoded::Str("&")
            && let Some((inner, inner_end)) = decode_entity_strict(self.bytes, end)
        {
            decoded = inner;
            end = inner_end;
        }
        if (decoded == Decoded::Str("<") || decoded == Decoded::Char('<'))
            && let Some(markup_end) = self.markup_end(end, Brackets::Escaped)
        {
            return markup_end;
        }
        match decoded {
            Decoded::Str(s) => self.sink.push_str(s),
            Decoded::Char(c) => self.sink.push_char(c),
        }
        end
    }

    /// If markup starts at `pos` (just after `<` or `&lt;`), consumes it and
    /// returns where it ends. `None` means the bracket was just a character.
    fn markup_end(&mut self, pos: usize, brackets: Brackets) -> Option<usize> {
        let rest = &self.bytes[pos..];
        if rest.starts_with(b"![CDATA[") {
            return Some(pos + 8);
        }
        if rest.starts_with(b"!--") {
            return match brackets {
                Brackets::Raw => Some(find(self.bytes, pos + 3, b"-->").map_or(self.bytes.len(), |at| at + 3)),
                Brackets::Escaped => find(self.bytes, pos + 3, b"--&gt;").map(|at| at + 6),
            };
        }
        let first = *rest.first()?;
        let closing = first == b'/';
        let name_start = if closing { pos + 1 } else { pos };
        let declaration = matches!(first, b'!' | b'?');
        if !declaration && !self.bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            return None;
        }
        let name_end = self.bytes[name_start..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b':' | b'-' | b'_')))
            .map_or(self.bytes.len(), |offset| name_start + offset);
        let end = self.tag_close(name_end, brackets)?;
        let name = &self.input[name_start..name_end];
        if !closing && !declaration && is_one_of(name, HIDDEN_CONTENT_TAGS) {
            return Some(self.skip_hidden_content(end, name, brackets));
        }
        if declaration || !is_one_of(name, INLINE_TAGS) {
            self.sink.space();
        }
        Some(end)
    }

    /// Where the tag whose name ends at `pos` closes: past its `>` (raw) or
    /// `&gt;` (escaped). Quoted attribute values may hold `>`.
    fn tag_close(&mut self, pos: usize, brackets: Brackets) -> Option<usize> {
        match brackets {
            Brackets::Raw => {
                if pos >= self.no_raw_close_from {
                    return None;
                }
                let Some(first_gt) = find_byte(self.bytes, pos, b'>') else {
                    self.no_raw_close_from = pos;
                    return None;
                };
                Some(quote_aware_close(self.bytes, pos).unwrap_or(first_gt) + 1)
            }
            Brackets::Escaped => {
                let window_end = (pos + MAX_ESCAPED_TAG_BYTES).min(self.bytes.len());
                let window = &self.bytes[..window_end];
                let escaped = find(window, pos, b"&gt;").map(|at| at + 4);
                let double_escaped = find(window, pos, b"&amp;gt;").map(|at| at + 8);
                match (escaped, double_escaped) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                }
            }
        }
    }

    /// Skips past the end tag of a script-like element; an unclosed one
    /// hides everything after it, as it does in a browser.
    fn skip_hidden_content(&mut self, pos: usize, name: &str, brackets: Brackets) -> usize {
        let opener: &[u8] = match brackets {
            Brackets::Raw => b"</",
            Brackets::Escaped => b"&lt;/",
        };
        let mut search = pos;
        while let Some(at) = find(self.bytes, search, opener) {
            let name_start = at + opener.len();
            let candidate = self.bytes.get(name_start..name_start + name.len());
            if candidate.is_some_and(|c| c.eq_ignore_ascii_case(name.as_bytes())) {
                self.sink.space();
                return self.tag_close(name_start + name.len(), brackets).unwrap_or(self.bytes.len());
            }
            search = name_start;
        }
        self.bytes.len()
    }
}

/// Finds the `>` closing a raw tag, skipping quoted attribute values.
/// `None` when a quote never closes; the caller then takes the first `>`.
fn quote_aware_close(bytes: &[u8], mut pos: usize) -> Option<usize> {
    while pos < bytes.len() {
        match bytes[pos] {
            b'>' => return Some(pos),
            quote @ (b'"' | b'\'') => pos = find_byte(bytes, pos + 1, quote)? + 1,
            _ => pos += 1,
        }
    }
    None
}

fn is_one_of(name: &str, names: &[&str]) -> bool {
    names.iter().any(|candidate| candidate.eq_ignore_ascii_case(name))
}

fn find_byte(bytes: &[u8], from: usize, needle: u8) -> Option<usize> {
    memchr::memchr(needle, bytes.get(from..)?).map(|at| from + at)
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(bytes.get(from..)?, needle).map(|at| from + at)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Decoded {
    Str(&'static str),
    Char(char),
}

/// Decodes the entity starting at `pos` (a `&`) the way an HTML5 text
/// parser would: named entities with `;`, the common legacy ones without,
/// and numeric references with or without `;`. Returns the value and the
/// position after the entity.
fn decode_entity(bytes: &[u8], pos: usize) -> Option<(Decoded, usize)> {
    if bytes.get(pos + 1) == Some(&b'#') {
        return decode_numeric(bytes, pos + 2, false);
    }
    let (name, name_end) = entity_name(bytes, pos + 1)?;
    if bytes.get(name_end) == Some(&b';') {
        return lookup_named(name).map(|value| (Decoded::Str(value), name_end + 1));
    }
    SEMICOLONLESS_ENTITIES
        .iter()
        .find(|(legacy, _)| legacy.as_bytes() == name)
        .map(|(_, value)| (Decoded::Str(value), name_end))
}

/// The entity after a decoded `&amp;`, accepted only when it is complete
/// with its `;`: `&amp;nbsp;` is a scar of double escaping, `&amp;nbsp` is
/// more likely text.
pub(super) fn decode_entity_strict(bytes: &[u8], pos: usize) -> Option<(Decoded, usize)> {
    if bytes.get(pos) == Some(&b'#') {
        return decode_numeric(bytes, pos + 1, true);
    }
    let (name, name_end) = entity_name(bytes, pos)?;
    if bytes.get(name_end) != Some(&b';') {
        return None;
    }
    lookup_named(name).map(|value| (Decoded::Str(value), name_end + 1))
}

fn entity_name(bytes: &[u8], start: usize) -> Option<(&[u8], usize)> {
    let len =
        bytes.get(start..)?.iter().take(MAX_ENTITY_NAME_BYTES + 1).take_while(|b| b.is_ascii_alphanumeric()).count();
    if len == 0 || len > MAX_ENTITY_NAME_BYTES {
        return None;
    }
    Some((&bytes[start..start + len], start + len))
}

fn lookup_named(name: &[u8]) -> Option<&'static str> {
    match name {
        b"amp" => Some("&"),
        b"lt" => Some("<"),
        b"gt" => Some(">"),
        b"quot" => Some("\""),
        b"apos" => Some("'"),
        b"nbsp" => Some("\u{a0}"),
        _ => NAMED_ENTITIES
            .binary_search_by(|(candidate, _)| candidate.cmp(&name))
            .ok()
            .map(|index| NAMED_ENTITIES[index].1),
    }
}

/// `start` is just past `&#`.
fn decode_numeric(bytes: &[u8], start: usize, require_semicolon: bool) -> Option<(Decoded, usize)> {
    let (radix, digits_start) = match bytes.get(start) {
        Some(b'x' | b'X') => (16, start + 1),
        _ => (10, start),
    };
    let digits = bytes
        .get(digits_start..)?
        .iter()
        .take_while(|b| if radix == 16 { b.is_ascii_hexdigit() } else { b.is_ascii_digit() })
        .count();
    if digits == 0 {
        return None;
    }
    let digits_end = digits_start + digits;
    let has_semicolon = bytes.get(digits_end) == Some(&b';');
    if require_semicolon && !has_semicolon {
        return None;
    }
    let text = std::str::from_utf8(&bytes[digits_start..digits_end]).ok()?;
    let value = u32::from_str_radix(text, radix).unwrap_or(u32::MAX);
    let c = match value {
        0x80..=0x9f => WINDOWS_1252_C1[(value - 0x80) as usize],
        0 => '\u{fffd}',
        _ => char::from_u32(value).unwrap_or('\u{fffd}'),
    };
    Some((Decoded::Char(c), digits_end + usize::from(has_semicolon)))
}

/// Collects output, collapsing whitespace as it goes so the result never
/// needs a second pass.
struct Sink {
    out: String,
    pending_space: bool,
}

impl Sink {
    fn with_capacity(capacity: usize) -> Self {
        Sink { out: String::with_capacity(capacity), pending_space: false }
    }

    fn space(&mut self) {
        self.pending_space = !self.out.is_empty();
    }

    fn flush_space(&mut self) {
        if self.pending_space {
            self.out.push(' ');
            self.pending_space = false;
        }
    }

    /// A run the scanner already knows holds no whitespace or markup.
    fn push_word(&mut self, word: &str) {
        self.flush_space();
        self.out.push_str(word);
    }

    fn push_str(&mut self, s: &str) {
        for c in s.chars() {
            self.push_char(c);
        }
    }

    fn push_char(&mut self, c: char) {
        let c = windows_1252_c1(c);
        if c.is_whitespace() || c.is_control() {
            self.space();
        } else if !is_invisible(c) {
            self.flush_space();
            self.out.push(c);
        }
    }
}

/// Bidi controls that reorder text around them, and characters that take
/// no room: the one rule every source of plain text follows.
fn is_invisible(c: char) -> bool {
    parallax_core::text::is_invisible_control(c)
}

#[cfg(test)]
mod tests {
    use super::plain_text;

    fn check(input: &str, expected: &str) {
        assert_eq!(plain_text(input), expected, "input: {input:?}");
    }

    #[test]
    fn strips_tags_and_collapses_whitespace() {
        check("  <p>Hello,\n\t<b>big</b>   world</p> ", "Hello, big world");
        check("one</p><p>two", "one two");
        check("un<b>usual</b>", "unusual");
        check("line<br/>break", "line break");
        check(r#"<a href="x>y" title='a>b'>link</a> text"#, "link text");
        check("<!-- comment -->visible", "visible");
    }

    #[test]
    fn keeps_brackets_that_are_not_markup() {
        check("a < b and c > d", "a < b and c > d");
        check("I <3 feeds", "I <3 feeds");
        check("x <y and no close", "x <y and no close");
        check("a &lt; b", "a < b");
        check("5 &gt; 3", "5 > 3");
    }

    #[test]
    fn decodes_named_and_numeric_entities() {
        check("caf&eacute; &hellip; &rsquo;s &#8217; &#x2019; &#146;", "café … ’s ’ ’ ’");
        check("&nbsp;&nbsp;x&nbsp;&nbsp;y&#160;", "x y");
        check("&copy 2024 &amp AT&T", "© 2024 & AT&T");
        check("&unknown; & &; &#; &#xZZ;", "&unknown; & &; &#; &#xZZ;");
        check("&#0; &#xD800; &#99999999;", "\u{fffd} \u{fffd} \u{fffd}");
    }

    #[test]
    fn decodes_double_escaped_entities_once_more() {
        check("&amp;nbsp;a&amp;#8217;s &amp;amp; b", "a’s & b");
        check("AT&amp;T &amp;co", "AT&T &co");
    }

    #[test]
    fn removes_cdata_scars() {
        check("<![CDATA[Foo]]>", "Foo");
        check("&lt;![CDATA[ Bar ]]&gt;", "Bar");
        check("Baz]]>", "Baz");
        check("a]b]]c", "a]b]]c");
    }

    #[test]
    fn strips_escaped_markup() {
        check("&lt;p&gt;escaped tags&lt;/p&gt;", "escaped tags");
        check("&amp;lt;b&amp;gt;twice&amp;lt;/b&amp;gt;", "twice");
        check("&lt;a href=&quot;x&quot;&gt;link&lt;/a&gt; ok", "link ok");
    }

    #[test]
    fn drops_script_and_style_contents() {
        check("a<script>alert('<b>x</b>')</script>b", "a b");
        check("a<STYLE type=text/css>p{}</Style>b", "a b");
        check("a&lt;script&gt;evil()&lt;/script&gt;b", "a b");
        check("a<script>never closed", "a");
    }

    #[test]
    fn removes_invisible_and_control_characters() {
        check("zero\u{200b}width\u{feff} soft\u{ad}hyphen", "zerowidth softhyphen");
        check("Daily\u{202e} <b>sweN</b>\u{2066}", "Daily sweN");
        check("&#x202E;reversed&#8238;", "reversed");
        check("a\u{2003}\u{3000}b\u{0}c\u{85}d", "a b c…d");
        check("ZWJ 👩\u{200d}💻 stays", "ZWJ 👩\u{200d}💻 stays");
    }

    #[test]
    fn repairs_c1_controls_as_windows_1252() {
        check("it\u{92}s \u{93}quoted\u{94}", "it’s “quoted”");
        check("it&#146;s", "it’s");
    }

    #[test]
    fn reads_markup_and_plain_text_as_written() {
        assert_eq!(super::markup_text("<p>History of the &lt;blink&gt; tag</p>"), "History of the <blink> tag");
        assert_eq!(super::markup_text("AT&amp;amp;T ]]>"), "AT&amp;T ]]>");
        assert_eq!(super::normalise_plain_text("  a <b>\n\u{200b}&amp; b\u{92} "), "a <b> &amp; b’");
    }

    #[test]
    fn survives_pathological_input() {
        let many_opens = "<a".repeat(50_000);
        assert_eq!(plain_text(&many_opens).len(), many_opens.len());
        let many_escaped = "&lt;b ".repeat(20_000);
        assert!(plain_text(&many_escaped).starts_with("<b <b"));
        check("", "");
        check("&", "&");
        check("<", "<");
        check("&#", "&#");
    }
}
