//! The HTTP API without the HTTP: routes, request bodies and JSON responses, as pure functions
//! so they can be tested without a socket.
//!
//! `POST /label` takes one record, `{"text": "..."}` or `{"id": "...", "text": "..."}`, and
//! answers with one row; or several, `{"records": [{"id": ..., "text": ...}, ...]}`, and answers
//! `{"rows": [...]}` in request order. A row has the fields of a `secdisc label` JSONL row:
//! `id`, `label`, `score`, `terms`. An `id` may be a string or a number; without one a record
//! gets its 1-based position. A bare JSON array is refused (400) so that the body shape alone
//! says whether one or many rows come back. A record may have a `title`; the title and the
//! text are prepared as the model reads a post (`ModelBundle::text_prep`), as `label` reads a
//! record file or an export, so a bot and the batch pipeline give the same scores.

use secdisc_infer::{Decision, DecisionOverride, LabelRow, Labeler, OutputFormat};
use serde_json::Value;

/// The `Content-Type` of JSON replies.
pub const JSON: &str = "application/json";

/// The `Content-Type` of `/metrics` (Prometheus text exposition format).
pub const PROMETHEUS: &str = "text/plain; version=0.0.4; charset=utf-8";

/// What a request asks for, once routed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `POST /label`.
    Label,
    /// `GET /health`.
    Health,
    /// `GET /model`.
    Model,
    /// `GET /metrics`.
    Metrics,
    /// `GET /openapi.json`.
    OpenApi,
}

/// A response: status code and JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// The body (JSON unless `content_type` says otherwise).
    pub body: Vec<u8>,
    /// Methods for an `Allow` header (405 only).
    pub allow: Option<&'static str>,
    /// `Content-Type`; `application/json` for every reply but `/metrics`.
    pub content_type: &'static str,
}

impl Reply {
    /// A 200 with `body`.
    pub fn ok(body: Vec<u8>) -> Reply {
        Reply {
            status: 200,
            body,
            allow: None,
            content_type: JSON,
        }
    }

    /// An error reply: `{"error": message, "status": status}`.
    pub fn error(status: u16, message: &str) -> Reply {
        let body = serde_json::json!({ "error": message, "status": status });
        Reply {
            status,
            body: body.to_string().into_bytes(),
            allow: None,
            content_type: JSON,
        }
    }
}

/// Route a method and URL (any query string is ignored), or the 404/405 reply. `HEAD` is
/// accepted wherever `GET` is.
pub fn route(method: &str, url: &str) -> Result<Route, Reply> {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let (route, allowed) = match path {
        "/label" => (Route::Label, "POST"),
        "/health" => (Route::Health, "GET, HEAD"),
        "/model" => (Route::Model, "GET, HEAD"),
        "/metrics" => (Route::Metrics, "GET, HEAD"),
        "/openapi.json" => (Route::OpenApi, "GET, HEAD"),
        _ => {
            return Err(Reply::error(
                404,
                &format!("no such endpoint {path:?}; use POST /label, GET /health, GET /model, GET /metrics or GET /openapi.json"),
            ))
        }
    };
    // A HEAD answer is the GET answer without its body (the HTTP layer drops the body).
    if allowed.split(", ").any(|m| m == method) {
        Ok(route)
    } else {
        let mut reply = Reply::error(405, &format!("{path} takes {allowed}, not {method}"));
        reply.allow = Some(allowed);
        Err(reply)
    }
}

/// One record to label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The id echoed back.
    pub id: String,
    /// The text.
    pub text: String,
    /// A title (an issue's, a question's), read as the first paragraph as `ingest` reads it.
    pub title: Option<String>,
}

/// A parsed `POST /label` body: the records, and the decision they are labelled by.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedRequest {
    /// The records.
    pub records: LabelRequest,
    /// `"threshold": P` and `"abstain": [LOW, HIGH]`, overriding the server's `--threshold`
    /// and `--abstain`.
    pub choice: DecisionOverride,
}

impl ParsedRequest {
    /// The decision for this request: its own fields over the server's flags over the
    /// model's threshold; `None` when none is set (the model's threshold).
    pub fn decision(&self, server: &DecisionOverride, model_threshold: f64) -> Option<Decision> {
        self.choice.or(*server).decision(model_threshold)
    }
}

/// The records of a parsed `POST /label` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelRequest {
    /// `{"text": ...}`: answered with one row.
    One(Item),
    /// `{"records": [...]}`: answered with `{"rows": [...]}`. A record that cannot be labelled
    /// (text missing, empty or not a string; an id of the wrong type; not an object) is its id
    /// (or 1-based position) and the reason, answered with an error row as `label` writes one.
    Many(Vec<Result<Item, (String, String)>>),
}

