//! The collector under abuse, on loopback, bounded in count and time: amplification
//! through rejections, floods from one address and from one installation, slow clients at
//! the connection cap, gzip tricks, and a database removed under the running collector.

mod common;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use collector::{Collector, Rate, RateLimits, Store, StoreOptions, TrustedProxies};
use common::{Db, runtime};
use metrics_core::{Metrics, Version};
use serde_json::{Map, Value, json};
use tokio::runtime::Runtime;

/// A collector of the reference model on 127.0.0.1 that believes X-Forwarded-For from
/// 127.0.0.1 (so that a test can speak for many addresses), with `limits`.
struct Guarded {
    _rt: Runtime,
    store: Store,
    addr: std::net::SocketAddr,
    rt: Runtime,
    _db: Db,
}

fn guarded(limits: RateLimits, options: StoreOptions) -> Guarded {
    let rt = runtime();
    let db = Db::sqlite();
    let store = rt
        .block_on(Store::connect_with(&db.url(), &schema::models(), &options))
        .unwrap();
    let app = Collector::new(schema::models(), Some(store.clone()))
        .rate_limits(limits)
        .trusted_proxies(TrustedProxies::new(vec!["127.0.0.1/32".parse().unwrap()]))
        .router();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(collector::serve(listener, app, std::future::pending()));
    Guarded {
        _rt: runtime(),
        store,
        addr,
        rt,
        _db: db,
    }
}

fn check_body(installation: &str) -> String {
    let version = Version::parse("2018.2.2").unwrap();
    let mut check = schema::sample_update_check(version.clone());
    check.installation_id = installation.parse().unwrap();
    serde_json::to_string(&check.at(&version)).unwrap()
}

/// POSTs as client `address`; the status, the Retry-After, the body length and the
/// `violations-total` header.
fn post_as(
    addr: std::net::SocketAddr,
    address: &str,
    body: &[u8],
    gzip: bool,
) -> (u16, Option<String>, usize, Option<String>) {
    let url = format!(
        "http://{addr}/submit/update-check/2018.2.2/{}",
        uuid::Uuid::new_v4()
    );
    let mut request = common::agent()
        .post(&url)
        .header("X-Forwarded-For", address);
    if gzip {
        request = request.header("Content-Encoding", "gzip");
    }
    let mut response = request.send(body).unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (retry, total) = (header("retry-after"), header("violations-total"));
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (status, retry, text.len(), total)
}

#[test]
fn a_rejection_costs_a_small_multiple_of_the_body_and_the_table_is_bounded() {
    let server = guarded(
        RateLimits::none(),
        StoreOptions {
            rejected_rows: 20,
            ..StoreOptions::default()
        },
    );
    // 1,000 unknown keys in each of four objects (the attack measured at 22x).
    let mut value: Value =
        serde_json::from_str(&check_body("0f8fad5b-d9cb-469f-a165-70867728950e")).unwrap();
    let junk: Map<String, Value> = (0..1000).map(|i| (format!("k{i:04}"), json!(1))).collect();
    value.as_object_mut().unwrap().extend(junk.clone());
    for object in ["multiTenancy", "cloudAccounts", "releasesAndDeployments"] {
        value["usageStatistics"][object]
            .as_object_mut()
            .unwrap()
            .extend(junk.clone());
    }
    let big = serde_json::to_vec(&value).unwrap();
    // And a small body with as many violations as it can hold.
    let small = serde_json::to_vec(
        &(0..100)
            .map(|i| (format!("{i}"), json!(1)))
            .collect::<Map<_, _>>(),
    )
    .unwrap();
    for body in [&big, &small] {
        let (status, _, answered, total) = post_as(server.addr, "192.0.2.1", body, false);
        assert_eq!(status, 400);
        let total: usize = total.unwrap().parse().unwrap();
        assert!(total >= 100, "{total}");
        let bound = 2 * body.len() + 4096;
        assert!(
            answered <= bound,
            "a {}-byte body got a {answered}-byte answer (bound {bound})",
            body.len()
        );
    }
    let rejected = server.rt.block_on(server.store.rejected()).unwrap();
    assert_eq!(rejected.len(), 2);
    for (row, body) in rejected.iter().zip([&big, &small]) {
        assert!(
            row.errors.len() <= 2 * body.len() + 4096,
            "{}",
            row.errors.len()
        );
        assert!(
            row.violations >= 100,
            "the total is kept: {}",
            row.violations
        );
        assert_eq!(row.body.len(), body.len());
    }
    // 40 more: the table keeps the newest 20, and counts what it dropped.
    for _ in 0..40 {
        assert_eq!(post_as(server.addr, "192.0.2.1", &small, false).0, 400);
    }
    let rejected = server.rt.block_on(server.store.rejected()).unwrap();
    assert_eq!(rejected.len(), 20);
    assert_eq!(
        server.rt.block_on(server.store.rejected_dropped()).unwrap(),
        22
    );
}

