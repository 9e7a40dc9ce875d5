//! Scores extraction on the real pages of scrapinghub's
//! article-extraction-benchmark in shared/data/extraction. Ignored by
//! default (it needs the shared data and a release build to time fairly):
//!
//! `cargo test -p parallax-extract --release -- --ignored --nocapture`

use std::io::Read;
use std::path::{Path, PathBuf};

use parallax_extract::eval::{Report, evaluate};
use parallax_extract::{ExtractConfig, ExtractorChoice, decode_html};

/// F1 the default configuration must reach on this data (the target).
const TARGET_F1: f64 = 0.95;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/extraction")
}

/// `(id, html, truth)` for every annotated page, in id order.
fn load_pages(dir: &Path) -> Vec<(String, String, String)> {
    let truth_json = std::fs::read_to_string(dir.join("ground-truth.json")).expect("ground truth");
    let truth: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&truth_json).expect("ground truth is a JSON object");
    let mut pages = Vec::new();
    for (id, entry) in truth {
        let file = std::fs::File::open(dir.join("html").join(format!("{id}.html.gz"))).expect("page");
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(file).read_to_end(&mut bytes).expect("gzip");
        let body = entry["articleBody"].as_str().unwrap_or_default().to_string();
        pages.push((id, decode_html(&bytes, None), body));
    }
    pages.sort();
    pages
}

fn print_row(name: &str, report: &Report) {
    println!(
        "{name:<14} P={:.3} R={:.3} F1={:.3} (mean page F1 {:.3})  {:>5.1} ms/page  {} failures of {}",
        report.precision,
        report.recall,
        report.f1,
        report.mean_page_f1,
        report.mean_ms_per_page,
        report.failures,
        report.pages
    );
}

#[test]
#[ignore = "needs shared/data/extraction; run in release with --ignored --nocapture"]
fn benchmark_on_shared_data() {
    let dir = data_dir();
    if !dir.join("ground-truth.json").exists() {
        println!("skipped: {} is absent", dir.display());
        return;
    }
    let pages = load_pages(&dir);
    let mut default_report = None;
    for (name, extractor) in [
        ("dom_smoothie", ExtractorChoice::DomSmoothie),
        ("trafilatura", ExtractorChoice::Trafilatura),
        ("agreement", ExtractorChoice::Agreement),
    ] {
        let config = ExtractConfig { extractor, ..ExtractConfig::default() };
        let report = evaluate(pages.clone().into_iter(), &config);
        print_row(name, &report);
        if extractor == ExtractConfig::default().extractor {
            default_report = Some(report);
        }
    }
    let report = default_report.expect("the default extractor was measured");
    let mut worst = report.per_page.clone();
    worst.sort_by(|a, b| {
        let f1 = |page: &parallax_extract::eval::PageScore| {
            let p = page.counts.precision().unwrap_or(0.0);
            let r = page.counts.recall().unwrap_or(0.0);
            if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
        };
        f1(a).total_cmp(&f1(b))
    });
    let mut by_extractor = std::collections::BTreeMap::new();
    for page in &report.per_page {
        *by_extractor.entry(page.extractor.unwrap_or("failed")).or_insert(0) += 1;
    }
    println!("pages by producing extractor: {by_extractor:?}");
    println!("weakest pages with the default configuration:");
    for page in worst.iter().take(5) {
        println!(
            "  {} P={:.3} R={:.3} {} {}",
            &page.id[..12],
            page.counts.precision().unwrap_or(0.0),
            page.counts.recall().unwrap_or(0.0),
            page.extractor.unwrap_or("-"),
            page.error.as_deref().unwrap_or("")
        );
    }
    assert!(report.f1 >= TARGET_F1, "default F1 {:.3} is under {TARGET_F1}", report.f1);
}