/// A JSON value read as serde_json reads one, except that an object naming the same key twice
/// is an error (serde_json keeps the last silently; `label` refuses such a record).
struct StrictJson(Value);

impl<'de> serde::Deserialize<'de> for StrictJson {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictJson)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut values = Vec::new();
        while let Some(StrictJson(v)) = seq.next_element()? {
            values.push(v);
        }
        Ok(Value::Array(values))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let StrictJson(value) = map.next_value()?;
            if object.contains_key(&key) {
                return Err(serde::de::Error::custom(format!(
                    "the key `{key}` appears twice in one object"
                )));
            }
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// Parse a `/label` body, or say exactly what is wrong with it (a 400 message).
pub fn parse_label_request(body: &[u8]) -> Result<ParsedRequest, String> {
    let value: Value = serde_json::from_slice::<StrictJson>(body)
        .map(|v| v.0)
        .map_err(|e| {
            if body.iter().all(u8::is_ascii_whitespace) {
                "the body is empty; send {\"text\": \"...\"} or {\"records\": [...]}".to_string()
            } else if e.is_data() {
                // Valid JSON that repeats a key in one object.
                format!("the body repeats a key: {e}")
            } else {
                format!("the body is not JSON: {e}")
            }
        })?;
    let Value::Object(mut obj) = value else {
        return Err(match value {
            Value::Array(_) => {
                "a bare JSON array is not accepted; wrap it: {\"records\": [...]}".to_string()
            }
            other => format!(
                "the body must be a JSON object with `text` or `records`, found {}",
                kind(&other)
            ),
        });
    };
    let threshold = match obj.remove("threshold") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_f64(),
        Some(other) => {
            return Err(format!(
                "`threshold` must be a number from 0 to 1, found {}",
                kind(&other)
            ))
        }
    };
    let abstain = match obj.remove("abstain") {
        None | Some(Value::Null) => None,
        Some(Value::Array(band)) => match band.as_slice() {
            [Value::Number(low), Value::Number(high)] => low.as_f64().zip(high.as_f64()),
            _ => return Err("`abstain` must be [LOW, HIGH], two numbers".to_string()),
        },
        Some(other) => {
            return Err(format!(
                "`abstain` must be [LOW, HIGH], found {}",
                kind(&other)
            ))
        }
    };
    // The ranges are checked where every labelling decision is: `DecisionOverride::new`.
    let choice = DecisionOverride::new(threshold, abstain).map_err(|e| e.to_string())?;
    let records = match (obj.remove("records"), obj.contains_key("text")) {
        (Some(_), true) => {
            Err("give either `text` (one record) or `records` (several), not both".to_string())
        }
        (Some(Value::Array(records)), false) => Ok(LabelRequest::Many(
            records
                .into_iter()
                .enumerate()
                .map(|(i, r)| match r {
                    Value::Object(o) => {
                        // The id for an error row: the record's own when it is usable.
                        let id = match o.get("id") {
                            Some(Value::String(s)) => s.clone(),
                            Some(Value::Number(n)) => n.to_string(),
                            _ => (i + 1).to_string(),
                        };
                        item(o, i + 1, &format!("records[{i}].")).map_err(|e| (id, e))
                    }
                    other => Err((
                        (i + 1).to_string(),
                        format!(
                            "records[{i}] must be an object with `text`, found {}",
                            kind(&other)
                        ),
                    )),
                })
                .collect(),
        )),
        (Some(other), false) => Err(format!(
            "`records` must be an array of objects, found {}",
            kind(&other)
        )),
        (None, true) => item(obj, 1, "").map(LabelRequest::One),
        (None, false) => Err(
            "missing `text`: send {\"text\": \"...\"} for one record or {\"records\": [...]} for several"
                .to_string(),
        ),
    }?;
    Ok(ParsedRequest { records, choice })
}

fn item(
    mut o: serde_json::Map<String, Value>,
    position: usize,
    prefix: &str,
) -> Result<Item, String> {
    let text = match o.remove("text") {
        Some(Value::String(s)) if !s.trim().is_empty() => s,
        Some(Value::String(_)) => return Err(format!("{prefix}text is empty")),
        Some(other) => {
            return Err(format!(
                "{prefix}text must be a string, found {}",
                kind(&other)
            ))
        }
        None => return Err(format!("{prefix}text is missing")),
    };
    let id = match o.remove("id") {
        None | Some(Value::Null) => position.to_string(),
        Some(Value::String(s)) => s,
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => {
            return Err(format!(
                "{prefix}id must be a string or a number, found {}",
                kind(&other)
            ))
        }
    };
    let title = match o.remove("title") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => {
            return Err(format!(
                "{prefix}title must be a string, found {}",
                kind(&other)
            ))
        }
    };
    Ok(Item { id, text, title })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Label a parsed request: one row object, or `{"rows": [...]}`.
