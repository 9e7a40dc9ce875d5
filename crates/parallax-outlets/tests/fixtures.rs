//! Every format against a small hand-written fixture in `testdata/`, each
//! with at least one broken entry. The expected import is a golden JSON file
//! next to the fixture; refresh them with `UPDATE_GOLDEN=1 cargo test`.

use parallax_core::{Diagnostic, Factuality, Lean};
use parallax_outlets::{Format, Import, ImportError, detect_format, import, import_as};
use std::path::PathBuf;

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata").join(name)
}

/// Detects `fixture`'s format, imports it twice (the results must be equal)
/// and compares the import with `fixture.golden.json`.
fn check(fixture: &str, expected_format: Format) -> Import {
    let path = testdata(fixture);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(detect_format(fixture, &bytes), Ok(expected_format), "{fixture}");
    let imported = import(fixture, &bytes).unwrap();
    assert_eq!(imported, import(fixture, &bytes).unwrap(), "{fixture}: import is not deterministic");
    let actual = serde_json::to_string_pretty(&imported).unwrap() + "\n";
    let golden = testdata(&format!("{fixture}.golden.json"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &actual).unwrap();
    } else {
        let expected = std::fs::read_to_string(&golden)
            .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", golden.display()));
        if let Some((at, (got, want))) =
            actual.lines().zip(expected.lines()).enumerate().find(|(_, (got, want))| got != want)
        {
            panic!("{fixture}: golden line {} differs (UPDATE_GOLDEN=1 to refresh)\n got: {got}\nwant: {want}", at + 1);
        }
        assert_eq!(actual.lines().count(), expected.lines().count(), "{fixture}: golden length differs");
    }
    imported
}

fn assert_diagnostic(import: &Import, line: Option<usize>, fragment: &str) {
    assert!(
        import.diagnostics.iter().any(|d| d.line == line && d.message.contains(fragment)),
        "no diagnostic at line {line:?} containing {fragment:?} in {:#?}",
        import.diagnostics
    );
}

fn rating<'a>(import: &'a Import, outlet: &str) -> &'a parallax_core::Rating {
    import.ratings.iter().find(|r| r.outlet == outlet).unwrap_or_else(|| panic!("no rating for {outlet}"))
}

#[test]
fn opml_files_feeds_under_their_categories() {
    let import = check("opml_nested_categories.opml", Format::Opml);
    let gazette = &import.feeds[0];
    assert_eq!(gazette.outlet, "gazette-courier.example");
    assert_eq!(gazette.categories, ["World", "Europe", "Politics"]);
    assert_eq!(gazette.language.as_deref(), Some("en"), "en-GB and en are both en");
    let tagesblatt = &import.feeds[1];
    assert_eq!(tagesblatt.outlet, "tagesblatt-zeitung.de", "registrable domain of htmlUrl");
    assert_eq!(tagesblatt.title.as_deref(), Some("Tagesblatt \u{2013} Politik"));
    assert_eq!(import.feeds[2].outlet, "umbrella.go.com", "the outlet label under a platform of many outlets");
    let rated = rating(&import, "gazette-courier.example");
    assert_eq!(rated.provider, "opml:opml_nested_categories.opml");
    assert_eq!(rated.lean, Some(Lean::LeanLeft));
    assert_eq!(rated.factuality, Some(Factuality::MostlyFactual));
    assert_diagnostic(&import, Some(14), "unknown lean label \"left-ish\"");
    assert_diagnostic(&import, Some(14), "unknown language label \"english\"");
    assert_diagnostic(&import, Some(15), "feed skipped");
    assert_diagnostic(&import, Some(16), "outlet taken from xmlUrl");
    assert_eq!(import.feeds.last().unwrap().outlet, "badhome-news.net");
}

#[test]
fn malformed_opml_keeps_what_came_before_the_error() {
    let import = check("opml_truncated.opml", Format::Opml);
    assert_eq!(import.feeds.len(), 1);
    assert_diagnostic(&import, Some(8), "malformed XML");
}