#[test]
fn a_flood_from_one_address_gets_429_and_others_are_served() {
    let server = guarded(
        RateLimits {
            per_address: Rate::per_minute(60, 10),
            per_installation: None,
        },
        StoreOptions::default(),
    );
    let body = check_body("0f8fad5b-d9cb-469f-a165-70867728950e");
    let statuses: Vec<(u16, Option<String>)> = (0..30)
        .map(|_| {
            let (status, retry, _, _) =
                post_as(server.addr, "198.51.100.7", body.as_bytes(), false);
            (status, retry)
        })
        .collect();
    let accepted = statuses.iter().filter(|(s, _)| *s == 201).count();
    assert!(
        (10..=12).contains(&accepted),
        "the burst, then about one a second: {statuses:?}"
    );
    let refused: Vec<_> = statuses.iter().filter(|(s, _)| *s == 429).collect();
    assert!(refused.len() >= 18, "{statuses:?}");
    assert!(
        refused
            .iter()
            .all(|(_, retry)| retry.as_deref() == Some("1")),
        "{refused:?}"
    );
    // Another address is served meanwhile.
    assert_eq!(
        post_as(server.addr, "198.51.100.8", body.as_bytes(), false).0,
        201
    );
    // Nothing of the refused ones was stored.
    assert_eq!(
        server
            .rt
            .block_on(server.store.document_ids())
            .unwrap()
            .len(),
        accepted + 1
    );
}

#[test]
fn a_flood_from_one_installation_gets_429_and_others_are_served() {
    let server = guarded(
        RateLimits {
            per_address: None,
            per_installation: Rate::per_hour(12, 6),
        },
        StoreOptions::default(),
    );
    let flooding = check_body("0f8fad5b-d9cb-469f-a165-70867728950e");
    let statuses: Vec<(u16, Option<String>)> = (0..20)
        .map(|i| {
            // From many addresses: the installation's own limit applies.
            let (status, retry, _, _) = post_as(
                server.addr,
                &format!("203.0.113.{i}"),
                flooding.as_bytes(),
                false,
            );
            (status, retry)
        })
        .collect();
    assert_eq!(
        statuses.iter().filter(|(s, _)| *s == 201).count(),
        6,
        "{statuses:?}"
    );
    let refused: Vec<_> = statuses.iter().filter(|(s, _)| *s == 429).collect();
    assert_eq!(refused.len(), 14);
    // 12 an hour: one every 300 s.
    let retry: u64 = refused[0].1.as_deref().unwrap().parse().unwrap();
    assert!((290..=300).contains(&retry), "{retry}");
    let other = check_body("7c9e6679-7425-40de-944b-e07fc1f90ae7");
    assert_eq!(
        post_as(server.addr, "203.0.113.99", other.as_bytes(), false).0,
        201
    );
    assert_eq!(
        server
            .rt
            .block_on(server.store.document_ids())
            .unwrap()
            .len(),
        7
    );
}

