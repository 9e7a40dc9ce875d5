//! Connections are bounded: idle clients beyond the limit cannot keep a
//! reader from her page, and a client that never finishes its request is
//! let go.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use common::build_corpus;
use parallax_server::{ServeOptions, Server, ServerConfig};

/// Only a guard against a hang: every answer here comes in milliseconds.
const PATIENCE: Duration = Duration::from_secs(20);

async fn start(dir: &std::path::Path, config: ServerConfig) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let options = ServeOptions {
        data_dir: dir.to_path_buf(),
        config: parallax_ingest::Config::default(),
        server: config,
        selected_feeds: None,
        demo: false,
        refresh: false,
        embedder: None,
        supply: None,
    };
    let server = Server::start(options).await.expect("start");
    let addr = server.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    (addr, stop)
}

/// A plain HTTP/1.1 GET on a new connection; the status line and body.
fn fetch(addr: SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_beyond_the_limit_make_room_for_a_reader() {
    let dir = tempfile::tempdir().expect("temp dir");
    build_corpus(dir.path());
    let config =
        ServerConfig { listen: SocketAddr::from(([127, 0, 0, 1], 0)), max_connections: 20, ..ServerConfig::default() };
    let (addr, stop) = start(dir.path(), config).await;
    let answer = tokio::task::spawn_blocking(move || {
        // Five times the limit, opened and left silent.
        let idle: Vec<TcpStream> = (0..100).map(|_| TcpStream::connect(addr).expect("idle connection")).collect();
        std::thread::sleep(Duration::from_millis(200));
        let answer = fetch(addr, "/stories/1");
        let metrics = fetch(addr, "/metrics");
        drop(idle);
        (answer, metrics)
    })
    .await
    .expect("client");
    let (page, metrics) = answer;
    assert!(page.starts_with("HTTP/1.1 200"), "{}", &page[..page.len().min(300)]);
    assert!(page.contains("Harbor bridge reopens"));
    let shed = metrics
        .lines()
        .find_map(|line| line.strip_prefix("parallax_connections_shed_total "))
        .and_then(|n| n.trim().parse::<u64>().ok())
        .expect("the shed counter");
    assert!(shed >= 80, "idle connections were closed to make room: {shed}");
    let _ = stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_whose_headers_never_finish_is_let_go() {
    let dir = tempfile::tempdir().expect("temp dir");
    build_corpus(dir.path());
    let config = ServerConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        header_read_timeout_secs: 1,
        ..ServerConfig::default()
    };
    let (addr, stop) = start(dir.path(), config).await;
    let closed = tokio::task::spawn_blocking(move || {
        let mut slow = TcpStream::connect(addr).expect("connect");
        slow.set_read_timeout(Some(PATIENCE)).expect("timeout");
        slow.write_all(b"GET / HTTP/1.1\r\nHost: te").expect("half a request");
        let started = std::time::Instant::now();
        let mut rest = Vec::new();
        let outcome = slow.read_to_end(&mut rest);
        (outcome.is_ok(), started.elapsed(), String::from_utf8_lossy(&rest).to_string())
    })
    .await
    .expect("client");
    let (ended, waited, said) = closed;
    assert!(ended, "the server closed the connection");
    assert!(waited < PATIENCE, "before the client gave up");
    assert!(said.is_empty() || said.starts_with("HTTP/1.1 408"), "{said}");
    let _ = stop.send(());
}
