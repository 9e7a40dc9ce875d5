//! Serves every file under a directory on loopback until killed, and prints
//! the base URL first: the feed server of `scripts/bench-scale-out.sh`,
//! where Python's `http.server` (a listen backlog of 5, one interpreter)
//! refused connections from four ingest processes and set the pace itself.
//!
//!     cargo run --release -p parallax-testkit --example serve_dir -- DIR

use std::io::Write;

fn main() -> std::io::Result<()> {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: serve_dir DIR");
        std::process::exit(2);
    };
    let server = parallax_testkit::FixtureServer::serve_dir(&dir)?;
    let mut out = std::io::stdout();
    writeln!(out, "{}", server.url(""))?;
    out.flush()?;
    loop {
        std::thread::park();
    }
}
