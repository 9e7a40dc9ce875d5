//! Telling a file's format from its content, never from its extension: the
//! same `.csv` suffix covers six different layouts.

use crate::Format;
use serde_json::Value;

/// How far into an XML file the `<opml` root may start (after the XML
/// declaration, comments and a doctype).
const XML_PROLOGUE_BYTES: usize = 4096;

pub fn detect(text: &str) -> Result<Format, String> {
    let start = text.trim_start();
    match start.chars().next() {
        None => Err("the file is empty".to_string()),
        Some('<') => detect_xml(start),
        Some('{' | '[') => detect_json(start),
        Some(_) => detect_table(start),
    }
}

fn detect_xml(text: &str) -> Result<Format, String> {
    let prologue_end = text.char_indices().map(|(at, _)| at).find(|&at| at >= XML_PROLOGUE_BYTES).unwrap_or(text.len());
    if text[..prologue_end].contains("<opml") {
        Ok(Format::Opml)
    } else {
        Err("XML without an <opml> root".to_string())
    }
}

fn detect_json(text: &str) -> Result<Format, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let has_keys = |object: &Value, keys: &[&str]| {
        object.as_object().is_some_and(|map| keys.iter().all(|key| map.contains_key(*key)))
    };
    match &value {
        Value::Object(map)
            if map.get("sources").is_some_and(Value::is_array)
                && (map.contains_key("biases") || map.contains_key("date")) =>
        {
            Ok(Format::MbfcExtensionJson)
        }
        Value::Object(map) if map.values().any(|category| has_keys(category, &["feeds"])) => Ok(Format::KiteFeeds),
        Value::Array(entries) if entries.first().is_some_and(|entry| has_keys(entry, &["organization", "domains"])) => {
            Ok(Format::KiteMedia)
        }
        _ => Err("JSON of an unknown shape (expected MBFC combined.json, Kite feeds or Kite media data)".to_string()),
    }
}

fn detect_table(text: &str) -> Result<Format, String> {
    let header_line = text.lines().next().unwrap_or_default();
    let delimiter = if header_line.contains('\t') { b'\t' } else { b',' };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).delimiter(delimiter).from_reader(header_line.as_bytes());
    let mut header = csv::StringRecord::new();
    if !reader.read_record(&mut header).unwrap_or(false) {
        return Err("no header row".to_string());
    }
    let columns: Vec<String> = header.iter().map(|c| c.trim().to_ascii_lowercase()).collect();
    let has = |names: &[&str]| names.iter().all(|name| columns.iter().any(|c| c == name));
    let format = if has(&["domain", "rated_by"]) {
        Format::GenericCsv
    } else if delimiter == b'\t' && has(&["domain", "bias", "reporting"]) {
        Format::MbfcFlatTsv
    } else if has(&["source", "bias", "factual_reporting"]) {
        Format::MbfcIdiapCsv
    } else if has(&["news_source", "rating"]) {
        Format::AllSides2019Csv
    } else if has(&["url", "name", "bias"]) {
        Format::AllSides2021Csv
    } else if has(&["domain", "owner", "medium"]) {
        Format::LocalNewsOwnershipCsv
    } else {
        let shown: String = header_line.chars().take(200).collect();
        return Err(format!("header row {shown:?} matches no known format"));
    };
    Ok(format)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Result<Format, &str>) {
        let got = detect(text);
        match expected {
            Ok(format) => assert_eq!(got, Ok(format), "{text:?}"),
            Err(fragment) => {
                let error = got.expect_err(text);
                assert!(error.contains(fragment), "{error:?} lacks {fragment:?}");
            }
        }
    }

    #[test]
    fn formats_are_told_by_content() {
        check("<?xml version=\"1.0\"?>\n<opml version=\"2.0\">", Ok(Format::Opml));
        check("domain,name,lean,factuality,owner,ownership,country,language,rated_by\n", Ok(Format::GenericCsv));
        check("domain\tname\tbias\treporting\tcredibility\n", Ok(Format::MbfcFlatTsv));
        check("source,country,bias,factual_reporting\n", Ok(Format::MbfcIdiapCsv));
        check("news_source,rating,rating_num,type\n", Ok(Format::AllSides2019Csv));
        check("url,type,name,bias\n", Ok(Format::AllSides2021Csv));
        check("name,state,website,domain,owner,medium\n", Ok(Format::LocalNewsOwnershipCsv));
        check(r#"{"date":"2026-08-19","sources":[]}"#, Ok(Format::MbfcExtensionJson));
        check(r#"{"World":{"feeds":[]}}"#, Ok(Format::KiteFeeds));
        check(r#"[{"organization":"X","domains":[]}]"#, Ok(Format::KiteMedia));
    }

    #[test]
    fn unknown_content_says_why() {
        check("", Err("empty"));
        check("<rss version=\"2.0\">", Err("<opml>"));
        check("{\"a\": 1}", Err("unknown shape"));
        check("{\"a\": ", Err("not valid JSON"));
        check("a,b,c\n1,2,3\n", Err("\"a,b,c\""));
    }
}
