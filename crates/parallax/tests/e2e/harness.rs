//! Drives the real `parallax` binary over a temporary data directory and
//! reads back what it printed, logged and stored.
//!
//! Feeds are registered by opening the data directory's store directly, the
//! way `parallax bench` does, so a test can give each feed its own outlet
//! without writing OPML; `opml.rs` covers registration through `--opml`.
//! Everything after registration goes through the binary.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDateTime, Utc};
use parallax_core::{FeedSource, Outlet};
use parallax_store::{SqliteStore, Store};
use parallax_testkit::{FixtureServer, Route};
use serde::Deserialize;
use tempfile::TempDir;

pub const MIB: u64 = 1024 * 1024;

/// Longest one command may run before the test kills it and fails, so a
/// hang shows up as a failure instead of a stuck suite.
const COMMAND_DEADLINE: Duration = Duration::from_secs(60);

/// Every committed fixture as the route `parallax_testkit::dir_routes` gives
/// it (content type from the extension, an ETag), keyed by path.
pub fn fixture_routes() -> BTreeMap<String, Route> {
    parallax_testkit::dir_routes(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/feeds"))
        .expect("read testdata/feeds")
        .into_iter()
        .collect()
}

/// A 200 with an RSS content type, an ETag (so a second run gets 304) and `body`.
pub fn rss_route(body: Vec<u8>, etag: &str) -> Route {
    Route::Body {
        status: 200,
        headers: vec![
            ("Content-Type".to_string(), "application/rss+xml; charset=utf-8".to_string()),
            ("ETag".to_string(), format!("\"{etag}\"")),
        ],
        body,
    }
}

/// An RSS 2.0 document with one item per `(link, title)`.
pub fn rss_document(title: &str, items: impl IntoIterator<Item = (String, String)>) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>{title}</title>\
         <link>https://fixture.example.com/</link><description>Generated fixture</description>\n"
    );
    for (link, title) in items {
        xml.push_str(&format!(
            "<item><title>{title}</title><link>{link}</link><guid>{link}</guid>\
             <pubDate>Mon, 03 Jun 2024 10:00:00 +0000</pubDate>\
             <description>{title}: the full report with everything that is known so far.</description></item>\n"
        ));
    }
    xml.push_str("</channel></rss>\n");
    xml
}

/// A temporary data directory with its `parallax.toml`.
pub struct DataDir {
    dir: TempDir,
}

impl DataDir {
    pub fn new(config_toml: &str) -> DataDir {
        let dir = tempfile::tempdir().expect("create a temporary data directory");
        std::fs::write(dir.path().join("parallax.toml"), config_toml).expect("write parallax.toml");
        DataDir { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write_config(&self, config_toml: &str) {
        std::fs::write(self.path().join("parallax.toml"), config_toml).expect("write parallax.toml");
    }

    /// Imports one fixture rating per outlet through `parallax outlets
    /// import`, as a ratings CSV: `(domain, lean, factuality, owner,
    /// ownership)`, every outlet American and English-language.
    pub fn import_ratings(&self, outlets: &[(&str, &str, &str, &str, &str)]) {
        let mut ratings = String::from("domain,name,lean,factuality,owner,ownership,country,language,rated_by\n");
        for (domain, lean, factuality, owner, ownership) in outlets {
            ratings.push_str(&format!("{domain},{domain},{lean},{factuality},{owner},{ownership},US,en,fixture\n"));
        }
        let path = self.path().join("ratings.csv");
        std::fs::write(&path, ratings).expect("write ratings");
        let imported = run(self.command(&["outlets", "import", path.to_str().expect("UTF-8 path")]));
        assert!(imported.status.success(), "{}", imported.describe());
    }

    /// Registers each URL as a feed of its own outlet `outlet`.
    pub fn register(&self, feeds: &[(String, String)]) {
        let mut store = SqliteStore::open(&self.path().join("parallax.sqlite")).expect("open the store");
        let outlets: Vec<Outlet> =
            feeds.iter().map(|(_, outlet)| Outlet { domain: outlet.clone(), name: None }).collect();
        let sources: Vec<FeedSource> = feeds
            .iter()
            .map(|(url, outlet)| FeedSource {
                url: url.clone(),
                outlet: outlet.clone(),
                title: None,
                language: None,
                categories: Vec::new(),
            })
            .collect();
        store.import(&outlets, &[], &sources).expect("register the fixture feeds");
    }

    /// `parallax --data-dir DIR ARGS...`, with info logs, and without the
    /// caller's environment choosing another directory or config. NO_COLOR,
    /// because the binary colours its log even when stderr is a pipe.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_parallax"));
        command
            .arg("--data-dir")
            .arg(self.path())
            .args(args)
            .env("PARALLAX_LOG", "info")
            .env("NO_COLOR", "1")
            .env_remove("PARALLAX_DATA_DIR")
            .env_remove("PARALLAX_CONFIG")
            .env_remove("PARALLAX_DATABASE_URL")
            .env_remove("PARALLAX_ROLE");
        command
    }

    /// `parallax ingest --quiet` plus `extra`; it must succeed.
    pub fn ingest(&self, extra: &[&str]) -> IngestRun {
        let mut args = vec!["ingest", "--quiet"];
        args.extend_from_slice(extra);
        let output = run(self.command(&args));
        assert!(output.status.success(), "ingest failed: {}\n{}", output.status, output.describe());
        IngestRun::parse(&output.stdout, &output.stderr)
    }

    /// Every stored article, through `parallax export articles`.
    pub fn export(&self) -> Vec<ExportedArticle> {
        let output = run(self.command(&["export", "articles"]));
        assert!(output.status.success(), "export failed: {}\n{}", output.status, output.describe());
        output
            .stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("bad export line {line:?}: {error}")))
            .collect()
    }

    /// The raw text of `parallax export articles`.
    pub fn export_text(&self) -> String {
        let output = run(self.command(&["export", "articles"]));
        assert!(output.status.success(), "export failed: {}\n{}", output.status, output.describe());
        output.stdout
    }

    /// `parallax feeds`, one entry per feed, keyed by URL.
    pub fn feeds(&self) -> BTreeMap<String, FeedLine> {
        let output = run(self.command(&["feeds"]));
        assert!(output.status.success(), "feeds failed: {}\n{}", output.status, output.describe());
        output.stdout.lines().map(FeedLine::parse).map(|line| (line.url.clone(), line)).collect()
    }
}

