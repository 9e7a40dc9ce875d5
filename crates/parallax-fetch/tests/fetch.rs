//! The fetcher against the loopback fixture server: decoding, conditional GET,
//! limits, redirects, HTTP errors and the address policy.

use std::time::Duration;

use tokio::io::AsyncWriteExt;

use parallax_core::config::FetchConfig;
use parallax_fetch::{FetchError, FetchOutcome, FetchedBody, Fetcher, NotModified, Validators};
use parallax_testkit::{FixtureServer, Route};

const MIB: u64 = 1024 * 1024;

/// The default limits, except that the loopback fixture may be reached.
fn loopback_config() -> FetchConfig {
    FetchConfig { allow_private_networks: true, ..FetchConfig::default() }
}

async fn fetch_with(config: &FetchConfig, url: &str, validators: &Validators) -> Result<FetchOutcome, FetchError> {
    Fetcher::new(config).expect("fetcher builds").fetch(url, validators).await
}

async fn fetch_body(config: &FetchConfig, url: &str) -> FetchedBody {
    match fetch_with(config, url, &Validators::default()).await {
        Ok(FetchOutcome::Fetched(fetched)) => fetched,
        other => panic!("expected a body from {url}, got {other:?}"),
    }
}

async fn fetch_error(config: &FetchConfig, url: &str) -> FetchError {
    match fetch_with(config, url, &Validators::default()).await {
        Err(error) => error,
        Ok(outcome) => panic!("expected an error from {url}, got {outcome:?}"),
    }
}

fn route(path: &str, route: Route) -> (String, Route) {
    (path.to_string(), route)
}

fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect()
}

fn redirect(status: u16, location: &str) -> Route {
    Route::Redirect { status, location: location.to_string() }
}

fn ok_body(body: &[u8]) -> Route {
    Route::Body { status: 200, headers: Vec::new(), body: body.to_vec() }
}

const FEED: &[u8] = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title></channel></rss>";

#[tokio::test]
async fn fetches_body_headers_and_sends_the_configured_user_agent() {
    let server = FixtureServer::start(vec![route(
        "/feed.xml",
        Route::Body {
            status: 200,
            headers: headers(&[
                ("Content-Type", "application/rss+xml; charset=utf-8"),
                ("ETag", "W/\"abc\""),
                ("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"),
                ("Cache-Control", "public, max-age=900"),
            ]),
            body: FEED.to_vec(),
        },
    )])
    .expect("start fixture");
    let config = FetchConfig { user_agent: "ParallaxTest/1.0".to_string(), ..loopback_config() };

    let fetched = fetch_body(&config, &server.url("/feed.xml")).await;

    assert_eq!(
        fetched,
        FetchedBody {
            final_url: server.url("/feed.xml"),
            content_type: Some("application/rss+xml; charset=utf-8".to_string()),
            content_location: None,
            body: FEED.to_vec(),
            validators: Validators {
                etag: Some("W/\"abc\"".to_string()),
                last_modified: Some("Sun, 06 Nov 1994 08:49:37 GMT".to_string()),
            },
            max_age: Some(Duration::from_secs(900)),
        }
    );
    assert_eq!(server.last_request_header("/feed.xml", "user-agent").as_deref(), Some("ParallaxTest/1.0"));
    let accepted = server.last_request_header("/feed.xml", "accept-encoding").unwrap_or_default();
    for encoding in ["gzip", "br", "deflate"] {
        assert!(accepted.contains(encoding), "Accept-Encoding {accepted:?} lacks {encoding}");
    }
}

#[tokio::test]
async fn a_non_feed_content_type_is_not_an_error() {
    let server = FixtureServer::start(vec![route(
        "/page",
        Route::Body {
            status: 200,
            headers: headers(&[("Content-Type", "text/html")]),
            body: b"<html>not a feed</html>".to_vec(),
        },
    )])
    .expect("start fixture");
    let fetched = fetch_body(&loopback_config(), &server.url("/page")).await;
    assert_eq!(fetched.content_type.as_deref(), Some("text/html"));
    assert_eq!(fetched.body, b"<html>not a feed</html>");
    assert_eq!(fetched.validators, Validators::default());
    assert_eq!(fetched.max_age, None);
}

