//! Fuzz the model loader: `ModelBundle::from_json` on arbitrary bytes; a model that loads must
//! then score text without panicking (its checks must cover everything scoring relies on).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use secdisc_model::ModelBundle;

fuzz_target!(|data: &[u8]| {
    let Ok(model) = ModelBundle::from_json(Path::new("model.json"), data) else {
        return;
    };
    let mut featurizer = model.vectorizer.featurizer();
    for text in [
        "rotate the jwt signing key",
        "fix typo in readme",
        "",
        "xss csrf sql injection token",
    ] {
        let row = featurizer.transform(text);
        let _ = model.classifier.probability(row);
    }
});
