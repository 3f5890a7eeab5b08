//! The client with a product's own envelope: consent, installation id, payload, preview,
//! sending and retries, against fake collectors on 127.0.0.1. Waits between attempts are
//! recorded by an injected sleeper, so that no test sleeps through a backoff.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use client::{
    CheckOutcome, Consent, ConsentRecord, Envelope, Reporter, Resolved, Retry, SendOutcome,
    Settings, installation_id, payload, resolve,
};
use metrics_core::{InstallationId, Metrics, Version};

/// A product's check, unlike the reference model's: its own names and version field.
#[derive(Metrics)]
#[metrics(name = "ping", rename_all = "camelCase")]
struct Ping {
    /// The product version
    #[metrics(version)]
    product: Version,
    /// The installation
    install: InstallationId,
    /// The statistics, when the user opted in
    stats: Option<Stats>,
}

/// The product's statistics.
#[derive(Metrics)]
#[metrics(rename_all = "camelCase")]
struct Stats {
    /// The number of projects
    projects: u64,
    /// The number of tenants
    #[since("2.0")]
    tenants: u64,
}

impl Envelope for Ping {
    type Statistics = Stats;

    fn new(product: Version, install: InstallationId, stats: Option<Stats>) -> Self {
        Ping {
            product,
            install,
            stats,
        }
    }
}

fn stats() -> Stats {
    Stats {
        projects: 7,
        tenants: 3,
    }
}

fn v(s: &str) -> Version {
    Version::parse(s).unwrap()
}

const ID: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

fn fast_retry(max_attempts: u32) -> Retry {
    Retry {
        timeout: Duration::from_millis(500),
        max_attempts,
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(50),
    }
}

/// What a fake collector does with a request it read.
#[derive(Clone, Debug)]
enum Answer {
    /// Answers this status.
    Status(u16),
    /// Answers this status with these header lines (each ending in `\r\n`).
    With(u16, String),
    /// Never answers (the client times out).
    Silent,
    /// Closes the connection without answering.
    Close,
}

struct Fake {
    endpoint: String,
    /// Requests read.
    requests: Arc<AtomicUsize>,
    /// Each request's line and body.
    seen: Arc<Mutex<Vec<(String, String)>>>,
}

/// A fake collector answering `script` in turn, one request per connection.
fn fake_collector(script: Vec<Answer>) -> Fake {
    serve(TcpListener::bind("127.0.0.1:0").unwrap(), script)
}

fn serve(listener: TcpListener, script: Vec<Answer>) -> Fake {
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (count, record) = (requests.clone(), seen.clone());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for answer in script {
            let Ok((mut stream, _)) = listener.accept() else {
                return;
            };
            let request = read_request(&mut stream);
            record.lock().unwrap().push(request);
            count.fetch_add(1, Ordering::SeqCst);
            let (status, headers) = match answer {
                Answer::Status(status) => (status, String::new()),
                Answer::With(status, headers) => (status, headers),
                Answer::Silent => {
                    held.push(stream);
                    continue;
                }
                Answer::Close => continue,
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\n{headers}Content-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
        std::thread::sleep(Duration::from_secs(5));
    });
    Fake {
        endpoint: format!("http://{addr}"),
        requests,
        seen,
    }
}

/// The request line and the body.
fn read_request(stream: &mut TcpStream) -> (String, String) {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut reader = BufReader::new(stream);
    let mut length = 0;
    let mut request_line = String::new();
    reader.read_line(&mut request_line).unwrap();
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
        if let Some(n) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = n.trim().parse().unwrap();
        }
        line.clear();
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    (
        request_line.trim().to_owned(),
        String::from_utf8(body).unwrap(),
    )
}

/// Sends `{}` with `retry`, recording the waits instead of sleeping.
fn send_recording(endpoint: &str, retry: &Retry) -> (SendOutcome, Vec<Duration>) {
    let mut waits = Vec::new();
    let outcome = client::send_with(
        endpoint,
        "ping",
        &v("3.2.0"),
        uuid::Uuid::new_v4(),
        "{}",
        retry,
        &mut |d| waits.push(d),
    );
    (outcome, waits)
}

