//! The reference client's command line: what it previews is what it sends, and a redirect
//! is reported as not sent.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use client::Consent;
use metrics_core::{InstallationId, Version};

/// Runs `update-check` against `endpoint` with the data in `dir`.
fn run(endpoint: &str, dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_update-check"));
    cmd.args([
        "--endpoint",
        endpoint,
        "--product-version",
        "3.12.0",
        "--data-dir",
    ])
    .arg(dir)
    .args(args)
    .env_remove("DO_NOT_TRACK")
    .env_remove("UPDATE_CHECK_PREVIEW")
    .env("RUST_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Accepts one connection within 5 s on a non-blocking listener, reads the request and
/// answers `response`; returns the request line and body.
fn answer_one(listener: &TcpListener, response: &str) -> (String, String) {
    let started = Instant::now();
    let (stream, _) = loop {
        match listener.accept() {
            Ok(conn) => break conn,
            Err(_) if started.elapsed() < Duration::from_secs(5) => {
                std::thread::sleep(Duration::from_millis(5))
            }
            Err(e) => panic!("no connection: {e}"),
        }
    };
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut reader = BufReader::new(&stream);
    let (mut request_line, mut line, mut length) = (String::new(), String::new(), 0);
    reader.read_line(&mut request_line).unwrap();
    while reader.read_line(&mut line).unwrap() > 0 && line != "\r\n" {
        if let Some(n) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = n.trim().parse().unwrap();
        }
        line.clear();
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    (&stream).write_all(response.as_bytes()).unwrap();
    (
        request_line.trim().to_owned(),
        String::from_utf8(body).unwrap(),
    )
}

#[test]
fn preview_prints_exactly_the_payload_sent() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    ok(run(
        &endpoint,
        dir.path(),
        &["consent", "updates-and-usage"],
        &[],
    ));

    let preview = ok(run(&endpoint, dir.path(), &["preview"], &[]));
    let by_env = ok(run(
        &endpoint,
        dir.path(),
        &["send"],
        &[("UPDATE_CHECK_PREVIEW", "1")],
    ));
    assert_eq!(preview, by_env);
    assert_eq!(
        listener.accept().map(|_| ()).unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock,
        "a preview sends nothing"
    );

    // The reference model's update check at 3.12.0, with the sample statistics.
    let id: InstallationId = std::fs::read_to_string(dir.path().join("installation-id"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let version = Version::parse("3.12.0").unwrap();
    let expected = client::payload::<schema::UpdateCheck>(
        &version,
        id,
        Consent::UpdatesAndUsage,
        schema::sample_statistics,
    )
    .unwrap();
    assert_eq!(preview, format!("{expected}\n"));

    // Sending posts those bytes.
    let sender = {
        let (endpoint, dir) = (endpoint.clone(), dir.path().to_owned());
        std::thread::spawn(move || run(&endpoint, &dir, &["send"], &[]))
    };
    let (line, body) = answer_one(
        &listener,
        "HTTP/1.1 201 Created\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    assert!(
        line.starts_with("POST /submit/update-check/3.12.0/"),
        "{line}"
    );
    assert_eq!(format!("{body}\n"), preview);
    let out = sender.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("sent (HTTP 201, 1 attempt(s))"), "{stderr}");

    // DO_NOT_TRACK=1 wins over the stored consent: nothing to preview.
    assert_eq!(
        ok(run(
            &endpoint,
            dir.path(),
            &["preview"],
            &[("DO_NOT_TRACK", "1")]
        )),
        ""
    );
}

#[test]
fn a_redirect_is_reported_as_not_sent_with_its_location() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    ok(run(&endpoint, dir.path(), &["consent", "updates"], &[]));
    let sender = {
        let (endpoint, dir) = (endpoint.clone(), dir.path().to_owned());
        std::thread::spawn(move || run(&endpoint, &dir, &["send"], &[]))
    };
    answer_one(
        &listener,
        "HTTP/1.1 302 Found\r\nLocation: https://elsewhere.example/submit\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    let out = sender.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(!stderr.contains("sent (HTTP"), "{stderr}");
    assert!(
        stderr.contains("not sent: the endpoint answered HTTP 302, a redirect to https://elsewhere.example/submit"),
        "{stderr}"
    );
    assert_eq!(
        listener.accept().map(|_| ()).unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock,
        "one request, not retried"
    );
}
