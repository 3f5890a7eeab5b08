//! Bad input gets the right status, and nothing acknowledged is lost.

mod common;

use std::io::Write as _;
use std::time::{Duration, Instant};

use client::Consent;
use collector::Limits;
use common::{Db, Server, post, raw, runtime};
use metrics_core::Version;
use serde_json::Value;

fn body_at(version: &str) -> String {
    let version = Version::parse(version).unwrap();
    let id = "0f8fad5b-d9cb-469f-a165-70867728950e".parse().unwrap();
    client::payload::<schema::UpdateCheck>(
        &version,
        id,
        Consent::UpdatesAndUsage,
        schema::sample_statistics,
    )
    .unwrap()
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// The violations of a 400: a JSON array of `{pointer, rule, message}`.
fn violations(text: &str) -> Vec<(String, String, String)> {
    let parsed: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let list = parsed
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {text}"));
    assert!(!list.is_empty());
    list.iter()
        .map(|v| {
            let field = |k: &str| {
                v[k].as_str()
                    .unwrap_or_else(|| panic!("no {k}: {v}"))
                    .to_owned()
            };
            (field("pointer"), field("rule"), field("message"))
        })
        .collect()
}

fn stored(server: &Server) -> Vec<uuid::Uuid> {
    server.rt.block_on(server.store.document_ids()).unwrap()
}

#[test]
fn a_payload_of_another_version_is_rejected_and_kept() {
    let server = Server::sqlite();

    // A 2.5 payload claimed as 3.2: the fields added since are missing.
    let old = body_at("2.5.0");
    let id = new_id();
    let (status, text) = post(
        &server.url("update-check", "3.2.0", &id),
        &[],
        old.as_bytes(),
    );
    assert_eq!(status, 400, "{text}");
    let found = violations(&text);
    assert!(
        found
            .iter()
            .any(|(p, _, m)| p.starts_with("/usageStatistics")
                && (p.contains("memory") || m.contains("memory"))),
        "{found:?}"
    );

    // A 2018.2.2 payload claimed as 2.6: fields that version does not have.
    let new = body_at("2018.2.2");
    let id2 = new_id();
    let (status, text) = post(
        &server.url("update-check", "2.6.0", &id2),
        &[],
        new.as_bytes(),
    );
    assert_eq!(status, 400, "{text}");
    let found2 = violations(&text);
    assert!(
        found2
            .iter()
            .any(|(p, _, m)| p.starts_with("/usageStatistics")
                && (p.contains("workers") || m.contains("workers"))),
        "{found2:?}"
    );

    // Both kept with their raw body and violations, nothing stored as accepted.
    let rejected = server.rt.block_on(server.store.rejected()).unwrap();
    assert_eq!(rejected.len(), 2);
    assert_eq!(rejected[0].claimed_version, "3.2.0");
    assert_eq!(rejected[0].document_id, id);
    assert_eq!(rejected[0].body, old.as_bytes());
    assert_eq!(violations(&rejected[0].errors), found);
    assert_eq!(rejected[1].body, new.as_bytes());
    assert!(stored(&server).is_empty());

    // The same body at its own version is accepted.
    let (status, _) = post(
        &server.url("update-check", "2.5.0", &id),
        &[],
        old.as_bytes(),
    );
    assert_eq!(status, 201);
}

#[test]
fn unknown_payloads_bad_versions_and_ids_are_refused_before_the_body() {
    let server = Server::sqlite();
    let body = body_at("3.2.0");

    let (status, text) = post(
        &server.url("crash-report", "3.2.0", &new_id()),
        &[],
        body.as_bytes(),
    );
    assert_eq!(status, 404);
    assert!(
        text.contains("crash-report") && text.contains("update-check"),
        "{text}"
    );

    let (status, text) = post(
        &server.url("update-check", "three", &new_id()),
        &[],
        body.as_bytes(),
    );
    assert_eq!(status, 400);
    assert!(text.contains("three"), "{text}");

    let (status, text) = post(
        &server.url("update-check", "3.2.0", "12345"),
        &[],
        body.as_bytes(),
    );
    assert_eq!(status, 400);
    assert!(text.contains("12345") && text.contains("UUID"), "{text}");

    // Refused on the path alone: neither stored nor kept as a rejected payload.
    assert!(stored(&server).is_empty());
    assert!(
        server
            .rt
            .block_on(server.store.rejected())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn truncated_bodies_are_refused() {
    let server = Server::sqlite();
    let body = body_at("3.2.0");

    // Complete HTTP, truncated JSON: the decoder says where.
    let half = &body.as_bytes()[..body.len() / 2];
    let (status, text) = post(&server.url("update-check", "3.2.0", &new_id()), &[], half);
    assert_eq!(status, 400, "{text}");
    violations(&text);

    // The connection ends before the declared length.
    let id = new_id();
    let head = format!(
        "POST /submit/update-check/3.2.0/{id} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut request = head.into_bytes();
    request.extend_from_slice(half);
    let status_line = raw(server.addr, &request, |s| {
        s.shutdown(std::net::Shutdown::Write).unwrap();
    });
    assert!(status_line.contains(" 400 "), "{status_line}");
    assert!(stored(&server).is_empty());
}

#[test]
fn oversized_bodies_and_gzip_bombs_get_413() {
    let server = Server::sqlite();
    let max = Limits::default().max_bytes;

    // Declared too large.
    let big = vec![b' '; max + 1];
    let (status, _) = post(&server.url("update-check", "3.2.0", &new_id()), &[], &big);
    assert_eq!(status, 413);

    // Chunked, no length: refused once it passes the cap.
    let id = new_id();
    let head = format!(
        "POST /submit/update-check/3.2.0/{id} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
         Transfer-Encoding: chunked\r\n\r\n"
    );
    let status_line = raw(server.addr, head.as_bytes(), |s| {
        let chunk = vec![b' '; 8192];
        for _ in 0..(max / 8192 + 2) {
            if s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .is_err()
                || s.write_all(&chunk).is_err()
                || s.write_all(b"\r\n").is_err()
            {
                break;
            }
        }
        let _ = s.write_all(b"0\r\n\r\n");
    });
    assert!(status_line.contains(" 413 "), "{status_line}");

    // A gzip bomb: 10 KiB that inflate to 16 MiB.
    let bomb = gzip(&vec![b' '; 16 << 20]);
    assert!(bomb.len() < max, "{}", bomb.len());
    let (status, _) = post(
        &server.url("update-check", "3.2.0", &new_id()),
        &[("Content-Encoding", "gzip")],
        &bomb,
    );
    assert_eq!(status, 413);

    // Corrupt gzip.
    let (status, _) = post(
        &server.url("update-check", "3.2.0", &new_id()),
        &[("Content-Encoding", "gzip")],
        b"\x1f\x8b not really gzip",
    );
    assert_eq!(status, 400);
    assert!(stored(&server).is_empty());

    // A real gzip body is accepted.
    let id = new_id();
    let (status, text) = post(
        &server.url("update-check", "3.2.0", &id),
        &[("Content-Encoding", "gzip")],
        &gzip(body_at("3.2.0").as_bytes()),
    );
    assert_eq!(status, 201, "{text}");
    assert_eq!(stored(&server), vec![id.parse::<uuid::Uuid>().unwrap()]);
}

#[test]
fn a_resend_is_acknowledged_and_counted_not_stored_twice() {
    let server = Server::sqlite();
    let body = body_at("3.16.1");
    let id = new_id();
    let url = server.url("update-check", "3.16.1", &id);
    let (first, _) = post(&url, &[], body.as_bytes());
    let (second, text2) = post(&url, &[], body.as_bytes());
    let (third, text3) = post(&url, &[], body.as_bytes());
    assert_eq!((first, second, third), (201, 200, 200));
    assert!(text2.contains("\"resends\":1"), "{text2}");
    assert!(text3.contains("\"resends\":2"), "{text3}");

    // Upper case UUIDs are the same id.
    let (status, _) = post(
        &server.url("update-check", "3.16.1", &id.to_uppercase()),
        &[],
        body.as_bytes(),
    );
    assert_eq!(status, 200);

    let id: uuid::Uuid = id.parse().unwrap();
    assert_eq!(stored(&server), vec![id]);
    assert_eq!(
        server.rt.block_on(server.store.resends(id)).unwrap(),
        Some(3)
    );
}

#[test]
fn a_slow_client_gets_408_and_the_server_goes_on() {
    let server = Server::start_with(
        Db::sqlite(),
        runtime(),
        Limits::default(),
        Duration::from_millis(700),
    );
    let body = body_at("3.2.0");
    let id = new_id();
    let head = format!(
        "POST /submit/update-check/3.2.0/{id} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let started = Instant::now();
    let status_line = raw(server.addr, head.as_bytes(), |s| {
        // One byte every 100 ms: the whole body would take minutes.
        for b in body.as_bytes().iter().take(50) {
            if s.write_all(&[*b]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    assert!(status_line.contains(" 408 "), "{status_line}");
    assert!(started.elapsed() < Duration::from_secs(10));

    // Meanwhile and afterwards, well-behaved clients are served.
    let (status, _) = post(
        &server.url("update-check", "3.2.0", &new_id()),
        &[],
        body.as_bytes(),
    );
    assert_eq!(status, 201);
    assert_eq!(stored(&server).len(), 1);
}

#[test]
fn a_client_that_dribbles_its_headers_is_disconnected_and_the_server_goes_on() {
    let server = Server::start_with_timeouts(
        Db::sqlite(),
        runtime(),
        Limits::default(),
        Duration::from_secs(5),
        Duration::from_millis(700),
    );
    let started = Instant::now();
    let mut stream = std::net::TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // One byte of the request line every 100 ms: the headers would take minutes.
    let head = b"POST /submit/update-check/3.2.0/00000000-0000-4000-8000-000000000000 HTTP/1.1\r\n";
    let mut closed = false;
    for b in head.iter() {
        if stream.write_all(&[*b]).is_err() {
            closed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        if started.elapsed() > Duration::from_secs(3) {
            break;
        }
    }
    if !closed {
        // The server answers (408) or closes; either way nothing more is read.
        let mut rest = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stream, &mut rest);
        let text = String::from_utf8_lossy(&rest);
        assert!(rest.is_empty() || text.contains(" 408 "), "{text}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "disconnected after the header timeout, not held open: {:?}",
        started.elapsed()
    );

    let body = body_at("3.2.0");
    let (status, _) = post(
        &server.url("update-check", "3.2.0", &new_id()),
        &[],
        body.as_bytes(),
    );
    assert_eq!(status, 201);
}

#[test]
fn health_answers() {
    let server = Server::sqlite();
    let (status, text) = common::get(&format!("{}/health", server.endpoint()));
    assert_eq!(status, 200);
    assert!(text.contains("sqlite"), "{text}");
}
