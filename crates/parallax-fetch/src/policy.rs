//! Which URLs and addresses Parallax may connect to.
//!
//! Feed URLs are untrusted: a feed list, a redirect or a DNS answer can point
//! at the machine itself, the local network or a cloud metadata service. Unless
//! `allow_private_networks` is set, only globally routable unicast addresses
//! are allowed, plus the internal networks listed in
//! `allowed_private_networks` (see [`AddressPolicy`]). IP-literal hosts are
//! checked by [`check_url`] before every request (reqwest never resolves
//! them); host names are checked on their resolved addresses at connect time
//! by the fetcher's resolver, so a name that rebinds to an internal address
//! between two lookups is caught too.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use parallax_core::config::FetchConfig;

use url::{Host, Url};

use crate::FetchError;

/// Why an address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    Loopback,
    Unspecified,
    Private,
    LinkLocal,
    /// 100.64.0.0/10, carrier-grade NAT space shared inside an ISP.
    SharedAddressSpace,
    /// fc00::/7.
    UniqueLocal,
    /// fec0::/10, deprecated but still routed internally by some stacks.
    SiteLocal,
    Multicast,
    Broadcast,
    Documentation,
    Benchmarking,
    /// 192.0.0.0/24 and 2001::/23: protocol assignments, not hosts.
    ProtocolAssignment,
    /// 240.0.0.0/4, 100::/64 and other space that is not globally routable.
    Reserved,
    /// ::/96: deprecated IPv4-compatible IPv6.
    Ipv4Compatible,
    /// 64:ff9b:1::/48, NAT64 whose translation is defined by the local operator.
    LocalNat64,
}

impl fmt::Display for AddressClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AddressClass::Loopback => "loopback",
            AddressClass::Unspecified => "unspecified",
            AddressClass::Private => "private",
            AddressClass::LinkLocal => "link-local",
            AddressClass::SharedAddressSpace => "carrier-grade NAT shared space",
            AddressClass::UniqueLocal => "unique-local",
            AddressClass::SiteLocal => "site-local",
            AddressClass::Multicast => "multicast",
            AddressClass::Broadcast => "broadcast",
            AddressClass::Documentation => "reserved for documentation",
            AddressClass::Benchmarking => "reserved for benchmarking",
            AddressClass::ProtocolAssignment => "an IETF protocol assignment",
            AddressClass::Reserved => "reserved",
            AddressClass::Ipv4Compatible => "IPv4-compatible IPv6 (deprecated)",
            AddressClass::LocalNat64 => "local-use NAT64",
        })
    }
}

/// An address the policy refuses, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForbiddenAddress {
    /// The address as it was given.
    pub ip: IpAddr,
    /// The IPv4 address embedded in `ip` that decided the verdict, for
    /// IPv4-mapped, NAT64, 6to4 and similar IPv6 forms.
    pub embedded: Option<Ipv4Addr>,
    pub class: AddressClass,
}

impl fmt::Display for ForbiddenAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "address {} is {}", self.ip, self.class)?;
        if let Some(v4) = self.embedded {
            write!(f, " (embeds {v4})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ForbiddenAddress {}

/// Refuses every address that is not globally routable unicast.
pub fn check_ip(ip: IpAddr) -> Result<(), ForbiddenAddress> {
    match ip {
        IpAddr::V4(v4) => match classify_v4(v4) {
            Some(class) => Err(ForbiddenAddress { ip, embedded: None, class }),
            None => Ok(()),
        },
        IpAddr::V6(v6) => match classify_v6(v6) {
            Verdict::Allowed => Ok(()),
            Verdict::Forbidden(class) => Err(ForbiddenAddress { ip, embedded: None, class }),
            Verdict::Embeds(v4) => match classify_v4(v4) {
                Some(class) => Err(ForbiddenAddress { ip, embedded: Some(v4), class }),
                None => Ok(()),
            },
        },
    }
}

/// A block of addresses in CIDR notation, e.g. `10.20.0.0/16`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNetwork {
    base: IpAddr,
    prefix_len: u8,
}

impl IpNetwork {
    /// Whether `ip` lies in this network. An IPv4-mapped IPv6 address is
    /// the IPv4 address it maps (a dual-stack socket connects to that), so
    /// `::ffff:10.20.0.1` is in `10.20.0.0/16`.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            IpAddr::V4(_) => ip,
        };
        match (self.base, ip) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                prefix_matches(u128::from(base.to_bits()), u128::from(ip.to_bits()), 32, self.prefix_len)
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => prefix_matches(base.to_bits(), ip.to_bits(), 128, self.prefix_len),
            _ => false,
        }
    }
}

