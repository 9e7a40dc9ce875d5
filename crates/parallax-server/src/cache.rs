//! Rendered responses kept between requests, compressed, with the
//! validators HTTP caching needs.
//!
//! A story page costs a database read and a render (0.12 to 0.2 ms); a kept
//! one costs a lookup and a copy of its gzip body, which is also what goes
//! on the wire (26 KB of HTML is 4 KB gzipped). A [`Representation`] is
//! compressed once, in the encoding its first reader takes, and
//! decompressed only for the rare client that takes neither: kept
//! uncompressed, 50,000 story pages would not fit in memory. A listing
//! (asked by every kind of client) also keeps the other encoding once a
//! client asks for it; a story page or object (half a million of them at a
//! million articles, most asked by one kind of client) keeps only its first,
//! serving it to every client that takes it, so the cache holds twice the
//! stories. It carries an `ETag` (a hash of the body) and a `Last-Modified`
//! (when it was made), so revalidations are answered 304 without a body.
//!
//! An entry is dropped when what it shows changes: a story's page and API
//! object when the story is re-indexed (its articles or view changed),
//! everything else (home page, listings, search results, status) when a
//! refresh round changes anything, which starts a new generation. Entries
//! also expire after their time to live, since pages show relative times.
//! The cache is bounded by entries and by bytes.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// gzip level: flate2's default, 6; level 9 measured 2% smaller for twice
/// the time on story pages.
const GZIP_LEVEL: u32 = 6;
/// brotli quality 5 compresses a story page in about the time gzip 6 takes
/// and 10-15% smaller; 11 (the maximum) is 30x slower.
const BROTLI_QUALITY: u32 = 5;
/// A window sized to each page (15 bits for 30 KB) measured 5x slower on
/// story pages than 22 with this encoder, so 22 for all.
const BROTLI_WINDOW: u32 = 22;

/// How a kind of response is typed and may be cached by others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub content_type: &'static str,
    pub cache_control: &'static str,
}

/// A public page: any cache may keep it, but must ask again before use, so
/// a reader never sees a stale page (the ask is answered 304).
pub const HTML: Kind = Kind { content_type: "text/html; charset=utf-8", cache_control: "public, no-cache" };
/// A page only its requester may keep (the operator's status page).
pub const PRIVATE_HTML: Kind = Kind { content_type: "text/html; charset=utf-8", cache_control: "private, no-cache" };
pub const JSON: Kind = Kind { content_type: "application/json", cache_control: "public, no-cache" };

/// One response body in the forms it is sent in.
pub struct Representation {
    kind: Kind,
    etag: HeaderValue,
    last_modified: HeaderValue,
    /// Whole seconds, as `Last-Modified` says it.
    modified: SystemTime,
    /// At least one of the two is made when the representation is: the one
    /// the first request asked for; the other from it when first asked.
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
    /// Keeps only the encoding it was made in: a client that does not take
    /// it gets the other made for it alone.
    single: bool,
}

/// What a client accepts, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// The encodings a client takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Accepted {
    brotli: bool,
    gzip: bool,
}

impl Accepted {
    fn best(self) -> Encoding {
        if self.brotli {
            Encoding::Brotli
        } else if self.gzip {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }
}

impl Encoding {
    /// Reads `Accept-Encoding`: brotli, then gzip, when the client gives
    /// them (or `*`) a non-zero weight.
    pub fn negotiate(headers: &HeaderMap) -> Encoding {
        Encoding::accepted(headers).best()
    }

    fn accepted(headers: &HeaderMap) -> Accepted {
        let mut brotli = None;
        let mut gzip = None;
        let mut any = None;
        for value in headers.get_all(header::ACCEPT_ENCODING) {
            let Ok(value) = value.to_str() else { continue };
            for item in value.split(',') {
                let mut parts = item.split(';');
                let coding = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
                let weight = parts
                    .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
                    .find_map(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                let accepted = weight > 0.0;
                match coding.as_str() {
                    "br" => brotli = Some(accepted),
                    "gzip" | "x-gzip" => gzip = Some(accepted),
                    "*" => any = Some(accepted),
                    _ => {}
                }
            }
        }
        let any = any.unwrap_or(false);
        Accepted { brotli: brotli.unwrap_or(any), gzip: gzip.unwrap_or(any) }
    }
}

fn gzip(body: &[u8]) -> Bytes {
    let mut encoder =
        flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 4), flate2::Compression::new(GZIP_LEVEL));
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(body);
    Bytes::from(encoder.finish().unwrap_or_default())
}

