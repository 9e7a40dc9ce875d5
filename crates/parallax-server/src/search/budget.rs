//! What a search query may ask for, checked on its syntax tree before the
//! index sees it: a bounded number of words, phrases with a small slop,
//! prefixes long enough to expand to few words, and only the fields the
//! index has. Anything else is refused with a reason the client can act on
//! (a 400), so no query reaches tantivy in a form that costs without bound
//! or fails inside it (`title:*` used to be a 500).

use tantivy::query_grammar::{UserInputAst, UserInputLeaf, UserInputLiteral};

/// The limits a query is held to (from `[server]`, see `ServerConfig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryBudget {
    /// Words over the whole query, phrases included.
    pub max_terms: usize,
    /// Largest `~N` after a phrase.
    pub max_slop: u32,
    /// Characters a prefix (`"big bad wo"*`) needs at least.
    pub min_prefix_chars: usize,
    /// Work a phrase may cost: the stories holding all its words, times its
    /// words, times its slop plus one. See [`QueryBudget::check_cost`].
    pub max_phrase_cost: u64,
}

/// Why a query is refused; the message is shown to the client as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

/// The fields a query may name, as `field:word`.
pub const SEARCHABLE_FIELDS: [&str; 3] = ["title", "summary", "text"];

impl QueryBudget {
    /// Checks every clause of `ast`; the first refusal wins.
    pub fn check(&self, ast: &UserInputAst) -> Result<(), Refusal> {
        let mut terms = 0;
        self.visit(ast, &mut terms)?;
        if terms > self.max_terms {
            return Err(Refusal(format!(
                "has {terms} words; a search may have at most {}: keep the words that matter most",
                self.max_terms
            )));
        }
        Ok(())
    }

    /// Checks what the query's phrases would cost on this index, given each
    /// word's document frequency in a field (`doc_freq(field, word)`).
    ///
    /// A phrase is matched in every story holding all its words, position
    /// by position, and tantivy cannot stop inside that scan: its cost is
    /// bounded here instead, up front. The stories scanned are at most those
    /// holding its rarest word; each costs about its words times its slop
    /// plus one. `"the the the the the the the the the the"~10` cost 620 ms
    /// of CPU over 49,749 stories (5.5 million units, 0.11 µs each).
    pub fn check_cost(&self, ast: &UserInputAst, doc_freq: &dyn Fn(&str, &str) -> u64) -> Result<(), Refusal> {
        match ast {
            UserInputAst::Clause(clauses) => {
                clauses.iter().try_for_each(|(_, clause)| self.check_cost(clause, doc_freq))
            }
            UserInputAst::Boost(inner, _) => self.check_cost(inner, doc_freq),
            UserInputAst::Leaf(leaf) => match &**leaf {
                UserInputLeaf::Literal(literal) => self.phrase_cost(literal, doc_freq),
                _ => Ok(()),
            },
        }
    }

    fn phrase_cost(&self, literal: &UserInputLiteral, doc_freq: &dyn Fn(&str, &str) -> u64) -> Result<(), Refusal> {
        let words = words(&literal.phrase);
        if words.len() < 2 {
            return Ok(());
        }
        let fields: Vec<&str> = match &literal.field_name {
            Some(field) => vec![field.as_str()],
            None => SEARCHABLE_FIELDS.to_vec(),
        };
        let stories = fields
            .iter()
            .map(|field| words.iter().map(|word| doc_freq(field, &word.to_lowercase())).min().unwrap_or(0))
            .max()
            .unwrap_or(0);
        let cost = stories.saturating_mul(words.len() as u64).saturating_mul(u64::from(literal.slop) + 1);
        if cost > self.max_phrase_cost {
            return Err(Refusal(format!(
                "has the phrase \"{}\", whose words all appear in {stories} stories, each of which would be \
                 checked word by word: add a rarer word, or use fewer words or a smaller slop",
                literal.phrase
            )));
        }
        Ok(())
    }

    fn visit(&self, ast: &UserInputAst, terms: &mut usize) -> Result<(), Refusal> {
        match ast {
            UserInputAst::Clause(clauses) => clauses.iter().try_for_each(|(_, clause)| self.visit(clause, terms)),
            UserInputAst::Boost(inner, _) => self.visit(inner, terms),
            UserInputAst::Leaf(leaf) => self.leaf(leaf, terms),
        }
    }

    fn leaf(&self, leaf: &UserInputLeaf, terms: &mut usize) -> Result<(), Refusal> {
        let refuse = |why: &str| Err(Refusal(why.to_string()));
        match leaf {
            UserInputLeaf::Literal(literal) => self.literal(literal, terms),
            UserInputLeaf::All => refuse("uses '*' alone, which would match every story: search for words instead"),
            UserInputLeaf::Exists { field } => Err(Refusal(format!(
                "uses '{field}:*', which is not supported: search for words, such as {field}:election"
            ))),
            UserInputLeaf::Range { .. } => {
                refuse("uses a range ([a TO b]), which is not supported: search for words instead")
            }
            UserInputLeaf::Set { .. } => {
                refuse("uses a term set (IN [...]), which is not supported: search for words instead")
            }
            UserInputLeaf::Regex { .. } => {
                refuse("uses a regular expression, which is not supported: search for words instead")
            }
        }
    }

