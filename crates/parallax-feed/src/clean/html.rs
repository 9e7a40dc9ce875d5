//! `sanitize_html`: article HTML that is safe to embed in a Parallax page.

use std::borrow::Cow;
use std::cell::RefCell;

use ammonia::UrlRelative;
use url::Url;

use super::text::{decode_entities, decode_entity_strict};

/// Elements dropped together with their content. `script` and `style`
/// would otherwise leave their source code behind as text; `noscript` and
/// `template` hold fallbacks and widgets that never belong in an article.
const DROPPED_WITH_CONTENT: [&str; 4] = ["script", "style", "noscript", "template"];

/// Link and image schemes kept. Everything else goes, notably `javascript:`
/// and `data:` (a `data:text/html` link is a script in disguise).
const ALLOWED_URL_SCHEMES: [&str; 4] = ["http", "https", "mailto", "tel"];

thread_local! {
    /// Building an ammonia policy allocates a dozen sets; one per thread is
    /// reused and only its base URL changes between calls.
    static SANITIZER: RefCell<ammonia::Builder<'static>> = RefCell::new(sanitizer());
}

fn sanitizer() -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::default();
    builder
        .clean_content_tags(DROPPED_WITH_CONTENT.into_iter().collect())
        .url_schemes(ALLOWED_URL_SCHEMES.into_iter().collect())
        .link_rel(Some("noopener noreferrer"));
    builder
}

/// Sanitised HTML: no scripts, styles, iframes, forms or event handlers,
/// only http(s)/mailto/tel URLs, relative URLs resolved against `base_url`
/// (dropped when there is none, since they would point into Parallax), and
/// `rel="noopener noreferrer"` on every link.
///
/// Two feed habits are repaired first. Content escaped one time too many
/// (no real tag, but `&lt;p&gt;`) is unescaped once, or the reader would
/// see tags as text. CDATA markers that leaked into the HTML (nested or
/// escaped CDATA) are removed; an HTML parser would otherwise turn
/// `<![CDATA[` into a comment that swallows the first paragraph.
pub fn sanitize_html(html: &str, base_url: Option<&Url>) -> String {
    let mut html = Cow::Borrowed(html);
    if html.contains("CDATA[") || html.contains("]]") {
        html = Cow::Owned(remove_cdata_markers(&html));
    }
    if is_escaped_markup(&html) {
        html = Cow::Owned(html_escape::decode_html_entities(&html).into_owned());
    }
    if let Some(repaired) = undo_double_escaped_entities(&html) {
        html = Cow::Owned(repaired);
    }
    sanitize_markup(&html, base_url)
}

/// [`sanitize_html`] for HTML that is known to be markup as written (XHTML
/// from a feed, serialised): nothing is unescaped first, so the text
/// `&lt;blink&gt;` stays text.
pub(crate) fn sanitize_markup(html: &str, base_url: Option<&Url>) -> String {
    if !html.contains('<') {
        // Many descriptions are plain text. Without a `<` no element can
        // exist, so escaping the decoded text is exactly what sanitising
        // would produce, without building a DOM.
        return html_escape::encode_text(decode_entities(html).trim()).into_owned();
    }
    SANITIZER.with_borrow_mut(|builder| {
        builder.url_relative(match base_url {
            Some(base) => UrlRelative::RewriteWithBase(base.clone()),
            None => UrlRelative::Deny,
        });
        builder.clean(html).to_string().trim().to_string()
    })
}

/// `&amp;nbsp;` and `&amp;#8217;` become `&nbsp;` and `&#8217;`: the
/// publisher escaped an entity that was already escaped, and the reader
/// would see its name. `&amp;` before anything that is not an entity is a
/// real ampersand and stays.
fn undo_double_escaped_entities(html: &str) -> Option<String> {
    let bytes = html.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    for (at, _) in html.match_indices("&amp;") {
        if decode_entity_strict(bytes, at + 5).is_some() {
            out.push_str(&html[copied..=at]);
            copied = at + 5;
        }
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&html[copied..]);
    Some(out)
}

/// True when the text has no tag of its own but does have escaped ones.
fn is_escaped_markup(html: &str) -> bool {
    if html.contains('<') {
        return false;
    }
    html.match_indices("&lt;")
        .any(|(at, _)| html.as_bytes().get(at + 4).is_some_and(|&b| b.is_ascii_alphabetic() || b == b'/' || b == b'!'))
}

fn remove_cdata_markers(html: &str) -> String {
    html.replace("<![CDATA[", "").replace("&lt;![CDATA[", "").replace("]]&gt;", "").replace("]]>", "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, base: Option<&str>, expected: &str) {
        let base = base.map(|b| Url::parse(b).unwrap());
        assert_eq!(sanitize_html(input, base.as_ref()), expected, "input: {input:?}");
    }

    #[test]
    fn removes_active_content() {
        check("<p>a<script>alert(1)</script>b</p>", None, "<p>ab</p>");
        check("<style>p{}</style><p onclick=\"x()\">t</p>", None, "<p>t</p>");
        check(r#"<iframe src="https://e.com/x"></iframe><p>t</p>"#, None, "<p>t</p>");
        check(r#"<a href="javascript:alert(1)">x</a>"#, None, r#"<a rel="noopener noreferrer">x</a>"#);
        check(r#"<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>"#, None, r#"<a rel="noopener noreferrer">x</a>"#);
    }

    #[test]
    fn resolves_relative_links_against_the_base() {
        check(
            r#"<a href="/x?a=1">x</a><img src="i.png">"#,
            Some("https://news.example/2024/story.html"),
            r#"<a href="https://news.example/x?a=1" rel="noopener noreferrer">x</a><img src="https://news.example/2024/i.png">"#,
        );
        check(r#"<a href="/x">x</a>"#, None, r#"<a rel="noopener noreferrer">x</a>"#);
    }

    #[test]
    fn repairs_escaped_markup_and_cdata_scars() {
        check("&lt;p&gt;Hello &amp;amp; bye&lt;/p&gt;", None, "<p>Hello &amp; bye</p>");
        check("<![CDATA[<p>Hi</p>]]>", None, "<p>Hi</p>");
        check("a &lt; b", None, "a &lt; b");
        check(" plain &amp; simple &gt; &copy 2024 &#146; ", None, "plain &amp; simple &gt; © 2024 ’");
        check("<p>it&amp;#8217;s&amp;nbsp;AT&amp;T</p>", None, "<p>it’s&nbsp;AT&amp;T</p>");
        check("\n  <p>padded</p>\n", None, "<p>padded</p>");
    }
}