fn brotli(body: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(body.len() / 4);
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, BROTLI_QUALITY, BROTLI_WINDOW);
        let _ = writer.write_all(body);
    }
    Bytes::from(out)
}

fn gunzip(body: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(body.len() * 6);
    // Our own gzip: it decodes.
    let _ = flate2::read::GzDecoder::new(body).read_to_end(&mut out);
    Bytes::from(out)
}

fn unbrotli(body: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(body.len() * 6);
    // Our own brotli: it decodes.
    let _ = brotli::Decompressor::new(body, 4096).read_to_end(&mut out);
    Bytes::from(out)
}

/// A weak validator: the same for every encoding of one body.
fn etag_of(body: &[u8]) -> HeaderValue {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut hasher);
    HeaderValue::from_str(&format!("W/\"{:016x}-{:x}\"", hasher.finish(), body.len()))
        .unwrap_or_else(|_| HeaderValue::from_static("W/\"0\""))
}

impl Representation {
    /// `body`, kept gzip-compressed.
    pub fn new(kind: Kind, body: Bytes) -> Representation {
        Representation::new_for(kind, body, Encoding::Gzip)
    }

    /// `body`, compressed only as `first` (the encoding the request that
    /// made it takes) needs: brotli for a browser, else gzip. A page made
    /// for a browser was compressed three times before (gzip, gunzip,
    /// brotli); a story page asked once, as most of a million are, pays
    /// for one.
    pub fn new_for(kind: Kind, body: Bytes, first: Encoding) -> Representation {
        Representation::made(kind, body, first, false)
    }

    /// [`Representation::new_for`], keeping only the encoding made now.
    pub fn single(kind: Kind, body: Bytes, first: Encoding) -> Representation {
        Representation::made(kind, body, first, true)
    }

    fn made(kind: Kind, body: Bytes, first: Encoding, single: bool) -> Representation {
        let now = SystemTime::now();
        let seconds = now.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let modified = SystemTime::UNIX_EPOCH + Duration::from_secs(seconds);
        let representation = Representation {
            kind,
            etag: etag_of(&body),
            last_modified: HeaderValue::from_str(&httpdate::fmt_http_date(modified))
                .unwrap_or_else(|_| HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT")),
            modified,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
            single,
        };
        match first {
            Encoding::Brotli => representation.brotli.get_or_init(|| brotli(&body)),
            Encoding::Gzip | Encoding::Identity => representation.gzip.get_or_init(|| gzip(&body)),
        };
        representation
    }

    /// The uncompressed body, decompressed: only clients that take neither
    /// gzip nor brotli, and listings splicing in kept objects, need it.
    pub fn identity(&self) -> Bytes {
        match (self.gzip.get(), self.brotli.get()) {
            (Some(gzipped), _) => gunzip(gzipped),
            (None, Some(brotli)) => unbrotli(brotli),
            (None, None) => Bytes::new(),
        }
    }

    fn gzip(&self) -> Bytes {
        self.encoded(&self.gzip, gzip)
    }

    fn brotli(&self) -> Bytes {
        self.encoded(&self.brotli, brotli)
    }

    /// The body compressed by `compress`: the kept one, or made now, and
    /// kept unless this representation keeps only its first encoding.
    fn encoded(&self, slot: &OnceLock<Bytes>, compress: fn(&[u8]) -> Bytes) -> Bytes {
        if self.single {
            slot.get().cloned().unwrap_or_else(|| compress(&self.identity()))
        } else {
            slot.get_or_init(|| compress(&self.identity())).clone()
        }
    }

    /// Memory it may take once every encoding it keeps is made.
    fn weight(&self) -> usize {
        let made = self.gzip.get().or(self.brotli.get()).map_or(0, Bytes::len);
        if self.single { made + 256 } else { 2 * made + 256 }
    }

    /// The body for a client taking `accepted`, and its encoding.
    fn body_for(&self, accepted: Accepted) -> (Bytes, Option<&'static str>) {
        if self.single {
            if let Some(kept) = self.brotli.get().filter(|_| accepted.brotli) {
                return (kept.clone(), Some("br"));
            }
            if let Some(kept) = self.gzip.get().filter(|_| accepted.gzip) {
                return (kept.clone(), Some("gzip"));
            }
        }
        match accepted.best() {
            Encoding::Brotli => (self.brotli(), Some("br")),
            Encoding::Gzip => (self.gzip(), Some("gzip")),
            Encoding::Identity => (self.identity(), None),
        }
    }

    /// True when the client's validators say it has this body already.
    fn not_modified(&self, headers: &HeaderMap) -> bool {
        if let Some(tags) = headers.get(header::IF_NONE_MATCH) {
            // Weak comparison (RFC 9110 13.1.2): the opaque tags match.
            let mine = self.etag.to_str().unwrap_or_default().trim_start_matches("W/");
            return tags.to_str().is_ok_and(|tags| {
                tags.split(',').map(|t| t.trim().trim_start_matches("W/")).any(|t| t == "*" || t == mine)
            });
        }
        headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| httpdate::parse_http_date(v.to_str().ok()?).ok())
            .is_some_and(|since| self.modified <= since)
    }

