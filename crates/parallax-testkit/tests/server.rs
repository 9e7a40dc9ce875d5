//! The fixture server seen from a plain blocking socket, the way a test that
//! spawns the real binary would use it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use parallax_testkit::{FixtureServer, Route};

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(header, _)| header.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }
}

/// Sends `GET path` with `extra_headers` and `Connection: close`, reads to EOF.
fn get(server: &FixtureServer, path: &str, extra_headers: &[(&str, &str)]) -> Response {
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", server.addr());
    for (name, value) in extra_headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    parse_response(&exchange(server, request.as_bytes()))
}

/// Sends `raw` and reads until the server closes. A server that answers and
/// closes before reading all of `raw` is fine.
fn exchange(server: &FixtureServer, raw: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(server.addr()).expect("connect to fixture");
    stream.set_read_timeout(Some(Duration::from_secs(20))).expect("set timeout");
    let _ = stream.write_all(raw);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    response
}

fn parse_response(raw: &[u8]) -> Response {
    let head_end = raw.windows(4).position(|window| window == b"\r\n\r\n").expect("complete head");
    let head = String::from_utf8(raw[..head_end].to_vec()).expect("ASCII head");
    let mut lines = head.split("\r\n");
    let status = lines.next().expect("status line").split(' ').nth(1).expect("status").parse().expect("number");
    let headers = lines
        .map(|line| {
            let (name, value) = line.split_once(": ").expect("header line");
            (name.to_string(), value.to_string())
        })
        .collect();
    Response { status, headers, body: raw[head_end + 4..].to_vec() }
}

fn decode_chunked(mut body: &[u8]) -> Vec<u8> {
    let mut decoded = Vec::new();
    loop {
        let line_end = body.windows(2).position(|window| window == b"\r\n").expect("chunk size line");
        let size = usize::from_str_radix(std::str::from_utf8(&body[..line_end]).expect("hex"), 16).expect("hex");
        body = &body[line_end + 2..];
        if size == 0 {
            return decoded;
        }
        decoded.extend_from_slice(&body[..size]);
        body = &body[size + 2..];
    }
}

fn route(path: &str, route: Route) -> (String, Route) {
    (path.to_string(), route)
}

fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect()
}

#[test]
fn body_route_answers_conditional_requests_with_304() {
    let server = FixtureServer::start(vec![route(
        "/feed.xml",
        Route::Body {
            status: 200,
            headers: headers(&[
                ("Content-Type", "application/rss+xml"),
                ("ETag", "\"v1\""),
                ("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"),
            ]),
            body: b"<rss/>".to_vec(),
        },
    )])
    .expect("start");

    let fresh = get(&server, "/feed.xml", &[]);
    assert_eq!(fresh.status, 200);
    assert_eq!(fresh.body, b"<rss/>");
    assert_eq!(fresh.header("content-length"), Some("6"));
    assert_eq!(fresh.header("content-type"), Some("application/rss+xml"));

    let by_etag = get(&server, "/feed.xml?cache=bust", &[("If-None-Match", "\"v0\", \"v1\"")]);
    assert_eq!(by_etag.status, 304);
    assert!(by_etag.body.is_empty());
    assert_eq!(by_etag.header("etag"), Some("\"v1\""));

    let stale_etag = get(&server, "/feed.xml", &[("If-None-Match", "\"v0\"")]);
    assert_eq!(stale_etag.status, 200);

    let by_date = get(&server, "/feed.xml", &[("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT")]);
    assert_eq!(by_date.status, 304);

    assert_eq!(server.hits("/feed.xml"), 4);
    assert_eq!(
        server.last_request_header("/feed.xml", "If-Modified-Since").as_deref(),
        Some("Sun, 06 Nov 1994 08:49:37 GMT")
    );
    assert_eq!(server.last_request_header("/feed.xml", "If-None-Match"), None);
    assert_eq!(server.hits("/other"), 0);
}

#[test]
fn unknown_paths_get_404() {
    let server = FixtureServer::start(Vec::new()).expect("start");
    let response = get(&server, "/missing", &[]);
    assert_eq!(response.status, 404);
    assert_eq!(server.hits("/missing"), 1);
}

