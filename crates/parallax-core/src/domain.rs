//! Mapping a URL's host to the outlet it belongs to.

/// A registered outlet's domain, lower-case, without `www.`.
pub type OutletDomain = String;

/// Hosts whose subdomains are separate outlets although the public suffix
/// list does not say so: `abcnews.go.com` is ABC News, `go.com` is nobody.
/// Only consulted for hosts with no registered outlet.
const UMBRELLA_DOMAINS: &[&str] = &["go.com", "yahoo.com", "msn.com", "aol.com", "google.com"];

/// Normalises a host: lower-case, no trailing dot, no leading `www.`.
pub fn normalise_host(host: &str) -> String {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    match host.strip_prefix("www.") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => host,
    }
}

/// Finds the outlet a host belongs to.
///
/// Walks from the full host towards its registrable domain and returns the
/// most specific one for which `is_registered` answers true, so
/// `edition.cnn.com` maps to `cnn.com` and a registered `abcnews.go.com`
/// stays itself. The walk never goes above the registrable domain (eTLD+1
/// from the public suffix list), so `bbc.co.uk` can never become `co.uk`.
///
/// With no registered match, the registrable domain is returned, except
/// under [`UMBRELLA_DOMAINS`], where the host itself is the outlet.
pub fn outlet_domain_for_host(host: &str, is_registered: impl Fn(&str) -> bool) -> OutletDomain {
    let host = normalise_host(host);
    let registrable = psl::domain_str(&host).unwrap_or(host.as_str()).to_string();
    let mut candidate = host.as_str();
    loop {
        if is_registered(candidate) {
            return candidate.to_string();
        }
        if candidate.len() <= registrable.len() {
            break;
        }
        match candidate.split_once('.') {
            Some((_, parent)) => candidate = parent,
            None => break,
        }
    }
    if UMBRELLA_DOMAINS.contains(&registrable.as_str()) && host != registrable {
        return host;
    }
    registrable
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(host: &str, registered: &[&str], expected: &str) {
        let got = outlet_domain_for_host(host, |d| registered.contains(&d));
        assert_eq!(got, expected, "host {host} with registered {registered:?}");
    }

    #[test]
    fn subdomain_maps_to_registered_parent() {
        check("edition.cnn.com", &["cnn.com"], "cnn.com");
        check("www.nytimes.com", &["nytimes.com"], "nytimes.com");
        check("WWW.NYTimes.com.", &["nytimes.com"], "nytimes.com");
    }

    #[test]
    fn registered_subdomain_stays_itself() {
        check("abcnews.go.com", &["abcnews.go.com", "go.com"], "abcnews.go.com");
        check("abcnews.go.com", &[], "abcnews.go.com");
    }

    #[test]
    fn never_climbs_above_the_registrable_domain() {
        check("news.bbc.co.uk", &["co.uk"], "bbc.co.uk");
        check("feeds.bbci.co.uk", &["bbc.co.uk"], "bbci.co.uk");
    }
}