pub fn label(
    labeler: &Labeler<'_>,
    request: &LabelRequest,
    top_terms: usize,
    decision: Decision,
) -> Vec<u8> {
    let mut out = Vec::new();
    let row = |item: &Item, out: &mut Vec<u8>| {
        // Prepared as the model reads a text (as `label` reads a record or an export's post).
        let texts = labeler.prepare(item.title.as_deref(), &item.text);
        let row = match labeler.predict_prepared(&texts, top_terms) {
            Ok(p) => LabelRow {
                id: &item.id,
                label: Some(decision.verdict(p.score).as_str()),
                score: Some((p.score * 1e6).round() / 1e6),
                terms: p.terms,
                error: None,
            },
            Err(e) => LabelRow::failed(&item.id, e.to_string()),
        };
        OutputFormat::Jsonl.encode(&row, out);
        // The JSONL encoding ends with a newline; inside a JSON document it is not needed.
        out.pop();
    };
    match request {
        LabelRequest::One(item) => row(item, &mut out),
        LabelRequest::Many(items) => {
            out.extend_from_slice(b"{\"rows\":[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                match item {
                    Ok(item) => row(item, &mut out),
                    Err((id, error)) => {
                        OutputFormat::Jsonl.encode(&LabelRow::failed(id, error.as_str()), &mut out);
                        out.pop();
                    }
                }
            }
            out.extend_from_slice(b"]}");
        }
    }
    out
}

