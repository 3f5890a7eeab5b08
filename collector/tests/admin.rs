//! Who can read what: the public listener takes submissions and nothing else; the admin
//! listener serves the report, bounded, and off loopback only with the token.

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};

use common::{Server, get};

#[test]
fn the_public_listener_has_no_read_path() {
    let server = Server::sqlite();
    for path in [
        "/",
        "/report.json",
        "/report",
        "/stats",
        "/rejected",
        "/admin",
        "/index.html",
        "/submit",
    ] {
        let (status, _) = get(&format!("{}{path}", server.endpoint()));
        assert_eq!(status, 404, "GET {path} on the public listener");
    }
    let (status, _) = get(&format!("{}/health", server.endpoint()));
    assert_eq!(status, 200);
}

/// The binary on free ports; its public and admin URLs.
fn serve(args: &[&str], env: &[(&str, &str)]) -> Result<(Child, String, String), String> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("admin.db").display());
    let mut command = Command::new(env!("CARGO_BIN_EXE_collector"));
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url])
        .args(args)
        .env_remove("COLLECTOR_ADMIN_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let Some(Ok(public)) = lines.next() else {
        let output = child.wait_with_output().unwrap();
        std::mem::forget(dir);
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    };
    let admin = lines.next().unwrap().unwrap();
    std::mem::forget(dir);
    let public = public.strip_prefix("listening on ").unwrap().to_owned();
    let admin = admin
        .strip_prefix("admin on ")
        .unwrap()
        .replace("0.0.0.0", "127.0.0.1");
    Ok((child, public, admin))
}

fn request(url: &str, authorization: Option<&str>) -> (u16, String, Option<String>) {
    let mut request = common::agent().get(url);
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    let mut response = request.call().unwrap();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let status = response.status().as_u16();
    (
        status,
        response.body_mut().read_to_string().unwrap_or_default(),
        challenge,
    )
}

#[test]
fn off_loopback_the_admin_side_needs_a_token_to_start() {
    let error = serve(&["--admin-listen", "0.0.0.0:0"], &[]).unwrap_err();
    assert!(
        error.contains("refusing to serve the admin side on 0.0.0.0:0 without a token"),
        "{error}"
    );
    let error = serve(&["--admin-listen", "0.0.0.0:0", "--admin-token", ""], &[]).unwrap_err();
    assert!(error.contains("the admin token is empty"), "{error}");
}

#[test]
fn off_loopback_every_admin_request_needs_the_token() {
    let token = "correct horse battery staple";
    let (mut child, public, admin) = serve(
        &["--admin-listen", "0.0.0.0:0"],
        &[("COLLECTOR_ADMIN_TOKEN", token)],
    )
    .unwrap();
    for path in [
        "/",
        "/report.json",
        "/rejected?payload=update-check&version=1.0.0&rule=type",
    ] {
        let (status, _, challenge) = request(&format!("{admin}{path}"), None);
        assert_eq!(status, 401, "{path}");
        assert!(challenge.unwrap().starts_with("Basic realm="), "{path}");
        let (status, _, _) = request(&format!("{admin}{path}"), Some("Bearer wrong"));
        assert_eq!(status, 401, "{path} with a wrong token");
        // A prefix of the token is not the token.
        let (status, _, _) = request(&format!("{admin}{path}"), Some("Bearer correct horse"));
        assert_eq!(status, 401, "{path} with a prefix of the token");
    }
    let (status, body, _) = request(
        &format!("{admin}/report.json"),
        Some(&format!("Bearer {token}")),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"payloads\""));
    // A browser sends the token as the password of HTTP Basic.
    let basic = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("operator:{token}"),
    );
    let (status, body, _) = request(&format!("{admin}/"), Some(&format!("Basic {basic}")));
    assert_eq!(status, 200);
    assert!(body.contains("<h1>Usage report</h1>"));
    // The public side still takes no read request, token or not.
    let (status, _, _) = request(
        &format!("{public}/report.json"),
        Some(&format!("Bearer {token}")),
    );
    assert_eq!(status, 404);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn admin_responses_are_windowed() {
    let (mut child, _, admin) = serve(&["--admin-listen", "127.0.0.1:0"], &[]).unwrap();
    // On loopback, no token is needed.
    let (status, _, _) = request(&format!("{admin}/report.json?weeks=26"), None);
    assert_eq!(status, 200);
    for weeks in ["0", "3", "52", "1000"] {
        let (status, body, _) = request(&format!("{admin}/report.json?weeks={weeks}"), None);
        assert_eq!(status, 400, "weeks={weeks}");
        assert!(
            body.contains("weeks must be one of [1, 4, 8, 26]"),
            "{body}"
        );
    }
    let (status, body, _) = request(&format!("{admin}/report.json?payload=nope"), None);
    assert_eq!(status, 400);
    assert!(body.contains("no payload named `nope`"), "{body}");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn without_a_token_the_admin_side_answers_for_localhost_only() {
    let (mut child, _, admin) = serve(&["--admin-listen", "127.0.0.1:0"], &[]).unwrap();
    let with_host = |host: &str| {
        let mut response = common::agent()
            .get(&format!("{admin}/report.json"))
            .header("Host", host)
            .call()
            .unwrap();
        (
            response.status().as_u16(),
            response.body_mut().read_to_string().unwrap_or_default(),
        )
    };
    // A page on another site, through a name rebound to 127.0.0.1, names its own host.
    let (status, body) = with_host("rebound.example.com");
    assert_eq!(status, 403);
    assert!(
        body.contains("answers requests for localhost only"),
        "{body}"
    );
    for host in ["localhost:9090", "127.0.0.1:9090", "[::1]:9090"] {
        assert_eq!(with_host(host).0, 200, "{host}");
    }
    child.kill().unwrap();
    child.wait().unwrap();
}
