//! Any bytes as an OPML outlet list: read with diagnostics, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parallax_outlets::Format;

fuzz_target!(|bytes: &[u8]| {
    let _ = parallax_outlets::import_as(Format::Opml, "fuzz.opml", bytes);
});