#[tokio::test]
async fn gzip_deflate_and_brotli_bodies_are_decoded() {
    let server = FixtureServer::start(vec![
        route("/gzip", Route::Gzip { body: FEED.to_vec() }),
        route("/deflate", Route::Deflate { body: FEED.to_vec() }),
        route("/br", Route::Brotli { body: FEED.to_vec() }),
    ])
    .expect("start fixture");
    for path in ["/gzip", "/deflate", "/br"] {
        let fetched = fetch_body(&loopback_config(), &server.url(path)).await;
        assert_eq!(fetched.body, FEED, "{path}");
    }
}

#[tokio::test]
async fn conditional_get_turns_an_unchanged_feed_into_not_modified() {
    let server = FixtureServer::start(vec![route(
        "/feed.xml",
        Route::Body {
            status: 200,
            headers: headers(&[
                ("ETag", "\"v7\""),
                ("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"),
                ("Cache-Control", "max-age=60"),
            ]),
            body: FEED.to_vec(),
        },
    )])
    .expect("start fixture");
    let config = loopback_config();
    let url = server.url("/feed.xml");

    let first = fetch_body(&config, &url).await;
    assert_eq!(server.last_request_header("/feed.xml", "if-none-match"), None);

    let second = fetch_with(&config, &url, &first.validators).await.expect("conditional fetch");
    assert_eq!(
        second,
        FetchOutcome::NotModified(NotModified {
            validators: first.validators.clone(),
            max_age: Some(Duration::from_secs(60)),
        })
    );
    assert_eq!(server.last_request_header("/feed.xml", "if-none-match").as_deref(), Some("\"v7\""));
    assert_eq!(
        server.last_request_header("/feed.xml", "if-modified-since").as_deref(),
        Some("Sun, 06 Nov 1994 08:49:37 GMT")
    );

    let by_date_only = Validators { etag: None, last_modified: first.validators.last_modified.clone() };
    let third = fetch_with(&config, &url, &by_date_only).await.expect("conditional fetch");
    assert!(matches!(third, FetchOutcome::NotModified(_)), "{third:?}");

    let stale = Validators { etag: Some("\"v6\"".to_string()), last_modified: None };
    let fourth = fetch_with(&config, &url, &stale).await.expect("conditional fetch");
    assert!(matches!(fourth, FetchOutcome::Fetched(_)), "{fourth:?}");
    assert_eq!(server.hits("/feed.xml"), 4);
}

#[tokio::test]
async fn a_dripping_server_is_cut_at_the_total_timeout() {
    let server = FixtureServer::start(vec![route(
        "/drip",
        Route::Drip { body: vec![b'x'; 60], interval: Duration::from_secs(1) },
    )])
    .expect("start fixture");
    let config = FetchConfig { total_timeout_secs: 2, ..loopback_config() };
    let error = fetch_error(&config, &server.url("/drip")).await;
    assert!(matches!(error, FetchError::TimedOut { secs: 2 }), "{error:?}");
    assert_eq!(error.to_string(), "fetch: timed out after 2 s");
}

#[tokio::test]
async fn a_server_that_never_accepts_hits_the_connect_timeout() {
    // A listener with a full accept queue drops new SYNs, so connecting hangs.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.bind("127.0.0.1:0".parse().expect("address")).expect("bind");
    let listener = socket.listen(1).expect("listen");
    let addr = listener.local_addr().expect("address");
    let mut queued = Vec::new();
    for _ in 0..16 {
        let attempt = tokio::time::timeout(Duration::from_millis(200), tokio::net::TcpStream::connect(addr)).await;
        match attempt {
            Ok(Ok(stream)) => queued.push(stream),
            _ => break,
        }
    }
    let config = FetchConfig { connect_timeout_secs: 1, total_timeout_secs: 20, ..loopback_config() };
    let error = fetch_error(&config, &format!("http://{addr}/feed")).await;
    assert!(matches!(error, FetchError::ConnectTimedOut { secs: 1 }), "{error:?}");
    assert_eq!(error.to_string(), "fetch: could not connect within 1 s");
}

