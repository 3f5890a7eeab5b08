//! The client: consent, installation id, payload, preview and sending, against fake
//! collectors on 127.0.0.1.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use client::{
    CheckOutcome, Consent, ConsentRecord, Reporter, Resolved, Retry, SendOutcome, Settings,
    installation_id, payload, resolve,
};
use metrics_core::{InstallationId, Metrics, Version};

fn v(s: &str) -> Version {
    Version::parse(s).unwrap()
}

fn fast_retry(max_attempts: u32) -> Retry {
    Retry {
        timeout: Duration::from_millis(500),
        max_attempts,
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(50),
    }
}

/// A fake collector answering the scripted statuses in turn (`None`: read the request and
/// never answer). Returns its address and the count of requests it read.
fn fake_collector(script: Vec<Option<u16>>) -> (String, Arc<AtomicUsize>) {
    let (endpoint, requests, _) = recording_collector(script);
    (endpoint, requests)
}

/// As `fake_collector`, also recording each request line.
fn recording_collector(
    script: Vec<Option<u16>>,
) -> (String, Arc<AtomicUsize>, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let lines = Arc::new(Mutex::new(Vec::new()));
    let (seen, recorded) = (requests.clone(), lines.clone());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for answer in script {
            let Ok((mut stream, _)) = listener.accept() else {
                return;
            };
            let (line, _) = read_request(&mut stream);
            recorded.lock().unwrap().push(line);
            seen.fetch_add(1, Ordering::SeqCst);
            match answer {
                Some(status) => {
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    );
                }
                None => held.push(stream),
            }
        }
        std::thread::sleep(Duration::from_secs(5));
    });
    (format!("http://{addr}"), requests, lines)
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

fn settings(endpoint: &str, dir: &std::path::Path) -> Settings {
    let mut s = Settings::new(endpoint, v("2018.2.2"), dir);
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
    let reporter = Reporter::new(settings(&endpoint, dir.path()), || {
        panic!("statistics gathered without consent")
    });

    // No record yet, then an explicit "off".
    assert_eq!(reporter.check_once(), CheckOutcome::Off { ask: true });
    consent(dir.path(), Consent::Off, 1);
    assert_eq!(reporter.check_once(), CheckOutcome::Off { ask: false });
    let err = listener
        .accept()
        .expect_err("no connection may be attempted");
    assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
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
    let (_, body) = read_request(&mut stream);
    write!(
        stream,
        "HTTP/1.1 201 Created\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    assert!(body.contains("\"usageStatistics\":null"), "{body}");
    assert_eq!(
        outcome.join().unwrap(),
        CheckOutcome::Sent(SendOutcome::Accepted {
            status: 201,
            attempts: 1
        })
    );
}

#[test]
fn the_installation_id_is_created_once_and_a_corrupt_file_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("installation-id");
    let first = installation_id(&path).unwrap();
    assert_eq!(installation_id(&path).unwrap(), first);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap().trim(),
        first.to_string()
    );

    std::fs::write(&path, b"\0\0garbage\xff").unwrap();
    let replaced = installation_id(&path).unwrap();
    assert_ne!(replaced, first);
    assert_eq!(installation_id(&path).unwrap(), replaced);

    // A path that cannot hold the id (here a directory): an error, never a panic.
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    let err = installation_id(&path);
    assert!(err.is_err(), "{err:?}");

    // Only the id file is left: no temporary files.
    let names: Vec<_> = std::fs::read_dir(dir.path().join("nested"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec!["installation-id"]);
}

#[test]
fn the_payload_is_the_update_check_of_the_version_with_statistics_only_when_opted_in() {
    let id: InstallationId = "7c9e6679-7425-40de-944b-e07fc1f90ae7".parse().unwrap();
    for version in ["2.5.0", "3.4.0", "2018.2.2"] {
        let version = v(version);
        let built = payload(
            &version,
            id,
            Consent::UpdatesAndUsage,
            schema::sample_statistics,
        )
        .unwrap();
        let expected =
            serde_json::to_string(&schema::sample_update_check(version.clone()).at(&version))
                .unwrap();
        assert_eq!(built, expected);
    }
    assert_eq!(
        payload(&v("3.4.0"), id, Consent::Updates, || panic!("not opted in")).unwrap(),
        r#"{"version":"3.4.0","installationId":"7c9e6679-7425-40de-944b-e07fc1f90ae7","usageStatistics":null}"#
    );
    assert_eq!(
        payload(&v("3.4.0"), id, Consent::Off, || panic!("off")),
        None
    );
}

