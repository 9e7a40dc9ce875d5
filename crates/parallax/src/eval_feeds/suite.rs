//! Reading feedparser's test suite: its feeds, the HTTP headers each asks
//! to be served with, and the `Expect:` checks on the first entry that
//! Parallax can be judged by.
//!
//! Each case is one small feed whose leading comment states what a parser
//! must find, as a Python expression:
//!
//! ```text
//! <!--
//! Header:      Content-Location: http://example.com/
//! Description: item link relative to Content-Location header
//! Expect:      not bozo and entries[0]['link'] == 'http://example.com/relative/uri'
//! -->
//! ```
//!
//! Only comparisons of the first entry's title, link, summary, content, id
//! and dates with a literal are judged; `bozo` (feedparser's own
//! well-formedness flag) and everything else are left out.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result};

/// What a check looks at in the first entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Title,
    Link,
    Summary,
    Content,
    Id,
    Date,
}

impl Field {
    pub const ALL: [Field; 6] = [Field::Title, Field::Link, Field::Summary, Field::Content, Field::Id, Field::Date];

    pub fn name(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Link => "link",
            Field::Summary => "summary",
            Field::Content => "content",
            Field::Id => "id",
            Field::Date => "date",
        }
    }
}

/// feedparser's keys for the first entry, by the field they check.
const KEYS: &[(&str, Field)] = &[
    ("['title']", Field::Title),
    ("['title_detail']['value']", Field::Title),
    ("['link']", Field::Link),
    ("['summary']", Field::Summary),
    ("['description']", Field::Summary),
    ("['summary_detail']['value']", Field::Summary),
    ("['content'][0]['value']", Field::Content),
    ("['id']", Field::Id),
    ("['guid']", Field::Id),
    ("['published_parsed']", Field::Date),
    ("['updated_parsed']", Field::Date),
    ("['created_parsed']", Field::Date),
    ("['modified_parsed']", Field::Date),
    ("['issued_parsed']", Field::Date),
    ("['date_parsed']", Field::Date),
];

/// The value a check expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    Text(String),
    /// Year, month, day, hour, minute, second, in UTC.
    Date([i64; 6]),
}

#[derive(Debug, Clone)]
pub struct Check {
    pub field: Field,
    /// feedparser's key, e.g. `updated_parsed`.
    pub key: String,
    pub expected: Expected,
}

/// One feed of the suite.
#[derive(Debug, Clone)]
pub struct Case {
    /// Path inside `tests/`, `/`-separated (`wellformed/rss/item_title.xml`).
    pub path: String,
    pub body: Vec<u8>,
    /// HTTP headers from its `Header:` lines, `Status` excluded.
    pub headers: Vec<(String, String)>,
    pub status: u16,
    pub checks: Vec<Check>,
}

impl Case {
    /// The folder a case is reported under: `wellformed/atom`,
    /// `illformed/chardet`, or a top folder (`encoding`) for its files.
    pub fn folder(&self) -> String {
        let parts: Vec<&str> = self.path.split('/').collect();
        match parts.as_slice() {
            [top, sub, _, ..] => format!("{top}/{sub}"),
            [top, _] => (*top).to_string(),
            _ => String::new(),
        }
    }
}

/// Every `.xml` case under the suite at `path`: feedparser's `tests/`
/// folder, the unpacked source distribution holding it, or the
/// distribution's `.tar.gz` itself.
pub fn load(path: &Path) -> Result<Vec<Case>> {
    let mut files = Vec::new();
    if path.is_dir() {
        let tests = if path.join("tests").is_dir() { path.join("tests") } else { path.to_path_buf() };
        collect_dir(&tests, String::new(), &mut files)?;
    } else {
        let file = std::fs::File::open(path).with_context(|| format!("cannot open the suite {}", path.display()))?;
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
        for entry in archive.entries().with_context(|| format!("{} is not a .tar.gz", path.display()))? {
            let mut entry = entry.with_context(|| format!("cannot read {}", path.display()))?;
            let name = entry.path()?.to_string_lossy().replace('\\', "/");
            let Some((_, inside)) = name.split_once("/tests/") else { continue };
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let mut body = Vec::new();
            entry.read_to_end(&mut body).with_context(|| format!("cannot read {name} in {}", path.display()))?;
            files.push((inside.to_string(), body));
        }
    }
    let mut cases: Vec<Case> = files
        .into_iter()
        .filter(|(name, _)| name.ends_with(".xml"))
        .map(|(name, body)| parse_case(name, body))
        .collect();
    anyhow::ensure!(
        !cases.is_empty(),
        "no .xml cases under {}; pass feedparser's tests folder or sdist",
        path.display()
    );
    cases.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(cases)
}

fn collect_dir(dir: &Path, prefix: String, files: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry?;
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.file_type()?.is_dir() {
            collect_dir(&entry.path(), format!("{name}/"), files)?;
        } else {
            files.push((name, std::fs::read(entry.path())?));
        }
    }
    Ok(())
}

