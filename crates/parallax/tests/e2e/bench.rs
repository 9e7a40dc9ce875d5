//! `parallax bench summary`: stories made of the given articles are
//! summarised and the speed printed; a file too short for one story is a
//! clear error. Benchmarks run with the data directory's configuration.

use crate::harness::{DataDir, run};

const ARTICLES: &str = r#"{"title": "Storm floods Maine coast", "text": "A storm flooded coastal roads in Maine on Monday. Thousands of homes lost power."}
{"title": "Maine storm cuts power to 40,000", "text": "About 40,000 homes in Maine were without power on Monday after the storm. Roads were closed."}
{"title": "Fed holds rates steady", "text": "The Federal Reserve kept its key rate unchanged on Wednesday. Officials expect two cuts next year."}
{"title": "Federal Reserve leaves rates unchanged", "text": "Fed officials held rates on Wednesday and signalled cuts. Markets rose after the decision."}
"#;

/// Writes [`ARTICLES`] into the data directory; returns the file's path.
fn write_articles(dir: &DataDir) -> String {
    let input = dir.path().join("articles.jsonl");
    std::fs::write(&input, ARTICLES).expect("write the articles");
    input.to_str().expect("a UTF-8 path").to_owned()
}

#[test]
fn bench_summary_prints_stories_per_second() {
    let dir = DataDir::new("");
    let input = write_articles(&dir);
    let input = input.as_str();
    let output =
        run(dir.command(&["bench", "summary", "--input", input, "--articles-per-story", "2", "--seconds", "0"]));
    assert!(output.status.success(), "bench summary failed: {}", output.describe());
    assert!(output.stdout.contains("stories: 2 of 2 articles"), "stdout: {}", output.stdout);
    assert_eq!(output.stdout.matches("stories/s").count(), 2, "stdout: {}", output.stdout);

    let output = run(dir.command(&["bench", "summary", "--input", input, "--articles-per-story", "5"]));
    assert!(!output.status.success(), "a file shorter than one story must fail");
    assert!(output.stderr.contains("fewer than one story of 5"), "stderr: {}", output.stderr);
}

#[test]
fn bench_cluster_runs_with_the_configured_clusterer() {
    // Regression: `bench cluster` used the default configuration whatever
    // `parallax.toml` said, so a tuned clusterer could not be measured.
    let dir = DataDir::new("[cluster]\nmax_common_terms = 0\n");
    let input = write_articles(&dir);
    let input = input.as_str();
    let output = run(dir.command(&["bench", "cluster", "--input", input, "--articles", "100"]));
    assert!(!output.status.success(), "an invalid [cluster] section must be refused");
    assert!(output.stderr.contains("max_common_terms must be positive"), "stderr: {}", output.stderr);

    dir.write_config("[cluster]\nmax_common_terms = 2\n");
    let output = run(dir.command(&["bench", "cluster", "--input", input, "--articles", "100"]));
    assert!(output.status.success(), "bench cluster failed: {}", output.describe());
    assert!(output.stdout.contains("articles/s over 100 articles"), "stdout: {}", output.stdout);
}