#[test]
fn retries_on_5xx_and_408_with_the_same_document_id_then_succeeds() {
    let (endpoint, requests, lines) =
        recording_collector(vec![Some(503), Some(408), Some(500), Some(201)]);
    let doc = uuid::Uuid::new_v4();
    let outcome = client::send(
        &endpoint,
        "update-check",
        &v("3.2.0"),
        doc,
        "{}",
        &fast_retry(5),
    );
    assert_eq!(
        outcome,
        SendOutcome::Accepted {
            status: 201,
            attempts: 4
        }
    );
    assert_eq!(requests.load(Ordering::SeqCst), 4);
    let expected = format!("POST /submit/update-check/3.2.0/{doc} HTTP/1.1");
    assert_eq!(*lines.lock().unwrap(), vec![expected; 4]);
}

#[test]
fn a_4xx_is_dropped_without_retry() {
    let (endpoint, requests) = fake_collector(vec![Some(400), Some(201)]);
    let outcome = client::send(
        &endpoint,
        "update-check",
        &v("3.2.0"),
        uuid::Uuid::new_v4(),
        "{}",
        &fast_retry(5),
    );
    assert_eq!(outcome, SendOutcome::Dropped { status: 400 });
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(requests.load(Ordering::SeqCst), 1);
}

#[test]
fn a_collector_that_never_answers_times_out_retries_and_gives_up_in_bounded_time() {
    let (endpoint, requests) = fake_collector(vec![None, None, None]);
    let started = Instant::now();
    let outcome = client::send(
        &endpoint,
        "update-check",
        &v("3.2.0"),
        uuid::Uuid::new_v4(),
        "{}",
        &fast_retry(3),
    );
    let elapsed = started.elapsed();
    assert!(
        matches!(&outcome, SendOutcome::GaveUp { attempts: 3, error } if error.contains("timeout")),
        "{outcome:?}"
    );
    assert_eq!(requests.load(Ordering::SeqCst), 3);
    // 3 × 500 ms timeouts + backoff (20 ms, 40 ms, ± jitter): well under 5 s.
    assert!(
        elapsed >= Duration::from_millis(1500) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
}

#[test]
fn no_collector_is_not_a_crash() {
    // A port nobody listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let outcome = client::send(
        &format!("http://127.0.0.1:{port}"),
        "update-check",
        &v("3.2.0"),
        uuid::Uuid::new_v4(),
        "{}",
        &fast_retry(3),
    );
    assert!(
        matches!(outcome, SendOutcome::GaveUp { attempts: 1, .. }),
        "{outcome:?}"
    );
}

#[test]
fn the_background_reporter_checks_on_start_and_stops() {
    let (endpoint, requests) = fake_collector(vec![Some(201), Some(201), Some(201)]);
    let dir = tempfile::tempdir().unwrap();
    consent(dir.path(), Consent::UpdatesAndUsage, 1);
    let mut s = settings(&endpoint, dir.path());
    s.interval = Duration::from_millis(200);
    s.jitter = Duration::from_millis(50);
    let handle = Reporter::new(s, schema::sample_statistics).spawn();
    let started = Instant::now();
    while requests.load(Ordering::SeqCst) < 2 && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
    handle.stop();
    let seen = requests.load(Ordering::SeqCst);
    assert!(seen >= 2, "{seen}");
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(requests.load(Ordering::SeqCst), seen, "no check after stop");
}

#[test]
fn preview_prints_exactly_the_payload_and_sends_nothing() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    consent(dir.path(), Consent::UpdatesAndUsage, 1);
    let bin = env!("CARGO_BIN_EXE_update-check");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new(bin);
        cmd.args([
            "--endpoint",
            &endpoint,
            "--product-version",
            "3.12.0",
            "--data-dir",
        ])
        .arg(dir.path())
        .args(args)
        .env_remove("DO_NOT_TRACK")
        .env_remove("UPDATE_CHECK_PREVIEW");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let preview = run(&["preview"], &[]);
    let by_env = run(&["send"], &[("UPDATE_CHECK_PREVIEW", "1")]);
    assert_eq!(preview, by_env);

    let id: InstallationId = std::fs::read_to_string(dir.path().join("installation-id"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let version = v("3.12.0");
    let expected = payload(
        &version,
        id,
        Consent::UpdatesAndUsage,
        schema::sample_statistics,
    )
    .unwrap();
    assert_eq!(preview, format!("{expected}\n"));
    assert_eq!(
        listener.accept().map(|_| ()).unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock,
        "a preview sends nothing"
    );

    // DO_NOT_TRACK=1 wins over the stored consent: nothing to preview.
    assert_eq!(run(&["preview"], &[("DO_NOT_TRACK", "1")]), "");
}