#[tokio::test]
async fn oversized_bodies_fail_without_being_buffered() {
    let server = FixtureServer::start(vec![
        route("/huge", Route::Huge { len: 100 * MIB }),
        route("/chunked", Route::HugeChunked { len: 100 * MIB }),
        route("/bomb", Route::GzipBomb { decoded_len: 1024 * MIB }),
    ])
    .expect("start fixture");
    for path in ["/huge", "/chunked", "/bomb"] {
        let error = fetch_error(&loopback_config(), &server.url(path)).await;
        assert!(matches!(error, FetchError::BodyTooLarge { .. }), "{path}: {error:?}");
        assert_eq!(error.to_string(), "fetch: body exceeds 15 MiB", "{path}");
    }
}

#[tokio::test]
async fn the_body_cap_allows_exactly_the_limit() {
    let server = FixtureServer::start(vec![
        route("/at-limit", Route::HugeChunked { len: 1000 }),
        route("/over-limit", Route::HugeChunked { len: 1001 }),
        route("/declared-over", Route::Huge { len: 1001 }),
        route("/gzip-over", Route::Gzip { body: vec![b'a'; 1001] }),
    ])
    .expect("start fixture");
    let config = FetchConfig { max_body_bytes: 1000, ..loopback_config() };
    assert_eq!(fetch_body(&config, &server.url("/at-limit")).await.body.len(), 1000);
    for path in ["/over-limit", "/declared-over", "/gzip-over"] {
        let error = fetch_error(&config, &server.url(path)).await;
        assert_eq!(error.to_string(), "fetch: body exceeds 1000 bytes", "{path}");
    }
}

#[tokio::test]
async fn redirects_are_followed_up_to_the_limit() {
    let server = FixtureServer::start(vec![
        route("/r1", redirect(301, "/r2")),
        route("/r2", redirect(302, "r3")),
        route("/r3", redirect(303, "./r4")),
        route("/r4", redirect(307, "/r5")),
        route("/r5", redirect(308, "/feed.xml?from=r5")),
        route("/feed.xml", ok_body(FEED)),
        route("/r0", redirect(301, "/r1")),
    ])
    .expect("start fixture");
    let fetched = fetch_body(&loopback_config(), &server.url("/r1")).await;
    assert_eq!(fetched.final_url, server.url("/feed.xml?from=r5"));
    assert_eq!(fetched.body, FEED);

    let error = fetch_error(&loopback_config(), &server.url("/r0")).await;
    assert_eq!(error.to_string(), "fetch: too many redirects (more than 5)");
    assert_eq!(server.hits("/feed.xml"), 1);
}

#[tokio::test]
async fn a_redirect_loop_fails() {
    let server = FixtureServer::start(vec![route("/a", redirect(302, "/b")), route("/b", redirect(302, "/a"))])
        .expect("start fixture");
    let config = FetchConfig { max_redirects: 3, ..loopback_config() };
    let error = fetch_error(&config, &server.url("/a")).await;
    assert!(matches!(error, FetchError::TooManyRedirects { max: 3 }), "{error:?}");
    assert_eq!(server.hits("/a") + server.hits("/b"), 4);
}

#[tokio::test]
async fn every_redirect_hop_is_checked() {
    let server = FixtureServer::start(vec![
        route("/to-file", redirect(301, "file:///etc/passwd")),
        route("/to-ftp", redirect(302, "ftp://example.com/feed")),
        route("/nowhere", Route::Status { status: 302, headers: Vec::new() }),
    ])
    .expect("start fixture");
    let config = loopback_config();
    let to_file = fetch_error(&config, &server.url("/to-file")).await;
    assert_eq!(to_file.to_string(), "fetch: only http and https URLs are fetched, not \"file\"");
    let to_ftp = fetch_error(&config, &server.url("/to-ftp")).await;
    assert_eq!(to_ftp.to_string(), "fetch: only http and https URLs are fetched, not \"ftp\"");
    let nowhere = fetch_error(&config, &server.url("/nowhere")).await;
    assert_eq!(
        nowhere.to_string(),
        format!("fetch: HTTP 302 redirect from {} has no Location header", server.url("/nowhere"))
    );
}

