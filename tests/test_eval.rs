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
    run_ok(&mut wd.demo_run(&[]));
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
    // No IC appears whole among the shown values, nor a birth date.
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
                // Beside it, the birth date shows its year only.
                assert!(
                    kv[0] != "dob" || v.is_empty() || v.ends_with("-**-**"),
                    "{v}"
                );
            }
        }
    }
}

#[test]
fn eval_with_no_record_in_common_fails_and_says_why() {
    let wd = Workdir::new();
    wd.create("truth.csv", "source,record_id,person_id\na,1,x\na,2,x\n");
    wd.create("cw.csv", "source,record_id,person_id\nb,1,P1\nb,2,P1\n");
    let o = run_err(
        wd.command("eval")
            .args(["--truth", "truth.csv", "--crosswalk", "cw.csv"]),
        1,
    );
    assert!(o.stdout.is_empty(), "no scores printed");
    let err = String::from_utf8_lossy(&o.stderr);
    for needle in [
        "share no record",
        "truth.csv",
        "cw.csv",
        "sources a",
        "sources b",
    ] {
        assert!(err.contains(needle), "{needle} not in {err}");
    }
    // One record in common is enough to compare, and the overlap is reported.
    wd.create("cw.csv", "source,record_id,person_id\nb,1,P1\na,2,P1\n");
    let out = run_ok(
        wd.command("eval")
            .args(["--truth", "truth.csv", "--crosswalk", "cw.csv"]),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["records_compared"], 1);
    assert_eq!(v["missing_from_predicted"], 1);
    assert_eq!(v["missing_from_truth"], 1);
}

#[test]
fn a_damaged_truth_file_exits_2_naming_the_file_and_row() {
    let wd = Workdir::new();
    wd.create("cw.csv", "source,record_id,person_id\na,1,P1\na,2,P1\n");
    let head = "source,record_id,person_id\n";
    let cases: [(&[u8], &str); 6] = [
        (b"a,1,x\na,2,x\na,1,y\n", "row 4: record a:1 appears twice"),
        (b"a,1,x\na,,x\n", "row 3: empty `record_id`"),
        (b"a,1,x\n,2,x\n", "row 3: empty `source`"),
        (b"a,1,\n", "row 2: empty `person_id`"),
        (b"a,1,x\na,2\n", "row 3"),
        (b"a,1,x\na,\xff2,x\n", "row 3"),
    ];
    for (body, want) in cases {
        wd.create("truth.csv", [head.as_bytes(), body].concat());
        let o = run_err(
            wd.command("eval")
                .args(["--truth", "truth.csv", "--crosswalk", "cw.csv"]),
            2,
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("truth.csv") && err.contains(want),
            "{want} not in {err}"
        );
    }
    // A file that is not there.
    let o = run_err(
        wd.command("eval")
            .args(["--truth", "nothing.csv", "--crosswalk", "cw.csv"]),
        2,
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("nothing.csv"));
}