    /// The answer to a request with `headers`: 304, or the body in the
    /// best encoding the client takes.
    pub fn respond(&self, headers: &HeaderMap) -> Response {
        let mut response = if self.not_modified(headers) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let (body, encoding) = self.body_for(Encoding::accepted(headers));
            let mut response = Response::new(Body::from(body));
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(self.kind.content_type));
            if let Some(encoding) = encoding {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
            }
            response
        };
        let headers = response.headers_mut();
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        headers.insert(header::ETAG, self.etag.clone());
        headers.insert(header::LAST_MODIFIED, self.last_modified.clone());
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(self.kind.cache_control));
        response
    }
}

/// What makes an entry stale besides its age.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Valid until this story changes.
    Story(i64),
    /// Valid while the data's generation is this one.
    Generation(u64),
}

struct Entry {
    representation: Arc<Representation>,
    scope: Scope,
    expires: Instant,
    weight: usize,
}

struct Entries<K> {
    map: HashMap<K, Entry>,
    bytes: usize,
    /// Bumped by every invalidation, so a render that began before one is
    /// not stored after it.
    invalidations: u64,
}

/// Taken before rendering, given back to [`ResponseCache::put`].
#[derive(Debug, Clone, Copy)]
pub struct Ticket {
    invalidations: u64,
    pub generation: u64,
}

pub struct ResponseCache<K> {
    entries: Mutex<Entries<K>>,
    max_entries: usize,
    max_bytes: usize,
}