/// A port nobody listens on (just now).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Asserts that a non-blocking listener was never connected to.
fn assert_no_connection(listener: &TcpListener, what: &str) {
    assert_eq!(
        listener.accept().map(|_| ()).unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock,
        "{what}"
    );
}

fn settings(endpoint: &str, dir: &std::path::Path) -> Settings {
    let mut s = Settings::new(endpoint, v("2.1.0"), dir);
    s.retry = fast_retry(1);
    s.preview = false;
    s
}

fn consent(dir: &std::path::Path, consent: Consent, consent_version: u32) {
    ConsentRecord {
        consent,
        consent_version,
    }
    .save(&dir.join("consent.json"))
    .unwrap();
}

#[test]
fn consent_is_off_until_given_asked_again_when_raised_and_off_under_do_not_track() {
    let given = ConsentRecord {
        consent: Consent::UpdatesAndUsage,
        consent_version: 2,
    };
    let off_ask = Resolved {
        consent: Consent::Off,
        ask: true,
    };
    assert_eq!(resolve(None, 1, false), off_ask);
    assert_eq!(
        resolve(Some(&given), 2, false),
        Resolved {
            consent: Consent::UpdatesAndUsage,
            ask: false
        }
    );
    assert_eq!(
        resolve(Some(&given), 3, false),
        off_ask,
        "a raised consent version asks again"
    );
    assert_eq!(
        resolve(Some(&given), 2, true),
        Resolved {
            consent: Consent::Off,
            ask: false
        }
    );
    assert_eq!(Consent::default(), Consent::Off);
}

#[test]
fn nothing_touches_the_network_when_consent_is_off() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let reporter = Reporter::<Ping>::new(settings(&endpoint, dir.path()), || {
        panic!("statistics gathered without consent")
    });

    // No record yet, then an explicit "off".
    assert_eq!(reporter.check_once(), CheckOutcome::Off { ask: true });
    consent(dir.path(), Consent::Off, 1);
    assert_eq!(reporter.check_once(), CheckOutcome::Off { ask: false });
    assert_no_connection(&listener, "no connection may be attempted");
    assert!(
        !dir.path().join("installation-id").exists(),
        "no id is created when off"
    );

    // The same listener does see a check once consent is given: the test can fail.
    consent(dir.path(), Consent::Updates, 1);
    let outcome = std::thread::spawn(move || reporter.check_once());
    let started = Instant::now();
    let (mut stream, _) = loop {
        match listener.accept() {
            Ok(conn) => break conn,
            Err(_) if started.elapsed() < Duration::from_secs(5) => {
                std::thread::sleep(Duration::from_millis(5))
            }
            Err(e) => panic!("no connection: {e}"),
        }
    };
    stream.set_nonblocking(false).unwrap();
    let (line, body) = read_request(&mut stream);
    write!(
        stream,
        "HTTP/1.1 201 Created\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    assert!(line.starts_with("POST /submit/ping/2.1.0/"), "{line}");
    assert!(body.contains("\"stats\":null"), "{body}");
    assert_eq!(
        outcome.join().unwrap(),
        CheckOutcome::Sent(SendOutcome::Accepted {
            status: 201,
            attempts: 1
        })
    );
}

#[test]
fn the_installation_id_is_created_once_and_a_file_without_a_uuid_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("installation-id");
    let first = installation_id(&path).unwrap();
    assert_eq!(installation_id(&path).unwrap(), first);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format!("{first}\n")
    );

    for garbage in [
        &b"\0\0garbage\xff"[..],
        b"",
        b"7c9e6679-7425-40de-944b-e07fc1f90ae",
    ] {
        std::fs::write(&path, garbage).unwrap();
        let replaced = installation_id(&path).unwrap();
        assert_ne!(replaced, first);
        assert_eq!(installation_id(&path).unwrap(), replaced);
    }

    // A path that cannot be read (here a directory): an error, never a panic, and nothing
    // replaced.
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    let err = installation_id(&path).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot read the installation id in "),
        "{err}"
    );
    assert!(path.is_dir());

    // Only the id path is left: no temporary files.
    let names: Vec<_> = std::fs::read_dir(dir.path().join("nested"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec!["installation-id"]);
}

