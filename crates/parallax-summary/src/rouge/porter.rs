//! The Porter stemmer exactly as NLTK's `PorterStemmer()` runs it in its
//! default `NLTK_EXTENSIONS` mode, which is what Google's `rouge-score`
//! calls with `use_stemmer=True`.
//!
//! Why not `rust-stemmers`: its English stemmer is Snowball's Porter2, which
//! stems many words differently ("generously" -> "generous" vs Porter's
//! "gener", "news" kept whole only by NLTK's irregular list), and every
//! differing stem moves ROUGE away from the numbers the literature reports.
//! The rules below follow NLTK's implementation step for step, including its
//! quirks (a rule whose suffix matches but whose condition fails ends the
//! step; the extra `alli`, `fulli`, `logi` and `ie` rules; the two-letter
//! `*o` case). Input is one lower-case ASCII token from the ROUGE tokenizer.

/// NLTK's irregular forms, looked up before any rule runs.
const IRREGULAR: [(&str, &str); 16] = [
    ("sky", "sky"),
    ("skies", "sky"),
    ("dying", "die"),
    ("lying", "lie"),
    ("tying", "tie"),
    ("news", "news"),
    ("innings", "inning"),
    ("inning", "inning"),
    ("outings", "outing"),
    ("outing", "outing"),
    ("cannings", "canning"),
    ("canning", "canning"),
    ("howe", "howe"),
    ("proceed", "proceed"),
    ("exceed", "exceed"),
    ("succeed", "succeed"),
];

/// Stems one lower-case ASCII word.
pub fn stem(word: &str) -> String {
    if let Some((_, stem)) = IRREGULAR.iter().find(|(form, _)| *form == word) {
        return (*stem).to_string();
    }
    let mut w = word.as_bytes().to_vec();
    if w.len() <= 2 {
        return word.to_string();
    }
    step1a(&mut w);
    step1b(&mut w);
    step1c(&mut w);
    step2(&mut w);
    step3(&mut w);
    step4(&mut w);
    step5a(&mut w);
    step5b(&mut w);
    // Every rule only removes bytes or appends ASCII letters.
    String::from_utf8_lossy(&w).into_owned()
}

