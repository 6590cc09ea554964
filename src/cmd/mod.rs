//! One module per subcommand, plus the flag groups they share.

pub mod adapt;
pub mod bench;
pub mod choice;
pub mod compare;
pub mod cv_args;
pub mod dataset;
pub mod decision_args;
pub mod distill;
pub mod evaluate;
pub mod evaluate_saved;
pub mod explain;
pub mod html_report;
pub mod ingest;
pub mod inspect;
pub mod label;
pub mod label_input;
pub mod model_args;
pub mod output;
pub mod prep_args;
pub mod report;
pub mod run_info;
pub mod serve;
pub mod suggest;
pub mod train;
pub mod vectors;
