//! The HTTP server behind `secdisc serve`.
//!
//! HTTP/1.1 comes from hyper (with tokio for its sockets and timers): its parser refuses
//! conflicting `Content-Length`s and malformed chunked bodies with one answer, closes a
//! connection that says `Connection: close`, and gives the limits a bot-facing service needs,
//! which tiny_http (used before) could not: header size and count limits, a deadline for a
//! request's headers that also ends idle keep-alive connections, and graceful shutdown.
//! This module adds the rest:
//!
//! - at most `max_connections` open connections; beyond that a new connection gets 503 and is
//!   closed, so slow or idle clients cannot exhaust the process;
//! - a deadline for the body (`body_timeout`), and a body larger than `max_body_bytes` gets 413,
//!   judged from `Content-Length` before reading and enforced while reading chunked bodies;
//! - `/health` and `/model` are answered on the I/O thread; a `/label` request, once its body
//!   has arrived, goes to one of `workers` labelling threads through a queue of `max_queue`
//!   slots; when the queue is full it gets 503 at once. A slow client never holds a worker;
//! - on SIGINT or SIGTERM the listener closes, requests in progress (including one whose body
//!   is still arriving) are answered, idle connections are closed, and [`run`] returns (exit 0)
//!   after at most `shutdown_grace`;
//! - one access-log line per answer on stderr.
//!
//! Each worker owns a [`Labeler`] (and so its own featurizer buffers): no lock is held while
//! labelling. The I/O runs on one tokio thread: parsing HTTP is cheap next to labelling.

pub mod api;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Body, Bytes, Incoming};
use hyper::header::{HeaderValue, ALLOW, CONNECTION, CONTENT_TYPE, RETRY_AFTER};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use secdisc_infer::{DecisionOverride, Labeler};
use secdisc_model::{ModelBundle, SentenceVectors};
use tokio::io::AsyncWriteExt;
use tokio::sync::{oneshot, Semaphore};

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
    /// Keep connections open between requests. Off by default: every answer says
    /// `Connection: close` and the connection is closed after it.
    pub keep_alive: bool,
    /// Open connections allowed; a connection beyond them gets 503 and is closed.
    pub max_connections: usize,
    /// Largest request head (request line and headers); larger ones get 431.
    pub max_header_bytes: usize,
    /// Time a client has to send a request's headers, counted from the connection's start or
    /// the previous answer (so it also closes idle keep-alive connections).
    pub header_timeout: Duration,
    /// Time a client has to send a request's body once its headers are in; then 408.
    pub body_timeout: Duration,
    /// Longest wait for requests in progress after SIGINT/SIGTERM.
    pub shutdown_grace: Duration,
    /// Print one line per answer on stderr.
    pub access_log: bool,
    /// `--threshold` and `--abstain`, which a request may override.
    pub decision: DecisionOverride,
}

/// Status codes counted one by one in `/metrics`; others count as `other`.
const STATUSES: [u16; 8] = [200, 400, 404, 405, 408, 413, 500, 503];

/// Counts reported at shutdown and by `/metrics`.
#[derive(Debug, Default)]
struct Counters {
    /// Answers by status (the statuses of [`STATUSES`], then `other`): every total at shutdown
    /// and in `/metrics` is a sum of these.
    by_status: [AtomicU64; STATUSES.len()],
    other_status: AtomicU64,
    /// Connections answered 503 beyond `--max-connections` (written raw, not counted above).
    rejected_connections: AtomicU64,
    /// Rows labelled (records of `/label` requests answered 200).
    records: AtomicU64,
    /// Time spent answering, in microseconds.
    micros: AtomicU64,
}

impl Counters {
    /// Answers with a status of [`STATUSES`] in `range`.
    fn answered(&self, range: std::ops::RangeInclusive<u16>) -> u64 {
        STATUSES
            .iter()
            .zip(&self.by_status)
            .filter(|(s, _)| range.contains(s))
            .map(|(_, n)| n.load(Ordering::Relaxed))
            .sum()
    }

    /// Every answer.
    fn total(&self) -> u64 {
        self.answered(0..=u16::MAX) + self.other_status.load(Ordering::Relaxed)
    }