#[test]
fn an_installation_id_in_another_spelling_is_kept_and_stored_in_lower_case() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("installation-id");
    let expected: InstallationId = ID.parse().unwrap();
    for spelling in [
        "7C9E6679-7425-40DE-944B-E07FC1F90AE7\r\n",
        "7c9E6679-7425-40de-944B-e07fc1f90ae7",
        "{7C9E6679-7425-40DE-944B-E07FC1F90AE7}",
        "urn:uuid:7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "  7c9e6679742540de944be07fc1f90ae7\n",
    ] {
        std::fs::write(&path, spelling).unwrap();
        assert_eq!(installation_id(&path).unwrap(), expected, "{spelling:?}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{ID}\n"),
            "{spelling:?} is stored normalized"
        );
    }

    // And the payload sends it in the form the schema allows.
    std::fs::write(&path, ID.to_uppercase()).unwrap();
    consent(dir.path(), Consent::Updates, 1);
    let reporter = Reporter::<Ping>::new(settings("http://127.0.0.1:9", dir.path()), stats);
    let body = reporter.preview().unwrap().unwrap();
    assert!(body.contains(&format!("\"install\":\"{ID}\"")), "{body}");
}

#[test]
fn the_payload_is_the_products_envelope_at_its_version_with_statistics_only_when_opted_in() {
    let id: InstallationId = ID.parse().unwrap();
    assert_eq!(
        payload::<Ping>(&v("1.5.0"), id, Consent::UpdatesAndUsage, stats).unwrap(),
        format!(r#"{{"product":"1.5.0","install":"{ID}","stats":{{"projects":7}}}}"#)
    );
    assert_eq!(
        payload::<Ping>(&v("2.0.0"), id, Consent::UpdatesAndUsage, stats).unwrap(),
        format!(r#"{{"product":"2.0.0","install":"{ID}","stats":{{"projects":7,"tenants":3}}}}"#)
    );
    assert_eq!(
        payload::<Ping>(&v("2.0.0"), id, Consent::Updates, || panic!("not opted in")).unwrap(),
        format!(r#"{{"product":"2.0.0","install":"{ID}","stats":null}}"#)
    );
    assert_eq!(
        payload::<Ping>(&v("2.0.0"), id, Consent::Off, || panic!("off")),
        None
    );
    // What the client builds, the product's own decoder accepts at that version.
    let body = payload::<Ping>(&v("2.0.0"), id, Consent::UpdatesAndUsage, stats).unwrap();
    let decoded = Ping::decode_self_versioned(body.as_bytes(), &Default::default()).unwrap();
    assert_eq!(decoded.version(), &v("2.0.0"));
}

#[test]
fn the_preview_is_exactly_the_body_sent() {
    let fake = fake_collector(vec![Answer::Status(201)]);
    let dir = tempfile::tempdir().unwrap();
    consent(dir.path(), Consent::UpdatesAndUsage, 1);
    let mut s = settings(&fake.endpoint, dir.path());
    s.preview = true;
    let previewer = Reporter::<Ping>::new(s.clone(), stats);
    let preview = previewer.preview().unwrap().expect("consent is on");
    assert_eq!(
        previewer.check_once(),
        CheckOutcome::Previewed(preview.clone())
    );
    assert_eq!(
        fake.requests.load(Ordering::SeqCst),
        0,
        "a preview sends nothing"
    );

    s.preview = false;
    let sent = Reporter::<Ping>::new(s, stats).check_once();
    assert!(
        matches!(sent, CheckOutcome::Sent(SendOutcome::Accepted { .. })),
        "{sent:?}"
    );
    let seen = fake.seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].1, preview);
    assert!(preview.contains("\"tenants\":3"), "{preview}");
}

#[test]
fn retries_on_5xx_408_and_429_with_the_same_document_id_and_doubling_waits() {
    let fake = fake_collector(vec![
        Answer::Status(503),
        Answer::Status(408),
        Answer::Status(429),
        Answer::Status(500),
        Answer::Status(201),
    ]);
    let retry = Retry {
        timeout: Duration::from_secs(2),
        max_attempts: 5,
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(500),
    };
    let doc = uuid::Uuid::new_v4();
    let mut waits = Vec::new();
    let outcome = client::send_with(
        &fake.endpoint,
        "ping",
        &v("3.2.0"),
        doc,
        "{}",
        &retry,
        &mut |d| waits.push(d),
    );
    assert_eq!(
        outcome,
        SendOutcome::Accepted {
            status: 201,
            attempts: 5
        }
    );
    let expected = format!("POST /submit/ping/3.2.0/{doc} HTTP/1.1");
    let lines: Vec<_> = fake
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|(l, _)| l.clone())
        .collect();
    assert_eq!(lines, vec![expected; 5]);
    // 100, 200, 400, then 500 (the cap) ms, each ± 25 %, never over the cap.
    let bounds = [(75, 125), (150, 250), (300, 500), (375, 500)];
    assert_eq!(waits.len(), bounds.len(), "{waits:?}");
    for (wait, (low, high)) in waits.iter().zip(bounds) {
        assert!(
            *wait >= Duration::from_millis(low) && *wait <= Duration::from_millis(high),
            "{waits:?}"
        );
    }
}