#[test]
fn generic_csv_maps_synonyms_and_reports_bad_rows() {
    let import = check("generic_ratings_2024-05-01.csv", Format::GenericCsv);
    let left = rating(&import, "left-gazette.example");
    assert_eq!(left.provider, "acme ratings");
    assert_eq!(left.version, "2024-05-01");
    assert_eq!(left.lean, Some(Lean::LeanLeft));
    assert_eq!(left.factuality, Some(Factuality::VeryHigh));
    assert_eq!(rating(&import, "right-daily.example").language.as_deref(), Some("en"));
    assert_eq!(rating(&import, "urldomain-news.com").lean, Some(Lean::FarRight));
    let leftish = rating(&import, "leftish-org.example");
    assert_eq!((leftish.lean, leftish.factuality), (None, None));
    assert_diagnostic(&import, Some(5), "unknown lean label \"left-ish\"");
    assert_diagnostic(&import, Some(5), "unknown factuality label \"kinda true\"");
    assert_diagnostic(&import, Some(6), "no rated_by");
    assert!(import.outlets.iter().any(|o| o.domain == "unrated.example"));
    assert_diagnostic(&import, Some(7), "no domain");
    assert_diagnostic(&import, Some(9), "duplicate rating of right-daily.example");
}

#[test]
fn generic_csv_version_column_wins_over_the_file_name() {
    let import = check("generic_ratings_with_version.csv", Format::GenericCsv);
    let versions: Vec<_> = import.ratings.iter().map(|r| r.version.as_str()).collect();
    assert_eq!(versions, ["2023", "2024", "unversioned"]);
}

#[test]
fn invalid_utf8_is_replaced_and_reported() {
    let import = check("generic_ratings_invalid_utf8.csv", Format::GenericCsv);
    assert_eq!(import.ratings.len(), 1);
    assert_diagnostic(&import, None, "not valid UTF-8");
}

#[test]
fn mbfc_json_keeps_factuality_of_non_lean_categories() {
    let import = check("mbfc_combined.json", Format::MbfcExtensionJson);
    assert!(import.ratings.iter().all(|r| r.version == "2025-02-03" && r.provider == "mbfc"));
    assert_eq!(rating(&import, "gazette.example").lean, Some(Lean::LeanLeft));
    let science = rating(&import, "science-org.example");
    assert_eq!((science.lean, science.factuality), (None, Some(Factuality::VeryHigh)));
    assert_eq!(rating(&import, "far.example").lean, Some(Lean::FarRight));
    assert_eq!(rating(&import, "center.example").lean, Some(Lean::Center));
    let alias = rating(&import, "gazette.co.uk");
    assert_eq!(alias.outlet_name.as_deref(), Some("The Gazette"));
    assert_diagnostic(&import, Some(7), "sources[5]: \"chain.example/springfield\" rates a section");
    assert_diagnostic(&import, Some(8), "sources[6]: unknown lean label \"left-ish\"");
    assert_diagnostic(&import, Some(8), "sources[6]: unknown factuality label \"somewhat\"");
    assert_diagnostic(&import, Some(10), "sources[8]: unreadable source entry");
    assert_diagnostic(&import, None, "missing.example is not rated");
}

#[test]
fn mbfc_tsv_reads_bare_quotes_and_short_rows() {
    let import = check("mbfc_flat.tsv", Format::MbfcFlatTsv);
    assert_eq!(rating(&import, "gazette.example").outlet_name.as_deref(), Some("The \"Gazette\""));
    assert!(import.ratings.iter().all(|r| r.version == "flat"));
    assert_eq!(rating(&import, "short.example").lean, Some(Lean::Right));
    assert_diagnostic(&import, Some(4), "unknown lean label \"center-ish\"");
}

#[test]
fn mbfc_idiap_reads_compound_labels() {
    let import = check("mbfc_idiap.csv", Format::MbfcIdiapCsv);
    assert!(import.ratings.iter().all(|r| r.version == "idiap"));
    let gazette = rating(&import, "gazette.example");
    assert_eq!((gazette.lean, gazette.country.as_deref()), (Some(Lean::LeanLeft), Some("usa")));
    assert_eq!(rating(&import, "herald.example").lean, Some(Lean::Right));
    assert_eq!(rating(&import, "lab-org.example").lean, Some(Lean::LeanLeft));
    assert_eq!(rating(&import, "farleft.example").lean, Some(Lean::FarLeft));
    assert_eq!(rating(&import, "fringe.example").country, None);
    assert_diagnostic(&import, Some(5), "unknown lean label \"alt-right conspiracy\"");
    assert_diagnostic(&import, Some(6), "no source");
    assert_diagnostic(&import, Some(7), "duplicate rating of gazette.example by mbfc version idiap (first at line 2)");
}