/// The OpenAPI 3.0 description of every endpoint (`GET /openapi.json`).
pub fn openapi() -> Vec<u8> {
    let row = serde_json::json!({
        "type": "object",
        "required": ["id", "label", "score", "terms"],
        "properties": {
            "id": {"type": "string"},
            "label": {"type": "string", "enum": ["security", "non-security", "uncertain"], "nullable": true},
            "score": {"type": "number", "minimum": 0, "maximum": 1, "nullable": true},
            "terms": {"type": "array", "items": {"type": "string"},
                      "description": "the words that pushed the score up most, as written"},
            "error": {"type": "string", "description": "why the record could not be labelled"}
        }
    });
    let record = serde_json::json!({
        "type": "object", "required": ["text"],
        "properties": {"id": {"oneOf": [{"type": "string"}, {"type": "number"}]}, "text": {"type": "string"},
                       "title": {"type": "string", "description": "read as the text's first paragraph"}}
    });
    let error = serde_json::json!({
        "description": "what is wrong, and what to do",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    });
    let doc = serde_json::json!({
        "openapi": "3.0.3",
        "info": {
            "title": "secdisc serve",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Labels developer conversations as security discussions or not."
        },
        "paths": {
            "/label": {"post": {
                "summary": "Label one record or several",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object",
                    "properties": {
                        "id": {"oneOf": [{"type": "string"}, {"type": "number"}]},
                        "text": {"type": "string"},
                        "title": {"type": "string", "description": "read as the text's first paragraph"},
                        "records": {"type": "array", "items": record},
                        "threshold": {"type": "number", "minimum": 0, "maximum": 1},
                        "abstain": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}
                    },
                    "description": "either `text` (answered with one row) or `records` (answered with {\"rows\": [...]})"
                }}}},
                "responses": {
                    "200": {"description": "one row, or {\"rows\": [...]} in request order",
                            "content": {"application/json": {"schema": {"oneOf": [
                                {"$ref": "#/components/schemas/Row"},
                                {"type": "object", "properties": {"rows": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}}}}
                            ]}}}},
                    "400": error, "408": error, "413": error, "503": error
                }
            }},
            "/health": {"get": {"summary": "Liveness", "responses": {"200": {"description": "{\"status\":\"ok\"}"}}}},
            "/model": {"get": {"summary": "The model's manifest, as `secdisc inspect --json` prints it", "responses": {"200": {"description": "the manifest"}}}},
            "/metrics": {"get": {"summary": "Counters in Prometheus text format", "responses": {"200": {"description": "text/plain; version=0.0.4"}}}},
            "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.0"}}}}
        },
        "components": {"schemas": {
            "Row": row,
            "Error": {"type": "object", "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}}
        }}
    });
    doc.to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 13 item 10: `serve` kept the last of two equal keys where `label` refuses them.
    #[test]
    fn a_key_given_twice_is_refused() {
        let e = parse_label_request(br#"{"text": "jwt", "text": "css"}"#).unwrap_err();
        assert!(e.contains("the key `text` appears twice"), "{e}");
        let e =
            parse_label_request(br#"{"records": [{"id": 1, "id": 2, "text": "x"}]}"#).unwrap_err();
        assert!(e.contains("the key `id` appears twice"), "{e}");
        assert!(parse_label_request(
            br#"{"records": [{"id": 1, "text": "x", "n": [1.5, null, true]}]}"#
        )
        .is_ok());
    }

    #[test]
    fn routes_and_rejects_unknown_paths_and_methods() {
        assert_eq!(route("POST", "/label?x=1"), Ok(Route::Label));
        assert_eq!(route("GET", "/health"), Ok(Route::Health));
        assert_eq!(route("GET", "/model"), Ok(Route::Model));
        assert_eq!(route("GET", "/metrics"), Ok(Route::Metrics));
        assert_eq!(route("GET", "/openapi.json"), Ok(Route::OpenApi));
        assert_eq!(route("GET", "/nope").unwrap_err().status, 404);
        let r = route("GET", "/label").unwrap_err();
        assert_eq!((r.status, r.allow), (405, Some("POST")));
        assert_eq!(
            route("DELETE", "/model").unwrap_err().allow,
            Some("GET, HEAD")
        );
        assert_eq!(route("HEAD", "/health"), Ok(Route::Health));
        assert_eq!(route("HEAD", "/label").unwrap_err().status, 405);
        // Methods are case-sensitive (RFC 9110 section 9.1).
        assert_eq!(route("get", "/health").unwrap_err().status, 405);
    }

    #[test]
    fn parses_one_and_many() {
        assert_eq!(
            parse_label_request(br#"{"text":"jwt"}"#).map(|p| p.records),
            Ok(LabelRequest::One(Item {
                id: "1".into(),
                text: "jwt".into(),
                title: None
            }))
        );
        assert_eq!(
            parse_label_request(br#"{"records":[{"id":7,"text":"a"},{"text":"b"}]}"#)
                .map(|p| p.records),
            Ok(LabelRequest::Many(vec![
                Ok(Item {
                    id: "7".into(),
                    text: "a".into(),
                    title: None
                }),
                Ok(Item {
                    id: "2".into(),
                    text: "b".into(),
                    title: None
                })
            ]))
        );
    }

    /// Issue 14 item 2: a request may set its own threshold and abstain band.
    #[test]
    fn a_request_overrides_the_server_decision() {
        let p =
            parse_label_request(br#"{"text":"a","threshold":0.2,"abstain":[0.4,0.6]}"#).unwrap();
        let server = DecisionOverride::new(Some(0.9), None).unwrap();
        let d = p.decision(&server, 0.5).unwrap();
        assert_eq!((d.threshold(), d.abstain()), (0.2, Some((0.4, 0.6))));
        let plain = parse_label_request(br#"{"text":"a"}"#).unwrap();
        assert_eq!(plain.decision(&server, 0.5).unwrap().threshold(), 0.9);
        assert_eq!(plain.decision(&DecisionOverride::default(), 0.5), None);
    }

    #[test]
    fn says_what_is_wrong_with_a_bad_body() {
        let err = |b: &[u8]| parse_label_request(b).unwrap_err();
        assert!(err(b"{oops").contains("not JSON"));
        assert!(err(b"").contains("empty"));
        assert!(err(b"[1]").contains("bare JSON array"));
        assert!(err(b"42").contains("found a number"));
        assert!(err(br#"{"id":"x"}"#).contains("missing `text`"));
        assert_eq!(
            err(br#"{"text":5}"#),
            "text must be a string, found a number"
        );
        assert_eq!(err(br#"{"text":"  "}"#), "text is empty");
        assert!(err(br#"{"records":{"text":"a"}}"#).contains("found an object"));
        // In a batch, a bad record is an error row, not a 400 for the whole batch (issue 14).
        let many = |b: &[u8]| match parse_label_request(b).unwrap().records {
            LabelRequest::Many(items) => items,
            LabelRequest::One(_) => panic!("one"),
        };
        assert_eq!(
            many(br#"{"records":[{"text":"a"},{"id":"x","txt":"b"},"c",{"id":[1],"text":"d"}]}"#)
                [1..],
            [
                Err(("x".into(), "records[1].text is missing".into())),
                Err((
                    "3".into(),
                    "records[2] must be an object with `text`, found a string".into()
                )),
                Err((
                    "4".into(),
                    "records[3].id must be a string or a number, found an array".into()
                )),
            ]
        );
        assert!(err(br#"{"text":"a","id":[1]}"#).contains("id must be a string or a number"));
        assert!(err(br#"{"text":"a","records":[]}"#).contains("not both"));
        assert!(err(br#"{"text":"a","threshold":1.5}"#).contains("from 0 to 1"));
        assert!(err(br#"{"text":"a","threshold":"x"}"#).contains("found a string"));
        assert!(err(br#"{"text":"a","abstain":[0.7,0.3]}"#).contains("LOW <= HIGH"));
        assert!(err(br#"{"text":"a","abstain":[0.3]}"#).contains("two numbers"));
    }
}
