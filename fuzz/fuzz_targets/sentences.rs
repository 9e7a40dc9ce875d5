//! Any text split into sentences, in every language the splitter knows,
//! and summarised as a one-article story: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    for language in [None, Some("en"), Some("de"), Some("fr"), Some("es"), Some("ja"), Some("zh")] {
        let _ = parallax_summary::split_sentences(text, language);
    }
    let articles = [parallax_summary::ArticleText {
        id: "1",
        title: text,
        text,
        outlet: None,
        side: None,
        language: None,
        kind: Default::default(),
    }];
    let input = parallax_summary::StoryInput { articles: &articles };
    let _ = parallax_summary::summarize(&input, &Default::default());
});