fn parse_case(path: String, body: Vec<u8>) -> Case {
    let comment = leading_comment(&body);
    let mut case = Case { path, body: Vec::new(), headers: Vec::new(), status: 200, checks: Vec::new() };
    for line in comment.lines().map(str::trim) {
        if let Some(header) = line.strip_prefix("Header:") {
            let Some((name, value)) = header.split_once(':') else { continue };
            let (name, value) = (name.trim(), value.trim());
            if name.eq_ignore_ascii_case("status") {
                case.status = value.parse().unwrap_or(200);
            } else {
                case.headers.push((name.to_string(), value.to_string()));
            }
        } else if let Some(expression) = line.strip_prefix("Expect:") {
            case.checks.extend(split_and(expression).into_iter().filter_map(parse_check));
        }
    }
    case.body = body;
    case
}

/// The text of the first `<!-- ... -->` in the file; the suite's comments
/// are ASCII, so a lossy decoding of any encoding reads them.
fn leading_comment(body: &[u8]) -> String {
    let ascii: Vec<u8> = body.iter().copied().filter(|&b| b != 0).collect();
    let text = String::from_utf8_lossy(&ascii);
    let Some(start) = text.find("<!--") else { return String::new() };
    let rest = &text[start + 4..];
    rest.find("-->").map_or(rest, |end| &rest[..end]).to_string()
}

/// Splits a Python expression on its top-level ` and `, outside string
/// literals.
fn split_and(expression: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quote: Option<char> = None;
    let mut start = 0;
    let mut chars = expression.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match quote {
            Some(_) if c == '\\' => {
                chars.next();
            }
            Some(open) if c == open => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if expression[at..].starts_with(" and ") => {
                parts.push(expression[start..at].trim());
                start = at + " and ".len();
            }
            None => {}
        }
    }
    parts.push(expression[start..].trim());
    parts
}

fn parse_check(part: &str) -> Option<Check> {
    let rest = part.strip_prefix("entries[0]")?;
    let (key, literal) = rest.split_once("==")?;
    let key = key.trim().replace('"', "'");
    let field = KEYS.iter().find(|(name, _)| *name == key).map(|(_, field)| *field)?;
    let literal = literal.trim();
    let expected = match field {
        Field::Date => Expected::Date(date_tuple(literal)?),
        _ => Expected::Text(python_string(literal)?),
    };
    let key = key.trim_matches(|c| c == '[' || c == ']' || c == '\'').to_string();
    Some(Check { field, key, expected })
}

/// `(2003, 12, 31, 10, 14, 55, 2, 365, 0)`: a `time.struct_time` in UTC.
fn date_tuple(literal: &str) -> Option<[i64; 6]> {
    let inner = literal.strip_prefix('(')?.strip_suffix(')')?;
    let numbers: Vec<i64> = inner.split(',').map(|n| n.trim().parse().ok()).collect::<Option<_>>()?;
    numbers.get(..6)?.try_into().ok()
}

/// A Python string literal (`'...'`, `"..."`, `u'...'`) with its escapes
/// decoded; `None` for anything else.
fn python_string(literal: &str) -> Option<String> {
    let literal = literal.strip_prefix(['u', 'U']).unwrap_or(literal);
    let quote = literal.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let inner = literal.strip_prefix(quote)?.strip_suffix(quote)?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            if c == quote {
                return None;
            }
            out.push(c);
            continue;
        }
        let escaped = chars.next()?;
        let hex = |chars: &mut std::str::Chars<'_>, digits: usize| {
            let code: String = chars.by_ref().take(digits).collect();
            u32::from_str_radix(&code, 16).ok().and_then(char::from_u32)
        };
        match escaped {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            'x' => out.push(hex(&mut chars, 2)?),
            'u' => out.push(hex(&mut chars, 4)?),
            'U' => out.push(hex(&mut chars, 8)?),
            '\\' | '\'' | '"' => out.push(escaped),
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

/// What the `--add-missing` mode inserted into a case's first entry.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Added {
    pub link: bool,
    pub title: bool,
}

/// The link the `--add-missing` mode gives an entry that has none.
pub const ADDED_LINK: &str = "http://parallax-eval.invalid/entry";
/// The title the `--add-missing` mode gives an entry that has none.
pub const ADDED_TITLE: &str = "Parallax eval title";

