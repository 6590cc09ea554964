//! `secdisc adapt` (issue 12): a base model plus a project's labels.

use crate::util::{expect_code, stdout, toy_csv, Dir};

#[test]
fn adapts_a_base_model_and_carries_it() {
    let d = Dir::new();
    d.write("base.csv", toy_csv(60));
    // The project writes about security with words the base never saw.
    let mut project = String::from("id,text,label\n");
    for i in 0..60 {
        let (text, label) = if i % 3 == 0 {
            ("The MQTT broker accepts anonymous clients without TLS", 1)
        } else {
            ("The sensor dashboard refreshes every minute", 0)
        };
        project.push_str(&format!("p{i},\"{text} ({i})\",{label}\n"));
    }
    d.write("project.csv", &project);
    expect_code(&d.sh("train base.csv -o base.json --min-df 1"), 0);
    let o = d.sh("adapt -m base.json project.csv -o ours.json");
    let err = expect_code(&o, 0);
    assert!(
        err.contains("adapted base.json to 60 labelled records"),
        "{err}"
    );
    let model: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path("ours.json")).unwrap()).unwrap();
    let from = &model["manifest"]["classifier"]["params"]["adapted_from"];
    assert_eq!(from["model"], "base.json");
    assert_eq!(from["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(model["dense"]["source"]["kind"], "model");
    // It runs alone (the base is inside) and has learnt the project's words.
    std::fs::remove_file(d.path("base.json")).unwrap();
    let o = d.sh("evaluate --model ours.json project.csv --json");
    expect_code(&o, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["mean"]["f1"].as_f64().unwrap() > 0.95, "{v}");
    let o = d.run(&[
        "explain",
        "-m",
        "ours.json",
        "anonymous clients on the broker",
    ]);
    assert!(stdout(&o).contains("[base model]"), "{}", stdout(&o));
    // The same inputs give the same bytes.
    expect_code(&d.sh("train base.csv -o base.json --min-df 1"), 0);
    let first = std::fs::read(d.path("ours.json")).unwrap();
    expect_code(&d.sh("adapt -m base.json project.csv -o ours.json"), 0);
    assert_eq!(first, std::fs::read(d.path("ours.json")).unwrap());
}

#[test]
fn bad_labels_are_refused_and_nothing_is_written() {
    let d = Dir::new();
    d.write("base.csv", toy_csv(60));
    expect_code(&d.sh("train base.csv -o base.json --min-df 1"), 0);
    d.write("empty.csv", "id,text,label\n");
    let err = expect_code(&d.sh("adapt -m base.json empty.csv -o o.json"), 1);
    assert!(
        err.contains("empty.csv") && err.contains("no labelled records"),
        "{err}"
    );
    d.write(
        "one.csv",
        "id,text,label\na,jwt leak,1\nb,token leak,1\nc,key leak,1\n",
    );
    let err = expect_code(&d.sh("adapt -m base.json one.csv -o o.json"), 1);
    assert!(err.contains("3 security and 0 non-security"), "{err}");
    let err = expect_code(&d.sh("adapt -m base.csv one.csv -o o.json"), 1);
    assert!(err.contains("not a secdisc model"), "{err}");
    assert!(!d.path("o.json").exists());
}
