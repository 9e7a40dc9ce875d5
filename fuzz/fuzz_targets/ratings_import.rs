//! Any bytes as every rating file format, and as a file whose format is
//! detected from its name and bytes: read with diagnostics, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 6] = [
    "ratings.csv",
    "combined.json",
    "mbfc_sources_flat.tsv",
    "kite_feeds.json",
    "media_data.json",
    "allsides-2021.csv",
];

fuzz_target!(|input: (u8, &[u8])| {
    let (pick, bytes) = input;
    let _ = parallax_outlets::import(NAMES[usize::from(pick) % NAMES.len()], bytes);
});
