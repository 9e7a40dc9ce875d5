//! Media Bias/Fact Check in its three shapes: the browser extension's
//! `combined.json`, the flat TSV of the same data, and the older idiap
//! scrape. Provider is always `mbfc`; the version keeps them apart so the
//! old scrape never overwrites the current ratings.
//!
//! MBFC's bias field mixes lean with categories (pro-science, satire,
//! "questionable"); the categories carry no lean, but their factual
//! reporting grade is kept. See [`labels::mbfc_lean`] for the table.

use crate::collect::{Collector, domains};
use crate::labels;
use crate::tabular::{Quoting, Row, Rows};
use crate::text::{self, LineIndex};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::BTreeMap;

const PROVIDER: &str = "mbfc";
/// The flat TSV carries no date; used when its file name has none either.
const FLAT_VERSION: &str = "flat";
/// The idiap scrape predates the extension data by years.
const IDIAP_VERSION: &str = "idiap";

#[derive(Deserialize)]
struct ExtensionFile<'a> {
    date: Option<String>,
    #[serde(default)]
    aliases: BTreeMap<String, String>,
    #[serde(borrow)]
    sources: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct ExtensionSource {
    domain: String,
    name: Option<String>,
    bias: Option<String>,
    reporting: Option<String>,
}

/// `combined.json`: version is the file's `date` (its `YYYY-MM-DD` part).
/// Aliases (`bbc.co.uk` -> `bbc.com`) get a copy of their target's rating,
/// so feeds on the alias domain find it.
pub fn read_extension_json(text: &str, out: &mut Collector) -> Result<(), String> {
    let file: ExtensionFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let lines = LineIndex::new(text);
    let version = match file.date.as_deref().map(|d| d.get(..10).unwrap_or(d)) {
        Some(date) if text::is_iso_date(date) => date.to_string(),
        other => {
            let version = text::date_in_file_name(out.source_file()).unwrap_or_else(|| text::UNVERSIONED.to_string());
            out.diagnostic(None, format!("no YYYY-MM-DD \"date\" in the file (found {other:?}); version {version}"));
            version
        }
    };
    for (index, raw) in file.sources.iter().enumerate() {
        out.at_entry(Some(format!("sources[{index}]")));
        let line = lines.line_of_slice(text, raw.get());
        let source: ExtensionSource = match serde_json::from_str(raw.get()) {
            Ok(source) => source,
            Err(e) => {
                out.diagnostic(line, format!("unreadable source entry: {e}; skipped"));
                continue;
            }
        };
        let domain = match domains::from_column(&source.domain) {
            Ok(domain) => domain,
            Err(reason) => {
                out.diagnostic(line, format!("{reason}; skipped"));
                continue;
            }
        };
        let mut rating = out.blank_rating(&domain, PROVIDER, &version);
        rating.outlet_name = source.name.as_deref().and_then(text::field);
        rating.lean = out.label(line, "lean", source.bias.as_deref().unwrap_or(""), labels::mbfc_lean);
        rating.factuality =
            out.label(line, "factuality", source.reporting.as_deref().unwrap_or(""), labels::factuality);
        out.rating(line, rating);
    }
    out.at_entry(None);
    for (alias, target) in &file.aliases {
        add_alias(out, alias, target, &version);
    }
    Ok(())
}

fn add_alias(out: &mut Collector, alias: &str, target: &str, version: &str) {
    let (alias, target) = match (domains::from_column(alias), domains::from_column(target)) {
        (Ok(alias), Ok(target)) => (alias, target),
        (Err(reason), _) | (_, Err(reason)) => {
            out.diagnostic(None, format!("alias {alias} -> {target}: {reason}; skipped"));
            return;
        }
    };
    if out.has_rating_for(&alias, PROVIDER, version) {
        return;
    }
    let Some(rated) =
        out.ratings().iter().find(|r| r.outlet == target && r.provider == PROVIDER && r.version == version).cloned()
    else {
        out.diagnostic(None, format!("alias {alias} -> {target}: {target} is not rated; skipped"));
        return;
    };
    out.rating(None, parallax_core::Rating { outlet: alias, ..rated });
}

/// `mbfc_sources_flat.tsv`: the extension data one row per domain. It has
/// no date, so the version is the file name's date, else `flat`.
pub fn read_flat_tsv(text: &str, out: &mut Collector) -> Result<(), String> {
    let rows = Rows::read(text, b'\t', Quoting::Bare, &["domain", "bias", "reporting"], out)?;
    let version = text::date_in_file_name(out.source_file()).unwrap_or_else(|| FLAT_VERSION.to_string());
    for row in rows.iter() {
        let Some(domain) = crate::tabular::row_domain(out, &row, "domain", "row") else {
            continue;
        };
        let mut rating = out.blank_rating(&domain, PROVIDER, &version);
        rating.outlet_name = row.field("name");
        fill_lean_and_factuality(out, &row, &mut rating, "reporting");
        out.rating(row.line, rating);
    }
    Ok(())
}

/// The idiap `mbfc.csv` scrape: version `idiap`, with country as MBFC
/// wrote it minus the press-freedom note (`usa (44/180 press freedom)` ->
/// `usa`).
pub fn read_idiap_csv(text: &str, out: &mut Collector) -> Result<(), String> {
    let rows = Rows::read(text, b',', Quoting::Quoted, &["source", "bias", "factual_reporting"], out)?;
    for row in rows.iter() {
        let Some(domain) = crate::tabular::row_domain(out, &row, "source", "row") else {
            continue;
        };
        let mut rating = out.blank_rating(&domain, PROVIDER, IDIAP_VERSION);
        fill_lean_and_factuality(out, &row, &mut rating, "factual_reporting");
        rating.country = row.field("country").and_then(|c| idiap_country(&c));
        out.rating(row.line, rating);
    }
    Ok(())
}

fn fill_lean_and_factuality(
    out: &mut Collector,
    row: &Row<'_>,
    rating: &mut parallax_core::Rating,
    factuality_column: &str,
) {
    rating.lean = out.label(row.line, "lean", row.get("bias"), labels::mbfc_lean);
    rating.factuality = out.label(row.line, "factuality", row.get(factuality_column), labels::factuality);
}

fn idiap_country(value: &str) -> Option<String> {
    let country = value.split('(').next().unwrap_or(value);
    let country = country.trim().trim_end_matches('|').trim();
    if country.is_empty() || country.eq_ignore_ascii_case("unknown") { None } else { Some(country.to_string()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idiap_country_drops_the_press_freedom_note() {
        assert_eq!(idiap_country("usa (44/180 press freedom)").as_deref(), Some("usa"));
        assert_eq!(idiap_country("united kingdom(33/180 press freedom)").as_deref(), Some("united kingdom"));
        assert_eq!(idiap_country("usa|").as_deref(), Some("usa"));
        assert_eq!(idiap_country("unknown"), None);
    }
}