#[test]
fn compressed_routes_encode_their_body() {
    let text = b"<rss>compressible compressible compressible</rss>".to_vec();
    let server = FixtureServer::start(vec![
        route("/gzip", Route::Gzip { body: text.clone() }),
        route("/deflate", Route::Deflate { body: text.clone() }),
        route("/br", Route::Brotli { body: text.clone() }),
    ])
    .expect("start");

    let gzip = get(&server, "/gzip", &[]);
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(gzip.body.as_slice()).read_to_end(&mut decoded).expect("gunzip");
    assert_eq!(decoded, text);

    let deflate = get(&server, "/deflate", &[]);
    assert_eq!(deflate.header("content-encoding"), Some("deflate"));
    let mut decoded = Vec::new();
    flate2::read::ZlibDecoder::new(deflate.body.as_slice()).read_to_end(&mut decoded).expect("inflate");
    assert_eq!(decoded, text);

    let brotli = get(&server, "/br", &[]);
    assert_eq!(brotli.header("content-encoding"), Some("br"));
    let mut decoded = Vec::new();
    brotli::Decompressor::new(brotli.body.as_slice(), 4096).read_to_end(&mut decoded).expect("unbrotli");
    assert_eq!(decoded, text);
}

#[test]
fn gzip_bomb_expands_to_the_requested_length() {
    let decoded_len = 3 * 1024 * 1024 + 17;
    let server = FixtureServer::start(vec![route("/bomb", Route::GzipBomb { decoded_len })]).expect("start");
    let bomb = get(&server, "/bomb", &[]);
    assert_eq!(bomb.header("content-encoding"), Some("gzip"));
    assert!(bomb.body.len() < 64 * 1024, "compressed to {} bytes", bomb.body.len());
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(bomb.body.as_slice()).read_to_end(&mut decoded).expect("gunzip");
    assert_eq!(decoded.len() as u64, decoded_len);
    assert!(decoded.iter().all(|&byte| byte == 0));
}

#[test]
fn huge_routes_stream_the_declared_length() {
    let server = FixtureServer::start(vec![
        route("/huge", Route::Huge { len: 200_000 }),
        route("/chunked", Route::HugeChunked { len: 200_000 }),
    ])
    .expect("start");

    let huge = get(&server, "/huge", &[]);
    assert_eq!(huge.header("content-length"), Some("200000"));
    assert_eq!(huge.body.len(), 200_000);

    let chunked = get(&server, "/chunked", &[]);
    assert_eq!(chunked.header("transfer-encoding"), Some("chunked"));
    assert_eq!(chunked.header("content-length"), None);
    assert_eq!(decode_chunked(&chunked.body).len(), 200_000);
}

#[test]
fn drip_sends_the_whole_body_eventually() {
    let server = FixtureServer::start(vec![route(
        "/drip",
        Route::Drip { body: b"abc".to_vec(), interval: Duration::from_millis(5) },
    )])
    .expect("start");
    let drip = get(&server, "/drip", &[]);
    assert_eq!(drip.header("content-length"), Some("3"));
    assert_eq!(drip.body, b"abc");
}

#[test]
fn redirect_and_status_routes_send_their_headers() {
    let server = FixtureServer::start(vec![
        route("/moved", Route::Redirect { status: 301, location: "/feed.xml".to_string() }),
        route("/slow-down", Route::Status { status: 429, headers: headers(&[("Retry-After", "120")]) }),
    ])
    .expect("start");

    let moved = get(&server, "/moved", &[]);
    assert_eq!(moved.status, 301);
    assert_eq!(moved.header("location"), Some("/feed.xml"));

    let slow = get(&server, "/slow-down", &[]);
    assert_eq!(slow.status, 429);
    assert_eq!(slow.header("retry-after"), Some("120"));
    assert_eq!(slow.header("content-length"), Some("0"));
}

