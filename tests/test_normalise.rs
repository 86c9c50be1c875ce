use crate::workdir::{run_err, run_ok, Workdir};

#[test]
fn normalise_shows_a_names_parts_and_an_ics_reading() {
    let wd = Workdir::new();
    let out = run_ok(wd.command("normalise").args([
        "--name",
        "DATO' MOHD HAFIZ B. ABD RAHMAN",
        "--ic",
        "30517101234",
        "--phone",
        "+60 12-345 6789",
    ]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["name"]["key"], "MUHAMMAD HAFIZ ABDUL RAHMAN");
    assert_eq!(v["name"]["titles"][0], "DATO");
    assert_eq!(v["name"]["patronym"][1], "RAHMAN");
    assert_eq!(v["ic"]["ic"], "030517101234");
    assert_eq!(v["ic"]["valid"], true);
    assert_eq!(v["ic"]["dob"], "2003-05-17");
    assert_eq!(v["ic"]["sex"], "F");
    assert_eq!(v["phone"], "0123456789");
}

#[test]
fn normalise_without_a_value_is_a_usage_error() {
    let wd = Workdir::new();
    run_err(&mut wd.command("normalise"), 2);
}