/// Whether the top `prefix_len` of `width` bits of `a` and `b` agree.
fn prefix_matches(a: u128, b: u128, width: u8, prefix_len: u8) -> bool {
    let host_bits = u32::from(width - prefix_len);
    a.checked_shr(host_bits).unwrap_or(0) == b.checked_shr(host_bits).unwrap_or(0)
}

impl fmt::Display for IpNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.base, self.prefix_len)
    }
}

/// Why a string is not an [`IpNetwork`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidNetwork(String);

impl fmt::Display for InvalidNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidNetwork {}

impl FromStr for IpNetwork {
    type Err = InvalidNetwork;

    /// `ADDRESS/PREFIX_LENGTH`, or a bare address for that one host. Host
    /// bits must be zero: `10.20.1.0/16` is more likely a typo for `/24`
    /// than a way to write `10.20.0.0/16`, and an allow-list must not guess.
    fn from_str(text: &str) -> Result<IpNetwork, InvalidNetwork> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let base: IpAddr =
            address.parse().map_err(|_| InvalidNetwork(format!("{address:?} is not an IPv4 or IPv6 address")))?;
        let width: u8 = if base.is_ipv4() { 32 } else { 128 };
        let prefix_len =
            match prefix {
                None => width,
                Some(prefix) => prefix.parse::<u8>().ok().filter(|len| *len <= width).ok_or_else(|| {
                    InvalidNetwork(format!("prefix length {prefix:?} is not a number from 0 to {width}"))
                })?,
            };
        let host_bits_set = match base {
            IpAddr::V4(v4) => v4.to_bits() & u32::MAX.checked_shr(u32::from(prefix_len)).unwrap_or(0) != 0,
            IpAddr::V6(v6) => v6.to_bits() & u128::MAX.checked_shr(u32::from(prefix_len)).unwrap_or(0) != 0,
        };
        if host_bits_set {
            return Err(InvalidNetwork(format!("{address} has bits set beyond the /{prefix_len} prefix")));
        }
        Ok(IpNetwork { base, prefix_len })
    }
}

/// The address rules of one fetcher: the built-in refusals of
/// [`check_ip`], lifted entirely by `allow_private_networks` or for the
/// listed networks only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    pub allow_private_networks: bool,
    pub allowed_networks: Vec<IpNetwork>,
}

impl AddressPolicy {
    /// Reads `allow_private_networks` and `allowed_private_networks`; an
    /// entry that is not a network is an error naming it.
    pub fn from_config(config: &FetchConfig) -> Result<AddressPolicy, FetchError> {
        let allowed_networks = config
            .allowed_private_networks
            .iter()
            .map(|entry| {
                entry.parse().map_err(|problem: InvalidNetwork| FetchError::InvalidAllowedNetwork {
                    entry: entry.clone(),
                    problem: problem.to_string(),
                })
            })
            .collect::<Result<Vec<IpNetwork>, FetchError>>()?;
        Ok(AddressPolicy { allow_private_networks: config.allow_private_networks, allowed_networks })
    }

    /// [`check_ip`], except that private networks, or the listed ones, pass.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), ForbiddenAddress> {
        if self.allow_private_networks || self.allowed_networks.iter().any(|network| network.contains(ip)) {
            return Ok(());
        }
        check_ip(ip)
    }
}

