//! `canonical_url`: one URL per article, however the feed decorated it.

use url::Url;

/// Query parameters that identify a campaign, a click or a subscriber, not
/// a page. Feeds append them to every link (`?utm_source=rss`), and the
/// same story shared through two channels must still be one URL.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "twclid",
    "ttclid",
    "yclid",
    "srsltid",
    "mc_cid",
    "mc_eid",
    "igshid",
    "_ga",
    "_gl",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    "ref_src",
    "ref_url",
    "cmpid",
    "cmp",
    "ocid",
    "icid",
    "xtor",
    "smid",
    "emc",
    "s_cid",
    "wt.mc_id",
    "ns_campaign",
    "ns_mchannel",
    "ns_source",
    "ns_linkname",
    "ns_fee",
    "oly_anon_id",
    "oly_enc_id",
    "rb_clickid",
    "vero_id",
    "__twitter_impression",
];

/// The canonical form of a link: absolute http(s) only (relative links are
/// resolved against `base`), no fragment, no credentials, no tracking
/// parameters (other parameters keep their order), lower-case host and no
/// default port. `None` for anything that cannot be an article's address
/// (`mailto:`, `javascript:`, a relative link without a base, garbage).
pub fn canonical_url(raw: &str, base: Option<&Url>) -> Option<String> {
    canonical(raw, base).map(Into::into)
}

/// [`canonical_url`] as a parsed URL, for callers that go on using it.
pub(crate) fn canonical(raw: &str, base: Option<&Url>) -> Option<Url> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let mut url = match Url::parse(raw) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => base?.join(raw).ok()?,
        Err(_) => return None,
    };
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return None;
    }
    url.set_fragment(None);
    if !url.username().is_empty() || url.password().is_some() {
        url.set_username("").ok()?;
        url.set_password(None).ok()?;
    }
    if let Some(query) = url.query() {
        let kept: Vec<&str> = query.split('&').filter(|pair| !pair.is_empty() && !is_tracking(pair)).collect();
        if kept.is_empty() {
            url.set_query(None);
        } else if kept.len() != query.split('&').count() {
            let kept = kept.join("&");
            url.set_query(Some(&kept));
        }
    }
    Some(url)
}

fn is_tracking(pair: &str) -> bool {
    let name = pair.split_once('=').map_or(pair, |(name, _)| name);
    let name = name.to_ascii_lowercase();
    name.starts_with("utm_") || TRACKING_PARAMS.contains(&name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(raw: &str, base: Option<&str>, expected: Option<&str>) {
        let base = base.map(|b| Url::parse(b).unwrap());
        assert_eq!(canonical_url(raw, base.as_ref()).as_deref(), expected, "raw: {raw:?}");
    }

    #[test]
    fn drops_tracking_parameters_and_fragment() {
        check(
            "https://News.Example.COM:443/a/b?id=7&utm_source=rss&UTM_Medium=x&fbclid=1&page=2#top",
            None,
            Some("https://news.example.com/a/b?id=7&page=2"),
        );
        check("http://e.com:80/?utm_campaign=x&gclid=y", None, Some("http://e.com/"));
        check("https://e.com/x?xtor=RSS-1&&b=&a", None, Some("https://e.com/x?b=&a"));
        check("https://user:pw@e.com/x", None, Some("https://e.com/x"));
    }

    #[test]
    fn resolves_relative_links() {
        let base = Some("https://e.com/feeds/rss.xml");
        check("/2024/story", base, Some("https://e.com/2024/story"));
        check("story.html", base, Some("https://e.com/feeds/story.html"));
        check("//cdn.e.com/x", base, Some("https://cdn.e.com/x"));
        check("/2024/story", None, None);
    }

    #[test]
    fn refuses_non_http_links() {
        check("javascript:alert(1)", None, None);
        check("mailto:a@b.c", None, None);
        check("ftp://e.com/x", None, None);
        check("   ", None, None);
        check("http://", None, None);
    }
}