impl<K: Hash + Eq + Clone> ResponseCache<K> {
    /// `max_entries` or `max_bytes` 0 turns caching off.
    pub fn new(max_entries: usize, max_bytes: usize) -> ResponseCache<K> {
        let entries = Entries { map: HashMap::new(), bytes: 0, invalidations: 0 };
        ResponseCache { entries: Mutex::new(entries), max_entries, max_bytes }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries<K>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn get(&self, key: &K, generation: u64) -> Option<Arc<Representation>> {
        let entries = self.lock();
        let entry = entries.map.get(key)?;
        let current = match entry.scope {
            Scope::Story(_) => true,
            Scope::Generation(made) => made == generation,
        };
        (current && entry.expires > Instant::now()).then(|| entry.representation.clone())
    }

    pub fn ticket(&self, generation: u64) -> Ticket {
        Ticket { invalidations: self.lock().invalidations, generation }
    }

    /// Keeps `representation` for `ttl`, unless something it shows changed
    /// since `ticket` was taken.
    pub fn put(&self, key: K, representation: Arc<Representation>, scope: Scope, ttl: Duration, ticket: Ticket) {
        if self.max_entries == 0 || self.max_bytes == 0 {
            return;
        }
        let weight = representation.weight();
        let mut entries = self.lock();
        if entries.invalidations != ticket.invalidations || weight > self.max_bytes {
            return;
        }
        if let Some(old) = entries.map.remove(&key) {
            entries.bytes -= old.weight;
        }
        while entries.map.len() >= self.max_entries || entries.bytes + weight > self.max_bytes {
            // An arbitrary victim: hot pages come straight back, and a true
            // LRU's bookkeeping would cost every hit.
            let Some(victim) = entries.map.keys().next().cloned() else { break };
            if let Some(old) = entries.map.remove(&victim) {
                entries.bytes -= old.weight;
            }
        }
        entries.bytes += weight;
        entries.map.insert(key, Entry { representation, scope, expires: Instant::now() + ttl, weight });
    }

    /// Drops the entries of these stories, and those of generations before
    /// `generation`.
    pub fn invalidate(&self, stories: &HashSet<i64>, generation: u64) {
        let mut entries = self.lock();
        entries.invalidations += 1;
        let mut freed = 0;
        entries.map.retain(|_, entry| {
            let keep = match entry.scope {
                Scope::Story(id) => !stories.contains(&id),
                Scope::Generation(made) => made >= generation,
            };
            if !keep {
                freed += entry.weight;
            }
            keep
        });
        entries.bytes -= freed;
    }

    /// Drops everything (the outlets every page names changed).
    pub fn clear(&self) {
        let mut entries = self.lock();
        entries.invalidations += 1;
        entries.map.clear();
        entries.bytes = 0;
    }

    /// Entries and bytes held.
    pub fn usage(&self) -> (usize, usize) {
        let entries = self.lock();
        (entries.map.len(), entries.bytes)
    }
}

/// How long a story's page stays cached: a 60th of the story's age, within
/// `[min, max]`. Pages say "12 min ago", "5 h ago", "3 days ago": the
/// older the story, the coarser its times, the longer a page stays true.
pub fn story_ttl(age: chrono::Duration, min: Duration, max: Duration) -> Duration {
    let age = age.to_std().unwrap_or_default();
    (age / 60).clamp(min, max.max(min))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rep(body: &'static str) -> Arc<Representation> {
        Arc::new(Representation::new(HTML, Bytes::from_static(body.as_bytes())))
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn encodings_are_negotiated_by_weight() {
        let check = |accept: &[(&'static str, &'static str)], expected| {
            assert_eq!(Encoding::negotiate(&headers(accept)), expected, "{accept:?}");
        };
        check(&[], Encoding::Identity);
        check(&[("accept-encoding", "gzip, deflate, br, zstd")], Encoding::Brotli);
        check(&[("accept-encoding", "gzip")], Encoding::Gzip);
        check(&[("accept-encoding", "br;q=0, gzip;q=0.5")], Encoding::Gzip);
        check(&[("accept-encoding", "*")], Encoding::Brotli);
        check(&[("accept-encoding", "*;q=0")], Encoding::Identity);
        check(&[("accept-encoding", "identity")], Encoding::Identity);
    }

    #[test]
    fn bodies_round_trip_in_every_encoding_and_revalidate() {
        let page = rep("<p>hello hello hello hello</p>");
        let plain = page.respond(&headers(&[]));
        assert_eq!(plain.status(), StatusCode::OK);
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(page.identity(), Bytes::from_static(b"<p>hello hello hello hello</p>"));
        let gzipped = page.respond(&headers(&[("accept-encoding", "gzip")]));
        assert_eq!(gzipped.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(gzipped.headers()[header::VARY], "accept-encoding");
        let etag = gzipped.headers()[header::ETAG].clone();
        let mut conditional = headers(&[]);
        conditional.insert(header::IF_NONE_MATCH, etag);
        assert_eq!(page.respond(&conditional).status(), StatusCode::NOT_MODIFIED);
        let other = headers(&[("if-none-match", "W/\"0000-1\"")]);
        assert_eq!(page.respond(&other).status(), StatusCode::OK);
        let mut since = headers(&[]);
        since.insert(header::IF_MODIFIED_SINCE, page.last_modified.clone());
        assert_eq!(page.respond(&since).status(), StatusCode::NOT_MODIFIED);
        let brotli = page.brotli();
        let mut decoded = Vec::new();
        brotli::Decompressor::new(&brotli[..], 4096).read_to_end(&mut decoded).expect("brotli decodes");
        assert_eq!(decoded, b"<p>hello hello hello hello</p>");
    }

    #[test]
    fn a_body_made_for_one_encoding_gives_the_same_body_in_every_other() {
        let body: String = (0..2_000).map(|i| format!("<li>story {i} – “quoted” ünïcode</li>")).collect();
        for first in [Encoding::Brotli, Encoding::Gzip, Encoding::Identity] {
            let page = Representation::new_for(HTML, Bytes::from(body.clone()), first);
            assert_eq!(page.brotli.get().is_some(), first == Encoding::Brotli, "only what {first:?} needs is made");
            assert_eq!(page.identity(), body.as_bytes(), "{first:?}");
            assert_eq!(gunzip(&page.gzip()), body.as_bytes(), "{first:?}");
            assert_eq!(unbrotli(&page.brotli()), body.as_bytes(), "{first:?}");
            assert_eq!(page.etag, etag_of(body.as_bytes()), "one validator whatever the encoding");
        }
        let empty = Representation::new_for(HTML, Bytes::new(), Encoding::Brotli);
        assert_eq!(empty.identity(), Bytes::new());
    }

    #[test]
    fn a_single_representation_keeps_its_first_encoding_and_weighs_only_that() {
        let body: String = (0..500).map(|i| format!("<li>story {i}</li>")).collect();
        let browser = headers(&[("accept-encoding", "gzip, deflate, br")]);
        let gzip_only = headers(&[("accept-encoding", "gzip")]);
        let page = Representation::single(HTML, Bytes::from(body.clone()), Encoding::Brotli);
        let kept = page.brotli.get().map_or(0, Bytes::len);
        assert_eq!(page.weight(), kept + 256, "one encoding is charged, not two");
        assert_eq!(page.respond(&browser).headers()[header::CONTENT_ENCODING], "br");
        let other = page.respond(&gzip_only);
        assert_eq!(other.headers()[header::CONTENT_ENCODING], "gzip", "a client that does not take it gets gzip");
        assert!(page.gzip.get().is_none(), "made for that client alone, not kept");

        let api = Representation::single(JSON, Bytes::from(body.clone()), Encoding::Gzip);
        let answer = api.respond(&browser);
        assert_eq!(answer.headers()[header::CONTENT_ENCODING], "gzip", "a browser takes the kept gzip");
        assert!(api.brotli.get().is_none());
        assert_eq!(api.identity(), body.as_bytes());

        let listing = Representation::new_for(HTML, Bytes::from(body), Encoding::Gzip);
        assert_eq!(listing.respond(&browser).headers()[header::CONTENT_ENCODING], "br");
        assert!(listing.brotli.get().is_some(), "a listing keeps both");
        assert_eq!(listing.weight(), 2 * listing.gzip.get().map_or(0, Bytes::len) + 256);
    }

    #[test]
    fn entries_expire_with_their_story_or_generation_and_the_cache_stays_bounded() {
        let cache: ResponseCache<u32> = ResponseCache::new(2, 1 << 20);
        let minute = Duration::from_secs(60);
        let ticket = cache.ticket(7);
        cache.put(1, rep("one"), Scope::Story(10), minute, ticket);
        cache.put(2, rep("two"), Scope::Generation(7), minute, ticket);
        assert!(cache.get(&1, 8).is_some(), "a story's page outlives a generation");
        assert!(cache.get(&2, 8).is_none(), "a listing does not");
        cache.invalidate(&HashSet::from([10]), 8);
        assert!(cache.get(&1, 8).is_none(), "a changed story's page is dropped");
        assert_eq!(cache.usage().0, 0, "the old generation's entries are dropped too");

        let stale = cache.ticket(8);
        cache.invalidate(&HashSet::from([11]), 8);
        cache.put(3, rep("three"), Scope::Story(11), minute, stale);
        assert!(cache.get(&3, 8).is_none(), "a render begun before an invalidation is not kept");

        let ticket = cache.ticket(8);
        for key in 4..10 {
            cache.put(key, rep("many"), Scope::Generation(8), minute, ticket);
        }
        assert_eq!(cache.usage().0, 2, "the entry limit holds");
        cache.put(20, rep("brief"), Scope::Generation(8), Duration::ZERO, ticket);
        assert!(cache.get(&20, 8).is_none(), "an expired entry is not served");

        let off: ResponseCache<u32> = ResponseCache::new(0, 1 << 20);
        off.put(1, rep("x"), Scope::Generation(1), minute, off.ticket(1));
        assert!(off.get(&1, 1).is_none());
    }

    #[test]
    fn story_pages_live_a_sixtieth_of_their_age() {
        let (min, max) = (Duration::from_secs(60), Duration::from_secs(86_400));
        assert_eq!(story_ttl(chrono::Duration::minutes(5), min, max), min);
        assert_eq!(story_ttl(chrono::Duration::hours(10), min, max), Duration::from_secs(600));
        assert_eq!(story_ttl(chrono::Duration::days(365), min, max), max);
        assert_eq!(story_ttl(chrono::Duration::hours(-3), min, max), min);
    }
}
