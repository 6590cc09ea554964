//! Load test of `secdisc serve` on loopback: start the release binary with the shipped model,
//! then CLIENTS client threads POST one issue text each to `/label` as fast as they are
//! answered, for SECS seconds, then batches of 32 records; once against the default server
//! (`Connection: close` after each answer; clients reconnect, and the latency includes the
//! reconnect) and once with `--keep-alive`. Prints requests/s, records/s, p50/p99/max latency,
//! the count of non-200 answers and I/O errors, and the server's peak RSS. Last, the latency of
//! `/health` while 50 slow clients (half a request head each) and 50 idle ones are connected.
//!
//! `cargo bench --bench serve_load` (set `SECDISC_SHARED=../shared` to post matomo issue
//! texts; `SECDISC_LOAD_SECS` (default 30), `SECDISC_LOAD_CLIENTS` (default 8) and
//! `SECDISC_LOAD_WORKERS` (server `--workers`, default: CPUs) change the run;
//! `SECDISC_SERVE_BIN=PATH` serves with another secdisc binary, for a side-by-side run).

// common.rs allows its dead code itself (peak_rss_mib measures this process; the server's
// is read below).
#[path = "common.rs"]
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Outcome {
    latencies_us: Vec<u64>,
    non_200: u64,
    io_errors: u64,
}

/// Send one request on `conn` and read the answer (Content-Length framed); returns the status
/// and whether the server closes the connection after it.
fn exchange(conn: &mut BufReader<TcpStream>, request: &[u8]) -> std::io::Result<(u16, bool)> {
    conn.get_mut().write_all(request)?;
    let mut line = String::new();
    conn.read_line(&mut line)?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
    let mut length = 0usize;
    let mut close = false;
    loop {
        line.clear();
        conn.read_line(&mut line)?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
            if k.eq_ignore_ascii_case("connection") && v.trim().eq_ignore_ascii_case("close") {
                close = true;
            }
        }
    }
    let mut body = vec![0; length];
    conn.read_exact(&mut body)?;
    Ok((status, close))
}

fn client(addr: &str, bodies: &[Vec<u8>], offset: usize, until: Instant) -> Outcome {
    let mut out = Outcome {
        latencies_us: Vec::new(),
        non_200: 0,
        io_errors: 0,
    };
    let connect = || TcpStream::connect(addr).map(BufReader::new);
    let mut conn = None;
    let mut i = offset;
    while Instant::now() < until {
        let body = &bodies[i % bodies.len()];
        i += 1;
        let mut request = format!(
            "POST /label HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        request.extend_from_slice(body);
        // A new connection (after `Connection: close`) is part of the request's latency.
        let started = Instant::now();
        if conn.is_none() {
            conn = connect().ok();
        }
        let Some(c) = conn.as_mut() else {
            out.io_errors += 1;
            continue;
        };
        match exchange(c, &request) {
            Ok((status, close)) => {
                out.latencies_us.push(started.elapsed().as_micros() as u64);
                if status != 200 {
                    out.non_200 += 1;
                }
                if close || status != 200 {
                    conn = None;
                }
            }
            Err(_) => {
                out.io_errors += 1;
                conn = None;
            }
        }
    }
    out
}

fn run(addr: &str, name: &str, bodies: Vec<Vec<u8>>, records_per_request: usize) {
    let secs = env_usize("SECDISC_LOAD_SECS", 30) as u64;
    let clients = env_usize("SECDISC_LOAD_CLIENTS", 8);
    let bodies = Arc::new(bodies);
    let started = Instant::now();
    let until = started + Duration::from_secs(secs);
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            let (addr, bodies) = (addr.to_string(), Arc::clone(&bodies));
            std::thread::spawn(move || client(&addr, &bodies, c * 7919, until))
        })
        .collect();
    let mut latencies = Vec::new();
    let (mut non_200, mut io_errors) = (0, 0);
    for h in handles {
        let o = h.join().expect("client thread");
        latencies.extend(o.latencies_us);
        non_200 += o.non_200;
        io_errors += o.io_errors;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |&us| us as f64 / 1000.0)
    };
    let n = latencies.len() as f64;
    println!(
        "{name}: {clients} clients, {secs} s: {:.0} requests/s ({:.0} records/s), latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {non_200} non-200, {io_errors} I/O errors, {} answered",
        n / elapsed,
        n * records_per_request as f64 / elapsed,
        pct(0.50),
        pct(0.99),
        pct(1.0),
        latencies.len()
    );
}

