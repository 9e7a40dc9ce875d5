//! The dense embedder clustering uses when this binary is built with the
//! `embeddings` feature and `embed.model_dir` (or `--model`) names a model
//! folder. The default build has no model code: a configured folder is an
//! error there, so a setting is never silently ignored.

use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use parallax_ingest::EmbedSettings;
use parallax_ingest::stories::TextEmbedder;

/// The embedder `settings` ask for (with `model` overriding its folder), or
/// `None` when no folder is configured.
pub fn load(settings: &EmbedSettings, model: Option<&Path>) -> Result<Option<Arc<dyn TextEmbedder>>> {
    let Some(dir) = model.or(settings.model_dir.as_deref()) else { return Ok(None) };
    imp::load(dir, settings).map(Some)
}

#[cfg(not(feature = "embeddings"))]
mod imp {
    use super::*;

    pub fn load(dir: &Path, _settings: &EmbedSettings) -> Result<Arc<dyn TextEmbedder>> {
        anyhow::bail!(
            "embed: model folder {} given, but this parallax was built without the `embeddings` feature; \
             rebuild with `cargo build --release --features embeddings` or remove embed.model_dir / --model",
            dir.display()
        )
    }
}

#[cfg(feature = "embeddings")]
mod imp {
    use super::*;
    use anyhow::Context;
    use parallax_embed::{EmbedConfig, Embedder};
    use std::collections::HashMap;
    use std::hash::{DefaultHasher, Hash, Hasher};
    use std::sync::Mutex;

    /// Embeddings remembered across passes of a long-running `serve`: each
    /// pass replays the window, and a window's texts change little between
    /// passes. 200,000 vectors of 384 floats is about 300 MB, room for a
    /// window of well over 100,000 articles; past it the cache starts over.
    const CACHED_VECTORS: usize = 200_000;

    struct CachedEmbedder {
        model: Embedder,
        cache: Mutex<HashMap<u64, Arc<[f32]>>>,
    }

    fn key(text: &str) -> u64 {
        let mut hasher = DefaultHasher::new();
        text.hash(&mut hasher);
        hasher.finish()
    }

    impl TextEmbedder for CachedEmbedder {
        fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
            let keys: Vec<u64> = texts.iter().map(|text| key(text)).collect();
            let missing: Vec<usize> = {
                let cache = self.cache.lock().map_err(|_| "embed: cache poisoned".to_string())?;
                (0..texts.len()).filter(|&i| !cache.contains_key(&keys[i])).collect()
            };
            let fresh = if missing.is_empty() {
                Vec::new()
            } else {
                let wanted: Vec<&str> = missing.iter().map(|&i| texts[i]).collect();
                self.model.embed(&wanted).map_err(|error| error.to_string())?
            };
            let mut cache = self.cache.lock().map_err(|_| "embed: cache poisoned".to_string())?;
            if cache.len() + fresh.len() > CACHED_VECTORS {
                cache.clear();
            }
            for (&i, vector) in missing.iter().zip(fresh) {
                cache.insert(keys[i], vector.into());
            }
            keys.iter()
                .map(|k| cache.get(k).map(|v| v.to_vec()).ok_or_else(|| "embed: vector missing from the cache".into()))
                .collect()
        }

        fn multilingual(&self) -> bool {
            self.model.multilingual()
        }
    }

    pub fn load(dir: &Path, settings: &EmbedSettings) -> Result<Arc<dyn TextEmbedder>> {
        let config = EmbedConfig { batch_size: settings.batch_size, max_tokens: settings.max_tokens };
        let model = Embedder::load(dir, &config)
            .with_context(|| format!("cannot load the embedding model from {}", dir.display()))?;
        Ok(Arc::new(CachedEmbedder { model, cache: Mutex::new(HashMap::new()) }))
    }
}