/// What a finished command left behind.
pub struct Output {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn describe(&self) -> String {
        format!("--- stdout\n{}--- stderr\n{}", self.stdout, self.stderr)
    }
}

/// Runs `command` to completion within [`COMMAND_DEADLINE`].
pub fn run(mut command: Command) -> Output {
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("spawn parallax");
    let stdout = read_in_background(child.stdout.take().expect("piped stdout"));
    let stderr = read_in_background(child.stderr.take().expect("piped stderr"));
    let deadline = Instant::now() + COMMAND_DEADLINE;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for parallax") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} ran longer than {COMMAND_DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = stdout.join().expect("stdout reader");
    let stderr = stderr.join().expect("stderr reader");
    Output { status, stdout, stderr }
}

fn read_in_background(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// What `parallax ingest` printed and logged.
#[derive(Debug)]
pub struct IngestRun {
    pub fetched: usize,
    pub not_modified: usize,
    pub backing_off: usize,
    pub articles_new: usize,
    pub articles_duplicate: usize,
    /// From the `stories:` line: articles placed in stories, and new stories.
    pub stories_placed: usize,
    pub stories_new: usize,
    /// Feed URL to reason, from the `failed: URL: REASON` lines.
    pub failed: BTreeMap<String, String>,
    /// The per-feed log lines, in the order they were written.
    pub log: Vec<FeedEvent>,
    pub stdout: String,
    pub stderr: String,
}

impl IngestRun {
    /// Every stdout line must be one of the summary's four kinds, so a
    /// reason that spans lines fails here.
    pub fn parse(stdout: &str, stderr: &str) -> IngestRun {
        let mut run = IngestRun {
            fetched: 0,
            not_modified: 0,
            backing_off: 0,
            articles_new: 0,
            articles_duplicate: 0,
            stories_placed: 0,
            stories_new: 0,
            failed: BTreeMap::new(),
            log: stderr.lines().filter_map(FeedEvent::parse).collect(),
            stdout: stdout.to_string(),
            stderr: stderr.to_string(),
        };
        let mut failed_total = None;
        for line in stdout.lines() {
            if let Some(rest) = line.strip_prefix("feeds: ") {
                let [fetched, not_modified, failed, backing_off, _commits] = numbers(rest)[..] else {
                    panic!("unexpected feeds line {line:?}");
                };
                (run.fetched, run.not_modified, run.backing_off) = (fetched, not_modified, backing_off);
                failed_total = Some(failed);
            } else if let Some(rest) = line.strip_prefix("articles: ") {
                let [new, duplicate, _diagnostics] = numbers(rest)[..] else {
                    panic!("unexpected articles line {line:?}");
                };
                (run.articles_new, run.articles_duplicate) = (new, duplicate);
            } else if ["full text: ", "views: ", "round: ", "feeds failed, "].iter().any(|p| line.starts_with(p))
                || line.contains(" feeds cannot be fetched because ")
            {
                continue;
            } else if let Some(rest) = line.strip_prefix("stories: ") {
                let [placed, new, _copies, _merges, _replayed, _windows] = numbers(rest)[..] else {
                    panic!("unexpected stories line {line:?}");
                };
                (run.stories_placed, run.stories_new) = (placed, new);
            } else if let Some(rest) = line.strip_prefix("failed: ") {
                let (url, reason) = rest.split_once(": ").unwrap_or_else(|| panic!("no reason in {line:?}"));
                let previous = run.failed.insert(url.to_string(), reason.to_string());
                assert!(previous.is_none(), "{url} reported as failed twice:\n{stdout}");
            } else {
                panic!("unexpected summary line {line:?} in:\n{stdout}");
            }
        }
        assert_eq!(failed_total, Some(run.failed.len()), "failed count vs failed lines in:\n{stdout}");
        run
    }

    /// The one log event of `feed`.
    pub fn event(&self, feed: &str) -> &FeedEvent {
        let mut events = self.log.iter().filter(|event| event.feed == feed);
        let event = events.next().unwrap_or_else(|| panic!("no log line for {feed} in:\n{}", self.stderr));
        assert!(events.next().is_none(), "several log lines for {feed} in:\n{}", self.stderr);
        event
    }
}

/// The integers in `text`, in order.
fn numbers(text: &str) -> Vec<usize> {
    text.split(|c: char| !c.is_ascii_digit()).filter(|part| !part.is_empty()).filter_map(|n| n.parse().ok()).collect()
}

/// One per-feed line of the info log, e.g.
/// `TIME  INFO parallax::commands: stored feed="http://..." new=3 duplicate=0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEvent {
    pub feed: String,
    pub kind: FeedEventKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedEventKind {
    Stored { new: usize, duplicate: usize },
    NotModified,
    Failed { reason: String },
    BackingOff { until: DateTime<Utc> },
}

impl FeedEvent {
    /// `None` for lines that are not per-feed events.
    pub fn parse(line: &str) -> Option<FeedEvent> {
        let (_, event) = line.split_once(" parallax::commands: ")?;
        let (message, quoted) = event.rsplit_once(" feed=\"")?;
        let (feed, fields) = quoted.split_once('"')?;
        let field = |name: &str| {
            fields.split_whitespace().find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))?.parse().ok()
        };
        let kind = match message {
            "stored" => FeedEventKind::Stored { new: field("new")?, duplicate: field("duplicate")? },
            "not modified" => FeedEventKind::NotModified,
            "backing off" => {
                // `until=2024-06-03 10:00:00.5 UTC`: chrono's Display, spaces unquoted.
                let until = fields.trim().strip_prefix("until=")?.strip_suffix(" UTC")?;
                let until = NaiveDateTime::parse_from_str(until, "%Y-%m-%d %H:%M:%S%.f").ok()?.and_utc();
                FeedEventKind::BackingOff { until }
            }
            _ => FeedEventKind::Failed { reason: message.strip_prefix("failed: ")?.to_string() },
        };
        Some(FeedEvent { feed: feed.to_string(), kind })
    }
}