    /// The Prometheus text exposition of the counters; `open` connections now.
    fn prometheus(&self, config: &ServeConfig, open: usize) -> Vec<u8> {
        use std::fmt::Write as _;
        let mut s = String::new();
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        s.push_str("# HELP secdisc_http_requests_total Answers sent, by HTTP status.\n# TYPE secdisc_http_requests_total counter\n");
        for (status, n) in STATUSES.iter().zip(&self.by_status) {
            let _ = writeln!(
                s,
                "secdisc_http_requests_total{{status=\"{status}\"}} {}",
                load(n)
            );
        }
        let _ = writeln!(
            s,
            "secdisc_http_requests_total{{status=\"other\"}} {}",
            load(&self.other_status)
        );
        let metrics = [
            (
                "secdisc_http_request_seconds_total",
                "counter",
                "Time spent answering requests.",
                format!("{}", load(&self.micros) as f64 / 1e6),
            ),
            (
                "secdisc_records_labelled_total",
                "counter",
                "Records labelled (rows of /label answers).",
                load(&self.records).to_string(),
            ),
            (
                "secdisc_connections_refused_total",
                "counter",
                "Connections answered 503 beyond --max-connections.",
                load(&self.rejected_connections).to_string(),
            ),
            (
                "secdisc_connections_open",
                "gauge",
                "Connections open now.",
                open.to_string(),
            ),
            (
                "secdisc_max_connections",
                "gauge",
                "--max-connections.",
                config.max_connections.to_string(),
            ),
            (
                "secdisc_workers",
                "gauge",
                "Labelling threads (--workers).",
                config.workers.to_string(),
            ),
            (
                "secdisc_queue_slots",
                "gauge",
                "Requests that may wait for a worker (--max-queue).",
                config.max_queue.to_string(),
            ),
        ];
        for (name, kind, help, value) in metrics {
            let _ = writeln!(
                s,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        s.into_bytes()
    }

    fn count_status(&self, status: u16) {
        match STATUSES.iter().position(|&s| s == status) {
            Some(i) => self.by_status[i].fetch_add(1, Ordering::Relaxed),
            None => self.other_status.fetch_add(1, Ordering::Relaxed),
        };
    }
}

/// A `/label` body on its way to a worker, and where its answer goes.
struct Job {
    body: Bytes,
    reply: oneshot::Sender<Reply>,
}

/// What every connection's handler shares.
struct Shared {
    queue: SyncSender<Job>,
    model_json: Bytes,
    /// `GET /openapi.json`, built once.
    openapi_json: Bytes,
    config: ServeConfig,
    counters: Arc<Counters>,
    /// One permit per connection that may be open (`--max-connections`).
    slots: Arc<Semaphore>,
}

impl Shared {
    /// Connections open now.
    fn open_connections(&self) -> usize {
        self.config.max_connections - self.slots.available_permits()
    }
}

/// Serve `bundle` until SIGINT/SIGTERM. `model_json` is the `GET /model` body. Prints the
/// bound address on stderr (`listening on http://ADDR`) so callers using port 0 can find it.
pub fn run(
    bundle: &ModelBundle,
    vectors: Option<&dyn SentenceVectors>,
    model_json: Vec<u8>,
    config: &ServeConfig,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the I/O runtime")?;
    let listener = std::net::TcpListener::bind(&config.addr).with_context(|| {
        format!(
            "cannot listen on {}; pick another --addr (port 0 picks a free one)",
            config.addr
        )
    })?;
    listener
        .set_nonblocking(true)
        .context("cannot make the listening socket non-blocking")?;
    let bound = listener.local_addr().ok();
    let listener = {
        let _guard = runtime.enter();
        tokio::net::TcpListener::from_std(listener)
            .with_context(|| format!("cannot serve on {}", config.addr))?
    };
    // Installed before "listening" is printed, so a signal sent right after it is not lost.
    let signals = {
        let _guard = runtime.enter();
        Signals::install()?
    };
    eprintln!(
        "secdisc: listening on http://{} ({} workers, queue {}, max body {} bytes, max {} connections); SIGINT/SIGTERM stops",
        bound.map_or_else(|| config.addr.clone(), |a| a.to_string()),
        config.workers,
        config.max_queue,
        config.max_body_bytes,
        config.max_connections
    );
    let counters = Arc::new(Counters::default());
    let (queue, rx) = sync_channel::<Job>(config.max_queue);
    let rx = Mutex::new(rx);
    let shared = Arc::new(Shared {
        queue,
        model_json: Bytes::from(model_json),
        openapi_json: Bytes::from(api::openapi()),
        config: config.clone(),
        counters: Arc::clone(&counters),
        slots: Arc::new(Semaphore::new(config.max_connections)),
    });
    std::thread::scope(|scope| {
        for _ in 0..config.workers {
            let (rx, counters) = (&rx, &*counters);
            scope.spawn(move || worker(bundle, vectors, config, rx, counters));
        }
        runtime.block_on(accept_loop(listener, shared, signals));
        // Dropping the runtime drops every connection still open after the grace period, and
        // with them the last senders of the queue: the workers finish what is queued and stop.
        drop(runtime);
    });
    eprintln!(
        "secdisc: shut down after {} requests ({} client errors, {} refused as busy, {} connections refused)",
        counters.total(),
        counters.answered(400..=499),
        counters.answered(503..=503),
        counters.rejected_connections.load(Ordering::Relaxed)
    );
    Ok(())
}

/// SIGINT and SIGTERM, as one future.
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> anyhow::Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())
                .context("cannot install the SIGINT handler")?,
            terminate: signal(SignalKind::terminate())
                .context("cannot install the SIGTERM handler")?,
        })
    }

    async fn recv(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}

