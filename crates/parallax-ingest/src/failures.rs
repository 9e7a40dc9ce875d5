//! Why feeds fail, summed up: each failure's reason (the text recorded on
//! the feed) sorted into a cause a person can act on, the failures grouped
//! by cause, and the one diagnosis that matters on a first run: most feeds
//! fail for the same network reason, so the machine is probably offline.
//!
//! Reasons are read from their text because that is what the store keeps
//! (`FeedRecord::last_error`), so `parallax feeds --failed`, the server's
//! pages and a round's report all group the same way, even for failures
//! recorded by an older version.

use std::collections::BTreeMap;

/// What a failure comes down to, for grouping and advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FailureCause {
    /// The host name did not resolve: no DNS, or a domain that is gone.
    Dns,
    /// No route to the host, or no network at all.
    Unreachable,
    /// The host answered but refused or reset the connection.
    Refused,
    /// Connecting or the whole request took too long.
    Timeout,
    /// The TLS handshake or the certificate failed.
    Tls,
    /// The address policy refused a private or loopback address.
    Forbidden,
    /// The server answered with an error status.
    HttpStatus,
    /// The body was too large.
    TooLarge,
    /// Bytes came back but are not a feed Parallax can read.
    NotAFeed,
    /// The parser crashed; the bytes are quarantined.
    Crashed,
    Other,
}

impl FailureCause {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureCause::Dns => "dns",
            FailureCause::Unreachable => "unreachable",
            FailureCause::Refused => "refused",
            FailureCause::Timeout => "timeout",
            FailureCause::Tls => "tls",
            FailureCause::Forbidden => "forbidden-address",
            FailureCause::HttpStatus => "http-status",
            FailureCause::TooLarge => "too-large",
            FailureCause::NotAFeed => "not-a-feed",
            FailureCause::Crashed => "crashed",
            FailureCause::Other => "other",
        }
    }

    /// The cause as a heading: what went wrong, in a person's words.
    pub fn describe(self) -> &'static str {
        match self {
            FailureCause::Dns => "host name not found (DNS lookup failed)",
            FailureCause::Unreachable => "network or host unreachable",
            FailureCause::Refused => "connection refused or reset",
            FailureCause::Timeout => "timed out",
            FailureCause::Tls => "TLS or certificate error",
            FailureCause::Forbidden => "address refused by the private-network policy",
            FailureCause::HttpStatus => "the server answered with an error status",
            FailureCause::TooLarge => "feed larger than fetch.max_body_bytes",
            FailureCause::NotAFeed => "not a feed Parallax can read",
            FailureCause::Crashed => "the parser crashed (bytes quarantined)",
            FailureCause::Other => "other errors",
        }
    }

    /// Whether this cause says more about this machine's network than
    /// about the feed.
    pub fn is_network(self) -> bool {
        matches!(self, FailureCause::Dns | FailureCause::Unreachable)
    }
}

/// Sorts one failure reason into its cause.
pub fn failure_cause(reason: &str) -> FailureCause {
    let text = reason.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|needle| text.contains(needle));
    // Order matters: a DNS failure's chain also says "client error (Connect)".
    if has(&["crashed"]) {
        FailureCause::Crashed
    } else if has(&[
        "dns error",
        "failed to lookup address",
        "name resolution",
        "name or service not known",
        "no address associated",
        "nodename nor servname",
    ]) {
        FailureCause::Dns
    } else if has(&["forbidden addresses", "allow-private-networks"]) {
        FailureCause::Forbidden
    } else if has(&["timed out", "could not connect within", "deadline has elapsed"]) {
        FailureCause::Timeout
    } else if has(&["network is unreachable", "no route to host", "host is unreachable"]) {
        FailureCause::Unreachable
    } else if has(&["connection refused", "connection reset"]) {
        FailureCause::Refused
    } else if has(&["certificate", "tls", "handshake"]) {
        FailureCause::Tls
    } else if has(&["fetch: http "]) {
        FailureCause::HttpStatus
    } else if has(&["body exceeds"]) {
        FailureCause::TooLarge
    } else if text.starts_with("feed:") {
        FailureCause::NotAFeed
    } else {
        FailureCause::Other
    }
}

/// The failures of one cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureGroup {
    pub cause: FailureCause,
    /// `(feed URL, reason)` in the order given.
    pub feeds: Vec<(String, String)>,
}

/// Groups failures by cause, the largest group first (ties in the causes'
/// order).
pub fn group_failures<'a>(failures: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<FailureGroup> {
    let mut by_cause: BTreeMap<FailureCause, Vec<(String, String)>> = BTreeMap::new();
    for (url, reason) in failures {
        by_cause.entry(failure_cause(reason)).or_default().push((url.to_string(), reason.to_string()));
    }
    let mut groups: Vec<FailureGroup> =
        by_cause.into_iter().map(|(cause, feeds)| FailureGroup { cause, feeds }).collect();
    groups.sort_by(|a, b| b.feeds.len().cmp(&a.feeds.len()).then(a.cause.cmp(&b.cause)));
    groups
}