/// One line of `parallax feeds`:
/// `STATUS errors N  last TIME  URL  (LAST ERROR)`.
#[derive(Debug, Clone)]
pub struct FeedLine {
    pub status: String,
    pub errors: usize,
    pub url: String,
    pub last_error: Option<String>,
}

impl FeedLine {
    fn parse(line: &str) -> FeedLine {
        let mut words = line.split_whitespace();
        let status = words.next().unwrap_or_else(|| panic!("empty feeds line")).to_string();
        assert_eq!(words.next(), Some("errors"), "in {line:?}");
        let errors = words.next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("error count in {line:?}"));
        assert_eq!(words.next(), Some("last"), "in {line:?}");
        let _last_fetched = words.next();
        let url = words.next().unwrap_or_else(|| panic!("no URL in {line:?}")).to_string();
        let last_error = line
            .split_once(&format!("{url}  ("))
            .map(|(_, error)| error.strip_suffix(')').unwrap_or(error).to_string());
        FeedLine { status, errors, url, last_error }
    }
}

/// One line of `parallax export articles`.
#[derive(Debug, Clone, Deserialize)]
pub struct ExportedArticle {
    pub outlet: String,
    pub feed: String,
    pub guid: String,
    pub url: String,
    pub title: String,
    pub snippet: String,
    pub content_html: String,
    pub truncated: bool,
    pub published: String,
    pub date_flag: Option<String>,
    pub fetched: String,
}

