//! Where an outlet is from, as one code per country: rating files spell
//! countries every way ("USA", "united kingdom", "US", "gb"), and editions
//! (`?edition=us`) compare them, so every spelling goes through
//! [`country_code`] first.

/// Country names (lower-case, as rating files write them) and their ISO
/// 3166-1 alpha-2 codes, for the countries the bundled outlets and the
/// rating files cover most.
const COUNTRY_NAMES: &[(&str, &str)] = &[
    ("usa", "us"),
    ("united states", "us"),
    ("united states of america", "us"),
    ("america", "us"),
    ("united kingdom", "gb"),
    ("uk", "gb"),
    ("great britain", "gb"),
    ("britain", "gb"),
    ("england", "gb"),
    ("scotland", "gb"),
    ("wales", "gb"),
    ("northern ireland", "gb"),
    ("ireland", "ie"),
    ("canada", "ca"),
    ("australia", "au"),
    ("new zealand", "nz"),
    ("germany", "de"),
    ("deutschland", "de"),
    ("austria", "at"),
    ("switzerland", "ch"),
    ("france", "fr"),
    ("belgium", "be"),
    ("netherlands", "nl"),
    ("the netherlands", "nl"),
    ("spain", "es"),
    ("portugal", "pt"),
    ("italy", "it"),
    ("greece", "gr"),
    ("poland", "pl"),
    ("sweden", "se"),
    ("norway", "no"),
    ("denmark", "dk"),
    ("finland", "fi"),
    ("russia", "ru"),
    ("ukraine", "ua"),
    ("turkey", "tr"),
    ("israel", "il"),
    ("qatar", "qa"),
    ("united arab emirates", "ae"),
    ("saudi arabia", "sa"),
    ("iran", "ir"),
    ("india", "in"),
    ("pakistan", "pk"),
    ("china", "cn"),
    ("hong kong", "hk"),
    ("taiwan", "tw"),
    ("japan", "jp"),
    ("south korea", "kr"),
    ("korea", "kr"),
    ("singapore", "sg"),
    ("philippines", "ph"),
    ("indonesia", "id"),
    ("mexico", "mx"),
    ("brazil", "br"),
    ("argentina", "ar"),
    ("chile", "cl"),
    ("colombia", "co"),
    ("south africa", "za"),
    ("nigeria", "ng"),
    ("kenya", "ke"),
    ("egypt", "eg"),
];

/// Two-letter codes used in place of the ISO ones.
const CODE_ALIASES: &[(&str, &str)] = &[("uk", "gb"), ("el", "gr")];

/// Country-code top-level domains that are mostly sold to anyone (`.io`,
/// `.tv`, `.co`): a domain under one says nothing about its country.
const GENERIC_CCTLDS: &[&str] = &["io", "tv", "co", "me", "ai", "fm", "ly", "cc", "ws", "to", "am", "gg", "eu"];

/// A country's ISO 3166-1 alpha-2 code, lower-case, from a code or a
/// name in any case; `None` for what is not known to be a country.
pub fn country_code(raw: &str) -> Option<String> {
    let lower = raw.trim().to_lowercase();
    if lower.len() == 2 && lower.bytes().all(|b| b.is_ascii_lowercase()) {
        let code = CODE_ALIASES.iter().find(|(alias, _)| *alias == lower).map_or(lower.as_str(), |(_, code)| code);
        return Some(code.to_string());
    }
    COUNTRY_NAMES.iter().find(|(name, _)| *name == lower).map(|(_, code)| code.to_string())
}

/// The country an outlet's domain names by its country-code top-level
/// domain (`spiegel.de`, `bbc.co.uk`); `None` for generic ones (`.com`,
/// `.org`, and ccTLDs sold to anyone).
pub fn domain_country(domain: &str) -> Option<String> {
    let tld = domain.trim_end_matches('.').rsplit('.').next()?.to_ascii_lowercase();
    if tld.len() != 2 || !tld.bytes().all(|b| b.is_ascii_lowercase()) || GENERIC_CCTLDS.contains(&tld.as_str()) {
        return None;
    }
    country_code(&tld)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes() {
        assert_eq!(country_code("USA").as_deref(), Some("us"));
        assert_eq!(country_code(" united kingdom ").as_deref(), Some("gb"));
        assert_eq!(country_code("UK").as_deref(), Some("gb"));
        assert_eq!(country_code("DE").as_deref(), Some("de"));
        assert_eq!(country_code("Atlantis"), None);
        assert_eq!(country_code("ÅÄ"), None);
        assert_eq!(country_code(""), None);
    }

    #[test]
    fn domains() {
        assert_eq!(domain_country("spiegel.de").as_deref(), Some("de"));
        assert_eq!(domain_country("bbc.co.uk").as_deref(), Some("gb"));
        assert_eq!(domain_country("nytimes.com"), None);
        assert_eq!(domain_country("axios.io"), None);
        assert_eq!(domain_country("例え.jp").as_deref(), Some("jp"));
        assert_eq!(domain_country(""), None);
    }
}
