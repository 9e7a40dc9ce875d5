//! The CSV and TSV formats: a header-driven row reader, and the generic,
//! AllSides and local-news readers built on it.

use crate::collect::{Collector, domains};
use crate::labels;
use crate::text;
use std::collections::HashMap;

/// Provider names of the formats whose provider is fixed.
const ALLSIDES: &str = "allsides";
const LOCAL_NEWS: &str = "local-news-2018";
/// The local news dataset only covers the United States.
const LOCAL_NEWS_COUNTRY: &str = "US";

/// A table read whole, its columns looked up by (lower-case) header name.
pub struct Rows {
    columns: HashMap<String, usize>,
    records: Vec<(usize, csv::StringRecord)>,
}

pub struct Row<'a> {
    pub line: Option<usize>,
    record: &'a csv::StringRecord,
    columns: &'a HashMap<String, usize>,
}

impl Row<'_> {
    /// The raw cell, `""` when the column or cell is missing.
    pub fn get(&self, column: &str) -> &str {
        self.columns.get(column).and_then(|&at| self.record.get(at)).unwrap_or("")
    }

    /// The trimmed cell, `None` when empty.
    pub fn field(&self, column: &str) -> Option<String> {
        text::field(self.get(column))
    }
}

pub enum Quoting {
    /// RFC 4180 quotes, fields may span lines.
    Quoted,
    /// No quoting: MBFC's TSV escapes nothing, so a `"` in a name is literal.
    Bare,
}

impl Rows {
    pub fn read(
        text: &str,
        delimiter: u8,
        quoting: Quoting,
        required: &[&str],
        out: &mut Collector,
    ) -> Result<Rows, String> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .quoting(matches!(quoting, Quoting::Quoted))
            .flexible(true)
            .from_reader(text.as_bytes());
        let header = reader.headers().map_err(|e| format!("unreadable header row: {e}"))?;
        let mut columns = HashMap::new();
        for (at, name) in header.iter().enumerate() {
            columns.entry(name.trim().to_ascii_lowercase()).or_insert(at);
        }
        let missing: Vec<&str> = required.iter().copied().filter(|name| !columns.contains_key(*name)).collect();
        if !missing.is_empty() {
            return Err(format!("header row lacks column(s) {}", missing.join(", ")));
        }
        let mut records = Vec::new();
        for record in reader.records() {
            match record {
                Ok(record) => {
                    let line = record.position().map_or(0, |p| p.line() as usize);
                    records.push((line, record));
                }
                Err(e) => {
                    let line = e.position().map(|p| p.line() as usize);
                    out.diagnostic(line, format!("unreadable row: {e}; skipped"));
                }
            }
        }
        Ok(Rows { columns, records })
    }

    pub fn iter(&self) -> impl Iterator<Item = Row<'_>> {
        self.records.iter().map(|(line, record)| Row { line: Some(*line), record, columns: &self.columns })
    }
}

fn delimiter_of(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    if header.contains('\t') { b'\t' } else { b',' }
}

/// The outlet domain of a row's domain cell, or a diagnostic and `None`.
pub fn row_domain(out: &mut Collector, row: &Row<'_>, column: &str, what: &str) -> Option<String> {
    let Some(value) = row.field(column) else {
        out.diagnostic(row.line, format!("{what} has no {column}; skipped"));
        return None;
    };
    match domains::from_column(&value) {
        Ok(domain) => Some(domain),
        Err(reason) => {
            out.diagnostic(row.line, format!("{reason}; skipped"));
            None
        }
    }
}

/// The generic ratings CSV:
/// `domain,name,lean,factuality,owner,ownership,country,language,rated_by`
/// in any order, plus an optional `version` column.
///
/// The provider is `rated_by`, lower-cased so `MBFC` and `mbfc` are one
/// provider. The version is the row's `version`, else the first
/// `YYYY-MM-DD` in the file name, else `unversioned`. A row without
/// `rated_by` still lists its outlet.
pub fn read_generic(text: &str, out: &mut Collector) -> Result<(), String> {
    let rows = Rows::read(text, delimiter_of(text), Quoting::Quoted, &["domain", "rated_by"], out)?;
    let file_version = text::date_in_file_name(out.source_file()).unwrap_or_else(|| text::UNVERSIONED.to_string());
    for row in rows.iter() {
        let Some(domain) = row_domain(out, &row, "domain", "row") else {
            continue;
        };
        let name = row.field("name");
        let Some(provider) = row.field("rated_by").map(|p| p.to_lowercase()) else {
            out.outlet(&domain, name.as_deref());
            out.diagnostic(row.line, format!("{domain} has no rated_by; outlet kept, rating skipped"));
            continue;
        };
        let version = row.field("version").unwrap_or_else(|| file_version.clone());
        let mut rating = out.blank_rating(&domain, &provider, &version);
        rating.outlet_name = name;
        rating.lean = out.label(row.line, "lean", row.get("lean"), labels::generic_lean);
        rating.factuality = out.label(row.line, "factuality", row.get("factuality"), labels::factuality);
        rating.owner = row.field("owner");
        rating.ownership = row.field("ownership");
        rating.country = row.field("country");
        rating.language = out.label(row.line, "language", row.get("language"), labels::language);
        out.rating(row.line, rating);
    }
    Ok(())
}