async fn accept_loop(listener: tokio::net::TcpListener, shared: Arc<Shared>, mut signals: Signals) {
    let config = &shared.config;
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_timeout)
        .max_header_size(config.max_header_bytes)
        .keep_alive(config.keep_alive)
        .title_case_headers(true);
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, say: wait a little instead of spinning.
                    eprintln!("secdisc: cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = signals.recv() => break,
        };
        // Small answers go out in one segment; without this a body written after its head
        // waits for the client's delayed ACK.
        let _ = stream.set_nodelay(true);
        let Ok(slot) = Arc::clone(&shared.slots).try_acquire_owned() else {
            shared
                .counters
                .rejected_connections
                .fetch_add(1, Ordering::Relaxed);
            tokio::spawn(refuse_connection(stream, config.max_connections));
            continue;
        };
        let conn_shared = Arc::clone(&shared);
        let service = hyper::service::service_fn(move |request| {
            let shared = Arc::clone(&conn_shared);
            async move { Ok::<_, Infallible>(answer(request, &shared, peer).await) }
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A client that hangs up, times out or sends garbage has had its answer (or none
            // is possible); the server has nothing to add.
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    let open = graceful.count();
    eprintln!("secdisc: shutting down: finishing requests in progress ({open} connections open)");
    if tokio::time::timeout(config.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        eprintln!(
            "secdisc: {} s after the signal some connections were still open; closing them",
            config.shutdown_grace.as_secs()
        );
    }
}

/// Answer a connection beyond `--max-connections` with 503 and close it.
async fn refuse_connection(mut stream: tokio::net::TcpStream, limit: usize) {
    let body = serde_json::json!({
        "error": format!("server busy: {limit} connections open (--max-connections); retry shortly"),
        "status": 503
    })
    .to_string();
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: {}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let write = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body.as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
}

/// One request's answer, logged.
async fn answer(
    request: Request<Incoming>,
    shared: &Shared,
    peer: SocketAddr,
) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let (reply, close) = handle(request, shared).await;
    let counters = &shared.counters;
    counters.count_status(reply.status);
    counters.micros.fetch_add(
        u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        Ordering::Relaxed,
    );
    if shared.config.access_log {
        eprintln!(
            "secdisc: {peer} {method} {path:?} {} {} bytes {:.1} ms",
            reply.status,
            reply.body.len(),
            started.elapsed().as_secs_f64() * 1e3
        );
    }
    response(reply, close || !shared.config.keep_alive)
}

/// The reply, and whether the connection must close after it (a body left unread).
async fn handle(request: Request<Incoming>, shared: &Shared) -> (Reply, bool) {
    let route = match api::route(request.method().as_str(), request.uri().path()) {
        Ok(r) => r,
        Err(reply) => return (reply, false),
    };
    match route {
        Route::Health => (Reply::ok(br#"{"status":"ok"}"#.to_vec()), false),
        Route::Model => (Reply::ok(shared.model_json.to_vec()), false),
        Route::Metrics => {
            let mut reply = Reply::ok(
                shared
                    .counters
                    .prometheus(&shared.config, shared.open_connections()),
            );
            reply.content_type = api::PROMETHEUS;
            (reply, false)
        }
        Route::OpenApi => (Reply::ok(shared.openapi_json.to_vec()), false),
        Route::Label => {
            let body = match read_body(request, &shared.config).await {
                Ok(b) => b,
                Err(reply) => return (reply, true),
            };
            (label(body, shared).await, false)
        }
    }
}

/// The body, at most `max_body_bytes`, within `body_timeout`; or the 413/408/400 reply.
async fn read_body(request: Request<Incoming>, config: &ServeConfig) -> Result<Bytes, Reply> {
    let limit = config.max_body_bytes;
    let too_large = || {
        Reply::error(
            413,
            &format!("the body is larger than {limit} bytes (--max-body-bytes); send fewer records per request"),
        )
    };
    let body = request.into_body();
    if body.size_hint().lower() > limit as u64 {
        return Err(too_large());
    }
    match tokio::time::timeout(config.body_timeout, Limited::new(body, limit).collect()).await {
        Err(_) => Err(Reply::error(
            408,
            &format!(
                "the body did not arrive within {} s (--body-timeout)",
                config.body_timeout.as_secs()
            ),
        )),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Ok(Err(e)) => Err(Reply::error(400, &format!("cannot read the body: {e}"))),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

/// Hand a `/label` body to a worker and wait for its reply; 503 when the queue is full.
async fn label(body: Bytes, shared: &Shared) -> Reply {
    let (reply, answer) = oneshot::channel();
    match shared.queue.try_send(Job { body, reply }) {
        Ok(()) => answer.await.unwrap_or_else(|_| {
            Reply::error(500, "the worker labelling this request stopped; retry")
        }),
        Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
            let config = &shared.config;
            Reply::error(
                503,
                &format!(
                    "server busy: {} workers and {} queued requests; retry shortly",
                    config.workers, config.max_queue
                ),
            )
        }
    }
}

fn worker(
    bundle: &ModelBundle,
    vectors: Option<&dyn SentenceVectors>,
    config: &ServeConfig,
    rx: &Mutex<Receiver<Job>>,
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
        // The lock is held only while waiting for the next job, never while labelling.
        let next = match rx.lock() {
            Ok(guard) => guard.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        let Ok(job) = next else { return };
        let reply = match api::parse_label_request(&job.body) {
            Ok(parsed) => {
                let n = match &parsed.records {
                    api::LabelRequest::One(_) => 1,
                    api::LabelRequest::Many(items) => {
                        items.iter().filter(|i| i.is_ok()).count() as u64
                    }
                };
                counters.records.fetch_add(n, Ordering::Relaxed);
                let decision =
                    labeler.decision(parsed.decision(&config.decision, bundle.threshold));
                Reply::ok(api::label(
                    &labeler,
                    &parsed.records,
                    config.top_terms,
                    decision,
                ))
            }
            Err(message) => Reply::error(400, &message),
        };
        // The client may have hung up; its answer is then thrown away.
        let _ = job.reply.send(reply);
    }
}

fn response(reply: Reply, close: bool) -> Response<Full<Bytes>> {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(reply.content_type));
    if let Some(allow) = reply.allow {
        headers.insert(ALLOW, HeaderValue::from_static(allow));
    }
    if status == StatusCode::SERVICE_UNAVAILABLE {
        headers.insert(RETRY_AFTER, HeaderValue::from_static("1"));
    }
    if close {
        headers.insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}
