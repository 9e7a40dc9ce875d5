//! DNS resolution that applies the address policy at connect time.
//!
//! reqwest connects only to the addresses this resolver returns, so checking
//! them here (rather than resolving once up front and connecting later) leaves
//! no window for a name to rebind to an internal address.

use std::fmt;
use std::net::SocketAddr;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::policy::{AddressPolicy, ForbiddenAddress};

pub(crate) struct PolicyResolver {
    pub(crate) policy: AddressPolicy,
}

/// Every address a name resolved to was forbidden. Carried through reqwest's
/// error chain and turned back into [`crate::FetchError::ForbiddenHost`].
#[derive(Debug)]
pub(crate) struct HostRefused {
    pub(crate) host: String,
    pub(crate) first: ForbiddenAddress,
}

impl fmt::Display for HostRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "host {} resolves only to forbidden addresses: {}", self.host, self.first)
    }
}

impl std::error::Error for HostRefused {}

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        let policy = self.policy.clone();
        Box::pin(async move {
            // Port 0 is replaced by reqwest with the URL's port.
            let resolved: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let (allowed, refused) = partition(&resolved, &policy);
            match (allowed.is_empty(), refused) {
                (true, Some(first)) => Err(HostRefused { host, first }.into()),
                _ => Ok(Box::new(allowed.into_iter()) as Addrs),
            }
        })
    }
}

/// The allowed addresses, and the first refused one if any was.
fn partition(resolved: &[SocketAddr], policy: &AddressPolicy) -> (Vec<SocketAddr>, Option<ForbiddenAddress>) {
    let mut allowed = Vec::with_capacity(resolved.len());
    let mut first_refused = None;
    for address in resolved {
        match policy.check_ip(address.ip()) {
            Ok(()) => allowed.push(*address),
            Err(forbidden) => {
                first_refused.get_or_insert(forbidden);
            }
        }
    }
    (allowed, first_refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(resolved: &[&str], expected_allowed: &[&str], expected_refused: Option<&str>) {
        check_with(&AddressPolicy::default(), resolved, expected_allowed, expected_refused);
    }

    fn check_with(
        policy: &AddressPolicy,
        resolved: &[&str],
        expected_allowed: &[&str],
        expected_refused: Option<&str>,
    ) {
        let resolved: Vec<SocketAddr> = resolved.iter().map(|address| address.parse().expect("test address")).collect();
        let (allowed, refused) = partition(&resolved, policy);
        let allowed: Vec<String> = allowed.iter().map(ToString::to_string).collect();
        assert_eq!(allowed, expected_allowed);
        assert_eq!(refused.map(|forbidden| forbidden.to_string()).as_deref(), expected_refused);
    }

    #[test]
    fn internal_answers_are_dropped_and_public_ones_kept() {
        check(&["8.8.8.8:0", "[2001:4860::8888]:0"], &["8.8.8.8:0", "[2001:4860::8888]:0"], None);
        check(
            &["127.0.0.1:0", "93.184.215.14:0", "[::1]:0"],
            &["93.184.215.14:0"],
            Some("address 127.0.0.1 is loopback"),
        );
        check(&["10.0.0.1:0", "[fd00::1]:0"], &[], Some("address 10.0.0.1 is private"));
    }

    #[test]
    fn answers_in_allowed_networks_are_kept() {
        let policy = AddressPolicy {
            allow_private_networks: false,
            allowed_networks: vec!["10.20.0.0/16".parse().expect("network parses")],
        };
        check_with(
            &policy,
            &["10.20.0.5:0", "10.30.0.5:0", "127.0.0.1:0"],
            &["10.20.0.5:0"],
            Some("address 10.30.0.5 is private"),
        );
    }
}
