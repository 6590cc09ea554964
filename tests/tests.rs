//! End-to-end tests of the `secdisc` binary, one module per topic.

mod util;

mod adapt;
mod bad_input;
mod bench;
mod compare;
mod cross_project;
mod cv_options;
mod distill;
mod evaluate;
mod fault;
mod ingest;
mod inspect_explain;
mod label;
mod label_scale;
mod real_data;
mod render_html;
mod report;
mod sentence_vectors;
mod serve;
mod suggest;
mod train;
mod unix;