#[test]
fn allsides_2019_has_no_domains_to_import() {
    let import = check("allsides_2019.csv", Format::AllSides2019Csv);
    assert!(import.ratings.is_empty() && import.outlets.is_empty());
    assert_diagnostic(&import, Some(2), "\"Example News\" has no domain");
    assert_diagnostic(&import, Some(4), "\"Example Think Tank\" has no domain");
}

#[test]
fn allsides_2021_prefers_homepages_over_sections() {
    let import = check("allsides_2021.csv", Format::AllSides2021Csv);
    let times = rating(&import, "example-times.com");
    assert_eq!((times.lean, times.version.as_str()), (Some(Lean::LeanLeft), "2021"));
    assert_diagnostic(&import, Some(3), "rates part of example-times.com");
    assert_diagnostic(&import, Some(4), "\"Jane Columnist\" (Author) has no homepage URL");
    assert_eq!(rating(&import, "onlysection-news.com").outlet_name.as_deref(), Some("Only Section"));
    assert_eq!(rating(&import, "example-journal.com").lean, Some(Lean::Center));
    assert_eq!(rating(&import, "mixedbag-news.com").lean, None);
    assert_eq!(rating(&import, "notrated-news.com").lean, None);
    assert_diagnostic(&import, Some(8), "unknown lean label \"Upside Down\"");
    assert_eq!(import.diagnostics.len(), 3);
}

#[test]
fn local_news_groups_rows_by_domain() {
    let import = check("local_news_2018.csv", Format::LocalNewsOwnershipCsv);
    let chain = rating(&import, "chain.example");
    assert_eq!(chain.owner.as_deref(), Some("Chain Media"));
    assert_eq!(chain.outlet_name, None, "three papers share the domain");
    assert_eq!(chain.country.as_deref(), Some("US"));
    assert_diagnostic(&import, Some(3), "kept \"Chain Media\", not \"Chain Media Group\"");
    assert_diagnostic(&import, Some(6), "row has no domain");
    assert_diagnostic(&import, Some(9), "\"alaska broadcast television\" is not a domain");
    assert!(import.ratings.iter().all(|r| r.outlet != "campus-edu.example"));
    assert!(import.outlets.iter().any(|o| o.domain == "campus-edu.example"));
    assert_eq!(rating(&import, "websiteonly-news.com").owner.as_deref(), Some("Web Owner"));
}

#[test]
fn kite_feeds_are_merged_by_url() {
    let import = check("kite_feeds.json", Format::KiteFeeds);
    let shared = import.feeds.iter().find(|f| f.url == "https://www.sharedfeed.example/rss").unwrap();
    assert_eq!(shared.categories, ["World", "Deutschland"]);
    assert_eq!(shared.language, None);
    let zeitung = import.feeds.iter().find(|f| f.url.contains("zeitung")).unwrap();
    assert_eq!(zeitung.language, None, "de and el disagree");
    assert_eq!(import.feeds.iter().find(|f| f.url.contains(".tw/")).unwrap().language.as_deref(), Some("zh"));
    assert_eq!(import.feeds[0].outlet, "worldwire.co.uk");
    assert_eq!(import.feeds[2].outlet, "news.google.com");
    assert_diagnostic(&import, Some(10), "\"World\" feeds[3]: \"opencv-org.example/feed\" is not a URL");
    assert_diagnostic(&import, Some(20), "feeds[2]: feed 17 is not a string");
    assert_diagnostic(&import, Some(28), "\"Klingon\": unknown language label \"tlhIngan Hol\"");
    assert_diagnostic(&import, Some(38), "\"Broken\": unreadable category");
}

#[test]
fn kite_media_rates_every_listed_domain() {
    let import = check("kite_media.json", Format::KiteMedia);
    let domains: Vec<_> = import.ratings.iter().map(|r| r.outlet.as_str()).collect();
    assert_eq!(domains, ["worldwire.co.uk", "worldwire.example", "wwcdn.co.uk", "techblog.example"]);
    let worldwire = rating(&import, "worldwire.example");
    assert_eq!(worldwire.ownership.as_deref(), Some("State Funded Media"));
    assert_eq!((worldwire.provider.as_str(), worldwire.version.as_str()), ("kite", "c4fc3b5"));
    let blog = rating(&import, "techblog.example");
    assert_eq!((blog.owner.as_deref(), blog.country.as_deref()), (None, None));
    assert_diagnostic(&import, Some(10), "[1]: \"de werktitel\" is not a domain");
    assert_diagnostic(&import, Some(18), "[2]: duplicate rating of worldwire.example");
    assert_diagnostic(&import, Some(26), "[3]: \"No Domains\" lists no domain");
    assert_diagnostic(&import, Some(33), "[4]: unreadable organisation");
}

