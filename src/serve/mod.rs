//! The HTTP server behind `secdisc serve`.
//!
//! HTTP comes from `tiny_http`: a small, synchronous server (four small dependencies, no async
//! runtime) that fits this codebase, where labelling is CPU-bound and already synchronous;
//! hyper/axum would bring tokio for no gain here. tiny_http parses requests on its own
//! connection threads; this module adds the limits a bot-facing service needs:
//!
//! - one dispatcher thread takes parsed requests and hands them to `workers` threads through
//!   a queue of `max_queue` slots; when the queue is full the dispatcher answers 503 at once,
//!   so a burst cannot pile up unbounded work;
//! - a body larger than `max_body_bytes` gets 413, judged from `Content-Length` before reading,
//!   and enforced while reading chunked bodies;
//! - on SIGINT or SIGTERM the dispatcher stops taking requests, the workers finish what they
//!   hold and what is queued, and [`run`] returns (exit 0).
//!
//! `socket2` sets TCP_NODELAY on the listener (see [`run`]).
//!
//! Each worker owns a [`Labeler`] (and so its own featurizer buffers): no lock is shared on the
//! labelling path.

pub mod api;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use secdisc_infer::Labeler;
use secdisc_model::{ModelBundle, SentenceVectors};
use tiny_http::{Request, Server};

use api::{Reply, Route};

/// Validated server settings.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address to bind; port 0 picks a free port.
    pub addr: String,
    /// Threads that label requests.
    pub workers: usize,
    /// Requests waiting for a worker before new ones get 503.
    pub max_queue: usize,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Terms reported per row.
    pub top_terms: usize,
    /// Keep connections open between requests. Off by default (every answer says
    /// `Connection: close`): tiny_http serves each connection on one thread of its pool until
    /// the connection closes, and its pool can leave a new connection queued behind busy
    /// keep-alive ones (a 30 s stall seen in `benches/serve_load.rs`); closing after each
    /// answer bounds that wait to one request.
    pub keep_alive: bool,
}

/// Threads answering 503 at once (see the dispatcher).
const MAX_REJECTERS: usize = 32;

/// Counts reported at shutdown.
#[derive(Debug, Default)]
struct Counters {
    served: AtomicU64,
    client_errors: AtomicU64,
    rejected_busy: AtomicU64,
}

/// Serve `bundle` until SIGINT/SIGTERM. `model_json` is the `GET /model` body. Prints the
/// bound address on stderr (`listening on http://ADDR`) so callers using port 0 can find it.
pub fn run(
    bundle: &ModelBundle,
    vectors: Option<&dyn SentenceVectors>,
    model_json: Vec<u8>,
    config: &ServeConfig,
) -> anyhow::Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("cannot install the SIGINT/SIGTERM handler")?;
    }
    let listener = std::net::TcpListener::bind(&config.addr).with_context(|| {
        format!(
            "cannot listen on {}; pick another --addr (port 0 picks a free one)",
            config.addr
        )
    })?;
    // tiny_http writes a response's head and body separately once it exceeds its 1 KiB write
    // buffer; with Nagle's algorithm the body then waits for the client's delayed ACK (40 ms on
    // Linux). Accepted sockets inherit TCP_NODELAY from the listener on Linux.
    socket2::SockRef::from(&listener)
        .set_tcp_nodelay(true)
        .context("cannot set TCP_NODELAY on the listening socket")?;
    let server = Server::from_listener(listener, None)
        .map_err(|e| anyhow::anyhow!("cannot serve on {}: {e}", config.addr))?;
    let bound: Option<SocketAddr> = server.server_addr().to_ip();
    eprintln!(
        "secdisc: listening on http://{} ({} workers, queue {}, max body {} bytes); SIGINT/SIGTERM stops",
        bound.map_or_else(|| config.addr.clone(), |a| a.to_string()),
        config.workers,
        config.max_queue,
        config.max_body_bytes
    );
    let counters = Counters::default();
    let rejecters = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = sync_channel::<Request>(config.max_queue);
    let rx = Mutex::new(rx);
    let model_json = model_json.as_slice();
    std::thread::scope(|scope| {
        for _ in 0..config.workers {
            let (rx, counters) = (&rx, &counters);
            scope.spawn(move || worker(bundle, vectors, model_json, config, rx, counters));
        }
        while !stop.load(Ordering::SeqCst) {
            let request = match server.recv_timeout(Duration::from_millis(50)) {
                Ok(Some(r)) => r,
                Ok(None) => continue,
                Err(e) => {
                    eprintln!("secdisc: cannot accept a request: {e}");
                    continue;
                }
            };
            match tx.try_send(request) {
                Ok(()) => {}
                Err(TrySendError::Full(request) | TrySendError::Disconnected(request)) => {
                    counters.rejected_busy.fetch_add(1, Ordering::Relaxed);
                    let reply = Reply::error(
                        503,
                        &format!(
                            "server busy: {} workers and {} queued requests; retry shortly",
                            config.workers, config.max_queue
                        ),
                    );
                    let close = (!config.keep_alive).then_some(("Connection", "close"));
                    let extra = [Some(("Retry-After", "1")), close];
                    // Answering drops the request, and tiny_http then reads what is left of
                    // its body: a slow client would stall the dispatcher. Answer on a short-lived
                    // thread instead (at most MAX_REJECTERS at once; beyond that, here).
                    if rejecters.fetch_add(1, Ordering::SeqCst) < MAX_REJECTERS {
                        let rejecters = Arc::clone(&rejecters);
                        std::thread::spawn(move || {
                            respond(request, reply, &extra);
                            rejecters.fetch_sub(1, Ordering::SeqCst);
                        });
                    } else {
                        rejecters.fetch_sub(1, Ordering::SeqCst);
                        respond(request, reply, &extra);
                    }
                }
            }
        }
        eprintln!("secdisc: shutting down: finishing requests in progress");
        // Closing the queue lets the workers drain it and stop.
        drop(tx);
    });
    drop(server);
    eprintln!(
        "secdisc: shut down after {} requests ({} client errors, {} refused as busy)",
        counters.served.load(Ordering::Relaxed),
        counters.client_errors.load(Ordering::Relaxed),
        counters.rejected_busy.load(Ordering::Relaxed)
    );
    Ok(())
}

