//! Test and benchmark support for Parallax: a fixture HTTP/1.1 server.
//!
//! [`FixtureServer`] listens on 127.0.0.1 (or another loopback address, see
//! [`FixtureServer::start_on`]) on a free port and answers each
//! path with a [`Route`], including ones that misbehave on purpose (dripping
//! bytes, lying about Content-Length, redirect loops, decompression bombs).
//! It runs on its own runtime in a background thread, so async tests and
//! blocking tests that spawn the real binary can both use it, and it stops
//! when dropped.
//!
//! This crate is for tests and benchmarks only: nothing shipped may depend on
//! it, and it must never listen anywhere but loopback.

mod http;

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use http::{ReadOutcome, Request, write_head};

/// Size of the pieces streamed bodies are written in.
const STREAM_CHUNK_BYTES: usize = 64 * 1024;

/// How one path answers.
#[derive(Debug, Clone)]
pub enum Route {
    /// A fixed response. Answers 304 when the request's If-None-Match names
    /// the ETag in `headers`, or its If-Modified-Since repeats the
    /// Last-Modified in `headers` exactly. A Content-Length or
    /// Transfer-Encoding in `headers` is sent as given (so it can lie) and the
    /// connection closes after the body.
    Body { status: u16, headers: Vec<(String, String)>, body: Vec<u8> },
    /// `body` gzipped, with `Content-Encoding: gzip`.
    Gzip { body: Vec<u8> },
    /// `body` zlib-wrapped, with `Content-Encoding: deflate`.
    Deflate { body: Vec<u8> },
    /// `body` brotli-compressed, with `Content-Encoding: br`.
    Brotli { body: Vec<u8> },
    /// A gzip stream that expands to `decoded_len` zero bytes, compressed as
    /// it is sent and ended by closing the connection.
    GzipBomb { decoded_len: u64 },
    /// `len` bytes with an honest Content-Length, streamed.
    Huge { len: u64 },
    /// `len` bytes in chunked transfer encoding, so the client cannot know
    /// the size up front.
    HugeChunked { len: u64 },
    /// `body` with its Content-Length, one byte per `interval`.
    Drip { body: Vec<u8>, interval: Duration },
    /// A redirect; `location` is sent as given, relative or absolute.
    Redirect { status: u16, location: String },
    /// A bodiless response, e.g. 429 with Retry-After.
    Status { status: u16, headers: Vec<(String, String)> },
}

/// A fixture HTTP server on loopback. Stops when dropped.
pub struct FixtureServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    routes: HashMap<String, Route>,
    hits: Mutex<HashMap<String, usize>>,
    /// The headers of the latest request to each path, names lowercased.
    last_headers: Mutex<HashMap<String, Vec<(String, String)>>>,
}

impl FixtureServer {
    /// Starts serving `routes` (path, route) on 127.0.0.1; other paths get 404.
    pub fn start(routes: Vec<(String, Route)>) -> io::Result<FixtureServer> {
        FixtureServer::start_on(IpAddr::V4(Ipv4Addr::LOCALHOST), routes)
    }