#[test]
fn unknown_files_are_errors_that_name_the_file() {
    let cases: [(&str, &[u8], &str); 4] = [
        ("empty.csv", b"", "outlets: cannot tell the format of empty.csv: the file is empty"),
        ("feed.xml", b"<rss version=\"2.0\"></rss>", "XML without an <opml> root"),
        ("numbers.csv", b"a,b\n1,2\n", "header row \"a,b\" matches no known format"),
        ("list.json", b"[1, 2]", "JSON of an unknown shape"),
    ];
    for (name, bytes, fragment) in cases {
        let error = import(name, bytes).unwrap_err().to_string();
        assert!(error.contains(fragment), "{error:?} lacks {fragment:?}");
    }
}

#[test]
fn forcing_the_wrong_format_is_an_error_not_a_panic() {
    let bytes = std::fs::read(testdata("allsides_2021.csv")).unwrap();
    let error = import_as(Format::KiteMedia, "allsides_2021.csv", &bytes).unwrap_err();
    assert!(matches!(error, ImportError::Unreadable { format: Format::KiteMedia, .. }));
    let error = import_as(Format::GenericCsv, "allsides_2021.csv", &bytes).unwrap_err();
    assert_eq!(
        error.to_string(),
        "outlets: cannot read allsides_2021.csv as generic-csv: header row lacks column(s) domain, rated_by"
    );
    let error = import_as(Format::Opml, "allsides_2021.csv", &bytes).unwrap_err();
    assert!(error.to_string().contains("no <opml> element"), "{error}");
}

#[test]
fn source_file_is_the_base_name_and_diagnostics_name_the_path() {
    let bytes = std::fs::read(testdata("generic_ratings_2024-05-01.csv")).unwrap();
    let import = import("some/dir/generic_ratings_2024-05-01.csv", &bytes).unwrap();
    assert!(import.ratings.iter().all(|r| r.source_file == "generic_ratings_2024-05-01.csv"));
    let first: &Diagnostic = &import.diagnostics[0];
    assert_eq!(first.source, "some/dir/generic_ratings_2024-05-01.csv");
}

#[test]
fn format_names_round_trip() {
    for format in Format::ALL {
        assert_eq!(format.as_str().parse::<Format>(), Ok(format));
    }
    assert!("csv".parse::<Format>().is_err());
}

#[test]
fn opml_extension_attributes_are_matched_by_namespace() {
    let import = check("opml_namespace_prefixes.opml", Format::Opml);
    let outlets: Vec<_> = import.feeds.iter().map(|f| f.outlet.as_str()).collect();
    assert_eq!(outlets, ["ownprefix-news.com", "undeclared-news.com", "foreign-news.com"]);
    assert_eq!(import.ratings.len(), 1);
    assert_eq!(rating(&import, "ownprefix-news.com").lean, Some(Lean::Right));
}

#[test]
fn an_ip_address_feed_without_html_url_is_named_by_its_host() {
    // Regression: an intranet or self-hosted feed at an IP address with no
    // htmlUrl was skipped ("has no domain name"), so it could not be added.
    let opml = br#"<?xml version="1.0"?><opml version="2.0"><body>
<outline type="rss" text="Intranet news" xmlUrl="http://10.20.0.5:8080/rss.xml"/>
<outline type="rss" text="Lab" xmlUrl="http://[fd00::7]/feed"/>
</body></opml>"#;
    let import = import_as(Format::Opml, "intranet.opml", opml).expect("an OPML file");
    let outlets: Vec<(&str, &str)> = import.feeds.iter().map(|f| (f.url.as_str(), f.outlet.as_str())).collect();
    assert_eq!(outlets, [("http://10.20.0.5:8080/rss.xml", "10.20.0.5"), ("http://[fd00::7]/feed", "fd00::7")]);
    assert!(import.outlets.iter().any(|o| o.domain == "10.20.0.5"));
    assert_diagnostic(&import, Some(2), "is on an IP address and names no outlet: its outlet is called 10.20.0.5");
}