fn gzip_member(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn gzip_members_are_all_decoded_junk_after_them_refused_and_the_cap_spans_them() {
    let server = guarded(RateLimits::none(), StoreOptions::default());
    let body = check_body("0f8fad5b-d9cb-469f-a165-70867728950e");
    let (head, tail) = body.as_bytes().split_at(body.len() / 2);
    let two = [gzip_member(head), gzip_member(tail)].concat();
    assert_eq!(
        post_as(server.addr, "192.0.2.3", &two, true).0,
        201,
        "two members"
    );
    let stored = server.rt.block_on(server.store.document_ids()).unwrap();
    let kept = server
        .rt
        .block_on(server.store.body(stored[0]))
        .unwrap()
        .unwrap();
    assert_eq!(kept, body, "both members are the body");

    let mut junk = gzip_member(body.as_bytes());
    junk.extend_from_slice(b"trailing junk");
    assert_eq!(post_as(server.addr, "192.0.2.3", &junk, true).0, 400);

    // Three members of 40 KiB each: each under the 64 KiB cap, together over it.
    let chunk = vec![b' '; 40 * 1024];
    let over = [
        gzip_member(&chunk),
        gzip_member(&chunk),
        gzip_member(&chunk),
    ]
    .concat();
    assert!(over.len() < 4096);
    assert_eq!(post_as(server.addr, "192.0.2.3", &over, true).0, 413);
}

#[test]
fn a_removed_database_fails_health_and_submissions_with_503() {
    let server = common::Server::sqlite();
    let (status, _) = common::get(&format!("{}/health", server.endpoint()));
    assert_eq!(status, 200);
    let common::Db::Sqlite(dir) = &server.db else {
        unreachable!()
    };
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    // /health keeps its answer for a second.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (status, text) = common::get(&format!("{}/health", server.endpoint()));
    assert_eq!(status, 503, "{text}");
    assert!(
        text.contains("was removed while the collector ran"),
        "{text}"
    );
    let body = check_body("0f8fad5b-d9cb-469f-a165-70867728950e");
    let (status, text) = common::post(
        &server.url(
            "update-check",
            "2018.2.2",
            &uuid::Uuid::new_v4().to_string(),
        ),
        &[],
        body.as_bytes(),
    );
    assert_eq!(status, 503, "{text}");
}

#[test]
fn slow_clients_at_the_connection_cap_do_not_stop_health_or_a_good_client() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("slow.db").display());
    // 256 open files: the cap is 192 connections.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n 256 && exec '{}' serve --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --database-url '{url}' --rate-per-address 0",
            env!("CARGO_BIN_EXE_collector")
        ))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let endpoint = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap()
        .to_owned();
    let addr: std::net::SocketAddr = endpoint.parse().unwrap();

    // 300 clients send their headers, then dribble a 769-byte body a byte at a time.
    let stop = Arc::new(AtomicBool::new(false));
    let mut slow = Vec::new();
    for _ in 0..300 {
        let mut stream = TcpStream::connect(addr).unwrap();
        let doc = uuid::Uuid::new_v4();
        let _ = write!(
            stream,
            "POST /submit/update-check/2018.2.2/{doc} HTTP/1.1\r\nHost: x\r\nContent-Length: 769\r\n\r\n{{"
        );
        slow.push(stream);
    }
    let dribbler = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                for stream in &mut slow {
                    let _ = stream.write_all(b" ");
                }
                std::thread::sleep(Duration::from_millis(500));
            }
        })
    };
    std::thread::sleep(Duration::from_millis(500));

    // Meanwhile, /health and a well-behaved client are served within seconds.
    let started = Instant::now();
    let (status, _) = common::get(&format!("http://{endpoint}/health"));
    assert_eq!(status, 200);
    let body = check_body("0f8fad5b-d9cb-469f-a165-70867728950e");
    let (status, _) = common::post(
        &format!(
            "http://{endpoint}/submit/update-check/2018.2.2/{}",
            uuid::Uuid::new_v4()
        ),
        &[],
        body.as_bytes(),
    );
    assert_eq!(status, 201);
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(12), "served after {waited:?}");
    stop.store(true, Ordering::Relaxed);
    dribbler.join().unwrap();

    child.kill().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    child.wait().unwrap();
    assert!(!stderr.contains("Too many open files"), "{stderr}");
}

#[test]
fn a_version_too_large_to_store_is_refused_before_it_reaches_a_batch() {
    let server = guarded(RateLimits::none(), StoreOptions::default());
    let huge = "9999999999999999999.0.0";
    let url = format!(
        "http://{}/submit/update-check/{huge}/{}",
        server.addr,
        uuid::Uuid::new_v4()
    );
    let mut response = common::agent().post(&url).send(b"{}").unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let text = response.body_mut().read_to_string().unwrap();
    assert!(
        text.contains("its numbers must be at most 9223372036854775807"),
        "{text}"
    );
    // Submissions around it are stored as usual.
    let body = check_body("0f8fad5b-d9cb-469f-a165-70867728950e");
    assert_eq!(
        post_as(server.addr, "192.0.2.9", body.as_bytes(), false).0,
        201
    );
}