/// Checks a URL before a request is sent to it: the scheme must be http or
/// https, and an IP-literal host must pass the policy's
/// [`AddressPolicy::check_ip`]. Host names pass here; their addresses are
/// checked when they are resolved.
pub fn check_url(url: &Url, policy: &AddressPolicy) -> Result<(), FetchError> {
    let scheme = url.scheme();
    if scheme != "http" && scheme != "https" {
        return Err(FetchError::UnsupportedScheme { scheme: scheme.to_string() });
    }
    let ip = match url.host() {
        None => return Err(FetchError::NoHost { url: url.to_string() }),
        Some(Host::Domain(_)) => return Ok(()),
        Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
    };
    policy.check_ip(ip).map_err(FetchError::ForbiddenAddress)
}

fn classify_v4(ip: Ipv4Addr) -> Option<AddressClass> {
    let [a, b, c, _] = ip.octets();
    let class = match (a, b, c) {
        _ if ip.is_broadcast() => AddressClass::Broadcast,
        (0, _, _) => AddressClass::Unspecified,
        (127, _, _) => AddressClass::Loopback,
        (10, _, _) => AddressClass::Private,
        (172, 16..=31, _) => AddressClass::Private,
        (192, 168, _) => AddressClass::Private,
        (100, 64..=127, _) => AddressClass::SharedAddressSpace,
        (169, 254, _) => AddressClass::LinkLocal,
        (192, 0, 0) => AddressClass::ProtocolAssignment,
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => AddressClass::Documentation,
        (198, 18..=19, _) => AddressClass::Benchmarking,
        (224..=239, _, _) => AddressClass::Multicast,
        (240..=255, _, _) => AddressClass::Reserved,
        _ => return None,
    };
    Some(class)
}

enum Verdict {
    Allowed,
    Forbidden(AddressClass),
    /// The address stands for an IPv4 address, which decides.
    Embeds(Ipv4Addr),
}

