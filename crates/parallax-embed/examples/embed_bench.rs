//! Embeds every article of a clustering input file and reports the speed,
//! then writes the vectors so clustering experiments need not recompute them.
//!
//! ```text
//! RAYON_NUM_THREADS=1 cargo run --release --example embed_bench -- \
//!     MODEL_DIR INPUT.jsonl OUT.f32 [BATCH_SIZE [MAX_TOKENS]]
//! ```
//!
//! INPUT lines are `{"id", "title", "text"?}`; an article's text is
//! `title + ". " + text` (the title alone without a text). OUT gets the
//! vectors in input order, `dims` little-endian f32 each, one after another;
//! OUT with the extension `.ids` gets the ids, one a line. Threads: candle
//! uses `RAYON_NUM_THREADS` (all cores when unset); tokenizing is on the
//! main thread. BATCH_SIZE and MAX_TOKENS default to `EmbedConfig::default()`'s.

use std::error::Error;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use parallax_embed::{EmbedConfig, Embedder};

#[derive(serde::Deserialize)]
struct Article {
    id: String,
    title: String,
    #[serde(default)]
    text: Option<String>,
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model_dir, input, output, rest @ ..] = args.as_slice() else {
        return Err("usage: embed_bench MODEL_DIR INPUT.jsonl OUT.f32 [BATCH_SIZE [MAX_TOKENS]]".into());
    };
    let mut config = EmbedConfig::default();
    if let Some(batch_size) = rest.first() {
        config.batch_size = batch_size.parse().map_err(|e| format!("embed_bench: batch size {batch_size:?}: {e}"))?;
    }
    if let Some(max_tokens) = rest.get(1) {
        config.max_tokens = max_tokens.parse().map_err(|e| format!("embed_bench: max tokens {max_tokens:?}: {e}"))?;
    }

    let mut ids = Vec::new();
    let mut texts = Vec::new();
    let content = std::fs::read_to_string(input).map_err(|e| format!("embed_bench: {input}: {e}"))?;
    for (number, line) in content.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
        let article: Article =
            serde_json::from_str(line).map_err(|e| format!("embed_bench: {input}:{}: {e}", number + 1))?;
        texts.push(match article.text {
            Some(text) if !text.is_empty() => format!("{}. {text}", article.title),
            _ => article.title,
        });
        ids.push(article.id);
    }

    let started = Instant::now();
    let embedder = Embedder::load(model_dir.as_ref(), &config)?;
    let load_secs = started.elapsed().as_secs_f64();

    let text_refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let started = Instant::now();
    let vectors = embedder.embed(&text_refs)?;
    let embed_secs = started.elapsed().as_secs_f64();

    let output = PathBuf::from(output);
    let mut out =
        BufWriter::new(std::fs::File::create(&output).map_err(|e| format!("embed_bench: {}: {e}", output.display()))?);
    for vector in &vectors {
        for value in vector {
            out.write_all(&value.to_le_bytes())?;
        }
    }
    out.flush()?;
    let ids_path = output.with_extension("ids");
    let mut ids_out = BufWriter::new(
        std::fs::File::create(&ids_path).map_err(|e| format!("embed_bench: {}: {e}", ids_path.display()))?,
    );
    for id in &ids {
        writeln!(ids_out, "{id}")?;
    }
    ids_out.flush()?;

    let threads = std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "unset (all cores)".to_string());
    println!("model load      {load_secs:.3} s");
    println!(
        "embedded        {} articles in {embed_secs:.2} s: {:.1} articles/s (batch {}, max_tokens {}, RAYON_NUM_THREADS {threads})",
        vectors.len(),
        vectors.len() as f64 / embed_secs,
        config.batch_size,
        config.max_tokens
    );
    println!(
        "wrote           {} ({} x {} f32 LE), {}",
        output.display(),
        vectors.len(),
        embedder.dims(),
        ids_path.display()
    );
    Ok(())
}
