//! Accuracy floors on synthetic registries whose truth is known. The floors are set a little
//! under what was measured, and are raised as the matcher improves.

use crate::workdir::{csv_rows, run_ok, Workdir};

/// Measured on seeds 11, 12, 13 at 5,000 people: precision 0.996–0.998, F1 0.994–0.996.
const PRECISION_FLOOR: f64 = 0.99;
const F1_FLOOR: f64 = 0.985;

fn synth_and_run(wd: &Workdir, people: &str, seed: &str) -> padan::eval::Scores {
    run_ok(
        wd.command("synth")
            .args(["--people", people, "--seed", seed, "--out", "s"]),
    );
    run_ok(
        wd.command("run")
            .args(["--config", "s/padan.toml", "--out", "store"]),
    );
    let truth = padan::eval::read_assignment(&wd.join("s/truth.csv")).unwrap();
    let pred = padan::eval::read_assignment(&wd.join("store/current/crosswalk.csv")).unwrap();
    padan::eval::score(&truth, &pred)
}

#[test]
fn synthetic_registry_of_5000_people_meets_the_f1_floor() {
    let wd = Workdir::new();
    let s = synth_and_run(&wd, "5000", "11");
    assert_eq!(s.missing_from_predicted, 0, "every row is linked");
    assert!(s.pairwise_precision >= PRECISION_FLOOR, "{s:?}");
    assert!(s.pairwise_f1 >= F1_FLOOR, "{s:?}");
}

#[test]
fn twins_stay_apart_while_each_twins_records_join() {
    let wd = Workdir::new();
    run_ok(
        wd.command("synth")
            .args(["--people", "600", "--seed", "5", "--out", "s"]),
    );
    // Twin sisters: same birth date, place code, address and phone, consecutive serials.
    wd.create(
        "s/twins.csv",
        "id,name,ic,dob,address,phone\n\
         t1,NUR IMAN BINTI ZAKARIA,030417-11-4172,17/04/2003,12 JALAN MAWAR 24000 KEMAMAN,0139872264\n\
         t2,NUR AIN BINTI ZAKARIA,030417-11-4174,17/04/2003,12 JALAN MAWAR 24000 KEMAMAN,0139872264\n\
         t3,Nur Iman Zakaria,030417114172,2003-04-17,12 JLN MAWAR KEMAMAN,0139872264\n\
         t4,NUR AIN BT ZAKARIA,030417114174,2003-04-17,12 JLN MAWAR 24000 KEMAMAN,\n",
    );
    let mut toml = std::fs::read_to_string(wd.join("s/padan.toml")).unwrap();
    toml.push_str(
        "\n[[source]]\nname = \"twins\"\npath = \"twins.csv\"\nid = \"id\"\n\
         [source.columns]\nfull_name = \"name\"\nic = \"ic\"\ndob = \"dob\"\naddress = \"address\"\nphone = \"phone\"\n",
    );
    wd.create("s/padan.toml", toml);
    run_ok(
        wd.command("run")
            .args(["--config", "s/padan.toml", "--out", "store"]),
    );
    let cw = csv_rows(&wd.join("store/current/crosswalk.csv"));
    let p = |id: &str| {
        cw.iter()
            .find(|r| r["source"] == "twins" && r["record_id"] == id)
            .unwrap()["person_id"]
            .clone()
    };
    assert_eq!(p("t1"), p("t3"), "Nur Iman's records join");
    assert_eq!(p("t2"), p("t4"), "Nur Ain's records join");
    assert_ne!(p("t1"), p("t2"), "the twins stay apart");
}

#[test]
fn em_gives_the_same_parameters_for_the_same_input() {
    let wd = Workdir::new();
    run_ok(
        wd.command("synth")
            .args(["--people", "1500", "--seed", "3", "--out", "s"]),
    );
    let model = |out: &str| {
        run_ok(
            wd.command("run")
                .args(["--config", "s/padan.toml", "--out", out]),
        );
        let s: serde_json::Value =
            serde_json::from_str(&wd.read(&format!("{out}/current/summary.json"))).unwrap();
        s["model"].clone()
    };
    let a = model("a");
    assert_eq!(a["kind"], "em");
    assert_eq!(a, model("b"));
    assert!(a["params"]["lambda"].as_f64().unwrap() > 0.0);
}
