//! Month names in the languages Parallax reads, so a date written the way
//! a Greek, Russian or Arabic newsroom writes it still parses.
//!
//! Forms are lower case, Greek without its accents (`month_number` strips
//! them from the text too). Each full name is listed with its genitive
//! where dates use it (`7 мая`, `7 Μαΐου`, `7 stycznia`); abbreviations
//! need not be listed, since any prefix of at least three characters that
//! only one month's forms start with is read as that month (`Ιούν`,
//! `févr.`, `sept`, `нояб`). Short forms that are ambiguous as prefixes
//! (`mar`: March in English, November in Finnish) or shorter than three
//! characters (`آب`) are listed whole and matched exactly.

/// The month (1 to 12) a word names, or `None`.
pub(crate) fn month_number(word: &str) -> Option<u32> {
    let word = fold(word);
    if word.chars().count() < 3 && !MONTHS.iter().any(|(form, _)| *form == word) {
        return None;
    }
    if let Some((_, month)) = MONTHS.iter().find(|(form, _)| *form == word) {
        return Some(*month);
    }
    let mut months = MONTHS.iter().filter(|(form, _)| form.starts_with(word.as_str())).map(|(_, month)| *month);
    let first = months.next()?;
    months.all(|month| month == first).then_some(first)
}

/// Month names written as two words (Levantine Arabic), replaced by one
/// token before the date is split into words.
pub(crate) const TWO_WORD_MONTHS: [(&str, &str); 4] =
    [("كانون الثاني", "jan"), ("تشرين الأول", "oct"), ("تشرين الثاني", "nov"), ("كانون الأول", "dec")];

/// Lower case, without Greek accents and a trailing dot.
fn fold(word: &str) -> String {
    word.trim_end_matches('.')
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'ά' => 'α',
            'έ' => 'ε',
            'ή' => 'η',
            'ί' | 'ϊ' | 'ΐ' => 'ι',
            'ό' => 'ο',
            'ύ' | 'ϋ' | 'ΰ' => 'υ',
            'ώ' => 'ω',
            other => other,
        })
        .collect()
}

