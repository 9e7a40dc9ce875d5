//! One spelling for a name or a number whatever script an article writes
//! it in, so that what survives translation (people, places, figures) can
//! match across languages: "Путин" and "Putin", "Τσίπρας" and "Tsipras",
//! "José" and "Jose", "٢٠٢٤" and "2024".
//!
//! The transliteration is `deunicode`'s (a maintained table of every
//! Unicode character's ASCII spelling), except for Greek, which it spells
//! the classical way (β b, η e, φ ph: "Αλέξης" "Alexes") while names are
//! written the modern way (ELOT 743: "Alexis", "Mitsotakis", "Varoufakis"),
//! so a small table here spells Greek letters and digraphs as that
//! standard does (accents dropped by canonical decomposition,
//! `unicode-normalization`). Transliterations and English spellings of one name
//! differ mostly in the letters for i and u and in doubled letters
//! ("Зеленский" comes out "Zelenskii", English writes "Zelensky" or
//! "Zelenskyy"; "Навальный" "Naval'nyi" against "Navalny"; Greek writes
//! Putin "Πούτιν", "Poutin"), so a name's key also writes y as i and ou
//! as u, drops everything but letters and digits, and collapses a repeated
//! letter.

/// The key of the lower-cased name `surface`, written into `out`.
pub(crate) fn name_key<'a>(surface: &'a str, out: &'a mut String) -> &'a str {
    out.clear();
    let mut last = None;
    let mut chars = surface.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii() {
            push_folded(c, &mut last, out);
            continue;
        }
        let spelling = match greek(c, chars.peek().copied()) {
            Some((spelling, digraph)) => {
                if digraph {
                    chars.next();
                }
                Some(spelling)
            }
            None => deunicode::deunicode_char(c),
        };
        for c in spelling.unwrap_or("").chars() {
            push_folded(c, &mut last, out);
        }
    }
    // A script deunicode cannot spell keeps its own key.
    if out.is_empty() { surface } else { out.as_str() }
}

fn push_folded(c: char, last: &mut Option<char>, out: &mut String) {
    if !c.is_ascii_alphanumeric() {
        return;
    }
    let c = match c.to_ascii_lowercase() {
        'y' => 'i',
        c => c,
    };
    if c == 'u' && *last == Some('o') {
        // "ou" is written "u".
        out.pop();
    }
    if c.is_ascii_alphabetic() && *last == Some(c) {
        return;
    }
    *last = Some(c);
    out.push(c);
}

/// The modern (ELOT 743) spelling of the lower-case Greek letter `c`, and
/// whether it took the `next` letter with it (a digraph), or `None` for
/// any other character.
fn greek(c: char, next: Option<char>) -> Option<(&'static str, bool)> {
    // Accents and diaereses say nothing about the letter's spelling.
    let base = |c: char| match c {
        'ς' => 'σ',
        c => {
            let mut letter = None;
            unicode_normalization::char::decompose_canonical(c, |part| {
                letter.get_or_insert(part);
            });
            letter.unwrap_or(c)
        }
    };
    let (c, next) = (base(c), next.map(base));
    let digraph = match (c, next) {
        ('ο', Some('υ')) => Some("ou"),
        ('ν', Some('τ')) => Some("d"),
        ('μ', Some('π')) => Some("b"),
        ('γ', Some('κ')) | ('γ', Some('γ')) => Some("g"),
        _ => None,
    };
    if let Some(spelling) = digraph {
        return Some((spelling, true));
    }
    let spelling = match c {
        'α' => "a",
        'β' => "v",
        'γ' => "g",
        'δ' => "d",
        'ε' => "e",
        'ζ' => "z",
        'η' => "i",
        'θ' => "th",
        'ι' => "i",
        'κ' => "k",
        'λ' => "l",
        'μ' => "m",
        'ν' => "n",
        'ξ' => "x",
        'ο' => "o",
        'π' => "p",
        'ρ' => "r",
        'σ' => "s",
        'τ' => "t",
        'υ' => "i",
        'φ' => "f",
        'χ' => "ch",
        'ψ' => "ps",
        'ω' => "o",
        _ => return None,
    };
    Some((spelling, false))
}

/// The key of the number `surface` (digits and separators): digits of
/// other scripts in ASCII, the rest as it is.
pub(crate) fn number_key<'a>(surface: &'a str, out: &'a mut String) -> &'a str {
    if surface.is_ascii() {
        return surface;
    }
    out.clear();
    for c in surface.chars() {
        match c.to_digit(10).or_else(|| deunicode::deunicode_char(c).and_then(|s| s.parse::<u32>().ok())) {
            Some(digit) if !c.is_ascii() && digit < 10 => out.push(char::from(b'0' + digit as u8)),
            _ => out.push(c),
        }
    }
    out.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(a: &str, b: &str) {
        let (mut x, mut y) = (String::new(), String::new());
        assert_eq!(name_key(&a.to_lowercase(), &mut x), name_key(&b.to_lowercase(), &mut y), "{a} against {b}");
    }

    #[test]
    fn cyrillic_and_greek_names_meet_their_latin_spelling() {
        check("Путин", "Putin");
        check("Медведев", "Medvedev");
        check("Зеленский", "Zelensky");
        check("Зеленский", "Zelenskyy");
        check("Навальный", "Navalny");
        check("Τσίπρας", "Tsipras");
        check("Παπανδρέου", "Papandreou");
        check("Μητσοτάκης", "Mitsotakis");
        check("Βαρουφάκης", "Varoufakis");
        check("Αλέξης", "Alexis");
        check("Πούτιν", "Putin");
        check("Βλαντιμίρ", "Vladimir");
        check("Σεργκέι", "Sergei");
        check("José", "Jose");
        check("Zürich", "Zurich");
    }

    #[test]
    fn different_names_stay_apart() {
        let (mut x, mut y) = (String::new(), String::new());
        assert_ne!(name_key("путин", &mut x), name_key("lavrov", &mut y));
        assert_ne!(name_key("obama", &mut x), name_key("osama", &mut y));
    }

    #[test]
    fn digits_of_other_scripts_are_ascii() {
        let mut out = String::new();
        assert_eq!(number_key("٢٠٢٤", &mut out), "2024");
        assert_eq!(number_key("1.000.5", &mut out), "1.000.5");
        assert_eq!(number_key("१२", &mut out), "12");
    }
}
