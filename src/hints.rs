//! What to do next, in terms of flags: the libraries' errors state the facts in parameter
//! names, and only the binary, which owns the flags, says which flag or command fixes them.

use secdisc_features::FeaturesError;
use secdisc_ingest::IngestError;
use secdisc_model::ModelError;
use secdisc_report::backlog::BacklogError;
use secdisc_train::dataset::DatasetError;
use secdisc_train::TrainError;

/// The flag-level advice for the first error in `err`'s chain that has one.
pub fn for_error(err: &anyhow::Error) -> Option<String> {
    err.chain().find_map(|cause| {
        if let Some(e) = cause.downcast_ref::<FeaturesError>() {
            return features(e).map(String::from);
        }
        if let Some(e) = cause.downcast_ref::<ModelError>() {
            return model(e).map(String::from);
        }
        if let Some(e) = cause.downcast_ref::<IngestError>() {
            if let IngestError::WrongFormat { expected, .. } = e {
                return Some(format!(
                    "drop --format {expected} to detect it from the content, or pass the right one"
                ));
            }
            return ingest(e).map(String::from);
        }
        if let Some(BacklogError::UnknownId { .. }) = cause.downcast_ref::<BacklogError>() {
            return Some("name it with --records".to_string());
        }
        if let Some(DatasetError::EmptyLabel { .. }) = cause.downcast_ref::<DatasetError>() {
            return Some("pass --skip-unlabelled to leave such records out".to_string());
        }
        cause.downcast_ref::<TrainError>().and_then(train)
    })
}

fn train(e: &TrainError) -> Option<String> {
    if let TrainError::InvalidParameter { name, .. } = e {
        // Every classifier setting has the flag of its setter's name.
        return Some(format!("set it with --{}", name.replace('_', "-")));
    }
    let hint = match e {
        // `TrainError` wraps these transparently, so they are not causes of their own.
        TrainError::Features(e) => features(e),
        TrainError::Model(e) => model(e),
        TrainError::Diverged { .. } => Some("lower --ft-lr"),
        TrainError::InvalidSelectK(_) => Some("set --select-k to 1 or more"),
        TrainError::InvalidDenseWeight(_) => Some(
            "--tune-dense-weight needs --features tfidf+static or tfidf+encoder, and weights above 0",
        ),
        TrainError::EmptyGrid(_) => {
            Some("search the vectorizer with --tune-min-df or --tune-ngram-max")
        }
        TrainError::InvalidL1Ratio(_) => Some("for the ends use --penalty l1 or l2"),
        TrainError::TooFewForFolds { count, .. } if *count < 2 => None,
        TrainError::TooFewForFolds { .. } => Some(
            "lower --folds (evaluate, compare) or --cv (train); a --threshold rule other than fixed:P needs 5 records of each class for its inner folds",
        ),
        TrainError::InvalidRepeats => Some("set --repeats to 1 or more"),
        TrainError::Deep { .. } => Some("the cnn/bilstm settings are --learning-rate and --min-df"),
        _ => None,
    };
    hint.map(String::from)
}

fn ingest(e: &IngestError) -> Option<&'static str> {
    match e {
        IngestError::MissingTextField { .. } => Some("name it with --text-field"),
        IngestError::Xml { .. } => Some("--keep-going skips the rest of a broken file"),
        IngestError::UndetectedFormat { .. } => Some("pass --format"),
        _ => None,
    }
}

fn features(e: &FeaturesError) -> Option<&'static str> {
    match e {
        FeaturesError::EmptyVocabulary { .. } => Some("lower --min-df or add data"),
        _ => None,
    }
}

fn model(e: &ModelError) -> Option<&'static str> {
    match e {
        ModelError::DimensionMismatch { .. } => {
            Some("retrain with `secdisc train` or pass the matching --model")
        }
        ModelError::NotAModel { .. } => Some("pass a file written by `secdisc train -o`"),
        ModelError::FormatVersion { .. } => Some("to retrain: `secdisc train DATA -o MODEL`"),
        ModelError::Features(e) => features(e),
        _ => None,
    }
}