fn worker(
    bundle: &ModelBundle,
    vectors: Option<&dyn SentenceVectors>,
    model_json: &[u8],
    config: &ServeConfig,
    rx: &Mutex<Receiver<Request>>,
    counters: &Counters,
) {
    let labeler = match vectors {
        Some(v) => Labeler::with_vectors(bundle, v),
        None => Labeler::new(bundle),
    };
    let labeler = match labeler {
        Ok(l) => l,
        Err(e) => {
            // `secdisc serve` builds one before starting the workers, so this does not happen.
            eprintln!("secdisc: error: {e}");
            return;
        }
    };
    loop {
        // The lock is held only while waiting for the next request, never while labelling.
        let next = match rx.lock() {
            Ok(guard) => guard.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        let Ok(mut request) = next else { return };
        let reply = handle(&labeler, model_json, config, &mut request);
        counters.served.fetch_add(1, Ordering::Relaxed);
        if (400..500).contains(&reply.status) {
            counters.client_errors.fetch_add(1, Ordering::Relaxed);
        }
        let close = reply.status == 413 || !config.keep_alive;
        respond(request, reply, &[close.then_some(("Connection", "close"))]);
    }
}

fn handle(
    labeler: &Labeler<'_>,
    model_json: &[u8],
    config: &ServeConfig,
    request: &mut Request,
) -> Reply {
    let route = match api::route(request.method().as_str(), request.url()) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    match route {
        Route::Health => Reply::ok(br#"{"status":"ok"}"#.to_vec()),
        Route::Model => Reply::ok(model_json.to_vec()),
        Route::Label => {
            let body = match read_body(request, config.max_body_bytes) {
                Ok(b) => b,
                Err(reply) => return reply,
            };
            match api::parse_label_request(&body) {
                Ok(parsed) => Reply::ok(api::label(labeler, &parsed, config.top_terms)),
                Err(message) => Reply::error(400, &message),
            }
        }
    }
}

/// Bytes of an oversized chunked body read and thrown away before answering 413.
const DRAIN_LIMIT: u64 = 64 << 20;

/// The body, at most `limit` bytes, or the 413/400 reply.
fn read_body(request: &mut Request, limit: usize) -> Result<Vec<u8>, Reply> {
    let too_large = || {
        Reply::error(
            413,
            &format!("the body is larger than {limit} bytes (--max-body-bytes); send fewer records per request"),
        )
    };
    if request.body_length().is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(request.body_length().unwrap_or(0));
    request
        .as_reader()
        .take(limit as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| Reply::error(400, &format!("cannot read the body: {e}")))?;
    if body.len() > limit {
        // Read the rest (up to a cap) so that the client, still sending, gets the 413 instead of
        // a reset connection. A body with a Content-Length is drained by tiny_http itself.
        let _ = std::io::copy(
            &mut request.as_reader().take(DRAIN_LIMIT),
            &mut std::io::sink(),
        );
        return Err(too_large());
    }
    Ok(body)
}

/// Write the answer ourselves rather than through `Request::respond`: tiny_http drops a
/// `Connection` header set by the application (so it could not close keep-alive connections)
/// and writes head and body separately. One buffer, one write.
fn respond(request: Request, reply: Reply, extra: &[Option<(&str, &str)>]) {
    let reason = match reply.status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        503 => "Service Unavailable",
        _ => "",
    };
    let mut out = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        reply.status,
        reply.body.len()
    );
    if let Some(allow) = reply.allow {
        out.push_str(&format!("Allow: {allow}\r\n"));
    }
    for (name, value) in extra.iter().flatten() {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&reply.body);
    let mut writer = request.into_writer();
    // A client that hung up before its answer is not the server's problem.
    let _ = writer.write_all(&bytes).and_then(|()| writer.flush());
}
