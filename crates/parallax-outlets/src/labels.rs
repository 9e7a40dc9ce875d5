//! Provider vocabularies mapped onto Parallax's scales.
//!
//! Every mapping answers one of three things: a value, "this provider says
//! nothing about lean here" (`Ok(None)`, no diagnostic), or "unknown label"
//! (`Err`, reported by the caller, field skipped).

use parallax_core::{Factuality, Lean};

/// The label could not be mapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unknown;

pub type Mapped<T> = Result<Option<T>, Unknown>;

/// Lean in the generic CSV and OPML `parallax:lean`: the canonical 7-point
/// labels plus the common synonyms other tools write.
///
/// | label                               | lean       |
/// |-------------------------------------|------------|
/// | far-left, extreme-left              | far-left   |
/// | left                                | left       |
/// | lean-left, left-center, center-left | lean-left  |
/// | center, least-biased                | center     |
/// | lean-right, right-center, center-right | lean-right |
/// | right                               | right      |
/// | far-right, extreme-right            | far-right  |
pub fn generic_lean(label: &str) -> Mapped<Lean> {
    let label = normalise(label);
    if label.is_empty() {
        return Ok(None);
    }
    if let Ok(lean) = label.parse::<Lean>() {
        return Ok(Some(lean));
    }
    let lean = match label.as_str() {
        "extreme-left" => Lean::FarLeft,
        "left-center" | "center-left" | "left-centre" | "centre-left" => Lean::LeanLeft,
        "least-biased" | "centre" => Lean::Center,
        "right-center" | "center-right" | "right-centre" | "centre-right" => Lean::LeanRight,
        "extreme-right" => Lean::FarRight,
        _ => return Err(Unknown),
    };
    Ok(Some(lean))
}

/// Factuality on the canonical 6-point scale, tolerating case, spaces and
/// underscores (`Mostly Factual`, `very high`).
pub fn factuality(label: &str) -> Mapped<Factuality> {
    let label = normalise(label);
    if label.is_empty() {
        return Ok(None);
    }
    label.parse::<Factuality>().map(Some).map_err(|_| Unknown)
}

/// Media Bias/Fact Check bias labels, current and in the idiap scrape.
///
/// | MBFC label                          | lean       |
/// |-------------------------------------|------------|
/// | extreme-left, far left              | far-left   |
/// | left, left biased                   | left       |
/// | left-center, left leaning           | lean-left  |
/// | center, least biased                | center     |
/// | right-center, right leaning         | lean-right |
/// | right, right biased                 | right      |
/// | extreme-right, far right            | far-right  |
/// | pro-science, conspiracy-pseudoscience, satire, fake-news (MBFC's "questionable"), not rated | no lean |
///
/// The idiap scrape writes compound labels such as `right
/// conspiracy-pseudoscience` or `pro-science (left-leaning)`: the label is
/// read as words, the category words are dropped and what remains must be
/// one of the lean phrases above, so `right conspiracy-pseudoscience` is
/// right and `alt-right conspiracy` is unknown.
pub fn mbfc_lean(label: &str) -> Mapped<Lean> {
    const CATEGORY_WORDS: &[&str] = &[
        "pro",
        "science",
        "conspiracy",
        "pseudoscience",
        "psuedoscience",
        "pseusdoscience",
        "quackery",
        "satire",
        "fake",
        "news",
        "junk",
        "questionable",
        "not",
        "rated",
        "unrated",
        "and",
        "bias",
        "biased",
    ];
    let lowered = label.to_lowercase();
    let words: Vec<&str> = lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty() && !CATEGORY_WORDS.contains(word))
        .collect();
    let lean = match words.as_slice() {
        [] => return Ok(None),
        ["far" | "extreme", "left"] => Lean::FarLeft,
        ["left"] => Lean::Left,
        ["left", "center" | "centre" | "leaning"] | ["center" | "centre", "left"] => Lean::LeanLeft,
        ["least"] | ["center" | "centre"] | ["least", "center"] => Lean::Center,
        ["right", "center" | "centre" | "leaning"] | ["center" | "centre", "right"] => Lean::LeanRight,
        ["right"] => Lean::Right,
        ["far" | "extreme", "right"] => Lean::FarRight,
        _ => return Err(Unknown),
    };
    Ok(Some(lean))
}

/// AllSides' 5-point scale, in the 2019 (`left-center`) and 2021
/// (`Lean Left`) spellings.
///
/// | AllSides label            | lean       |
/// |---------------------------|------------|
/// | left                      | left       |
/// | lean left, left-center    | lean-left  |
/// | center                    | center     |
/// | lean right, right-center  | lean-right |
/// | right                     | right      |
/// | allsides, mixed, not rated | no lean   |
///
/// AllSides has no "far" grade, so its left and right stay one step short
/// of the scale's ends.
pub fn allsides_lean(label: &str) -> Mapped<Lean> {
    let lean = match normalise(label).as_str() {
        "" | "allsides" | "mixed" | "not-rated" => return Ok(None),
        "left" => Lean::Left,
        "lean-left" | "left-center" => Lean::LeanLeft,
        "center" => Lean::Center,
        "lean-right" | "right-center" => Lean::LeanRight,
        "right" => Lean::Right,
        _ => return Err(Unknown),
    };
    Ok(Some(lean))
}