    fn literal(&self, literal: &UserInputLiteral, terms: &mut usize) -> Result<(), Refusal> {
        if let Some(field) = &literal.field_name
            && !SEARCHABLE_FIELDS.contains(&field.as_str())
        {
            return Err(Refusal(format!(
                "names the field '{field}', which cannot be searched; fields are {}",
                SEARCHABLE_FIELDS.join(", ")
            )));
        }
        if literal.phrase.contains('*') || literal.phrase.contains('?') {
            return Err(Refusal(
                "has a wildcard inside a word, which is not supported; to match the start of a phrase's last \
                 word, quote the phrase and end it with a star: \"prime min\"*"
                    .to_string(),
            ));
        }
        let words = words(&literal.phrase);
        *terms += words.len();
        if literal.slop > self.max_slop {
            return Err(Refusal(format!(
                "asks for a phrase with slop ~{}; the slop may be at most {}",
                literal.slop, self.max_slop
            )));
        }
        if literal.prefix {
            if words.len() < 2 {
                return Err(Refusal(
                    "ends a single word with a star; a prefix search needs a phrase of two words or more, such \
                     as \"prime min\"*"
                        .to_string(),
                ));
            }
            let last = words.last().map_or(0, |w| w.chars().count());
            if last < self.min_prefix_chars {
                return Err(Refusal(format!(
                    "ends a prefix search with fewer than {} letters, which would match too many words",
                    self.min_prefix_chars
                )));
            }
        }
        Ok(())
    }
}

/// The words of a literal as the index's tokenizer splits them.
fn words(phrase: &str) -> Vec<&str> {
    phrase.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::query_grammar::parse_query_lenient;

    const BUDGET: QueryBudget = QueryBudget { max_terms: 6, max_slop: 8, min_prefix_chars: 3, max_phrase_cost: 1000 };

    fn check(query: &str, expected: Result<(), &str>) {
        let (ast, _) = parse_query_lenient(query);
        let got = BUDGET.check(&ast).map_err(|r| r.0);
        match expected {
            Ok(()) => assert_eq!(got, Ok(()), "{query}"),
            Err(part) => {
                let message = got.expect_err(query);
                assert!(message.contains(part), "{query}: {message:?} should say {part:?}");
            }
        }
    }

    #[test]
    fn ordinary_queries_pass() {
        check("harbor bridge", Ok(()));
        check("\"harbor bridge\"~3", Ok(()));
        check("title:bridge -audit", Ok(()));
        check("(bridge OR tunnel) AND summary:repairs^2", Ok(()));
        check("\"harbor bri\"*", Ok(()));
        check("unbalanced \"quote", Ok(()));
        check("émission à Genève", Ok(()));
    }

    #[test]
    fn costly_or_unsupported_queries_are_refused_with_a_reason() {
        check("\"the a of and to in\"~1000000", Err("slop ~1000000; the slop may be at most 8"));
        check("a b c d e f g", Err("has 7 words; a search may have at most 6"));
        check("\"a b c\" \"d e f\" g", Err("has 7 words"));
        check("title:*", Err("uses 'title:*', which is not supported"));
        check("text:*", Err("uses 'text:*'"));
        check("*", Err("'*' alone"));
        check("title:[a TO z]", Err("a range"));
        check("title: IN [a b]", Err("a term set"));
        check("id:5", Err("field 'id', which cannot be searched"));
        check("elect*", Err("a wildcard inside a word"));
        check("*lect", Err("a wildcard inside a word"));
        check("\"harbor b\"*", Err("fewer than 3 letters"));
        check("\"elect\"*", Err("a prefix search needs a phrase of two words or more"));
    }

    #[test]
    fn phrases_of_common_words_cost_too_much() {
        // "the" is in 900 stories' text, "harbor" in 3, and nothing is titled.
        let doc_freq = |field: &str, word: &str| match (field, word) {
            ("text", "the") => 900,
            ("text", "harbor") => 3,
            _ => 0,
        };
        let cost = |query: &str| {
            let (ast, _) = parse_query_lenient(query);
            BUDGET.check_cost(&ast, &doc_freq).map_err(|r| r.0)
        };
        assert_eq!(cost("\"the harbor\"~8"), Ok(()), "a rare word bounds the stories checked");
        assert_eq!(cost("the the the"), Ok(()), "words outside a phrase are not checked word by word");
        assert!(cost("\"the the\"").expect_err("refused").contains("appear in 900 stories"));
        assert!(cost("title:\"the the\"~8").is_ok(), "a named field is the one that counts");
    }
}