fn classify_v6(ip: Ipv6Addr) -> Verdict {
    let segments = ip.segments();
    let octets = ip.octets();
    let v4_at = |start: usize| Ipv4Addr::new(octets[start], octets[start + 1], octets[start + 2], octets[start + 3]);
    let forbidden = Verdict::Forbidden;
    if ip.is_unspecified() {
        return forbidden(AddressClass::Unspecified);
    }
    if ip.is_loopback() {
        return forbidden(AddressClass::Loopback);
    }
    match segments {
        // ::ffff:0:0/96, IPv4-mapped: a dual-stack socket connects to the v4 address.
        [0, 0, 0, 0, 0, 0xffff, _, _] => Verdict::Embeds(v4_at(12)),
        // ::ffff:0:0:0/96, IPv4-translated (SIIT).
        [0, 0, 0, 0, 0xffff, 0, _, _] => Verdict::Embeds(v4_at(12)),
        [0, 0, 0, 0, 0, 0, _, _] => forbidden(AddressClass::Ipv4Compatible),
        // 64:ff9b::/96, well-known NAT64 prefix.
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Verdict::Embeds(v4_at(12)),
        [0x64, 0xff9b, 1, ..] => forbidden(AddressClass::LocalNat64),
        [0x100, 0, 0, 0, ..] => forbidden(AddressClass::Reserved),
        // 2001:db8::/32 before the 2001::/23 block that does not contain it.
        [0x2001, 0xdb8, ..] => forbidden(AddressClass::Documentation),
        [0x2001, 0x0000..=0x01ff, ..] => forbidden(AddressClass::ProtocolAssignment),
        // 2002::/16, 6to4: the tunnel endpoint is the embedded v4 address.
        [0x2002, ..] => Verdict::Embeds(v4_at(2)),
        [0x3fff, 0x0000..=0x0fff, ..] => forbidden(AddressClass::Documentation),
        [first, ..] if first & 0xfe00 == 0xfc00 => forbidden(AddressClass::UniqueLocal),
        [first, ..] if first & 0xffc0 == 0xfe80 => forbidden(AddressClass::LinkLocal),
        [first, ..] if first & 0xffc0 == 0xfec0 => forbidden(AddressClass::SiteLocal),
        [first, ..] if first & 0xff00 == 0xff00 => forbidden(AddressClass::Multicast),
        _ => Verdict::Allowed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `expected` is the refusal message, or `None` when the address is allowed.
    fn check(address: &str, expected: Option<&str>) {
        let ip: IpAddr = address.parse().expect("test address parses");
        let got = check_ip(ip).err().map(|forbidden| forbidden.to_string());
        assert_eq!(got.as_deref(), expected, "for {address}");
    }

    #[test]
    fn public_unicast_is_allowed() {
        for address in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.215.14",
            "172.15.255.255",
            "172.32.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "2606:4700::1111",
            "2a00:1450:4001:82a::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            check(address, None);
        }
    }

    #[test]
    fn internal_ipv4_is_refused() {
        let cases = [
            ("127.0.0.1", "address 127.0.0.1 is loopback"),
            ("127.255.0.9", "address 127.255.0.9 is loopback"),
            ("0.0.0.0", "address 0.0.0.0 is unspecified"),
            ("0.1.2.3", "address 0.1.2.3 is unspecified"),
            ("10.1.2.3", "address 10.1.2.3 is private"),
            ("172.16.0.1", "address 172.16.0.1 is private"),
            ("172.31.255.254", "address 172.31.255.254 is private"),
            ("192.168.1.1", "address 192.168.1.1 is private"),
            ("169.254.169.254", "address 169.254.169.254 is link-local"),
            ("100.64.0.1", "address 100.64.0.1 is carrier-grade NAT shared space"),
            ("100.127.255.255", "address 100.127.255.255 is carrier-grade NAT shared space"),
            ("192.0.0.170", "address 192.0.0.170 is an IETF protocol assignment"),
            ("192.0.2.1", "address 192.0.2.1 is reserved for documentation"),
            ("198.51.100.7", "address 198.51.100.7 is reserved for documentation"),
            ("203.0.113.9", "address 203.0.113.9 is reserved for documentation"),
            ("198.18.0.1", "address 198.18.0.1 is reserved for benchmarking"),
            ("224.0.0.1", "address 224.0.0.1 is multicast"),
            ("239.255.255.250", "address 239.255.255.250 is multicast"),
            ("240.0.0.1", "address 240.0.0.1 is reserved"),
            ("255.255.255.255", "address 255.255.255.255 is broadcast"),
        ];
        for (address, expected) in cases {
            check(address, Some(expected));
        }
    }

    #[test]
    fn internal_ipv6_is_refused() {
        let cases = [
            ("::1", "address ::1 is loopback"),
            ("::", "address :: is unspecified"),
            ("fe80::1", "address fe80::1 is link-local"),
            ("febf::1", "address febf::1 is link-local"),
            ("fec0::1", "address fec0::1 is site-local"),
            ("fc00::1", "address fc00::1 is unique-local"),
            ("fd12:3456::1", "address fd12:3456::1 is unique-local"),
            ("ff02::1", "address ff02::1 is multicast"),
            ("2001:db8::1", "address 2001:db8::1 is reserved for documentation"),
            ("3fff::1", "address 3fff::1 is reserved for documentation"),
            ("2001::1", "address 2001::1 is an IETF protocol assignment"),
            ("100::1", "address 100::1 is reserved"),
            ("::7f00:1", "address ::7f00:1 is IPv4-compatible IPv6 (deprecated)"),
            ("::808:808", "address ::808:808 is IPv4-compatible IPv6 (deprecated)"),
            ("64:ff9b:1::a00:1", "address 64:ff9b:1::a00:1 is local-use NAT64"),
        ];
        for (address, expected) in cases {
            check(address, Some(expected));
        }
    }

    #[test]
    fn ipv6_forms_embedding_internal_ipv4_are_refused() {
        let cases = [
            ("::ffff:127.0.0.1", "address ::ffff:127.0.0.1 is loopback (embeds 127.0.0.1)"),
            ("::ffff:10.0.0.1", "address ::ffff:10.0.0.1 is private (embeds 10.0.0.1)"),
            ("::ffff:169.254.169.254", "address ::ffff:169.254.169.254 is link-local (embeds 169.254.169.254)"),
            ("::ffff:0:7f00:1", "address ::ffff:0:7f00:1 is loopback (embeds 127.0.0.1)"),
            ("64:ff9b::7f00:1", "address 64:ff9b::7f00:1 is loopback (embeds 127.0.0.1)"),
            ("64:ff9b::c0a8:101", "address 64:ff9b::c0a8:101 is private (embeds 192.168.1.1)"),
            ("2002:7f00:1::1", "address 2002:7f00:1::1 is loopback (embeds 127.0.0.1)"),
            ("2002:a00:1::", "address 2002:a00:1:: is private (embeds 10.0.0.1)"),
        ];
        for (address, expected) in cases {
            check(address, Some(expected));
        }
    }

    fn check_url_text(url: &str, allow_private: bool, expected: Option<&str>) {
        let policy = AddressPolicy { allow_private_networks: allow_private, ..AddressPolicy::default() };
        check_url_with(url, &policy, expected);
    }

    fn check_url_with(url: &str, policy: &AddressPolicy, expected: Option<&str>) {
        let parsed = Url::parse(url).expect("test URL parses");
        let got = check_url(&parsed, policy).err().map(|error| error.to_string());
        assert_eq!(got.as_deref(), expected, "for {url}");
    }

    #[test]
    fn odd_spellings_of_loopback_are_refused() {
        let loopback = Some("fetch: address 127.0.0.1 is loopback (pass --allow-private-networks to allow)");
        for url in [
            "http://127.0.0.1/feed",
            "http://2130706433/feed",
            "http://0x7f000001/feed",
            "http://0177.0.0.1/feed",
            "http://127.1/feed",
            "https://127.0.0.1:8443/feed",
        ] {
            check_url_text(url, false, loopback);
        }
        check_url_text(
            "http://[::ffff:127.0.0.1]/feed",
            false,
            Some(
                "fetch: address ::ffff:127.0.0.1 is loopback (embeds 127.0.0.1) \
                 (pass --allow-private-networks to allow)",
            ),
        );
        check_url_text(
            "http://[::1]/feed",
            false,
            Some("fetch: address ::1 is loopback (pass --allow-private-networks to allow)"),
        );
    }

    #[test]
    fn allow_private_lets_internal_literals_through() {
        for url in ["http://127.0.0.1/", "http://[::1]/", "http://10.0.0.1/", "http://0x7f000001/"] {
            check_url_text(url, true, None);
        }
    }

    #[test]
    fn only_http_and_https_are_fetched() {
        check_url_text("file:///etc/passwd", true, Some("fetch: only http and https URLs are fetched, not \"file\""));
        check_url_text(
            "ftp://example.com/feed",
            false,
            Some("fetch: only http and https URLs are fetched, not \"ftp\""),
        );
        check_url_text(
            "gopher://example.com/",
            false,
            Some("fetch: only http and https URLs are fetched, not \"gopher\""),
        );
        check_url_text("https://example.com/feed", false, None);
        check_url_text("http://localhost/feed", false, None);
    }

    /// `expected` is the parsed network as displayed, or the refusal.
    fn check_network(text: &str, expected: Result<&str, &str>) {
        let got = text.parse::<IpNetwork>().map(|network| network.to_string()).map_err(|error| error.to_string());
        assert_eq!(got.as_ref().map(String::as_str).map_err(String::as_str), expected, "for {text:?}");
    }

    #[test]
    fn networks_parse_in_cidr_notation() {
        check_network("10.20.0.0/16", Ok("10.20.0.0/16"));
        check_network(" 127.0.0.2/32 ", Ok("127.0.0.2/32"));
        check_network("192.168.7.9", Ok("192.168.7.9/32"));
        check_network("0.0.0.0/0", Ok("0.0.0.0/0"));
        check_network("fd00:1::/48", Ok("fd00:1::/48"));
        check_network("::1", Ok("::1/128"));
        check_network("10.20.1.0/16", Err("10.20.1.0 has bits set beyond the /16 prefix"));
        check_network("fd00:1::1/64", Err("fd00:1::1 has bits set beyond the /64 prefix"));
        check_network("10.0.0.0/33", Err("prefix length \"33\" is not a number from 0 to 32"));
        check_network("fd00::/129", Err("prefix length \"129\" is not a number from 0 to 128"));
        check_network("10.0.0.0/", Err("prefix length \"\" is not a number from 0 to 32"));
        check_network("intranet/8", Err("\"intranet\" is not an IPv4 or IPv6 address"));
        check_network("10.0.0/8", Err("\"10.0.0\" is not an IPv4 or IPv6 address"));
    }

    #[test]
    fn networks_contain_their_addresses_only() {
        let network: IpNetwork = "10.20.0.0/16".parse().expect("network parses");
        for inside in ["10.20.0.0", "10.20.255.255", "::ffff:10.20.3.4"] {
            assert!(network.contains(inside.parse().expect("address")), "{inside}");
        }
        for outside in ["10.21.0.0", "10.19.255.255", "::a14:1", "64:ff9b::a14:1"] {
            assert!(!network.contains(outside.parse().expect("address")), "{outside}");
        }
        let everything: IpNetwork = "0.0.0.0/0".parse().expect("network parses");
        assert!(everything.contains("127.0.0.1".parse().expect("address")));
        assert!(!everything.contains("::1".parse().expect("address")));
        let ula: IpNetwork = "fd00:1::/48".parse().expect("network parses");
        assert!(ula.contains("fd00:1:0:ffff::1".parse().expect("address")));
        assert!(!ula.contains("fd00:2::1".parse().expect("address")));
    }

    #[test]
    fn allowed_networks_pass_and_everything_else_follows_the_rules() {
        let config = FetchConfig {
            allowed_private_networks: vec!["127.0.0.2/32".to_string(), "10.20.0.0/16".to_string()],
            ..FetchConfig::default()
        };
        let policy = AddressPolicy::from_config(&config).expect("networks parse");
        for url in
            ["http://127.0.0.2:8080/feed", "http://10.20.9.9/feed", "http://[::ffff:10.20.0.1]/", "http://1.1.1.1/"]
        {
            check_url_with(url, &policy, None);
        }
        let hint = "(pass --allow-private-networks to allow)";
        check_url_with(
            "http://127.0.0.1:8080/feed",
            &policy,
            Some(&format!("fetch: address 127.0.0.1 is loopback {hint}")),
        );
        check_url_with("http://10.21.0.1/feed", &policy, Some(&format!("fetch: address 10.21.0.1 is private {hint}")));
        check_url_with(
            "file:///etc/passwd",
            &policy,
            Some("fetch: only http and https URLs are fetched, not \"file\""),
        );
    }

    #[test]
    fn an_invalid_allowed_network_is_an_error_naming_it() {
        let config = FetchConfig {
            allowed_private_networks: vec!["10.0.0.0/8".to_string(), "intranet".to_string()],
            ..FetchConfig::default()
        };
        let error = AddressPolicy::from_config(&config).expect_err("invalid entry");
        assert_eq!(
            error.to_string(),
            "fetch: fetch.allowed_private_networks entry \"intranet\" is not a network in CIDR notation: \
             \"intranet\" is not an IPv4 or IPv6 address"
        );
    }
}
