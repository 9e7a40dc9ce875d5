//! No text makes the summariser panic: arbitrary Unicode, weighted towards
//! what breaks byte-slicing code (no-break and other wide spaces, combining
//! marks, bidi controls, emoji with joiners, terminal punctuation of other
//! scripts), thrown at every public function that reads text.

use parallax_core::LeanBucket;
use parallax_summary::{
    ArticleText, StoryInput, SummaryConfig, disagreements, is_loaded_headline, split_sentences, summarize,
};
use proptest::prelude::*;

/// Pieces that break code assuming one byte per character or per space.
const PIECES: &[&str] = &[
    "\u{a0}",
    "\u{2009}",
    "\u{202f}",
    "\u{3000}",
    "\u{200b}",
    "\u{200d}",
    "\u{2028}",
    "\u{2029}",
    "\u{301}",
    "\u{308}",
    "\u{202e}",
    "\u{2066}",
    "\u{61c}",
    "\u{feff}",
    "👩\u{200d}🔬",
    "🇺🇸",
    "é",
    "نور",
    "中文",
    "हिं",
    "ß",
    "İ",
    "ẞ",
    "．",
    "。",
    ". ",
    "! ",
    "? ",
    "...",
    "…",
    "Mr.",
    " U.S. ",
    " A. ",
    "\"",
    "“",
    "”",
    "'",
    "(",
    ")",
    "\n",
    "\n\n",
    "\t",
    " ",
    "1.5",
    "$3",
    "40%",
    "2,300",
    "Monday",
    "said",
    "The",
    "minutes",
    "hour-long",
    "killed",
];

fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(prop::sample::select(PIECES), 0..60).prop_map(|pieces| pieces.concat()),
        prop::collection::vec(
            prop_oneof![any::<char>().prop_map(String::from), prop::sample::select(PIECES).prop_map(String::from)],
            0..80
        )
        .prop_map(|pieces| pieces.concat()),
    ]
}

fn article() -> impl Strategy<Value = (String, String, Option<String>, Option<u8>, Option<String>)> {
    (
        hostile_text(),
        hostile_text(),
        prop::option::of(prop::sample::select(&["a.com", "b.org", "é.fr", ""][..]).prop_map(String::from)),
        prop::option::of(0u8..3),
        prop::option::of(
            prop::sample::select(&["en", "de", "fr", "es", "ar", "zh", "xx", ""][..]).prop_map(String::from),
        ),
    )
}

fn side(code: u8) -> LeanBucket {
    [LeanBucket::Left, LeanBucket::Center, LeanBucket::Right][usize::from(code % 3)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn sentences_are_slices_of_the_text(text in hostile_text(), language in prop::option::of("[a-z]{2}")) {
        for sentence in split_sentences(&text, language.as_deref()) {
            prop_assert!(text.contains(sentence));
        }
    }

    #[test]
    fn stories_summarise_without_panicking(raw in prop::collection::vec(article(), 0..6)) {
        let ids: Vec<String> = (0..raw.len()).map(|i| format!("a{i}")).collect();
        let articles: Vec<ArticleText> = raw
            .iter()
            .zip(&ids)
            .map(|((title, text, outlet, lean, language), id)| ArticleText {
                id,
                title,
                text,
                outlet: outlet.as_deref(),
                side: lean.map(side),
                language: language.as_deref(),
                kind: Default::default(),
            })
            .collect();
        let story = StoryInput { articles: &articles };
        let summary = summarize(&story, &SummaryConfig::default());
        for bullet in &summary.bullets {
            prop_assert!(bullet.article < articles.len());
        }
        disagreements(&story);
        is_loaded_headline(&raw.first().map(|a| a.0.clone()).unwrap_or_default());
    }
}

/// One megabyte of text with a wide space every few words still summarises.
#[test]
fn a_megabyte_of_wide_spaces_summarises() {
    let text = "Le ministre a parlé\u{202f}: «\u{a0}Non\u{a0}». ".repeat(25_000);
    let articles = [ArticleText {
        id: "big",
        title: "Le\u{a0}ministre\u{3000}parle",
        text: &text,
        outlet: Some("a.fr"),
        side: None,
        language: None,
        kind: Default::default(),
    }];
    let summary = summarize(&StoryInput { articles: &articles }, &SummaryConfig::default());
    assert!(!summary.bullets.is_empty());
}