#[test]
fn the_backoff_doubles_up_to_the_cap() {
    let retry = Retry::default();
    let secs: Vec<u64> = (1..=8).map(|n| retry.backoff(n).as_secs()).collect();
    assert_eq!(secs, [2, 4, 8, 16, 32, 60, 60, 60]);
    assert_eq!(retry.backoff(0), Duration::from_secs(2));
    // No overflow, however many attempts.
    assert_eq!(retry.backoff(33), Duration::from_secs(60));
    assert_eq!(retry.backoff(u32::MAX), Duration::from_secs(60));
    let uncapped = Retry {
        initial_backoff: Duration::from_millis(3),
        max_backoff: Duration::MAX,
        ..Retry::default()
    };
    for n in 1..20 {
        assert_eq!(uncapped.backoff(n + 1), uncapped.backoff(n) * 2, "at {n}");
    }
}

#[test]
fn the_jitter_spreads_a_quarter_each_way_and_never_passes_the_cap() {
    let retry = Retry::default();
    let ms = |d: Duration| d.as_millis();
    // Below the cap: 8 s ± 2 s, the whole range reachable.
    assert_eq!(ms(retry.wait(3, None, 0.0)), 6_000);
    assert_eq!(ms(retry.wait(3, None, 0.5)), 8_000);
    assert_eq!(ms(retry.wait(3, None, 1.0)), 10_000);
    // At the cap (60 s): 45 s to 60 s, never more.
    assert_eq!(ms(retry.wait(6, None, 0.0)), 45_000);
    assert_eq!(ms(retry.wait(6, None, 1.0)), 60_000);
    // Out-of-range randomness is clamped.
    assert_eq!(ms(retry.wait(3, None, -1.0)), 6_000);
    assert_eq!(ms(retry.wait(3, None, 7.0)), 10_000);
    for i in 0..=100 {
        let r = f64::from(i) / 100.0;
        for n in 1..=8 {
            let (wait, backoff) = (retry.wait(n, None, r), retry.backoff(n));
            assert!(
                wait >= backoff * 3 / 4 && wait <= backoff * 5 / 4,
                "{n} {r}"
            );
            assert!(wait <= retry.max_backoff);
        }
    }
}

#[test]
fn retry_after_is_a_floor_on_the_wait_capped_by_the_longest_wait() {
    let retry = Retry::default();
    let s = Duration::from_secs;
    assert_eq!(
        retry.wait(1, Some(s(30)), 0.5),
        s(30),
        "longer than the backoff: honoured"
    );
    assert_eq!(
        retry.wait(4, Some(s(1)), 0.5),
        s(16),
        "shorter: the backoff stands"
    );
    assert_eq!(retry.wait(1, Some(s(3600)), 0.5), s(60), "capped");
    assert_eq!(retry.wait(1, Some(Duration::MAX), 0.0), s(60), "capped");
}

