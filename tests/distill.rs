//! `secdisc distill`. Distilling needs the real encoder (set `SECDISC_ENCODER`; the test says
//! `SKIPPED` without it, and takes minutes with it: every vocabulary token goes through the
//! encoder); the errors are checked always.

use std::process::{Command, Stdio};

use crate::util::{expect_code, stderr, Dir};

#[test]
fn distill_writes_a_table_that_embeds_texts() {
    let Some(encoder) = std::env::var_os("SECDISC_ENCODER").filter(|d| !d.is_empty()) else {
        eprintln!("SKIPPED: SECDISC_ENCODER is not set (run scripts/fetch-encoder.sh)");
        return;
    };
    let d = Dir::new();
    let encoder = encoder.to_string_lossy().into_owned();
    let o = d.run(&[
        "distill",
        "--encoder",
        &encoder,
        "-o",
        "table.json",
        "--dim",
        "32",
    ]);
    let err = expect_code(&o, 0);
    assert!(
        err.contains("distilled 30522 tokens to 32 dimensions"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
    let table = secdisc_features::StaticEmbedding::load(&d.path("table.json")).unwrap();
    assert_eq!(table.dim(), 32);
    let a = table.embed("The JWT signature is not verified, so anyone can forge a token.");
    let b = table.embed("Attackers can forge tokens because the JWT signature is never checked.");
    let c = table.embed("Bump the changelog and tidy the README headings.");
    let cos = |x: &[f32], y: &[f32]| x.iter().zip(y).map(|(p, q)| p * q).sum::<f32>();
    assert!(
        cos(&a, &b) > cos(&a, &c),
        "{} vs {}",
        cos(&a, &b),
        cos(&a, &c)
    );
}

#[test]
fn distill_names_a_missing_encoder_folder() {
    let d = Dir::new();
    let o = d.sh("distill --encoder no-such-encoder -o table.json");
    let err = expect_code(&o, 1);
    assert!(err.contains("no-such-encoder"), "{err}");
    assert!(err.contains("scripts/fetch-encoder.sh"), "{err}");
    assert!(!d.path("table.json").exists());
}

#[test]
fn distill_names_a_broken_encoder_file() {
    let d = Dir::new();
    std::fs::create_dir(d.path("enc")).unwrap();
    for file in ["config.json", "tokenizer.json", "model.safetensors"] {
        d.write(&format!("enc/{file}"), "{ broken");
    }
    let o = d.sh("distill --encoder enc -o table.json");
    let err = expect_code(&o, 1);
    assert!(err.contains("config.json"), "{err}");
    assert!(!d.path("table.json").exists());
}

#[test]
fn distill_without_an_encoder_is_a_usage_error() {
    let d = Dir::new();
    let o = Command::new(env!("CARGO_BIN_EXE_secdisc"))
        .args(["distill", "-o", "table.json"])
        .env_remove("SECDISC_ENCODER")
        .current_dir(d.dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = expect_code(&o, 2);
    assert!(err.contains("--encoder"), "{err}");
    let o = d.sh("distill --encoder x -o t.json --dim 0");
    expect_code(&o, 2);
    let _ = stderr(&o);
}
