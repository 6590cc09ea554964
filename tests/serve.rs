//! `secdisc serve`: every endpoint and error path over a real socket, the busy limit, and
//! graceful shutdown on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::util::{expect_code, repo, stdout, Dir};

struct Server {
    child: Child,
    addr: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    /// Start `secdisc serve` with the shipped model on a free port and wait for its address on
    /// stderr.
    fn start(extra: &[&str]) -> Server {
        Server::start_model(&repo().join("models/default.json"), extra)
    }

    /// As [`Server::start`], with `model`.
    fn start_model(model: &std::path::Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_secdisc"))
            .arg("serve")
            .arg("--model")
            .arg(model)
            .args(["--addr", "127.0.0.1:0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn secdisc serve");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let first = lines.next().expect("a line on stderr").expect("utf-8");
        let addr = first
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .to_string();
        let log = Arc::new(Mutex::new(first + "\n"));
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let server = Server { child, addr, log };
        // The workers start right after the address is printed: wait until one answers (with
        // `--max-queue 0` a request that finds no worker waiting gets 503).
        for _ in 0..200 {
            if server.call("GET", "/health", b"").0 == 200 {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("secdisc serve never answered /health")
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(&self.addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        s
    }

    /// One request on its own connection: (status, raw headers, body).
    fn call(&self, method: &str, path: &str, body: &[u8]) -> (u16, String, String) {
        let mut s = self.connect();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .unwrap();
        s.write_all(body).unwrap();
        read_response(&mut s)
    }

    /// SIGTERM, then the exit code and the full stderr.
    fn terminate(mut self) -> (Option<i32>, String) {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(killed.success());
        let status = self.child.wait().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let log = self.log.lock().unwrap().clone();
        (status.code(), log)
    }
}

fn read_response(s: &mut TcpStream) -> (u16, String, String) {
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read response");
    let raw = String::from_utf8(raw).expect("utf-8 response");
    let (head, body) = raw.split_once("\r\n\r\n").expect("header end");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status code");
    (status, head.to_string(), body.to_string())
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[test]
fn serves_every_endpoint_and_answers_bad_requests_with_json_errors() {
    let server = Server::start(&["--max-body-bytes", "4000", "--workers", "2"]);

    let (status, head, body) = server.call("GET", "/health", b"");
    assert_eq!((status, json(&body)["status"].as_str()), (200, Some("ok")));
    assert!(head.contains("Connection: close"), "{head}");

    let (status, _, body) = server.call("GET", "/model", b"");
    assert_eq!(status, 200);
    let model = json(&body);
    let d = Dir::new();
    let o = d.run(&[
        "inspect",
        "--json",
        repo().join("models/default.json").to_str().unwrap(),
    ]);
    let inspected = json(&stdout(&o));
    for key in [
        "secdisc_version",
        "threshold",
        "classifier",
        "training_data",
        "cv",
    ] {
        assert_eq!(model[key], inspected[key], "{key}");
    }

    // One record: the same row `secdisc label` writes for it.
    let text = "The gateway forwards the JWT without verifying its signature";
    let (status, _, body) = server.call(
        "POST",
        "/label",
        format!("{{\"id\":\"x1\",\"text\":\"{text}\"}}").as_bytes(),
    );
    assert_eq!(status, 200, "{body}");
    let o = d.run_stdin(
        &[
            "label",
            "--model",
            repo().join("models/default.json").to_str().unwrap(),
            "-",
        ],
        Some(format!("{{\"id\":\"x1\",\"text\":\"{text}\"}}\n").as_bytes()),
    );
    expect_code(&o, 0);
    assert_eq!(body, stdout(&o).trim_end());
    assert_eq!(json(&body)["label"], "security");

    // Several records: rows in order; ids default to the 1-based position.
    let (status, _, body) = server.call(
        "POST",
        "/label?verbose=1",
        br#"{"records":[{"id":7,"text":"Typo in the README"},{"text":"Rotate the leaked API key"}]}"#,
    );
    assert_eq!(status, 200, "{body}");
    let rows = json(&body)["rows"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0]["id"].as_str(), rows[1]["id"].as_str()),
        (Some("7"), Some("2"))
    );
    for r in &rows {
        assert!(r["score"].is_f64() && r["terms"].is_array() && r["label"].is_string());
    }

    let bad: [(&[u8], &str); 4] = [
        (b"{not json", "not JSON"),
        (br#"{"id":"a"}"#, "missing `text`"),
        (br#"{"text":42}"#, "text must be a string, found a number"),
        (br#"[{"text":"a"}]"#, "bare JSON array"),
    ];
    // In a batch, a record that cannot be labelled gets an error row and the others are
    // labelled (issue 14 item 6), as `label` does with a file.
    let (status, _, body) = server.call(
        "POST",
        "/label",
        br#"{"records":[{"text":"Rotate the key"},{"id":"b","text":""}]}"#,
    );
    assert_eq!(status, 200, "{body}");
    let rows = json(&body)["rows"].as_array().unwrap().clone();
    assert_eq!(rows[0]["label"].as_str().map(|l| l.is_empty()), Some(false));
    assert_eq!(rows[1]["id"], "b");
    assert_eq!(rows[1]["error"], "records[1].text is empty");
    assert!(rows[1]["label"].is_null());
    for (body, needle) in bad {
        let (status, head, reply) = server.call("POST", "/label", body);
        assert_eq!(status, 400, "{reply}");
        assert!(head.contains("application/json"));
        let v = json(&reply);
        assert!(v["error"].as_str().unwrap().contains(needle), "{reply}");
        assert_eq!(v["status"], 400);
    }

    let (status, _, body) = server.call("GET", "/nowhere", b"");
    assert_eq!(status, 404);
    assert!(json(&body)["error"]
        .as_str()
        .unwrap()
        .contains("POST /label"));
    let (status, head, _) = server.call("GET", "/label", b"");
    assert_eq!(status, 405);
    assert!(head.contains("Allow: POST"), "{head}");
    let (status, head, _) = server.call("POST", "/health", b"{}");
    assert_eq!(status, 405);
    assert!(head.contains("Allow: GET, HEAD"), "{head}");
    let (status, head, body) = server.call("HEAD", "/health", b"");
    assert_eq!((status, body.as_str()), (200, ""), "{head}");

    // Too large, by Content-Length and by a chunked body that never says its length.
    let big = format!("{{\"text\":\"{}\"}}", "a".repeat(5000));
    let (status, _, body) = server.call("POST", "/label", big.as_bytes());
    assert_eq!(status, 413);
    assert!(json(&body)["error"]
        .as_str()
        .unwrap()
        .contains("--max-body-bytes"));
    let mut s = server.connect();
    write!(
        s,
        "POST /label HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    for chunk in big.as_bytes().chunks(1000) {
        write!(s, "{:x}\r\n", chunk.len()).unwrap();
        s.write_all(chunk).unwrap();
        s.write_all(b"\r\n").unwrap();
    }
    s.write_all(b"0\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut s).0, 413);

    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("shut down after"), "{log}");
}

/// Send a `/label` request's headers and the first part of its body; returns the stream and
/// the rest of the body.
fn start_slow_request(server: &Server, id: &str) -> (TcpStream, Vec<u8>) {
    let body = format!(
        "{{\"id\":\"{id}\",\"text\":\"Rotate the leaked API key {}\"}}",
        "and the token ".repeat(200)
    )
    .into_bytes();
    let mut s = server.connect();
    write!(
        s,
        "POST /label HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    let (first, rest) = body.split_at(100);
    s.write_all(first).unwrap();
    s.flush().unwrap();
    (s, rest.to_vec())
}

/// A `/label` batch that keeps one worker busy for a while (tens of MB of text).
fn big_batch(records: usize) -> Vec<u8> {
    let text =
        "Rotate the leaked API key and check the token signature in the gateway. ".repeat(30);
    let records: Vec<_> = (0..records)
        .map(|i| serde_json::json!({"id": i, "text": text}))
        .collect();
    serde_json::to_vec(&serde_json::json!({ "records": records })).unwrap()
}

#[test]
fn answers_503_when_every_worker_is_busy_and_the_queue_is_full() {
    let server = Server::start(&[
        "--workers",
        "1",
        "--max-queue",
        "0",
        "--max-body-bytes",
        "100000000",
    ]);
    let small = br#"{"id":"small","text":"Typo in the README"}"#;
    // With no queue, a request gets a worker only while one waits: the worker is up once one
    // small request is answered.
    assert!((0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(20));
        server.call("POST", "/label", small).0 == 200
    }));
    let batch = big_batch(15_000);
    let addr = server.addr.clone();
    let busy = std::thread::spawn(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        write!(
            s,
            "POST /label HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            batch.len()
        )
        .unwrap();
        s.write_all(&batch).unwrap();
        read_response(&mut s)
    });
    // While the worker labels the batch, a small request finds no worker and no queue slot.
    let mut refused = None;
    for _ in 0..2000 {
        let (status, head, body) = server.call("POST", "/label", small);
        if status == 503 {
            refused = Some((head, body));
            break;
        }
        assert_eq!(status, 200, "{body}");
        std::thread::sleep(Duration::from_millis(5));
    }
    let (head, body) = refused.expect("no 503 while the only worker was busy");
    assert!(head.contains("Retry-After: 1"), "{head}");
    assert!(json(&body)["error"].as_str().unwrap().contains("busy"));
    // /health does not wait for a worker.
    assert_eq!(server.call("GET", "/health", b"").0, 200);
    let (status, _, body) = busy.join().unwrap();
    assert_eq!(status, 200);
    assert_eq!(json(&body)["rows"].as_array().unwrap().len(), 15_000);
    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("1 refused as busy"), "{log}");
}

#[test]
fn sigterm_finishes_the_request_in_progress_then_exits_0() {
    let server = Server::start(&["--workers", "1"]);
    let (mut slow, rest) = start_slow_request(&server, "in-flight");
    // Issue 13 item 8: a request whose headers are still arriving at SIGTERM is answered too.
    let mut arriving = server.connect();
    arriving
        .write_all(b"POST /label HTTP/1.1\r\nHost: t\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let pid = server.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    std::thread::sleep(Duration::from_millis(300));
    slow.write_all(&rest).unwrap();
    let (status, _, body) = read_response(&mut slow);
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["id"], "in-flight");
    let body = br#"{"id":"late","text":"Typo"}"#;
    write!(
        arriving,
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    arriving.write_all(body).unwrap();
    let (status, _, reply) = read_response(&mut arriving);
    assert_eq!((status, json(&reply)["id"].as_str()), (200, Some("late")));
    let (code, log) = server.terminate_after_signal();
    assert_eq!(code, Some(0), "{log}");
    assert!(
        log.contains("shutting down") && log.contains("shut down after 3 requests"),
        "{log}"
    );
    // The listener is closed.
    assert!(TcpStream::connect(server_addr_of(&log)).is_err());
}

fn server_addr_of(log: &str) -> String {
    log.split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap()
        .to_string()
}

impl Server {
    /// Wait for a server already sent SIGTERM.
    fn terminate_after_signal(mut self) -> (Option<i32>, String) {
        let status = self.child.wait().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let log = self.log.lock().unwrap().clone();
        (status.code(), log)
    }
}

/// Read one answer framed by its Content-Length, leaving the connection open.
fn read_one(r: &mut BufReader<TcpStream>) -> (u16, String, String) {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        if line == "\r\n" || line.is_empty() {
            break;
        }
        head.push_str(&line);
    }
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .and_then(|v| v.trim().parse().ok())
        .expect("Content-Length");
    let mut body = vec![0; length];
    r.read_exact(&mut body).unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head, String::from_utf8(body).unwrap())
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection_and_closes_by_default() {
    let body = br#"{"text":"Rotate the leaked API key"}"#;
    let request = format!(
        "POST /label HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n{}",
        body.len(),
        std::str::from_utf8(body).unwrap()
    );
    let server = Server::start(&["--keep-alive"]);
    let mut r = BufReader::new(server.connect());
    for _ in 0..3 {
        r.get_mut().write_all(request.as_bytes()).unwrap();
        let (status, head, reply) = read_one(&mut r);
        assert_eq!(status, 200, "{reply}");
        assert!(!head.contains("Connection: close"), "{head}");
    }
    assert_eq!(server.terminate().0, Some(0));

    let server = Server::start(&[]);
    let mut r = BufReader::new(server.connect());
    r.get_mut().write_all(request.as_bytes()).unwrap();
    let (status, head, _) = read_one(&mut r);
    assert_eq!(status, 200);
    assert!(head.contains("Connection: close"), "{head}");
    assert_eq!(server.terminate().0, Some(0));
}

/// The bytes a server sends on `s` until it closes the connection (or 30 s pass).
fn read_all(s: &mut TcpStream) -> String {
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    String::from_utf8_lossy(&raw).into_owned()
}

/// Issue 13 item 8: the HTTP limits a server facing the network needs. Each of these was
/// accepted (or hung) with tiny_http.
#[test]
fn refuses_oversized_heads_conflicting_lengths_and_broken_chunks_with_one_answer() {
    let server = Server::start(&["--max-header-bytes", "4096"]);
    // A header line larger than --max-header-bytes: 431, then the connection closes.
    let mut s = server.connect();
    let long = "a".repeat(64 << 10);
    let _ = write!(
        s,
        "GET /health HTTP/1.1\r\nHost: t\r\nX-Long: {long}\r\n\r\n"
    );
    let reply = read_all(&mut s);
    assert!(reply.starts_with("HTTP/1.1 431"), "{reply}");
    // More than 100 headers: 431.
    let mut s = server.connect();
    let many: String = (0..150).map(|i| format!("X-H{i}: v\r\n")).collect();
    write!(s, "GET /health HTTP/1.1\r\nHost: t\r\n{many}\r\n").unwrap();
    assert!(read_all(&mut s).starts_with("HTTP/1.1 431"));
    // Two Content-Lengths that disagree: 400, not the first one's body.
    let mut s = server.connect();
    write!(
        s,
        "POST /label HTTP/1.1\r\nHost: t\r\nContent-Length: 13\r\nContent-Length: 2\r\n\r\n{{\"text\":\"a\"}}"
    )
    .unwrap();
    let reply = read_all(&mut s);
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    // A malformed chunk size: exactly one answer, then the connection closes.
    let mut s = server.connect();
    write!(
        s,
        "POST /label HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{{}}\r\n0\r\n\r\n"
    )
    .unwrap();
    let reply = read_all(&mut s);
    assert_eq!(reply.matches("HTTP/1.1 ").count(), 1, "{reply}");
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    // `Connection: close` closes: read_all returns at once instead of after 30 s.
    let mut s = server.connect();
    s.write_all(b"GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let started = std::time::Instant::now();
    assert!(read_all(&mut s).starts_with("HTTP/1.1 200"));
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(server.terminate().0, Some(0));
}

/// Issue 13 item 8: slow and idle clients cannot starve the server. With 50 clients holding
/// half a request head and 20 idle ones, /health is still answered; their connections are
/// closed after --header-timeout; a body that stops arriving gets 408; connections beyond
/// --max-connections get 503. (How fast /health answers under slow clients is measured in
/// benches/serve_load.rs, not here.)
#[test]
fn slow_and_idle_clients_time_out_and_cannot_starve_health() {
    let server = Server::start(&["--header-timeout", "2", "--body-timeout", "2"]);
    let mut slow: Vec<TcpStream> = (0..50)
        .map(|_| {
            let mut s = server.connect();
            s.write_all(b"POST /label HTTP/1.1\r\nHost: t\r\n").unwrap();
            s
        })
        .collect();
    slow.extend((0..20).map(|_| server.connect()));
    std::thread::sleep(Duration::from_millis(200));
    for _ in 0..5 {
        assert_eq!(server.call("GET", "/health", b"").0, 200);
    }
    // Every slow or idle connection is closed by the server (read returns, no 30 s timeout).
    for s in &mut slow {
        let mut buf = Vec::new();
        s.read_to_end(&mut buf)
            .expect("closed by the server, not timed out");
    }
    // A body that stops halfway: 408 after --body-timeout.
    let mut s = server.connect();
    s.write_all(b"POST /label HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n{\"text\":")
        .unwrap();
    let reply = read_all(&mut s);
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(reply.contains("--body-timeout"), "{reply}");
    assert_eq!(server.terminate().0, Some(0));

    let server = Server::start(&["--max-connections", "3"]);
    // Server::start's own /health call has closed; hold all three slots.
    let held: Vec<TcpStream> = (0..3).map(|_| server.connect()).collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut s = server.connect();
    let reply = read_all(&mut s);
    assert!(reply.starts_with("HTTP/1.1 503"), "{reply}");
    assert!(reply.contains("--max-connections"), "{reply}");
    drop(held);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(server.call("GET", "/health", b"").0, 200);
    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("1 connections refused"), "{log}");
}

/// Issue 14 item 6 (in part): one access-log line per answer on stderr; --no-access-log
/// turns it off.
#[test]
fn logs_one_line_per_answer() {
    let server = Server::start(&[]);
    server.call("GET", "/nowhere", b"");
    let (_, log) = server.terminate();
    assert!(log.contains("GET \"/health\" 200"), "{log}");
    assert!(log.contains("GET \"/nowhere\" 404"), "{log}");
    let server = Server::start(&["--no-access-log"]);
    server.call("GET", "/nowhere", b"");
    let (_, log) = server.terminate();
    assert!(!log.contains("/nowhere"), "{log}");
}

/// Issue 14 item 2: `serve --threshold/--abstain` set the server's decision and a request's
/// `threshold` / `abstain` fields override it.
#[test]
fn a_request_sets_its_own_threshold_and_abstain_band() {
    let server = Server::start(&["--threshold", "0"]);
    let label = |body: &str| {
        let (status, _, reply) = server.call("POST", "/label", body.as_bytes());
        assert_eq!(status, 200, "{reply}");
        json(&reply)["label"].as_str().unwrap().to_string()
    };
    assert_eq!(label(r#"{"text":"Typo in the README"}"#), "security");
    assert_eq!(
        label(r#"{"text":"Typo in the README","threshold":1}"#),
        "non-security"
    );
    assert_eq!(
        label(r#"{"text":"Typo in the README","abstain":[0,1]}"#),
        "uncertain"
    );
    let (status, _, reply) = server.call("POST", "/label", br#"{"text":"Typo","threshold":2}"#);
    assert_eq!(status, 400, "{reply}");
    assert_eq!(server.terminate().0, Some(0));
}

/// Issue 14 item 6 (in part): `/metrics` in Prometheus text format and `/openapi.json`
/// describing every endpoint.
#[test]
fn metrics_and_openapi_describe_the_server() {
    let server = Server::start(&["--workers", "1"]);
    server.call(
        "POST",
        "/label",
        br#"{"records":[{"text":"Rotate the key"},{"text":"Typo"}]}"#,
    );
    server.call("POST", "/label", br#"{"text":"jwt"}"#);
    server.call("GET", "/nowhere", b"");
    let (status, head, body) = server.call("GET", "/metrics", b"");
    assert_eq!(status, 200, "{body}");
    assert!(head.contains("text/plain; version=0.0.4"), "{head}");
    let value = |name: &str| -> f64 {
        body.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {body}"))
    };
    // Start's /health calls, the two /label calls.
    assert!(
        value("secdisc_http_requests_total{status=\"200\"}") >= 3.0,
        "{body}"
    );
    assert_eq!(value("secdisc_http_requests_total{status=\"404\"}"), 1.0);
    assert_eq!(value("secdisc_records_labelled_total"), 3.0);
    assert_eq!(value("secdisc_workers"), 1.0);
    assert!(value("secdisc_http_request_seconds_total") > 0.0);
    assert!(
        body.contains("# TYPE secdisc_connections_open gauge"),
        "{body}"
    );

    let (status, _, body) = server.call("GET", "/openapi.json", b"");
    assert_eq!(status, 200);
    let doc = json(&body);
    assert_eq!(doc["openapi"], "3.0.3");
    for path in ["/label", "/health", "/model", "/metrics", "/openapi.json"] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
    assert_eq!(
        doc["components"]["schemas"]["Row"]["properties"]["label"]["enum"][2],
        "uncertain"
    );
    assert_eq!(server.terminate().0, Some(0));
}

/// Issue 14 item 1: the model carries its text preparation, so `serve`, `label` on a record
/// file, `label` on an export and `explain` prepare one Markdown post (a code block, a quote, a
/// URL) alike and give it the same score, for a model that reads whole posts and for one that
/// reads paragraphs (a post's score is then its best paragraph's).
#[test]
fn serve_label_on_records_and_exports_and_explain_read_a_post_alike() {
    let d = Dir::new();
    d.write("data.csv", crate::util::toy_csv(60));
    let title = "Gateway token check";
    let body = "The gateway forwards the JWT without verifying its signature.\n\n```\nlet claims = decode(token);\n```\n\n> The README says this is fine.\n\nRotate the leaked API key, see https://example.com/vault for how.";
    let whole = format!("{title}\n\n{body}");
    let fixture = repo().join("tests/fixtures/ingest/github_issues_sample.json");
    let mut issues: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(fixture).unwrap()).unwrap();
    let mut issue = issues.swap_remove(0);
    issue["title"] = title.into();
    issue["body"] = body.into();
    issue["comments"] = 0.into();
    d.write("export.json", serde_json::to_vec(&[issue]).unwrap());
    d.write(
        "records.jsonl",
        format!("{}\n", serde_json::json!({"id": "r", "text": whole})),
    );
    let scores = |out: &std::process::Output| -> Vec<f64> {
        stdout(out)
            .lines()
            .map(|l| json(l)["score"].as_f64().unwrap())
            .collect()
    };
    for (unit, export_rows) in [("comment", 1), ("paragraph", 3)] {
        let model = format!("m-{unit}.json");
        expect_code(
            &d.sh(&format!(
                "train data.csv -o {model} --min-df 1 --unit {unit}"
            )),
            0,
        );
        let inspect = stdout(&d.sh(&format!("inspect {model}")));
        assert!(
            inspect.contains(&format!("cleaned as markdown, one text per {unit}")),
            "{inspect}"
        );
        let export = d.sh(&format!("label -m {model} export.json"));
        expect_code(&export, 0);
        let export = scores(&export);
        assert_eq!(export.len(), export_rows, "{unit}: {export:?}");
        let best = export.iter().copied().fold(f64::MIN, f64::max);
        let records = d.sh(&format!("label -m {model} records.jsonl"));
        expect_code(&records, 0);
        assert_eq!(scores(&records), [best], "{unit}: record file vs export");
        let explained = d.run(&["explain", "-m", &model, "--json", &whole]);
        expect_code(&explained, 0);
        let explained = json(stdout(&explained).trim())["score"].as_f64().unwrap();
        assert!(
            (explained - best).abs() < 1e-6,
            "{unit}: explain {explained} vs {best}"
        );
        let server = Server::start_model(&d.path(&model), &["--workers", "1"]);
        for request in [
            serde_json::json!({"title": title, "text": body}),
            serde_json::json!({"text": whole}),
        ] {
            let (status, _, reply) = server.call("POST", "/label", request.to_string().as_bytes());
            assert_eq!(status, 200, "{reply}");
            assert_eq!(
                json(&reply)["score"].as_f64(),
                Some(best),
                "{unit}: serve {request}"
            );
        }
        assert_eq!(server.terminate().0, Some(0));
    }
    // Cleaning matters here: read as given, the post scores differently.
    expect_code(
        &d.sh("train data.csv -o raw.json --min-df 1 --markup none"),
        0,
    );
    let raw = scores(&d.sh("label -m raw.json records.jsonl"));
    let cleaned = scores(&d.sh("label -m m-comment.json records.jsonl"));
    assert_ne!(raw, cleaned);
}
