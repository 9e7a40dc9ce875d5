//! Sentence splitting per language, over `testdata/sentences/<lang>.txt`:
//! each case is a line `>>> text` followed by the expected sentences, one
//! per line, and a blank line (`\n` in a text is a line break).

use parallax_summary::split_sentences;
use std::path::PathBuf;

fn check(language: &str, text: &str, expected: &[String]) {
    let got = split_sentences(text, Some(language));
    assert_eq!(got, expected, "{language}: {text:?}");
}

fn run(language: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/sentences").join(format!("{language}.txt"));
    let fixture = std::fs::read_to_string(&path).expect("fixture");
    let mut cases = 0;
    for block in fixture.split("\n\n").filter(|block| block.starts_with(">>> ")) {
        let mut lines = block.lines();
        let text = lines.next().unwrap_or("").trim_start_matches(">>> ").replace("\\n", "\n");
        let expected: Vec<String> = lines.map(String::from).collect();
        check(language, &text, &expected);
        cases += 1;
    }
    assert!(cases > 0, "no cases in {}", path.display());
}

#[test]
fn english() {
    run("en");
}

#[test]
fn german() {
    run("de");
}

#[test]
fn french() {
    run("fr");
}

#[test]
fn spanish() {
    run("es");
}

#[test]
fn language_is_guessed_when_absent() {
    assert_eq!(
        split_sentences("Hr. Müller und die Frau sprachen mit dem Minister. Er sagte nichts.", None),
        ["Hr. Müller und die Frau sprachen mit dem Minister.", "Er sagte nichts."]
    );
}

/// Regression: a no-break space (two bytes in UTF-8) before the last word of
/// a sentence made the abbreviation check slice inside it and panic.
#[test]
fn no_break_space_before_a_period_does_not_panic() {
    assert_eq!(
        split_sentences("Das Treffen dauerte\u{a0}zwei Stunden. Danach gingen alle.", Some("de")),
        ["Das Treffen dauerte\u{a0}zwei Stunden.", "Danach gingen alle."]
    );
    assert_eq!(split_sentences("Le prix\u{202f}: trois\u{2009}euros. Il est parti.", Some("fr")).len(), 2);
}