/// Adds to the first entry of a minimal feed the `<link>` and `<title>` it
/// lacks, so the one element a case checks can be judged on an entry a
/// reader would keep. Never adds the element a check looks at, never
/// touches an entry that has one, and leaves feeds that are not in an
/// ASCII-compatible encoding alone.
pub fn add_missing(case: &Case) -> (Vec<u8>, Added) {
    let body = &case.body;
    let mut added = Added::default();
    if body.iter().take(4).any(|&b| b == 0) {
        return (body.clone(), added);
    }
    let Some((name_start, tag_end, qualified, local)) = first_entry_tag(body) else { return (body.clone(), added) };
    if body[tag_end - 1] == b'/' {
        return (body.clone(), added);
    }
    let prefix = String::from_utf8_lossy(&qualified[..qualified.len() - local.len()]);
    let closing = [b"</".as_slice(), qualified].concat();
    let entry_end = find(body, tag_end, &closing).unwrap_or(body.len());
    let inner = &body[tag_end..entry_end];
    let checks = |field| case.checks.iter().any(|check| check.field == field);
    let is_atom = local.eq_ignore_ascii_case(b"entry");
    let mut insert = String::new();
    if !checks(Field::Link) && !has_child(inner, b"link") && !has_attribute(&body[name_start..tag_end], b"href") {
        added.link = true;
        if is_atom {
            insert.push_str(&format!("<{prefix}link rel=\"alternate\" href=\"{ADDED_LINK}\"/>"));
        } else {
            insert.push_str(&format!("<{prefix}link>{ADDED_LINK}</{prefix}link>"));
        }
    }
    if !checks(Field::Title) && !has_child(inner, b"title") {
        added.title = true;
        insert.push_str(&format!("<{prefix}title>{ADDED_TITLE}</{prefix}title>"));
    }
    let mut out = Vec::with_capacity(body.len() + insert.len());
    out.extend_from_slice(&body[..tag_end]);
    out.extend_from_slice(insert.as_bytes());
    out.extend_from_slice(&body[tag_end..]);
    (out, added)
}

/// The next tag at or after `from`: where its name starts, its qualified
/// name and its local name (the part after any prefix).
fn next_tag(bytes: &[u8], from: usize) -> Option<(usize, &[u8], &[u8])> {
    let open = find(bytes, from, b"<")?;
    let start = open + 1;
    let name_len = bytes[start..]
        .iter()
        .take_while(|&&b| b.is_ascii_alphanumeric() || b == b':' || b == b'_' || b == b'-')
        .count();
    let qualified = &bytes[start..start + name_len];
    let local = qualified.rsplit(|&b| b == b':').next().unwrap_or(qualified);
    Some((start, qualified, local))
}

/// The first `<item>` or `<entry>` start tag (any prefix, any case): where
/// its name starts, where the tag ends (after `>`), its qualified name and
/// its local name.
fn first_entry_tag(body: &[u8]) -> Option<(usize, usize, &[u8], &[u8])> {
    let mut pos = 0;
    while let Some((start, qualified, local)) = next_tag(body, pos) {
        if local.eq_ignore_ascii_case(b"item") || local.eq_ignore_ascii_case(b"entry") {
            let tag_end = find(body, start, b">")? + 1;
            return Some((start, tag_end, qualified, local));
        }
        pos = start;
    }
    None
}

fn has_child(inner: &[u8], local: &[u8]) -> bool {
    let mut pos = 0;
    while let Some((start, _, name)) = next_tag(inner, pos) {
        if name.eq_ignore_ascii_case(local) {
            return true;
        }
        pos = start;
    }
    false
}

/// Whether a start tag carries an attribute (CDF items give their link as
/// `<ITEM HREF="...">`).
fn has_attribute(tag: &[u8], name: &[u8]) -> bool {
    tag.windows(name.len() + 1)
        .any(|w| w[..name.len()].eq_ignore_ascii_case(name) && (w[name.len()] == b'=' || w[name.len()] == b' '))
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|at| from + at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_checks_from_the_leading_comment() {
        let case = parse_case(
            "wellformed/rss/x.xml".into(),
            b"<!--\nHeader: Content-Location: http://e.com/\nExpect: not bozo and entries[0]['description'] == u'don\\u2019t \\'q\\' and more' and entries[0]['updated_parsed'] == (2003, 12, 31, 10, 14, 55, 2, 365, 0)\n-->\n<rss/>".to_vec(),
        );
        assert_eq!(case.headers, [("Content-Location".to_string(), "http://e.com/".to_string())]);
        assert_eq!(case.checks.len(), 2);
        assert_eq!(case.checks[0].field, Field::Summary);
        assert_eq!(case.checks[0].expected, Expected::Text("don\u{2019}t 'q' and more".into()));
        assert_eq!(case.checks[1].expected, Expected::Date([2003, 12, 31, 10, 14, 55]));
        assert_eq!(case.checks[1].key, "updated_parsed");
        assert_eq!(case.folder(), "wellformed/rss");
    }

    #[test]
    fn adds_only_what_the_first_entry_lacks() {
        let case = parse_case(
            "a/b.xml".into(),
            b"<!--\nExpect: entries[0]['title'] == 'x'\n-->\n<r:rss><r:item a='1'><r:description>d</r:description></r:item></r:rss>".to_vec(),
        );
        let (body, added) = add_missing(&case);
        assert_eq!(added, Added { link: true, title: false });
        assert!(
            String::from_utf8(body)
                .unwrap()
                .contains(&format!("<r:item a='1'><r:link>{ADDED_LINK}</r:link><r:description>"))
        );
        let atom = parse_case("a/c.xml".into(), b"<feed><entry><link href='x'/></entry></feed>".to_vec());
        let (body, added) = add_missing(&atom);
        assert_eq!(added, Added { link: false, title: true });
        assert!(String::from_utf8(body).unwrap().contains(&format!("<entry><title>{ADDED_TITLE}</title><link")));
    }
}