/// Most feeds failing for one network cause: the machine is probably
/// offline (or cannot resolve names), not the feeds broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineDiagnosis {
    pub cause: FailureCause,
    /// Feeds failing for that cause.
    pub failing: usize,
    /// Feeds looked at.
    pub total: usize,
}

impl OfflineDiagnosis {
    /// Share of the feeds that must fail for one network cause before the
    /// network, not the feeds, is blamed. Broken feeds fail for many
    /// unrelated reasons; a machine without DNS or a route fails all of them
    /// for the same one, so half is far from both.
    pub const MIN_SHARE: f64 = 0.5;
    /// Fewer feeds than this say nothing about the network.
    pub const MIN_FEEDS: usize = 3;

    /// Looks at the failing feeds among `total`: `None` unless most of them
    /// fail for the same network cause.
    pub fn of(groups: &[FailureGroup], total: usize) -> Option<OfflineDiagnosis> {
        let top = groups.iter().filter(|g| g.cause.is_network()).max_by_key(|g| g.feeds.len())?;
        let failing = top.feeds.len();
        let enough = failing >= Self::MIN_FEEDS && failing as f64 >= Self::MIN_SHARE * total.max(1) as f64;
        enough.then_some(OfflineDiagnosis { cause: top.cause, failing, total })
    }

    /// The one line for the terminal and the pages: the cause, and what to
    /// do next.
    pub fn message(&self) -> String {
        let what = match self.cause {
            FailureCause::Dns => "their host names do not resolve (no DNS): this machine seems to be offline",
            _ => "the network is unreachable: this machine seems to be offline",
        };
        format!(
            "{} of {} feeds cannot be fetched because {what}. Check the network, run `parallax serve --demo` to \
             see sample stories without one, or list the failures with `parallax feeds --failed`.",
            self.failing, self.total
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(reason: &str, expected: FailureCause) {
        assert_eq!(failure_cause(reason), expected, "{reason}");
    }

    #[test]
    fn reasons_sort_into_causes() {
        check(
            "fetch: request to https://a.example/rss failed: error sending request: client error (Connect): dns \
             error: failed to lookup address information: Temporary failure in name resolution",
            FailureCause::Dns,
        );
        check(
            "fetch: request to x failed: tcp connect error: Network is unreachable (os error 101)",
            FailureCause::Unreachable,
        );
        check("fetch: request to x failed: Connection refused (os error 111)", FailureCause::Refused);
        check("fetch: could not connect within 10 s", FailureCause::Timeout);
        check("fetch: timed out after 30 s", FailureCause::Timeout);
        check("fetch: request to x failed: invalid peer certificate: Expired", FailureCause::Tls);
        check("fetch: HTTP 404 Not Found", FailureCause::HttpStatus);
        check("fetch: HTTP 429 Too Many Requests (retry after 60 s)", FailureCause::HttpStatus);
        check("fetch: body exceeds 15 MiB", FailureCause::TooLarge);
        check("feed: got an HTML page, not a feed", FailureCause::NotAFeed);
        check(
            "fetch: host a.example resolves only to forbidden addresses: 127.0.0.1 is loopback (pass \
             --allow-private-networks to allow)",
            FailureCause::Forbidden,
        );
        check("parse: crashed: index out of bounds", FailureCause::Crashed);
        check("something else", FailureCause::Other);
    }

    #[test]
    fn groups_come_largest_first() {
        let failures = [
            ("a", "fetch: HTTP 404 Not Found"),
            ("b", "dns error: failed to lookup address information"),
            ("c", "dns error: failed to lookup address information"),
        ];
        let groups = group_failures(failures);
        let summary: Vec<(FailureCause, usize)> = groups.iter().map(|g| (g.cause, g.feeds.len())).collect();
        assert_eq!(summary, [(FailureCause::Dns, 2), (FailureCause::HttpStatus, 1)]);
    }

    #[test]
    fn offline_only_when_most_feeds_fail_for_one_network_cause() {
        let dns = "dns error: failed to lookup address information";
        let many: Vec<(&str, &str)> = (0..10).map(|_| ("f", dns)).collect();
        let diagnosis = OfflineDiagnosis::of(&group_failures(many.iter().copied()), 12).expect("offline");
        assert_eq!(diagnosis.failing, 10);
        assert!(diagnosis.message().starts_with("10 of 12 feeds cannot be fetched because their host names"));
        assert!(diagnosis.message().contains("parallax serve --demo"));
        assert_eq!(OfflineDiagnosis::of(&group_failures(many.iter().copied()), 100), None);
        let http: Vec<(&str, &str)> = (0..10).map(|_| ("f", "fetch: HTTP 500 Internal Server Error")).collect();
        assert_eq!(OfflineDiagnosis::of(&group_failures(http), 10), None);
    }
}