    /// Starts serving `routes` on `ip`, which must be a loopback address.
    /// Linux routes all of 127.0.0.0/8 to the loopback interface, so two
    /// servers on 127.0.0.1 and 127.0.0.2 look like two different hosts to
    /// an address policy, e.g. one allowed and one refused.
    pub fn start_on(ip: IpAddr, routes: Vec<(String, Route)>) -> io::Result<FixtureServer> {
        if !ip.is_loopback() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("testkit: the fixture server only listens on loopback, not {ip}"),
            ));
        }
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let std_listener = std::net::TcpListener::bind(SocketAddr::new(ip, 0))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        // Registering the socket needs the runtime's context, but not block_on,
        // which would panic when the caller is itself async.
        let listener = {
            let _context = runtime.enter();
            TcpListener::from_std(std_listener)?
        };
        let shared = Arc::new(Shared {
            routes: routes.into_iter().collect(),
            hits: Mutex::new(HashMap::new()),
            last_headers: Mutex::new(HashMap::new()),
        });
        let (shutdown, stop) = oneshot::channel();
        let serving = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("fixture-server-{}", addr.port()))
            .spawn(move || runtime.block_on(accept_until_stopped(listener, serving, stop)))?;
        Ok(FixtureServer { addr, shared, shutdown: Some(shutdown), thread: Some(thread) })
    }

    /// Serves every file under `dir` (see [`dir_routes`]).
    pub fn serve_dir(dir: impl AsRef<Path>) -> io::Result<FixtureServer> {
        FixtureServer::start(dir_routes(dir)?)
    }

    /// `http://IP:PORT` followed by `path`, which should start with `/`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many requests `path` (without query string) has received.
    pub fn hits(&self, path: &str) -> usize {
        let hits = self.shared.hits.lock().unwrap_or_else(PoisonError::into_inner);
        hits.get(path).copied().unwrap_or(0)
    }

    /// A header of the latest request to `path`, e.g. to see what User-Agent
    /// or If-None-Match a client sent.
    pub fn last_request_header(&self, path: &str, name: &str) -> Option<String> {
        let last = self.shared.last_headers.lock().unwrap_or_else(PoisonError::into_inner);
        let headers = last.get(path)?;
        headers.iter().find(|(header, _)| header.eq_ignore_ascii_case(name)).map(|(_, value)| value.clone())
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One route per regular file under `dir`, at `/` plus its path relative to
/// `dir` (subdirectories included, `/` separated). Each answers 200 with a
/// content type from its extension (`.xml`/`.rss` RSS, `.atom` Atom, `.json`
/// JSON Feed, `.html` HTML) and an ETag derived from its bytes, so
/// conditional requests get 304.
pub fn dir_routes(dir: impl AsRef<Path>) -> io::Result<Vec<(String, Route)>> {
    let mut routes = Vec::new();
    collect_files(dir.as_ref(), String::new(), &mut routes)?;
    routes.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(routes)
}

fn collect_files(dir: &Path, prefix: String, routes: &mut Vec<(String, Route)>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = format!("{prefix}/{name}");
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            collect_files(&entry.path(), path, routes)?;
        } else if file_type.is_file() {
            let body = std::fs::read(entry.path())?;
            let mut hasher = DefaultHasher::new();
            body.hash(&mut hasher);
            let headers = vec![
                ("Content-Type".to_string(), content_type_for(&name).to_string()),
                ("ETag".to_string(), format!("\"{:016x}\"", hasher.finish())),
            ];
            routes.push((path, Route::Body { status: 200, headers, body }));
        }
    }
    Ok(())
}

fn content_type_for(file_name: &str) -> &'static str {
    let extension = file_name.rsplit_once('.').map(|(_, extension)| extension.to_ascii_lowercase());
    match extension.as_deref() {
        Some("xml" | "rss") => "application/rss+xml",
        Some("atom") => "application/atom+xml",
        Some("json") => "application/feed+json",
        Some("html" | "htm") => "text/html",
        _ => "application/octet-stream",
    }
}

async fn accept_until_stopped(listener: TcpListener, shared: Arc<Shared>, mut stop: oneshot::Receiver<()>) {
    loop {
        tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(serve_connection(stream, Arc::clone(&shared)));
                }
                // Out of file descriptors and the like: wait instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
        }
    }
}

/// Serves requests on one connection until either side closes it. I/O errors
/// (a client that hung up mid-response) end only this connection.
async fn serve_connection(mut stream: TcpStream, shared: Arc<Shared>) {
    // Drip must put each byte on the wire as it is written.
    let _ = stream.set_nodelay(true);
    let mut buffer = Vec::new();
    loop {
        let request = match http::read_request(&mut stream, &mut buffer).await {
            Ok(ReadOutcome::Request(request)) => request,
            Ok(ReadOutcome::Malformed(status)) => {
                let _ = write_head(&mut stream, status, &[("Content-Length", "0"), ("Connection", "close")]).await;
                close_after_draining(&mut stream).await;
                return;
            }
            Ok(ReadOutcome::Closed) | Err(_) => return,
        };
        {
            let mut hits = shared.hits.lock().unwrap_or_else(PoisonError::into_inner);
            *hits.entry(request.path.clone()).or_insert(0) += 1;
            let mut last = shared.last_headers.lock().unwrap_or_else(PoisonError::into_inner);
            last.insert(request.path.clone(), request.headers.clone());
        }
        let connection = match respond(&mut stream, &request, shared.routes.get(&request.path)).await {
            Ok(connection) => connection,
            Err(_) => return,
        };
        if request.close || connection == Connection::Close {
            let _ = stream.shutdown().await;
            return;
        }
    }
}