/// A language tag reduced to its primary subtag (`zh-Hant` -> `zh`), the
/// ISO 639 code a [`FeedSource`](parallax_core::FeedSource) carries.
/// Three-letter codes are kept for languages without a two-letter one.
pub fn language(tag: &str) -> Mapped<String> {
    let tag = tag.trim();
    if tag.is_empty() {
        return Ok(None);
    }
    let primary = tag.split(['-', '_']).next().unwrap_or(tag).to_ascii_lowercase();
    if !(2..=3).contains(&primary.len()) || !primary.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(Unknown);
    }
    // Kite files Greek under the country code `gr`; the language is `el`.
    if primary == "gr" {
        return Ok(Some("el".to_string()));
    }
    Ok(Some(primary))
}

fn normalise(label: &str) -> String {
    label
        .trim()
        .to_lowercase()
        .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<T: std::fmt::Debug + PartialEq>(map: fn(&str) -> Mapped<T>, cases: &[(&str, Mapped<T>)]) {
        for (label, expected) in cases {
            assert_eq!(&map(label), expected, "label {label:?}");
        }
    }

    #[test]
    fn generic_lean_accepts_canonical_labels_and_synonyms() {
        check(
            generic_lean,
            &[
                ("far-left", Ok(Some(Lean::FarLeft))),
                ("Lean Left", Ok(Some(Lean::LeanLeft))),
                ("left-center", Ok(Some(Lean::LeanLeft))),
                ("Center-Left", Ok(Some(Lean::LeanLeft))),
                ("least biased", Ok(Some(Lean::Center))),
                ("right_center", Ok(Some(Lean::LeanRight))),
                ("center-right", Ok(Some(Lean::LeanRight))),
                ("FAR RIGHT", Ok(Some(Lean::FarRight))),
                ("", Ok(None)),
                ("left-ish", Err(Unknown)),
            ],
        );
    }

    #[test]
    fn factuality_tolerates_spelling() {
        check(
            factuality,
            &[
                ("very high", Ok(Some(Factuality::VeryHigh))),
                ("Mostly Factual", Ok(Some(Factuality::MostlyFactual))),
                ("very-low", Ok(Some(Factuality::VeryLow))),
                (" ", Ok(None)),
                ("excellent", Err(Unknown)),
            ],
        );
    }

    #[test]
    fn mbfc_lean_reads_current_and_idiap_labels() {
        check(
            mbfc_lean,
            &[
                ("left", Ok(Some(Lean::Left))),
                ("left-center", Ok(Some(Lean::LeanLeft))),
                ("center", Ok(Some(Lean::Center))),
                ("least biased", Ok(Some(Lean::Center))),
                ("right-center", Ok(Some(Lean::LeanRight))),
                ("right", Ok(Some(Lean::Right))),
                ("extreme-left", Ok(Some(Lean::FarLeft))),
                ("extreme right", Ok(Some(Lean::FarRight))),
                ("far-right", Ok(Some(Lean::FarRight))),
                ("far right-bias", Ok(Some(Lean::FarRight))),
                ("left biased", Ok(Some(Lean::Left))),
                ("pro-science", Ok(None)),
                ("conspiracy-pseudoscience", Ok(None)),
                ("satire", Ok(None)),
                ("fake-news", Ok(None)),
                ("not rated", Ok(None)),
                ("", Ok(None)),
                ("right conspiracy-pseudoscience", Ok(Some(Lean::Right))),
                ("right conspiracy – pseudoscience", Ok(Some(Lean::Right))),
                ("pseudoscience right biased", Ok(Some(Lean::Right))),
                ("pro-science (left-leaning)", Ok(Some(Lean::LeanLeft))),
                ("pro-science / least biased", Ok(Some(Lean::Center))),
                ("alt-right conspiracy", Err(Unknown)),
                ("left-center (by saudi standards)", Err(Unknown)),
                ("lean left", Err(Unknown)),
            ],
        );
    }

    #[test]
    fn allsides_lean_reads_both_spellings() {
        check(
            allsides_lean,
            &[
                ("left", Ok(Some(Lean::Left))),
                ("left-center", Ok(Some(Lean::LeanLeft))),
                ("Lean Left", Ok(Some(Lean::LeanLeft))),
                ("Center", Ok(Some(Lean::Center))),
                ("Lean Right", Ok(Some(Lean::LeanRight))),
                ("right-center", Ok(Some(Lean::LeanRight))),
                ("Right", Ok(Some(Lean::Right))),
                ("allsides", Ok(None)),
                ("Mixed", Ok(None)),
                ("Not Rated", Ok(None)),
                ("far right", Err(Unknown)),
            ],
        );
    }

    #[test]
    fn language_keeps_the_primary_subtag() {
        check(
            language,
            &[
                ("en", Ok(Some("en".to_string()))),
                ("zh-Hant", Ok(Some("zh".to_string()))),
                ("sq-XK", Ok(Some("sq".to_string()))),
                ("arq", Ok(Some("arq".to_string()))),
                ("gr", Ok(Some("el".to_string()))),
                ("", Ok(None)),
                ("english", Err(Unknown)),
            ],
        );
    }
}
