//! End-to-end tests of the `secdisc` binary, one module per topic.

mod util;

mod bad_input;
mod compare;
mod cv_options;
mod evaluate;
mod ingest;
mod inspect_explain;
mod label;
mod label_scale;
mod real_data;
mod render_html;
mod train;