#[rustfmt::skip]
const MONTHS: &[(&str, u32)] = &[
    // English, with the abbreviations RFC 2822 uses (exact matches first).
    ("jan", 1), ("feb", 2), ("mar", 3), ("apr", 4), ("may", 5), ("jun", 6),
    ("jul", 7), ("aug", 8), ("sep", 9), ("oct", 10), ("nov", 11), ("dec", 12),
    ("january", 1), ("february", 2), ("march", 3), ("april", 4), ("june", 6), ("july", 7),
    ("august", 8), ("september", 9), ("sept", 9), ("october", 10), ("november", 11), ("december", 12),
    // German
    ("januar", 1), ("jänner", 1), ("februar", 2), ("feber", 2), ("märz", 3), ("mrz", 3), ("mai", 5),
    ("juni", 6), ("juli", 7), ("oktober", 10), ("dezember", 12),
    // French
    ("janvier", 1), ("février", 2), ("fevrier", 2), ("mars", 3), ("avril", 4), ("juin", 6),
    ("juillet", 7), ("août", 8), ("aout", 8), ("septembre", 9), ("octobre", 10), ("novembre", 11),
    ("décembre", 12), ("decembre", 12),
    // Spanish
    ("enero", 1), ("febrero", 2), ("marzo", 3), ("abril", 4), ("mayo", 5), ("junio", 6), ("julio", 7),
    ("agosto", 8), ("septiembre", 9), ("setiembre", 9), ("octubre", 10), ("noviembre", 11), ("diciembre", 12),
    // Italian
    ("gennaio", 1), ("febbraio", 2), ("aprile", 4), ("maggio", 5), ("giugno", 6), ("luglio", 7),
    ("settembre", 9), ("ottobre", 10), ("dicembre", 12),
    // Portuguese
    ("janeiro", 1), ("fevereiro", 2), ("março", 3), ("maio", 5), ("junho", 6), ("julho", 7),
    ("setembro", 9), ("outubro", 10), ("novembro", 11), ("dezembro", 12),
    // Dutch
    ("januari", 1), ("februari", 2), ("maart", 3), ("mei", 5), ("augustus", 8),
    // Danish, Norwegian, Swedish
    ("marts", 3), ("maj", 5), ("augusti", 8), ("desember", 12),
    // Finnish, with the partitive dates use (`7. toukokuuta`)
    ("tammikuu", 1), ("helmikuu", 2), ("maaliskuu", 3), ("huhtikuu", 4), ("toukokuu", 5), ("kesäkuu", 6),
    ("heinäkuu", 7), ("elokuu", 8), ("syyskuu", 9), ("lokakuu", 10), ("marraskuu", 11), ("joulukuu", 12),
    ("tammikuuta", 1), ("helmikuuta", 2), ("maaliskuuta", 3), ("huhtikuuta", 4), ("toukokuuta", 5),
    ("kesäkuuta", 6), ("heinäkuuta", 7), ("elokuuta", 8), ("syyskuuta", 9), ("lokakuuta", 10),
    ("marraskuuta", 11), ("joulukuuta", 12),
    // Polish, nominative and genitive
    ("styczeń", 1), ("stycznia", 1), ("luty", 2), ("lutego", 2), ("marzec", 3), ("marca", 3),
    ("kwiecień", 4), ("kwietnia", 4), ("maja", 5), ("czerwiec", 6), ("czerwca", 6), ("lipiec", 7),
    ("lipca", 7), ("sierpień", 8), ("sierpnia", 8), ("wrzesień", 9), ("września", 9),
    ("październik", 10), ("października", 10), ("listopad", 11), ("listopada", 11), ("grudzień", 12),
    ("grudnia", 12),
    // Turkish
    ("ocak", 1), ("şubat", 2), ("mart", 3), ("nisan", 4), ("mayıs", 5), ("haziran", 6), ("temmuz", 7),
    ("ağustos", 8), ("eylül", 9), ("ekim", 10), ("kasım", 11), ("aralık", 12),
    // Russian, nominative and genitive
    ("январь", 1), ("января", 1), ("февраль", 2), ("февраля", 2), ("март", 3), ("марта", 3),
    ("апрель", 4), ("апреля", 4), ("май", 5), ("мая", 5), ("июнь", 6), ("июня", 6), ("июль", 7),
    ("июля", 7), ("август", 8), ("августа", 8), ("сентябрь", 9), ("сентября", 9), ("октябрь", 10),
    ("октября", 10), ("ноябрь", 11), ("ноября", 11), ("декабрь", 12), ("декабря", 12),
    // Ukrainian, nominative and genitive
    ("січень", 1), ("січня", 1), ("лютий", 2), ("лютого", 2), ("березень", 3), ("березня", 3),
    ("квітень", 4), ("квітня", 4), ("травень", 5), ("травня", 5), ("червень", 6), ("червня", 6),
    ("липень", 7), ("липня", 7), ("серпень", 8), ("серпня", 8), ("вересень", 9), ("вересня", 9),
    ("жовтень", 10), ("жовтня", 10), ("листопад", 11), ("листопада", 11), ("грудень", 12), ("грудня", 12),
    // Greek (accents folded), nominative and genitive
    ("ιανουαριος", 1), ("ιανουαριου", 1), ("φεβρουαριος", 2), ("φεβρουαριου", 2), ("μαρτιος", 3),
    ("μαρτιου", 3), ("απριλιος", 4), ("απριλιου", 4), ("μαιος", 5), ("μαιου", 5), ("ιουνιος", 6),
    ("ιουνιου", 6), ("ιουλιος", 7), ("ιουλιου", 7), ("αυγουστος", 8), ("αυγουστου", 8),
    ("σεπτεμβριος", 9), ("σεπτεμβριου", 9), ("οκτωβριος", 10), ("οκτωβριου", 10), ("νοεμβριος", 11),
    ("νοεμβριου", 11), ("δεκεμβριος", 12), ("δεκεμβριου", 12),
    // Arabic: the Egyptian and Maghreb names, then the Levantine ones
    ("يناير", 1), ("فبراير", 2), ("مارس", 3), ("أبريل", 4), ("ابريل", 4), ("إبريل", 4), ("مايو", 5),
    ("يونيو", 6), ("يونيه", 6), ("يوليو", 7), ("يوليه", 7), ("أغسطس", 8), ("اغسطس", 8), ("سبتمبر", 9),
    ("أكتوبر", 10), ("اكتوبر", 10), ("نوفمبر", 11), ("ديسمبر", 12),
    ("شباط", 2), ("آذار", 3), ("نيسان", 4), ("أيار", 5), ("حزيران", 6), ("تموز", 7), ("آب", 8), ("أيلول", 9),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_names_abbreviations_and_genitives() {
        let check = |word: &str, expected: Option<u32>| assert_eq!(month_number(word), expected, "{word:?}");
        for (word, month) in [
            ("May", 5),
            ("MAR", 3),
            ("Sept.", 9),
            ("févr.", 2),
            ("Mai", 5),
            ("mayo", 5),
            ("maggio", 5),
            ("мая", 5),
            ("Май", 5),
            ("нояб", 11),
            ("Ιούν", 6),
            ("Μαΐου", 5),
            ("ΜΑΪ", 5),
            ("Δεκ", 12),
            ("stycznia", 1),
            ("paź", 10),
            ("toukokuuta", 5),
            ("Ağu", 8),
            ("مايو", 5),
            ("آب", 8),
            ("листопада", 11),
        ] {
            check(word, Some(month));
        }
        for word in ["", "ma", "ju", "jui", "ιου", "Tuesday", "Вт", "الثلاثاء", "2024", "марш"] {
            check(word, None);
        }
    }
}