#[test]
fn retry_after_on_429_and_503_is_honoured_and_capped() {
    let retry = Retry {
        timeout: Duration::from_secs(2),
        max_attempts: 2,
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_secs(90),
    };
    let with = |status, value: &str| Answer::With(status, format!("Retry-After: {value}\r\n"));
    let date = |ahead| httpdate::fmt_http_date(std::time::SystemTime::now() + ahead);
    let cases = [
        (with(429, "3"), 3_000, 3_000),
        (with(503, "45"), 45_000, 45_000),
        (with(429, "86400"), 90_000, 90_000),
        (with(429, &date(Duration::from_secs(30))), 28_000, 30_000),
        // Not a 429 or 503, or no usable value: the backoff (20 ms ± 25 %).
        (with(500, "30"), 15, 25),
        (with(429, "soon"), 15, 25),
        (Answer::Status(429), 15, 25),
    ];
    for (answer, low, high) in cases {
        let fake = fake_collector(vec![answer.clone(), Answer::Status(201)]);
        let (outcome, waits) = send_recording(&fake.endpoint, &retry);
        assert_eq!(
            outcome,
            SendOutcome::Accepted {
                status: 201,
                attempts: 2
            },
            "{answer:?}"
        );
        assert_eq!(waits.len(), 1, "{answer:?}");
        let wait = waits[0];
        assert!(
            wait >= Duration::from_millis(low) && wait <= Duration::from_millis(high),
            "{answer:?}: {wait:?}"
        );
    }
}

#[test]
fn send_sleeps_for_retry_after() {
    let fake = fake_collector(vec![
        Answer::With(429, "Retry-After: 1\r\n".into()),
        Answer::Status(201),
    ]);
    let started = Instant::now();
    let outcome = client::send(
        &fake.endpoint,
        "ping",
        &v("3.2.0"),
        uuid::Uuid::new_v4(),
        "{}",
        &Retry {
            max_backoff: Duration::from_secs(5),
            ..fast_retry(2)
        },
    );
    let elapsed = started.elapsed();
    assert!(
        matches!(outcome, SendOutcome::Accepted { attempts: 2, .. }),
        "{outcome:?}"
    );
    assert!(
        elapsed >= Duration::from_secs(1) && elapsed < Duration::from_secs(4),
        "{elapsed:?}"
    );
}

#[test]
fn a_4xx_is_dropped_without_retry() {
    let fake = fake_collector(vec![Answer::Status(400), Answer::Status(201)]);
    let (outcome, waits) = send_recording(&fake.endpoint, &fast_retry(5));
    assert_eq!(outcome, SendOutcome::Dropped { status: 400 });
    assert!(waits.is_empty());
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(fake.requests.load(Ordering::SeqCst), 1);
}

#[test]
fn a_redirect_is_never_followed_nor_retried_nor_reported_as_sent() {
    for status in [301, 302, 303, 307, 308] {
        // To the same host: a second request there would be answered 200.
        let fake = fake_collector(vec![
            Answer::With(status, "Location: /elsewhere\r\n".into()),
            Answer::Status(200),
        ]);
        let (outcome, waits) = send_recording(&fake.endpoint, &fast_retry(3));
        assert_eq!(
            outcome,
            SendOutcome::Redirected {
                status,
                location: Some("/elsewhere".into())
            }
        );
        assert!(waits.is_empty(), "not retried");
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(fake.requests.load(Ordering::SeqCst), 1, "{status}");
    }

    // To another server: it never sees a connection.
    let other = TcpListener::bind("127.0.0.1:0").unwrap();
    other.set_nonblocking(true).unwrap();
    let location = format!("http://{}/submit/ping/3.2.0/x", other.local_addr().unwrap());
    let fake = fake_collector(vec![Answer::With(302, format!("Location: {location}\r\n"))]);
    let dir = tempfile::tempdir().unwrap();
    consent(dir.path(), Consent::UpdatesAndUsage, 1);
    let mut s = settings(&fake.endpoint, dir.path());
    s.retry = fast_retry(3);
    let outcome = Reporter::<Ping>::new(s, stats).check_once();
    assert_eq!(
        outcome,
        CheckOutcome::Sent(SendOutcome::Redirected {
            status: 302,
            location: Some(location)
        })
    );
    std::thread::sleep(Duration::from_millis(100));
    assert_no_connection(&other, "the redirect's target was contacted");
    assert_eq!(fake.requests.load(Ordering::SeqCst), 1);
}

