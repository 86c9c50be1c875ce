use crate::workdir::{run_err, run_ok, Workdir};

#[test]
fn eval_prints_pairwise_and_bcubed_scores() {
    let wd = Workdir::new();
    wd.create(
        "truth.csv",
        "source,record_id,person_id\na,1,x\na,2,x\nb,1,x\nb,2,y\n",
    );
    // One missed record (b,1 apart) and one record the truth does not know.
    wd.create(
        "cw.csv",
        "source,record_id,person_id\na,1,P1\na,2,P1\nb,1,P2\nb,2,P3\nc,9,P4\n",
    );
    let out = run_ok(
        wd.command("eval")
            .args(["--truth", "truth.csv", "--crosswalk", "cw.csv"]),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["pairs_truth"], 3);
    assert_eq!(v["pairs_predicted"], 1);
    assert_eq!(v["pairs_correct"], 1);
    assert_eq!(v["pairwise_precision"], 1.0);
    assert!((v["pairwise_recall"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(v["missing_from_truth"], 1);
    assert_eq!(v["clusters_predicted"], 3);
}

#[test]
fn eval_names_a_file_without_the_needed_columns() {
    let wd = Workdir::new();
    wd.create("truth.csv", "source,id,person\na,1,x\n");
    wd.create("cw.csv", "source,record_id,person_id\na,1,P\n");
    let o = run_err(
        wd.command("eval")
            .args(["--truth", "truth.csv", "--crosswalk", "cw.csv"]),
        2,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("truth.csv") && err.contains("record_id"),
        "{err}"
    );
}

#[test]
fn eval_pairs_lists_errors_consistent_with_the_scores_and_masked() {
    let wd = Workdir::new();
    wd.demo();
    run_ok(
        wd.command("run")
            .args(["--config", "demo/padan.toml", "--out", "store"]),
    );
    let out = run_ok(wd.command("eval").args([
        "--truth",
        "demo/truth.csv",
        "--crosswalk",
        "store/current/crosswalk.csv",
        "--pairs",
        "5",
        "--config",
        "demo/padan.toml",
    ]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let d = &v["diagnosis"];
    let (truth, pred, correct) = (
        v["pairs_truth"].as_u64().unwrap(),
        v["pairs_predicted"].as_u64().unwrap(),
        v["pairs_correct"].as_u64().unwrap(),
    );
    assert_eq!(d["false_merge_pairs"].as_u64().unwrap(), pred - correct);
    assert_eq!(d["missed_pairs"].as_u64().unwrap(), truth - correct);
    let by_reason: u64 = d["missed_by_reason"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(by_reason, truth - correct);
    for e in d["false_merges"].as_array().unwrap() {
        assert_ne!(e["truth_left"], e["truth_right"]);
        assert_eq!(e["person_left"], e["person_right"]);
        assert_eq!(e["why"], "match");
    }
    for e in d["missed"].as_array().unwrap() {
        assert_eq!(e["truth_left"], e["truth_right"]);
        assert_ne!(e["person_left"], e["person_right"]);
        assert!(e["values"].is_array(), "values shown with --config");
    }
    // No IC appears whole among the shown values.
    for e in d["false_merges"]
        .as_array()
        .unwrap()
        .iter()
        .chain(d["missed"].as_array().unwrap())
    {
        for side in e["values"].as_array().into_iter().flatten() {
            for kv in side.as_array().unwrap() {
                let v = kv[1].as_str().unwrap();
                let digits = v.chars().filter(char::is_ascii_digit).count();
                assert!(kv[0] != "ic" || digits <= 4, "unmasked IC {v}");
            }
        }
    }
}