/// What every stored article must look like, whatever its feed sent:
/// plain-text titles and snippets without markup, entities or CDATA scars,
/// and display HTML without anything that runs.
pub fn assert_clean(article: &ExportedArticle) {
    for (field, text) in [("title", &article.title), ("snippet", &article.snippet)] {
        for scar in ["]]>", "<![CDATA[", "&lt;", "&gt;", "&amp;", "&nbsp;", "&quot;", "&#"] {
            assert!(!text.contains(scar), "{field} of {} contains {scar:?}: {text:?}", article.url);
        }
        assert!(!has_tag(text), "{field} of {} contains a tag: {text:?}", article.url);
    }
    let html = article.content_html.to_ascii_lowercase();
    for active in ["<script", "javascript:", "onerror=", "onload=", "onclick=", "<iframe", "<object"] {
        assert!(!html.contains(active), "content_html of {} contains {active:?}: {html:?}", article.url);
    }
}

/// `<` followed by what could start a tag, comment or declaration.
fn has_tag(text: &str) -> bool {
    text.match_indices('<').any(|(at, _)| {
        text[at + 1..].chars().next().is_some_and(|next| next.is_ascii_alphabetic() || next == '/' || next == '!')
    })
}

/// A fixture server plus the URL of each of its routes.
pub struct Fixtures {
    pub server: FixtureServer,
}

impl Fixtures {
    pub fn start(routes: Vec<(String, Route)>) -> Fixtures {
        Fixtures { server: FixtureServer::start(routes).expect("start the fixture server") }
    }

    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(title: &str, snippet: &str, content_html: &str) -> ExportedArticle {
        ExportedArticle {
            outlet: "example.com".to_string(),
            feed: "http://127.0.0.1:1/feed".to_string(),
            guid: "g".to_string(),
            url: "https://example.com/a".to_string(),
            title: title.to_string(),
            snippet: snippet.to_string(),
            content_html: content_html.to_string(),
            truncated: false,
            published: "2024-06-03T10:00:00Z".to_string(),
            date_flag: None,
            fetched: "2024-06-03T10:00:00Z".to_string(),
        }
    }

    fn is_clean(article: &ExportedArticle) -> bool {
        std::panic::catch_unwind(|| assert_clean(article)).is_ok()
    }

    #[test]
    fn the_cleanliness_check_catches_every_scar() {
        assert!(is_clean(&article(
            "Café & bar: 3 < 4",
            "A \"quoted\" snippet",
            "<p><a href=\"https://x.example\">x</a></p>"
        )));
        for dirty in
            ["Foo]]>", "<![CDATA[Foo", "a &lt; b", "Tom &amp; Jerry", "a&nbsp;b", "<b>bold</b>", "x</p>", "&#8217;"]
        {
            assert!(!is_clean(&article(dirty, "", "")), "title {dirty:?}");
            assert!(!is_clean(&article("", dirty, "")), "snippet {dirty:?}");
        }
        for active in ["<SCRIPT>x</SCRIPT>", "<a href=\"JavaScript:x\">", "<img onerror=x>", "<svg onload=x>"] {
            assert!(!is_clean(&article("", "", active)), "content {active:?}");
        }
    }

    #[test]
    fn feed_events_are_read_from_log_lines() {
        let prefix = "2024-06-03T10:00:00.000001Z  INFO parallax::commands:";
        let cases = [
            (
                format!("{prefix} stored feed=\"http://127.0.0.1:9/a\" new=3 duplicate=1"),
                Some(FeedEventKind::Stored { new: 3, duplicate: 1 }),
            ),
            (format!("{prefix} not modified feed=\"http://127.0.0.1:9/a\""), Some(FeedEventKind::NotModified)),
            (
                format!("{prefix} failed: fetch: HTTP 404 Not Found feed=\"http://127.0.0.1:9/a\""),
                Some(FeedEventKind::Failed { reason: "fetch: HTTP 404 Not Found".to_string() }),
            ),
            (
                format!("{prefix} backing off feed=\"http://127.0.0.1:9/a\" until=2024-06-03 12:00:00.5 UTC"),
                Some(FeedEventKind::BackingOff {
                    until: NaiveDateTime::parse_from_str("2024-06-03 12:00:00.5", "%Y-%m-%d %H:%M:%S%.f")
                        .expect("test date")
                        .and_utc(),
                }),
            ),
            (format!("{prefix} something else"), None),
            ("warning: feeds.opml:3: skipped".to_string(), None),
        ];
        for (line, expected) in cases {
            let got = FeedEvent::parse(&line);
            assert_eq!(got.as_ref().map(|event| &event.kind), expected.as_ref(), "{line}");
            if let Some(event) = got {
                assert_eq!(event.feed, "http://127.0.0.1:9/a");
            }
        }
    }
}