#[test]
fn a_refused_connection_is_retried_until_a_collector_appears() {
    let port = free_port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let mut fake = None;
    let mut waits = Vec::new();
    let outcome = client::send_with(
        &endpoint,
        "ping",
        &v("3.2.0"),
        uuid::Uuid::new_v4(),
        "{}",
        &fast_retry(4),
        // The collector comes back during the second wait.
        &mut |d| {
            waits.push(d);
            if waits.len() == 2 {
                fake = Some(serve(
                    TcpListener::bind(("127.0.0.1", port)).unwrap(),
                    vec![Answer::Status(201)],
                ));
            }
        },
    );
    assert_eq!(
        outcome,
        SendOutcome::Accepted {
            status: 201,
            attempts: 3
        }
    );
    assert_eq!(waits.len(), 2);
    assert_eq!(fake.unwrap().requests.load(Ordering::SeqCst), 1);
}

#[test]
fn with_no_collector_at_all_it_gives_up_after_every_attempt() {
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let (outcome, waits) = send_recording(&endpoint, &fast_retry(3));
    assert!(
        matches!(&outcome, SendOutcome::GaveUp { attempts: 3, error } if error.contains("Connection refused")),
        "{outcome:?}"
    );
    assert_eq!(waits.len(), 2);
}

#[test]
fn a_connection_closed_without_an_answer_is_retried() {
    let fake = fake_collector(vec![Answer::Close, Answer::Status(201)]);
    let (outcome, waits) = send_recording(&fake.endpoint, &fast_retry(3));
    assert_eq!(
        outcome,
        SendOutcome::Accepted {
            status: 201,
            attempts: 2
        }
    );
    assert_eq!(waits.len(), 1);
}

#[test]
fn a_collector_that_never_answers_times_out_retries_and_gives_up_in_bounded_time() {
    let fake = fake_collector(vec![Answer::Silent, Answer::Silent, Answer::Silent]);
    let started = Instant::now();
    let (outcome, waits) = send_recording(&fake.endpoint, &fast_retry(3));
    let elapsed = started.elapsed();
    assert!(
        matches!(&outcome, SendOutcome::GaveUp { attempts: 3, error } if error.contains("timeout")),
        "{outcome:?}"
    );
    assert_eq!(fake.requests.load(Ordering::SeqCst), 3);
    assert_eq!(waits.len(), 2);
    // 3 × 500 ms timeouts: well under 5 s.
    assert!(
        elapsed >= Duration::from_millis(1500) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
}

#[test]
fn the_background_reporter_checks_on_start_and_stops() {
    let fake = fake_collector(vec![Answer::Status(201); 3]);
    let dir = tempfile::tempdir().unwrap();
    consent(dir.path(), Consent::UpdatesAndUsage, 1);
    let mut s = settings(&fake.endpoint, dir.path());
    s.interval = Duration::from_millis(200);
    s.jitter = Duration::from_millis(50);
    let handle = Reporter::<Ping>::new(s, stats).spawn();
    let started = Instant::now();
    while fake.requests.load(Ordering::SeqCst) < 2 && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
    handle.stop();
    let seen = fake.requests.load(Ordering::SeqCst);
    assert!(seen >= 2, "{seen}");
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(
        fake.requests.load(Ordering::SeqCst),
        seen,
        "no check after stop"
    );
}