/// Closing with unread input makes the kernel send a reset, which can destroy
/// the error response before the client reads it; so half-close, then read
/// and discard what the client is still sending, within bounds.
async fn close_after_draining(stream: &mut TcpStream) {
    const DRAIN_LIMIT_BYTES: usize = 1024 * 1024;
    const DRAIN_TIME_LIMIT: Duration = Duration::from_secs(1);
    let _ = stream.shutdown().await;
    let drain = async {
        let mut sink = [0u8; 4096];
        let mut drained = 0;
        while drained < DRAIN_LIMIT_BYTES {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(read) => drained += read,
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIME_LIMIT, drain).await;
}

#[derive(Debug, PartialEq, Eq)]
enum Connection {
    KeepAlive,
    Close,
}

async fn respond(stream: &mut TcpStream, request: &Request, route: Option<&Route>) -> io::Result<Connection> {
    let Some(route) = route else {
        write_head(stream, 404, &[("Content-Type", "text/plain"), ("Content-Length", "9")]).await?;
        stream.write_all(b"not found").await?;
        return Ok(Connection::KeepAlive);
    };
    match route {
        Route::Body { status, headers, body } => respond_body(stream, request, *status, headers, body).await,
        Route::Gzip { body } => {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(body)?;
            respond_encoded(stream, "gzip", &encoder.finish()?).await
        }
        Route::Deflate { body } => {
            let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(body)?;
            respond_encoded(stream, "deflate", &encoder.finish()?).await
        }
        Route::Brotli { body } => {
            let mut encoded = Vec::new();
            {
                let mut encoder = brotli::CompressorWriter::new(&mut encoded, 4096, 9, 22);
                encoder.write_all(body)?;
            }
            respond_encoded(stream, "br", &encoded).await
        }
        Route::GzipBomb { decoded_len } => send_gzip_bomb(stream, *decoded_len).await,
        Route::Huge { len } => {
            let length = len.to_string();
            write_head(
                stream,
                200,
                &[("Content-Type", "application/octet-stream"), ("Content-Length", &length), ("Connection", "close")],
            )
            .await?;
            send_filler(stream, *len, false).await?;
            Ok(Connection::Close)
        }
        Route::HugeChunked { len } => {
            write_head(
                stream,
                200,
                &[
                    ("Content-Type", "application/octet-stream"),
                    ("Transfer-Encoding", "chunked"),
                    ("Connection", "close"),
                ],
            )
            .await?;
            send_filler(stream, *len, true).await?;
            stream.write_all(b"0\r\n\r\n").await?;
            Ok(Connection::Close)
        }
        Route::Drip { body, interval } => {
            let length = body.len().to_string();
            write_head(stream, 200, &[("Content-Length", &length), ("Connection", "close")]).await?;
            for byte in body {
                stream.write_all(std::slice::from_ref(byte)).await?;
                stream.flush().await?;
                tokio::time::sleep(*interval).await;
            }
            Ok(Connection::Close)
        }
        Route::Redirect { status, location } => {
            write_head(stream, *status, &[("Location", location), ("Content-Length", "0")]).await?;
            Ok(Connection::KeepAlive)
        }
        Route::Status { status, headers } => {
            let sets_framing = headers.iter().any(|(name, _)| is_framing_header(name));
            let mut head = borrowed(headers);
            if !sets_framing {
                head.push(("Content-Length", "0"));
            }
            write_head(stream, *status, &head).await?;
            Ok(if sets_framing { Connection::Close } else { Connection::KeepAlive })
        }
    }
}

async fn respond_body(
    stream: &mut TcpStream,
    request: &Request,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> io::Result<Connection> {
    if status == 200 && is_not_modified(request, headers) {
        let kept: Vec<(&str, &str)> = borrowed(headers)
            .into_iter()
            .filter(|(name, _)| !is_framing_header(name) && !name.eq_ignore_ascii_case("content-type"))
            .collect();
        write_head(stream, 304, &kept).await?;
        return Ok(Connection::KeepAlive);
    }
    let mut head = borrowed(headers);
    let sets_framing = headers.iter().any(|(name, _)| is_framing_header(name));
    let length = body.len().to_string();
    if sets_framing {
        head.push(("Connection", "close"));
    } else {
        head.push(("Content-Length", &length));
    }
    write_head(stream, status, &head).await?;
    stream.write_all(body).await?;
    Ok(if sets_framing { Connection::Close } else { Connection::KeepAlive })
}

/// If-None-Match wins over If-Modified-Since, as in RFC 9110.
fn is_not_modified(request: &Request, headers: &[(String, String)]) -> bool {
    let route_header = |wanted: &str| {
        headers.iter().find(|(name, _)| name.eq_ignore_ascii_case(wanted)).map(|(_, value)| value.as_str())
    };
    if let Some(if_none_match) = request.header("if-none-match") {
        return route_header("etag").is_some_and(|etag| {
            if_none_match.split(',').map(str::trim).any(|candidate| candidate == "*" || candidate == etag)
        });
    }
    match (request.header("if-modified-since"), route_header("last-modified")) {
        (Some(since), Some(last_modified)) => since.trim() == last_modified.trim(),
        _ => false,
    }
}

async fn respond_encoded(stream: &mut TcpStream, encoding: &str, encoded: &[u8]) -> io::Result<Connection> {
    let length = encoded.len().to_string();
    write_head(stream, 200, &[("Content-Encoding", encoding), ("Content-Length", &length)]).await?;
    stream.write_all(encoded).await?;
    Ok(Connection::KeepAlive)
}

/// Compresses zeros while sending, so a bomb of any size costs the server
/// only a small buffer.
async fn send_gzip_bomb(stream: &mut TcpStream, decoded_len: u64) -> io::Result<Connection> {
    write_head(stream, 200, &[("Content-Encoding", "gzip"), ("Connection", "close")]).await?;
    let zeros = vec![0u8; STREAM_CHUNK_BYTES];
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut remaining = decoded_len;
    while remaining > 0 {
        let take = remaining.min(STREAM_CHUNK_BYTES as u64) as usize;
        encoder.write_all(&zeros[..take])?;
        remaining -= take as u64;
        let pending = encoder.get_mut();
        if pending.len() >= 8 * 1024 {
            stream.write_all(pending).await?;
            pending.clear();
        }
    }
    stream.write_all(&encoder.finish()?).await?;
    Ok(Connection::Close)
}

async fn send_filler(stream: &mut TcpStream, len: u64, chunked: bool) -> io::Result<()> {
    let filler = vec![b'x'; STREAM_CHUNK_BYTES];
    let mut remaining = len;
    while remaining > 0 {
        let take = remaining.min(STREAM_CHUNK_BYTES as u64) as usize;
        if chunked {
            stream.write_all(format!("{take:x}\r\n").as_bytes()).await?;
        }
        stream.write_all(&filler[..take]).await?;
        if chunked {
            stream.write_all(b"\r\n").await?;
        }
        remaining -= take as u64;
    }
    Ok(())
}

fn is_framing_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("transfer-encoding")
}

fn borrowed(headers: &[(String, String)]) -> Vec<(&str, &str)> {
    headers.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect()
}

/// `GET path` from a server at `addr` (HTTP/1.0, so the body is plain and
/// ends with the connection): the status and the body as text. For tests
/// that drive a running `parallax serve`.
pub fn http_get(addr: &str, path: &str) -> io::Result<(u16, String)> {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n\r\n")?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    Ok((status, body.to_string()))
}
