//! Mapping a host to the outlet it belongs to: the one rule every importer
//! (rating files, OPML, outlet lists) and every feed follows, so that a
//! provider's `www1.cbn.com`, an OPML's `https://www.cbn.com/` and a feed
//! on `cbn.com` are one outlet.

/// A registered outlet's domain, lower-case, without `www.`.
pub type OutletDomain = String;

/// Platforms that host many independent outlets under their own domain:
/// the first label below them is the outlet (`abcnews.go.com` is ABC News,
/// `andrewsullivan.substack.com` is Andrew Sullivan; `go.com` and
/// `substack.com` are nobody's newsroom). Platforms the public suffix list
/// already treats this way (`blogspot.com`, `github.io`) need no entry.
const MULTI_OUTLET_DOMAINS: &[&str] = &[
    "go.com",
    "yahoo.com",
    "msn.com",
    "aol.com",
    "google.com",
    "substack.com",
    "medium.com",
    "wordpress.com",
    "tumblr.com",
    "typepad.com",
    "ghost.io",
];

/// Leading labels that name a web server, not a part of the outlet:
/// `www`, `www1`, `www2`..., `m` and `amp`.
fn is_alias_label(label: &str) -> bool {
    label == "m" || label == "amp" || label.strip_prefix("www").is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
}

/// Normalises a host: lower-case, no trailing dot, without the server
/// aliases of [`is_alias_label`] in front (`WWW1.CBN.com.` -> `cbn.com`),
/// as long as a registrable domain remains.
pub fn normalise_host(host: &str) -> String {
    let mut host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    while let Some((first, rest)) = host.split_once('.') {
        if !is_alias_label(first) || psl::domain_str(rest).is_none() {
            break;
        }
        host = rest.to_string();
    }
    host
}

/// The outlet a host belongs to: its registrable domain (eTLD+1 from the
/// public suffix list: `edition.cnn.com` -> `cnn.com`, `news.bbc.co.uk` ->
/// `bbc.co.uk`, `files.gao.gov` -> `gao.gov`), except on the platforms of
/// [`MULTI_OUTLET_DOMAINS`], where it is the first label below the
/// platform (`feeds.abcnews.go.com` -> `abcnews.go.com`). A host with no
/// registrable domain (an IP address, `localhost`) is its own outlet.
///
/// The rule depends on the host alone, never on what was imported before,
/// so importers and feeds agree whatever the order. Its price: subdomains a
/// provider rates as separate outlets under one ordinary domain
/// (`news.harvard.edu`, `hir.harvard.edu`) are one outlet here, and the
/// importer reports the second rating as a duplicate.
pub fn outlet_domain(host: &str) -> OutletDomain {
    let host = normalise_host(host);
    let unbracketed = host.trim_start_matches('[').trim_end_matches(']');
    if unbracketed.parse::<std::net::IpAddr>().is_ok() {
        return host;
    }
    let Some(registrable) = psl::domain_str(&host) else { return host };
    if host.len() > registrable.len() && MULTI_OUTLET_DOMAINS.contains(&registrable) {
        let below = &host[..host.len() - registrable.len() - 1];
        let label = below.rsplit('.').next().unwrap_or(below);
        return format!("{label}.{registrable}");
    }
    registrable.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(host: &str, expected: &str) {
        assert_eq!(outlet_domain(host), expected, "host {host}");
    }

    #[test]
    fn server_aliases_are_the_same_outlet() {
        check("www1.cbn.com", "cbn.com");
        check("www.cbn.com", "cbn.com");
        check("cbn.com", "cbn.com");
        check("WWW.NYTimes.com.", "nytimes.com");
        check("m.example.co.uk", "example.co.uk");
        check("www.com", "www.com");
    }

    #[test]
    fn subdomains_belong_to_the_registrable_domain() {
        check("edition.cnn.com", "cnn.com");
        check("files.gao.gov", "gao.gov");
        check("news.bbc.co.uk", "bbc.co.uk");
        check("feeds.bbci.co.uk", "bbci.co.uk");
    }

    #[test]
    fn platforms_of_many_outlets_keep_the_outlet_label() {
        check("abcnews.go.com", "abcnews.go.com");
        check("feeds.abcnews.go.com", "abcnews.go.com");
        check("www.andrewsullivan.substack.com", "andrewsullivan.substack.com");
        check("substack.com", "substack.com");
        check("news.google.com", "news.google.com");
    }

    #[test]
    fn hosts_without_a_registrable_domain_are_their_own_outlet() {
        check("127.0.0.1", "127.0.0.1");
        check("[::1]", "[::1]");
        check("localhost", "localhost");
        check("", "");
    }
}