#[tokio::test]
async fn error_statuses_become_errors_with_clamped_retry_after() {
    let server = FixtureServer::start(vec![
        route("/missing", Route::Status { status: 404, headers: Vec::new() }),
        route("/broken", Route::Status { status: 500, headers: headers(&[("Retry-After", "120")]) }),
        route("/slow-down", Route::Status { status: 429, headers: headers(&[("Retry-After", "120")]) }),
        route("/too-eager", Route::Status { status: 429, headers: headers(&[("Retry-After", "1")]) }),
        route("/no-hint", Route::Status { status: 429, headers: Vec::new() }),
        route(
            "/down",
            Route::Status { status: 503, headers: headers(&[("Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT")]) },
        ),
        route("/gone", Route::Body { status: 410, headers: Vec::new(), body: b"gone".to_vec() }),
    ])
    .expect("start fixture");
    let config = FetchConfig { min_retry_after_secs: 60, max_retry_after_secs: 3600, ..loopback_config() };
    let cases: [(&str, &str, Option<u64>); 7] = [
        ("/missing", "fetch: HTTP 404 Not Found", None),
        ("/broken", "fetch: HTTP 500 Internal Server Error", None),
        ("/slow-down", "fetch: HTTP 429 Too Many Requests (retry after 120 s)", Some(120)),
        ("/too-eager", "fetch: HTTP 429 Too Many Requests (retry after 60 s)", Some(60)),
        ("/no-hint", "fetch: HTTP 429 Too Many Requests", None),
        ("/down", "fetch: HTTP 503 Service Unavailable (retry after 3600 s)", Some(3600)),
        ("/gone", "fetch: HTTP 410 Gone", None),
    ];
    for (path, message, retry_after_secs) in cases {
        let error = fetch_error(&config, &server.url(path)).await;
        assert_eq!(error.to_string(), message, "{path}");
        assert_eq!(error.retry_after(), retry_after_secs.map(Duration::from_secs), "{path}");
        assert!(error.status().is_some(), "{path}");
    }
}

#[tokio::test]
async fn internal_addresses_are_refused_before_any_request() {
    let server = FixtureServer::start(vec![route("/feed", ok_body(FEED))]).expect("start fixture");
    let port = server.addr().port();
    let config = FetchConfig::default();
    let loopback = "(pass --allow-private-networks to allow)";
    let cases = [
        (server.url("/feed"), format!("fetch: address 127.0.0.1 is loopback {loopback}")),
        (format!("http://2130706433:{port}/feed"), format!("fetch: address 127.0.0.1 is loopback {loopback}")),
        (format!("http://0x7f000001:{port}/feed"), format!("fetch: address 127.0.0.1 is loopback {loopback}")),
        (
            format!("http://[::ffff:127.0.0.1]:{port}/feed"),
            format!("fetch: address ::ffff:127.0.0.1 is loopback (embeds 127.0.0.1) {loopback}"),
        ),
        (format!("http://[::1]:{port}/feed"), format!("fetch: address ::1 is loopback {loopback}")),
        (
            format!("http://localhost:{port}/feed"),
            format!(
                "fetch: host localhost resolves only to forbidden addresses: address 127.0.0.1 is loopback {loopback}"
            ),
        ),
    ];
    for (url, message) in cases {
        let error = fetch_error(&config, &url).await;
        let mut text = error.to_string();
        if url.contains("localhost") {
            // localhost may resolve to ::1 first, depending on /etc/hosts.
            text = text.replace("address ::1 is loopback", "address 127.0.0.1 is loopback");
        }
        assert_eq!(text, message, "{url}");
    }
    assert_eq!(server.hits("/feed"), 0);
}

