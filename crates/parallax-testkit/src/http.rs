//! Just enough HTTP/1.1 to read a test client's request and answer it, byte
//! by byte when a route asks for it.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Longest request head accepted; a longer one gets 431 and the connection closes.
pub(crate) const MAX_REQUEST_HEAD_BYTES: usize = 64 * 1024;

pub(crate) struct Request {
    /// The request target without its query string.
    pub(crate) path: String,
    /// Header names lowercased.
    pub(crate) headers: Vec<(String, String)>,
    /// The client asked to close after this response.
    pub(crate) close: bool,
}

impl Request {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(header, _)| header.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }
}

pub(crate) enum ReadOutcome {
    Request(Request),
    /// The client closed the connection between requests.
    Closed,
    /// The request could not be read; answer with this status and close.
    Malformed(u16),
}

/// Reads one request head (and skips its body) from `stream`. Bytes past the
/// request stay in `buffer` for the next one on the same connection.
pub(crate) async fn read_request<S: AsyncRead + Unpin>(
    stream: &mut S,
    buffer: &mut Vec<u8>,
) -> io::Result<ReadOutcome> {
    let head_end = loop {
        if let Some(position) = find(buffer, b"\r\n\r\n") {
            break position;
        }
        if buffer.len() > MAX_REQUEST_HEAD_BYTES {
            return Ok(ReadOutcome::Malformed(431));
        }
        let mut chunk = [0u8; 4096];
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Ok(ReadOutcome::Closed);
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    buffer.drain(..head_end + 4);
    let Some(request) = parse_head(&head) else {
        return Ok(ReadOutcome::Malformed(400));
    };
    let body_len = match request.header("content-length") {
        Some(value) => match value.trim().parse::<usize>() {
            Ok(len) => len,
            Err(_) => return Ok(ReadOutcome::Malformed(400)),
        },
        None => 0,
    };
    skip_body(stream, buffer, body_len).await?;
    Ok(ReadOutcome::Request(request))
}

fn parse_head(head: &str) -> Option<Request> {
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let _method = request_line.next()?;
    let target = request_line.next()?;
    let version = request_line.next()?;
    if !version.starts_with("HTTP/1.") || request_line.next().is_some() {
        return None;
    }
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let path = target.split('?').next().unwrap_or(target).to_string();
    let connection = headers.iter().find(|(name, _)| name == "connection").map(|(_, value)| value.to_ascii_lowercase());
    let close = match connection.as_deref() {
        Some(value) if value.contains("close") => true,
        Some(value) if value.contains("keep-alive") => false,
        _ => version == "HTTP/1.0",
    };
    Some(Request { path, headers, close })
}

async fn skip_body<S: AsyncRead + Unpin>(stream: &mut S, buffer: &mut Vec<u8>, body_len: usize) -> io::Result<()> {
    let buffered = body_len.min(buffer.len());
    buffer.drain(..buffered);
    let mut remaining = body_len - buffered;
    let mut chunk = [0u8; 4096];
    while remaining > 0 {
        let want = remaining.min(chunk.len());
        let read = stream.read(&mut chunk[..want]).await?;
        if read == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        remaining -= read;
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// Writes a status line and headers, then the blank line.
pub(crate) async fn write_head<S: AsyncWrite + Unpin>(
    stream: &mut S,
    status: u16,
    headers: &[(&str, &str)],
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn check(raw: &[u8], expected: Option<(&str, bool)>, expected_leftover: &[u8]) {
        let mut stream = raw;
        let mut buffer = Vec::new();
        let outcome = read_request(&mut stream, &mut buffer).await.expect("reads from a slice");
        let got = match outcome {
            ReadOutcome::Request(request) => Some((request.path, request.close)),
            ReadOutcome::Closed | ReadOutcome::Malformed(_) => None,
        };
        assert_eq!(got, expected.map(|(path, close)| (path.to_string(), close)));
        assert_eq!(buffer, expected_leftover);
    }

    #[tokio::test]
    async fn requests_are_read_and_bodies_skipped() {
        check(b"GET /feed.xml?x=1 HTTP/1.1\r\nHost: a\r\n\r\n", Some(("/feed.xml", false)), b"").await;
        check(b"GET / HTTP/1.0\r\n\r\n", Some(("/", true)), b"").await;
        check(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", Some(("/", true)), b"").await;
        check(
            b"POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\n",
            Some(("/a", false)),
            b"GET /b HTTP/1.1\r\n",
        )
        .await;
        check(b"nonsense\r\n\r\n", None, b"").await;
        check(b"GET / HTTP/1.1\r\nno colon here\r\n\r\n", None, b"").await;
        check(b"GET / HTTP/1.1\r\nHost", None, b"GET / HTTP/1.1\r\nHost").await;
    }
}