/// The 2019 AllSides chart names outlets but gives no domain: its `url` is
/// the allsides.com review page, and Twitter handles or Wikipedia titles do
/// not reliably name a website. Guessing would attach ratings to the wrong
/// outlet, so every entry is reported and skipped; the 2021 chart, which has
/// homepages, is the AllSides source that imports.
pub fn read_allsides_2019(text: &str, out: &mut Collector) -> Result<(), String> {
    let rows = Rows::read(text, b',', Quoting::Quoted, &["news_source", "rating"], out)?;
    for row in rows.iter() {
        let name = row.field("news_source").unwrap_or_default();
        out.diagnostic(
            row.line,
            format!("{name:?} has no domain (AllSides 2019 lists only its allsides.com page); skipped"),
        );
    }
    Ok(())
}

/// The 2021 AllSides chart: `url,type,name,bias`, provider `allsides`,
/// version `2021`.
///
/// AllSides rates some outlets twice, news and opinion (`nytimes.com/` and
/// `nytimes.com/section/opinion`). Outlets are domains, so the entry whose
/// URL is the homepage wins; a section is only used when it is the sole
/// entry for its domain (`theguardian.com/us`). Authors have no URL and are
/// skipped.
pub fn read_allsides_2021(text: &str, out: &mut Collector) -> Result<(), String> {
    let rows = Rows::read(text, b',', Quoting::Quoted, &["url", "name", "bias"], out)?;
    let mut entries = Vec::new();
    for row in rows.iter() {
        let name = row.field("name").unwrap_or_default();
        let Some(url) = row.field("url") else {
            let kind = row.field("type").unwrap_or_else(|| "entry".to_string());
            out.diagnostic(row.line, format!("{name:?} ({kind}) has no homepage URL; skipped"));
            continue;
        };
        match domains::from_url(&url) {
            Ok(domain) => entries.push((row, domain, is_homepage(&url))),
            Err(reason) => out.diagnostic(row.line, format!("{reason}; skipped")),
        }
    }
    let mut chosen: HashMap<&str, usize> = HashMap::new();
    for (at, (_, domain, homepage)) in entries.iter().enumerate() {
        let current = chosen.entry(domain).or_insert(at);
        if *homepage && !entries[*current].2 {
            *current = at;
        }
    }
    for (at, (row, domain, _)) in entries.iter().enumerate() {
        let winner = chosen[domain.as_str()];
        if winner != at {
            let url = row.get("url").trim();
            let message = format!(
                "{url} rates part of {domain}, which line {} rates as a whole; skipped",
                entries[winner].0.line.unwrap_or_default()
            );
            out.diagnostic(row.line, message);
            continue;
        }
        let mut rating = out.blank_rating(domain, ALLSIDES, "2021");
        rating.outlet_name = row.field("name");
        rating.lean = out.label(row.line, "lean", row.get("bias"), labels::allsides_lean);
        out.rating(row.line, rating);
    }
    Ok(())
}

fn is_homepage(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| matches!(u.path(), "" | "/") && u.query().is_none())
}

/// The 2018 US local news dataset: provider `local-news-2018`, version
/// `2018`, owner and country only.
///
/// Many rows share a domain (a chain's papers under one site), so rows are
/// grouped by domain: the first owner wins and differing owners are
/// reported; the outlet keeps a name only when every row agrees on it. A
/// domain with no owner is listed as an outlet without a rating. The
/// `medium` column (TV station, newspaper) says what an outlet is, not who
/// owns it, so it does not become the ownership type.
pub fn read_local_news(text: &str, out: &mut Collector) -> Result<(), String> {
    struct Group {
        names: Vec<Option<String>>,
        owners: Vec<(Option<usize>, String)>,
    }
    let rows = Rows::read(text, b',', Quoting::Quoted, &["domain", "owner"], out)?;
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Group> = HashMap::new();
    for row in rows.iter() {
        let domain = if row.field("domain").is_none() && row.field("website").is_some() {
            row_domain(out, &row, "website", "row")
        } else {
            row_domain(out, &row, "domain", "row")
        };
        let Some(domain) = domain else {
            continue;
        };
        let group = groups.entry(domain.clone()).or_insert_with(|| {
            order.push(domain);
            Group { names: Vec::new(), owners: Vec::new() }
        });
        group.names.push(row.field("name"));
        if let Some(owner) = row.field("owner") {
            group.owners.push((row.line, owner));
        }
    }
    for domain in order {
        let group = &groups[&domain];
        let name = group
            .names
            .first()
            .cloned()
            .flatten()
            .filter(|first| group.names.iter().all(|n| n.as_deref() == Some(first)));
        let Some((line, owner)) = group.owners.first() else {
            out.outlet(&domain, name.as_deref());
            continue;
        };
        let mut others: Vec<&str> = Vec::new();
        for (_, other) in &group.owners {
            if other != owner && !others.contains(&other.as_str()) {
                others.push(other);
            }
        }
        if !others.is_empty() {
            let message = format!(
                "{domain} has several owners; kept {owner:?}, not {}",
                others.iter().map(|o| format!("{o:?}")).collect::<Vec<_>>().join(", ")
            );
            out.diagnostic(*line, message);
        }
        let mut rating = out.blank_rating(&domain, LOCAL_NEWS, "2018");
        rating.outlet_name = name;
        rating.owner = Some(owner.clone());
        rating.country = Some(LOCAL_NEWS_COUNTRY.to_string());
        out.rating(*line, rating);
    }
    Ok(())
}