fn is_vowel(byte: u8) -> bool {
    matches!(byte, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// Consonant test of the paper: `y` is a consonant at the start or after a
/// vowel, a vowel after a consonant. Walks back over a run of `y`s instead
/// of recursing, so a token of a million `y`s costs no stack.
fn is_consonant(w: &[u8], i: usize) -> bool {
    if is_vowel(w[i]) {
        return false;
    }
    if w[i] != b'y' {
        return true;
    }
    let mut j = i;
    let mut negate = false;
    while j > 0 && w[j] == b'y' {
        negate = !negate;
        j -= 1;
    }
    is_vowel(w[j]) == negate
}

/// The measure m of `[C](VC){m}[V]`: the number of vowel-to-consonant turns.
fn measure(w: &[u8]) -> usize {
    let mut count = 0;
    let mut previous_consonant = true;
    let mut previous_is_vowel = false;
    for (i, &byte) in w.iter().enumerate() {
        let consonant = if is_vowel(byte) {
            false
        } else if byte == b'y' {
            i == 0 || !previous_consonant
        } else {
            true
        };
        if consonant && previous_is_vowel {
            count += 1;
        }
        previous_is_vowel = !consonant;
        previous_consonant = consonant;
    }
    count
}

/// Linear in the word: a `y` is a vowel exactly when it follows a consonant
/// (the walk in [`is_consonant`] would make this quadratic on `yyyy...`).
fn contains_vowel(w: &[u8]) -> bool {
    let mut previous_consonant = false;
    for (i, &byte) in w.iter().enumerate() {
        let consonant = if is_vowel(byte) {
            false
        } else if byte == b'y' {
            i == 0 || !previous_consonant
        } else {
            true
        };
        if !consonant {
            return true;
        }
        previous_consonant = consonant;
    }
    false
}

fn ends_double_consonant(w: &[u8]) -> bool {
    let n = w.len();
    n >= 2 && w[n - 1] == w[n - 2] && is_consonant(w, n - 1)
}

/// Condition `*o`, with NLTK's extra case of a two-letter vowel-consonant stem.
fn ends_cvc(w: &[u8]) -> bool {
    let n = w.len();
    (n >= 3
        && is_consonant(w, n - 3)
        && !is_consonant(w, n - 2)
        && is_consonant(w, n - 1)
        && !matches!(w[n - 1], b'w' | b'x' | b'y'))
        || (n == 2 && !is_consonant(w, 0) && is_consonant(w, 1))
}

/// The condition a rule puts on the stem left after removing its suffix.
#[derive(Clone, Copy)]
enum Condition {
    None,
    PositiveMeasure,
    MeasureAbove1,
    /// Step 4's `(m>1 and (*S or *T)) ION`.
    MeasureAbove1EndsSOrT,
    /// NLTK's `logi` rule tests the word minus `ogi`, not minus `logi`.
    LogiStem,
}

fn holds(condition: Condition, word: &[u8], stem: &[u8]) -> bool {
    match condition {
        Condition::None => true,
        Condition::PositiveMeasure => measure(stem) > 0,
        Condition::MeasureAbove1 => measure(stem) > 1,
        Condition::MeasureAbove1EndsSOrT => measure(stem) > 1 && matches!(stem.last(), Some(b's' | b't')),
        Condition::LogiStem => measure(&word[..word.len() - 3]) > 0,
    }
}

/// Applies the first rule whose suffix matches; if its condition fails the
/// word is left as it is (later rules are not tried), as in NLTK.
fn apply_rules(w: &mut Vec<u8>, rules: &[(&str, &str, Condition)]) {
    for (suffix, replacement, condition) in rules {
        if w.ends_with(suffix.as_bytes()) {
            let stem_len = w.len() - suffix.len();
            if holds(*condition, w, &w[..stem_len]) {
                w.truncate(stem_len);
                w.extend_from_slice(replacement.as_bytes());
            }
            return;
        }
    }
}

fn step1a(w: &mut Vec<u8>) {
    if w.ends_with(b"ies") && w.len() == 4 {
        w.truncate(1);
        w.extend_from_slice(b"ie");
        return;
    }
    apply_rules(
        w,
        &[
            ("sses", "ss", Condition::None),
            ("ies", "i", Condition::None),
            ("ss", "ss", Condition::None),
            ("s", "", Condition::None),
        ],
    );
}

fn step1b(w: &mut Vec<u8>) {
    if w.ends_with(b"ied") {
        let keep = w.len() - 3;
        w.truncate(keep);
        w.extend_from_slice(if keep == 1 { b"ie" } else { b"i" });
        return;
    }
    if w.ends_with(b"eed") {
        let stem_len = w.len() - 3;
        if measure(&w[..stem_len]) > 0 {
            w.truncate(stem_len + 2);
        }
        return;
    }
    let mut removed = false;
    for suffix in [&b"ed"[..], &b"ing"[..]] {
        if w.ends_with(suffix) && contains_vowel(&w[..w.len() - suffix.len()]) {
            w.truncate(w.len() - suffix.len());
            removed = true;
            break;
        }
    }
    if !removed {
        return;
    }
    for (suffix, replacement) in [(&b"at"[..], &b"ate"[..]), (b"bl", b"ble"), (b"iz", b"ize")] {
        if w.ends_with(suffix) {
            w.truncate(w.len() - suffix.len());
            w.extend_from_slice(replacement);
            return;
        }
    }
    if ends_double_consonant(w) {
        if !matches!(w[w.len() - 1], b'l' | b's' | b'z') {
            w.pop();
        }
        return;
    }
    if measure(w) == 1 && ends_cvc(w) {
        w.push(b'e');
    }
}

/// NLTK's `y -> i` only after a consonant that is not the whole stem.
fn step1c(w: &mut [u8]) {
    let n = w.len();
    if n >= 1 && w[n - 1] == b'y' && n - 1 > 1 && is_consonant(w, n - 2) {
        w[n - 1] = b'i';
    }
}

fn step2(w: &mut Vec<u8>) {
    if w.ends_with(b"alli") && measure(&w[..w.len() - 4]) > 0 {
        w.truncate(w.len() - 2);
        step2(w);
        return;
    }
    use Condition::{LogiStem, PositiveMeasure as M};
    apply_rules(
        w,
        &[
            ("ational", "ate", M),
            ("tional", "tion", M),
            ("enci", "ence", M),
            ("anci", "ance", M),
            ("izer", "ize", M),
            ("bli", "ble", M),
            ("alli", "al", M),
            ("entli", "ent", M),
            ("eli", "e", M),
            ("ousli", "ous", M),
            ("ization", "ize", M),
            ("ation", "ate", M),
            ("ator", "ate", M),
            ("alism", "al", M),
            ("iveness", "ive", M),
            ("fulness", "ful", M),
            ("ousness", "ous", M),
            ("aliti", "al", M),
            ("iviti", "ive", M),
            ("biliti", "ble", M),
            ("fulli", "ful", M),
            ("logi", "log", LogiStem),
        ],
    );
}

fn step3(w: &mut Vec<u8>) {
    use Condition::PositiveMeasure as M;
    apply_rules(
        w,
        &[
            ("icate", "ic", M),
            ("ative", "", M),
            ("alize", "al", M),
            ("iciti", "ic", M),
            ("ical", "ic", M),
            ("ful", "", M),
            ("ness", "", M),
        ],
    );
}

fn step4(w: &mut Vec<u8>) {
    use Condition::{MeasureAbove1 as M, MeasureAbove1EndsSOrT};
    apply_rules(
        w,
        &[
            ("al", "", M),
            ("ance", "", M),
            ("ence", "", M),
            ("er", "", M),
            ("ic", "", M),
            ("able", "", M),
            ("ible", "", M),
            ("ant", "", M),
            ("ement", "", M),
            ("ment", "", M),
            ("ent", "", M),
            ("ion", "", MeasureAbove1EndsSOrT),
            ("ou", "", M),
            ("ism", "", M),
            ("ate", "", M),
            ("iti", "", M),
            ("ous", "", M),
            ("ive", "", M),
            ("ize", "", M),
        ],
    );
}

fn step5a(w: &mut Vec<u8>) {
    if w.last() == Some(&b'e') {
        let stem = &w[..w.len() - 1];
        let m = measure(stem);
        if m > 1 || (m == 1 && !ends_cvc(stem)) {
            w.pop();
        }
    }
}

fn step5b(w: &mut Vec<u8>) {
    if w.ends_with(b"ll") && measure(&w[..w.len() - 1]) > 1 {
        w.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::stem;

    #[test]
    fn paper_examples() {
        for (word, expected) in [
            ("caresses", "caress"),
            ("ponies", "poni"),
            ("ties", "tie"),
            ("cats", "cat"),
            ("feed", "feed"),
            ("agreed", "agre"),
            ("plastered", "plaster"),
            ("motoring", "motor"),
            ("sing", "sing"),
            ("conflated", "conflat"),
            ("hopping", "hop"),
            ("falling", "fall"),
            ("filing", "file"),
            ("happy", "happi"),
            ("relational", "relat"),
            ("generously", "gener"),
            ("controll", "control"),
            ("news", "news"),
            ("dying", "die"),
        ] {
            assert_eq!(stem(word), expected, "{word}");
        }
    }
}