fn main() {
    let (texts, _, _) = common::read(&common::dataset("matomo_github_issues"));
    let one: Vec<Vec<u8>> = texts
        .iter()
        .take(2000)
        .enumerate()
        .map(|(i, t)| serde_json::to_vec(&serde_json::json!({"id": i, "text": t})).expect("json"))
        .collect();
    let avg = one.iter().map(Vec::len).sum::<usize>() / one.len().max(1);
    eprintln!(
        "posting {} distinct bodies, {avg} bytes on average",
        one.len()
    );
    let batches: Vec<Vec<u8>> = texts
        .chunks(32)
        .take(200)
        .map(|chunk| {
            let records: Vec<_> = chunk
                .iter()
                .enumerate()
                .map(|(i, t)| serde_json::json!({"id": i, "text": t}))
                .collect();
            serde_json::to_vec(&serde_json::json!({ "records": records })).expect("json")
        })
        .filter(|b| b.len() < 1 << 20)
        .collect();
    for keep_alive in [false, true] {
        let label = if keep_alive {
            "--keep-alive"
        } else {
            "default (Connection: close)"
        };
        let server = start_server(keep_alive);
        run(
            &server.1,
            &format!("{label}, one record per request"),
            one.clone(),
            1,
        );
        run(
            &server.1,
            &format!("{label}, 32 records per request"),
            batches.clone(),
            32,
        );
        stop_server(server);
    }
    let server = start_server(false);
    health_under_slow_clients(&server.1, 50);
    stop_server(server);
}

/// Issue 13 item 8: hold `slow` connections that sent half a request head (and as many idle
/// ones), then time 50 `/health` calls, each on a new connection. Target: every one within
/// 100 ms.
fn health_under_slow_clients(addr: &str, slow: usize) {
    let mut held = Vec::new();
    for i in 0..2 * slow {
        let Ok(mut s) = TcpStream::connect(addr) else {
            println!("slow clients: connection {i} refused");
            break;
        };
        if i < slow {
            let _ = s.write_all(b"POST /label HTTP/1.1\r\nHost: slow\r\n");
        }
        held.push(s);
    }
    std::thread::sleep(Duration::from_millis(500));
    let mut latencies = Vec::new();
    let mut failures = 0;
    for _ in 0..50 {
        let started = Instant::now();
        let ok = TcpStream::connect(addr)
            .map(BufReader::new)
            .and_then(|mut c| {
                exchange(
                    &mut c,
                    b"GET /health HTTP/1.1\r\nHost: bench\r\nContent-Length: 0\r\n\r\n",
                )
            });
        match ok {
            Ok((200, _)) => latencies.push(started.elapsed().as_secs_f64() * 1e3),
            _ => failures += 1,
        }
    }
    latencies.sort_by(f64::total_cmp);
    let max = latencies.last().copied().unwrap_or(f64::NAN);
    println!(
        "/health with {slow} slow and {slow} idle clients connected: {} answered, {failures} failed, p50 {:.2} ms, max {max:.2} ms (target: all within 100 ms: {})",
        latencies.len(),
        latencies.get(latencies.len() / 2).copied().unwrap_or(f64::NAN),
        if failures == 0 && max <= 100.0 { "met" } else { "NOT met" }
    );
    drop(held);
}

fn start_server(
    keep_alive: bool,
) -> (
    std::process::Child,
    String,
    BufReader<std::process::ChildStderr>,
) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    // SECDISC_SERVE_BIN runs another build (an older release, say) for a side-by-side run.
    let bin = std::env::var("SECDISC_SERVE_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_secdisc").to_string());
    let help = Command::new(&bin)
        .args(["serve", "--help"])
        .output()
        .expect("run secdisc serve --help");
    let mut cmd = Command::new(&bin);
    cmd.arg("serve")
        .arg("--model")
        .arg(root.join("models/default.json"))
        .args(["--addr", "127.0.0.1:0", "--max-queue", "256"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if keep_alive {
        cmd.arg("--keep-alive");
    }
    // The access log goes to a pipe this bench reads only at the end; builds without the flag
    // log nothing per request.
    if String::from_utf8_lossy(&help.stdout).contains("--no-access-log") {
        cmd.arg("--no-access-log");
    }
    if let Ok(w) = std::env::var("SECDISC_LOAD_WORKERS") {
        cmd.args(["--workers", &w]);
    }
    let mut child = cmd.spawn().expect("start secdisc serve");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut first = String::new();
    stderr.read_line(&mut first).expect("server banner");
    eprint!("{first}");
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .expect("address in banner")
        .to_string();
    std::thread::sleep(Duration::from_millis(200));
    (child, addr, stderr)
}

fn stop_server(
    (mut child, _, mut stderr): (
        std::process::Child,
        String,
        BufReader<std::process::ChildStderr>,
    ),
) {
    println!(
        "server peak RSS: {:.1} MiB",
        server_peak_rss_mib(child.id()).unwrap_or(0.0)
    );
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().expect("server exit");
    let mut rest = String::new();
    let _ = stderr.read_to_string(&mut rest);
    eprint!("{rest}");
    println!("server exit after SIGTERM: {status}");
}

/// Peak resident memory of process `pid` in MiB (Linux `VmHWM`).
fn server_peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
