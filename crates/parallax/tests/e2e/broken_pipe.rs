//! `parallax outlets list | head -1`: a reader that stops early ends the
//! command quietly, as it ends `grep` or `cat`, not with "error: Broken
//! pipe" and exit status 1 (the bug this test was written for).

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::harness::DataDir;

/// SIGPIPE's number on every Unix Parallax builds on.
const SIGPIPE: i32 = 13;

#[test]
fn a_reader_closing_stdout_early_ends_outlets_list_quietly() {
    let dir = DataDir::new("");
    // Far more lines than a pipe buffers, so the writer meets the closed pipe.
    let feeds: Vec<(String, String)> =
        (0..5_000).map(|n| (format!("https://outlet{n}.example/feed"), format!("outlet{n}.example"))).collect();
    dir.register(&feeds);
    let mut command = dir.command(&["outlets", "list"]);
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("spawn parallax outlets list");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("read the first line");
    assert!(first.contains("outlet"), "first line: {first}");
    drop(stdout);
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for parallax") {
            break status;
        }
        assert!(Instant::now() < deadline, "parallax outlets list kept running after its reader left");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("piped stderr"), &mut stderr).expect("read stderr");
    assert!(!stderr.contains("Broken pipe") && !stderr.contains("panicked"), "stderr: {stderr}");
    assert!(status.success() || status.signal() == Some(SIGPIPE), "status {status:?}, stderr: {stderr}");
}