#[tokio::test]
async fn allowed_private_networks_open_only_the_listed_networks() {
    let server = FixtureServer::start(vec![route("/feed", ok_body(FEED))]).expect("start fixture");
    let port = server.addr().port();
    let config = FetchConfig { allowed_private_networks: vec!["127.0.0.1/32".to_string()], ..FetchConfig::default() };

    let by_literal = fetch_body(&config, &server.url("/feed")).await;
    assert_eq!(by_literal.body, FEED);
    // localhost may resolve to ::1 as well; that answer is dropped, 127.0.0.1 kept.
    let by_name = fetch_body(&config, &format!("http://localhost:{port}/feed")).await;
    assert_eq!(by_name.body, FEED);
    assert_eq!(server.hits("/feed"), 2);

    let elsewhere = FetchConfig { allowed_private_networks: vec!["10.0.0.0/8".to_string()], ..FetchConfig::default() };
    let error = fetch_error(&elsewhere, &server.url("/feed")).await;
    assert_eq!(error.to_string(), "fetch: address 127.0.0.1 is loopback (pass --allow-private-networks to allow)");
    assert_eq!(server.hits("/feed"), 2);
}

#[test]
fn an_invalid_allowed_network_stops_the_fetcher_from_being_built() {
    let config = FetchConfig { allowed_private_networks: vec!["10.0.0.0/33".to_string()], ..FetchConfig::default() };
    let error = Fetcher::new(&config).expect_err("invalid network");
    assert_eq!(
        error.to_string(),
        "fetch: fetch.allowed_private_networks entry \"10.0.0.0/33\" is not a network in CIDR notation: \
         prefix length \"33\" is not a number from 0 to 32"
    );
}

#[tokio::test]
async fn non_http_urls_and_garbage_are_refused() {
    let config = FetchConfig::default();
    let cases = [
        ("file:///etc/passwd", "fetch: only http and https URLs are fetched, not \"file\""),
        ("data:text/plain,hello", "fetch: only http and https URLs are fetched, not \"data\""),
        ("not a url", "fetch: \"not a url\" is not a valid URL: relative URL without a base"),
    ];
    for (url, message) in cases {
        assert_eq!(fetch_error(&config, url).await.to_string(), message, "{url}");
    }
}

#[tokio::test]
async fn https_to_a_plain_http_server_fails_cleanly() {
    // Answers the TLS ClientHello with plain HTTP, as a misconfigured server would.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accept");
        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n").await;
        let _ = stream.shutdown().await;
    });
    let error = fetch_error(&loopback_config(), &format!("https://{addr}/feed")).await;
    assert!(matches!(error, FetchError::Network { .. }), "{error:?}");
    assert!(error.to_string().starts_with(&format!("fetch: request to https://{addr}/feed failed: ")), "{error}");
    server.await.expect("fake server finishes");
}

#[tokio::test]
async fn a_certificate_no_trusted_root_signed_is_rejected() {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/self-signed");
    let cert = CertificateDer::from_pem_file(format!("{dir}/cert.pem")).expect("test certificate");
    let key = PrivateKeyDer::from_pem_file(format!("{dir}/key.pem")).expect("test key");
    let tls =
        rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .expect("server TLS config");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    let server = std::thread::spawn(move || {
        let (mut tcp, _) = listener.accept().expect("accept");
        tcp.set_read_timeout(Some(Duration::from_secs(20))).expect("set timeout");
        let mut connection = rustls::ServerConnection::new(std::sync::Arc::new(tls)).expect("server connection");
        // The client is expected to abort the handshake.
        while connection.is_handshaking() && connection.complete_io(&mut tcp).is_ok() {}
    });
    let error = fetch_error(&loopback_config(), &format!("https://{addr}/feed")).await;
    let text = error.to_string();
    assert!(matches!(error, FetchError::Network { .. }), "{error:?}");
    assert!(text.contains("invalid peer certificate"), "{text}");
    server.join().expect("TLS server thread");
}