#[test]
fn a_lying_content_length_is_sent_as_given() {
    let server = FixtureServer::start(vec![route(
        "/liar",
        Route::Body { status: 200, headers: headers(&[("Content-Length", "1000")]), body: b"short".to_vec() },
    )])
    .expect("start");
    let liar = get(&server, "/liar", &[]);
    assert_eq!(liar.header("content-length"), Some("1000"));
    assert_eq!(liar.body, b"short");
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let server = FixtureServer::start(vec![route(
        "/a",
        Route::Body { status: 200, headers: Vec::new(), body: b"first".to_vec() },
    )])
    .expect("start");
    let raw =
        exchange(&server, b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let text = String::from_utf8(raw).expect("ASCII");
    assert_eq!(text.matches("HTTP/1.1 200 OK").count(), 2, "{text}");
    assert_eq!(server.hits("/a"), 2);
}

#[test]
fn clients_that_hang_up_or_talk_nonsense_do_not_stop_the_server() {
    let server = FixtureServer::start(vec![
        route("/huge", Route::Huge { len: 1 << 30 }),
        route("/ok", Route::Body { status: 200, headers: Vec::new(), body: b"fine".to_vec() }),
    ])
    .expect("start");

    drop(TcpStream::connect(server.addr()).expect("connect"));

    let mut half = TcpStream::connect(server.addr()).expect("connect");
    half.write_all(b"GET /ok HTTP/1.1\r\nHo").expect("send half");
    drop(half);

    let mut reader = TcpStream::connect(server.addr()).expect("connect");
    reader.write_all(b"GET /huge HTTP/1.1\r\nHost: x\r\n\r\n").expect("send");
    let mut first_bytes = [0u8; 1024];
    reader.read_exact(&mut first_bytes).expect("some of the huge body");
    drop(reader);

    let nonsense = exchange(&server, b"nonsense\r\n\r\n");
    assert!(nonsense.starts_with(b"HTTP/1.1 400"), "{}", String::from_utf8_lossy(&nonsense));

    let long_header = format!("GET /ok HTTP/1.1\r\nX-Long: {}\r\n\r\n", "a".repeat(100 * 1024));
    let oversized = exchange(&server, long_header.as_bytes());
    assert!(oversized.starts_with(b"HTTP/1.1 431"), "{}", String::from_utf8_lossy(&oversized));

    let ok = get(&server, "/ok", &[]);
    assert_eq!(ok.status, 200);
    assert_eq!(ok.body, b"fine");
}

#[test]
fn dropping_the_server_stops_it() {
    let server = FixtureServer::start(Vec::new()).expect("start");
    let addr = server.addr();
    assert_eq!(server.url("/feed"), format!("http://{addr}/feed"));
    drop(server);
    assert!(TcpStream::connect(addr).is_err());
}

#[test]
fn serve_dir_maps_files_to_paths_with_content_types() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/site");
    let server = FixtureServer::serve_dir(dir).expect("serve testdata/site");
    let cases = [
        ("/news.xml", "application/rss+xml"),
        ("/news.rss", "application/rss+xml"),
        ("/news.atom", "application/atom+xml"),
        ("/news.json", "application/feed+json"),
        ("/index.html", "text/html"),
        ("/nested/deep.xml", "application/rss+xml"),
    ];
    for (path, content_type) in cases {
        let response = get(&server, path, &[]);
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(response.header("content-type"), Some(content_type), "{path}");
        let on_disk = std::fs::read(format!("{dir}{path}")).expect("fixture file");
        assert_eq!(response.body, on_disk, "{path}");
        let etag = response.header("etag").expect("an ETag").to_string();
        assert_eq!(get(&server, path, &[("If-None-Match", &etag)]).status, 304, "{path}");
    }
}

#[test]
fn start_on_serves_on_another_loopback_address_and_refuses_others() {
    let ip: std::net::IpAddr = "127.0.0.2".parse().expect("address");
    let server = FixtureServer::start_on(ip, vec![route("/feed", Route::Status { status: 204, headers: Vec::new() })])
        .expect("start on 127.0.0.2");
    assert_eq!(server.addr().ip(), ip);
    assert!(server.url("/feed").starts_with("http://127.0.0.2:"));
    assert_eq!(get(&server, "/feed", &[]).status, 204);
    assert_eq!(server.hits("/feed"), 1);

    for outside in ["0.0.0.0", "10.0.0.1", "::"] {
        let refused = FixtureServer::start_on(outside.parse().expect("address"), Vec::new());
        let error = refused.err().expect("only loopback is served");
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput, "{outside}");
    }
}
