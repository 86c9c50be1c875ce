//! The whole page, rendered from the demo run and from synthetic runs: every section present,
//! the summary's numbers shown, everything escaped and masked, small for large inputs, and
//! working in a real browser.

use std::path::Path;

use super::*;
use crate::config::Config;
use crate::field::Field;
use crate::ingest::Record;
use crate::mask::{self, is_digit};
use crate::normalise::NormRecord;
use crate::register::Person;
use crate::report::page::h;
use crate::score::{Decision, COMPARISONS};
use crate::{pipeline, register};

struct Run {
    summary: Summary,
    ing: Ingested,
    norm: Vec<NormRecord>,
    names: Vec<u64>,
    reg: Register,
    scored: Vec<Scored>,
    model: Model,
    qa: Vec<crate::qa::labels::Kept>,
}

impl Run {
    fn input(&self) -> ReportInput<'_> {
        ReportInput {
            summary: &self.summary,
            ing: &self.ing,
            names: &self.names,
            reg: &self.reg,
            scored: &self.scored,
            model: &self.model,
            qa: &self.qa,
        }
    }
}

/// The demo exports linked in memory (`pipeline::link`), with the summary a run would write.
fn demo() -> Run {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/padan.toml");
    let config = Config::load(&path).unwrap();
    let mut linked = pipeline::link(&config).unwrap();
    let summary = pipeline::summary(&config, 1, &mut linked);
    assert_eq!(linked.reg.persons.len() as u64, summary.persons);
    assert_eq!(linked.scored.len() as u64, summary.pairs_written);
    Run {
        model: summary.model.model.clone(),
        summary,
        ing: linked.ing,
        norm: linked.records,
        names: linked.names,
        reg: linked.reg,
        scored: linked.scored,
        qa: vec![demo_qa(1), demo_qa(2)],
    }
}

/// An estimate from a clerical sample of generation `generation`, made by `qa::estimate` from
/// a made-up design: two strata of automatic matches, the review band, pairs below it.
fn demo_qa(generation: u32) -> crate::qa::labels::Kept {
    use crate::qa::{estimate, labels, Design, Label, Stratum, Unit};
    let curve: Vec<f64> = (-6..=14).map(f64::from).collect();
    // (name, automatic, pairs, weights from, to, drawn, of them `different`)
    let strata = [
        ("match_high", true, 5000, 14.0, 30.0, 100, 0),
        ("match_low", true, 400, 4.0, 14.0, 100, 2),
        ("review", false, 300, 0.0, 4.0, 100, 40),
        ("below", false, 2000, -6.0, 0.0, 100, 95),
    ];
    let weight = |lo: f64, hi: f64, i: u64, of: u64| lo + (hi - lo) * (i as f64 + 0.5) / of as f64;
    let design = Design {
        generation,
        seed: 1,
        match_weight: 4.0,
        review_weight: 0.0,
        pairs_floor: -6.0,
        strata: strata
            .iter()
            .map(|&(name, automatic, n, lo, hi, drawn, _)| Stratum {
                name: name.into(),
                holds: format!("weight {lo} to {hi}"),
                scored: true,
                automatic,
                population: n,
                linked: if automatic { n } else { 0 },
                at_or_above: curve
                    .iter()
                    .map(|&t| (0..n).filter(|&i| weight(lo, hi, i, n) >= t).count() as u64)
                    .collect(),
                sampled: drawn,
            })
            .collect(),
        curve,
    };
    let units: Vec<Unit> = strata
        .iter()
        .enumerate()
        .flat_map(|(h, &(_, automatic, _, lo, hi, drawn, different))| {
            (0..drawn).map(move |i| Unit {
                stratum: h,
                weight: Some(weight(lo, hi, i, drawn)),
                linked: automatic,
                label: if i == 0 {
                    Label::Unsure
                } else if i <= different {
                    Label::Different
                } else {
                    Label::Same
                },
            })
        })
        .collect();
    let estimates = estimate::estimate(&design, &units, 1);
    labels::Kept {
        generation,
        labels_file: "qa.csv".into(),
        estimated_at: "2026-12-06T20:00:00Z".into(),
        match_weight: design.match_weight,
        review_weight: design.review_weight,
        strata: design
            .strata
            .iter()
            .zip(&strata)
            .map(
                |(st, &(_, _, _, _, _, drawn, different))| labels::StratumLabels {
                    name: st.name.clone(),
                    holds: st.holds.clone(),
                    population: st.population,
                    sampled: st.sampled,
                    same: drawn - different - 1,
                    different,
                    unsure: 1,
                },
            )
            .collect(),
        estimates,
    }
}

#[test]
fn the_model_table_shows_the_one_home_weights_when_in_force() {
    let mut run = demo();
    let column = r#"<th class="n">one home</th>"#;
    run.model.home_weights = None;
    assert!(!render(&run.input()).contains(column));
    // Home weights of a value no other weight has, in the birth date's `equal` row.
    let mut home = run.model.weights.clone();
    let dob = crate::comparison::Kind::Dob as usize;
    let equal = home[dob].len() - 1;
    home[dob][equal] = 3.21;
    run.model.home_weights = Some(home);
    let page = render(&run.input());
    assert!(page.contains(column));
    let table = &page[page.find(r#"id="model-table""#).unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert!(table.contains(">+3.21</td>"), "{table}");
    assert!(page.contains("learnt from the pairs sharing a phone"));
}

/// The page with every person id (`P` and 16 hex digits) taken out: hex ids may hold
/// digit runs.
fn without_ids(page: &str) -> String {
    let b = page.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'P'
            && i + 17 <= b.len()
            && b[i + 1..i + 17].iter().all(|c| c.is_ascii_hexdigit())
        {
            out.push(b'P');
            i += 17;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn longest_digit_run(s: &str) -> usize {
    let (mut best, mut cur) = (0, 0);
    for c in s.chars() {
        if is_digit(c) {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

/// `data-value` of the element with this id.
fn value_of(page: &str, id: &str) -> u64 {
    let at = page.find(&format!(r#"id="{id}" data-value=""#)).unwrap();
    let rest = &page[at + id.len() + 18..];
    rest[..rest.find('"').unwrap()].parse().unwrap()
}

#[test]
fn no_birth_date_shows_whole_beside_a_masked_ic() {
    let run = demo();
    let page = render(&run.input());
    let mut shown_years = 0;
    for (i, r) in run.norm.iter().enumerate() {
        if let Some(d) = r.dob {
            assert!(!page.contains(&d.to_string()), "birth date of record {i}");
        }
        let raw = run.ing.value(i, Field::Dob).unwrap_or("");
        if raw.chars().filter(char::is_ascii_digit).count() >= 6 {
            assert!(!page.contains(raw), "raw birth date of record {i}: {raw}");
            shown_years += page.contains(&escape(&mask::value(mask::Rule::Year, raw))) as usize;
        }
    }
    assert!(shown_years > 0, "birth dates are shown, as their year");
    // The rejected rows' examples: the masked raw text (each example's last `<code>`)
    // shows no digit, so not a row's IC, phone and birth date side by side.
    let rejects = &page[page.find(r#"id="rejects""#).unwrap()..];
    let rejects = &rejects[..rejects.find("</section>").unwrap()];
    let mut examples = 0;
    for ex in rejects.split(r#"<div class="example">"#).skip(1) {
        let ex = &ex[..ex.find("</div>").unwrap()];
        let code = &ex[ex.rfind("<code>").unwrap() + 6..ex.rfind("</code>").unwrap()];
        assert!(!code.chars().any(is_digit), "{code}");
        examples += 1;
    }
    assert!(examples > 0);
}

#[test]
fn demo_report_has_every_section_and_the_summary_numbers() {
    let mut run = demo();
    // A hostile name on a record of the largest cluster.
    let largest = run
        .reg
        .persons
        .iter()
        .max_by_key(|p| (p.records.len(), std::cmp::Reverse(p.id.clone())))
        .unwrap();
    let r0 = largest.records[0] as usize;
    run.ing.records[r0].set(Field::FullName, "D'Cruz & <script>alert(1)</script>");
    let page = render(&run.input());
    if let Some(out) = std::env::var_os("PADAN_REPORT_OUT") {
        std::fs::write(out, &page).unwrap();
    }
    let sm = &run.summary;

    for id in [
        r#"id="run""#,
        r#"id="rejects""#,
        r#"id="rejects-by-reason""#,
        r#"id="records-by-source""#,
        r#"id="overlap-matrix""#,
        r#"id="agencies-per-person""#,
        r#"id="chart-agencies""#,
        r#"id="model-table""#,
        r#"id="chart-weights""#,
        r#"class="rule match""#,
        r#"class="rule review""#,
        r#"id="cluster-sizes""#,
        r#"id="chart-cluster-sizes""#,
        r#"id="largest-clusters""#,
        r#"id="conflict-clusters""#,
        r#"<details class="cluster""#,
        r#"<details class="edge""#,
        r#"class="waterfall side""#,
        r#"id="review""#,
        r#"<details class="pair""#,
        r#"id="qa""#,
        r#"id="qa-estimates""#,
        r#"id="chart-qa-curve""#,
        r#"id="qa-history""#,
        r#"id="warnings""#,
        r#"id="changes""#,
        r#"id="stage-seconds""#,
        r#"<nav class="toc">"#,
    ] {
        assert!(page.contains(id), "missing {id}");
    }
    for (id, v) in [
        ("records_in", sm.records_in),
        ("records_accepted", sm.records_accepted),
        ("records_rejected", sm.records_rejected),
        ("persons", sm.persons),
        ("records_merged", sm.records_merged),
        ("candidate_pairs", sm.candidate_pairs),
        ("match_pairs", sm.match_pairs),
        ("review_pairs", sm.review_pairs),
        ("warnings", sm.warnings.len() as u64),
    ] {
        assert_eq!(value_of(&page, id), v, "{id}");
    }
    for (reason, n) in &sm.rejects_by_reason {
        assert!(
            page.contains(&format!(
                r#"<td>{}</td><td class="n" data-value="{n}">"#,
                h(reason)
            )),
            "reject reason {reason}"
        );
    }
    for (src, n) in &sm.records_by_source {
        assert!(
            page.contains(&format!(
                r#"<td>{}</td><td class="n" data-value="{n}">"#,
                h(src)
            )),
            "source {src}"
        );
        // The diagonal of the overlap matrix: persons with a record of the source.
        let persons = run
            .reg
            .persons
            .iter()
            .filter(|p| p.sources.iter().any(|s| s == src))
            .count();
        assert!(page.contains(&format!(r#"<td class="diag" data-value="{persons}">"#)));
    }
    // Persons by number of agencies add up to the persons.
    let sec = &page[page.find(r#"id="agencies-per-person""#).unwrap()..];
    let sec = &sec[..sec.find("</table>").unwrap()];
    let total: u64 = sec
        .split(r#"data-value=""#)
        .skip(1)
        .map(|x| x[..x.find('"').unwrap()].parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, sm.persons);
    // One row per possible number of agencies: up to the agencies that have persons.
    let agencies: std::collections::BTreeSet<&str> = run
        .reg
        .persons
        .iter()
        .flat_map(|p| p.sources.iter().map(|s| s.as_str()))
        .collect();
    assert_eq!(sec.matches("<tr><td").count(), agencies.len());
    // Every comparison level is in the model table.
    for c in COMPARISONS.iter() {
        for l in c.levels {
            assert!(page.contains(&format!("<td>{}</td>", l.label)));
        }
    }

    // Self-contained, escaped, masked.
    for bad in [
        "http://", "https://", "//cdn", "<link", "src=", "@import", "url(",
    ] {
        assert!(!page.contains(bad), "found {bad}");
    }
    assert!(page.contains("D&#39;Cruz &amp; &lt;script&gt;"));
    assert!(!page.contains("<script>alert"));
    assert_eq!(page.matches("<script>").count(), 1);
    let stripped = without_ids(&page);
    assert!(
        longest_digit_run(&stripped) < 12,
        "a 12-digit run in the page"
    );
    for (i, r) in run.norm.iter().enumerate() {
        if let Some(ic) = &r.ic {
            assert!(!stripped.contains(ic.digits.as_str()), "IC of record {i}");
            if let Some(raw) = run.ing.value(i, Field::Ic) {
                if raw.chars().filter(|c| c.is_ascii_digit()).count() >= 9 {
                    assert!(!stripped.contains(raw), "raw IC of record {i}");
                }
            }
        }
    }
    assert!(page.contains("******-**-"), "masked ICs are shown");
}

/// A headless Chromium, if one can be had: `PADAN_CHROMIUM`, else `chromium`,
/// `chromium-browser` or `google-chrome` on the PATH.
fn chromium() -> Option<String> {
    let candidates = std::env::var("PADAN_CHROMIUM")
        .ok()
        .into_iter()
        .chain(["chromium", "chromium-browser", "google-chrome"].map(String::from));
    candidates.into_iter().find(|c| {
        std::process::Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Checks run inside the page in the browser; the result lands in `data-test` on `body`.
const BROWSER_CHECKS: &str = r#"<script>
window.addEventListener('load', function () {
  var r = [];
  function ok(name, v) { r.push(name + '=' + (v ? 1 : 0)); }
  var m = document.getElementById('overlap-matrix');
  ok('matrix', m && m.getBoundingClientRect().height > 20 && m.querySelectorAll('td').length > 0);
  var h = document.getElementById('chart-weights');
  ok('histogram', h && h.getBoundingClientRect().width > 50 && h.querySelectorAll('rect.bar').length > 0
     && h.querySelectorAll('line.rule').length === 2);
  var d = document.querySelector('details.cluster');
  var closed = d && !d.open;
  d.querySelector('summary').click();
  ok('expand', closed && d.open && d.querySelector('table.records').getBoundingClientRect().height > 0);
  var q = document.getElementById('chart-qa-curve');
  ok('qa', q && q.getBoundingClientRect().width > 50 && q.querySelectorAll('polyline.line').length === 2
     && q.querySelectorAll('polygon.band').length === 2);
  ok('tools', !document.getElementById('tools').hidden);
  document.getElementById('expand-all').click();
  ok('expand_all', Array.prototype.every.call(document.querySelectorAll('details'), function (x) { return x.open; }));
  document.body.setAttribute('data-test', r.join(' '));
});
</script></body>"#;

#[test]
fn the_report_works_in_a_real_browser() {
    let Some(browser) = chromium() else {
        eprintln!(
                "SKIPPED the_report_works_in_a_real_browser: no Chromium found (install Debian's `chromium`, or set PADAN_CHROMIUM)"
            );
        return;
    };
    let run = demo();
    let page = render(&run.input());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    std::fs::write(&file, page.replace("</body>", BROWSER_CHECKS)).unwrap();
    let url = format!("file://{}", file.display());
    let chrome = |extra: &[String]| {
        let out = std::process::Command::new(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--enable-logging=stderr",
                "--v=0",
                "--window-size=1280,2000",
            ])
            .arg(format!(
                "--user-data-dir={}",
                dir.path().join("profile").display()
            ))
            .args(extra)
            .arg(&url)
            .output()
            .unwrap();
        assert!(out.status.success(), "{browser} failed: {:?}", out.status);
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (dom, log) = chrome(&["--dump-dom".to_string()]);
    let console: Vec<&str> = log.lines().filter(|l| l.contains("CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
    assert!(
        dom.contains(r#"data-test="matrix=1 histogram=1 expand=1 qa=1 tools=1 expand_all=1""#),
        "in-page checks failed: {:?}",
        dom.find("data-test=")
            .map(|i| &dom[i..(i + 120).min(dom.len())])
    );
    let shot = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/report-screenshot.png");
    std::fs::create_dir_all(shot.parent().unwrap()).unwrap();
    chrome(&[format!("--screenshot={}", shot.display())]);
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000);
    eprintln!("screenshot of the report: {}", shot.display());
}

/// A synthetic run of `n` persons of two records each, every pair in review.
fn large(n: usize) -> Run {
    let ing = Ingested {
        sources: (0..3)
            .map(|i| crate::ingest::SourceInfo {
                name: format!("agency{i}"),
                spec: i,
                priority: i as i64,
                dates: vec![],
            })
            .collect(),
        records: (0..2 * n)
            .map(|i| {
                let mut r = Record::new((i % 3) as u16, i as u64 + 2, format!("R{i}"));
                r.set(Field::FullName, &format!("PERSON {i}"));
                r.set(
                    Field::Ic,
                    &format!("{:06}14{:04}", 850101 + i % 28, i % 10000),
                );
                r
            })
            .collect(),
        ..Default::default()
    };
    let norm = vec![NormRecord::default(); 2 * n];
    let names = vec![0u64; 2 * n];
    let persons: Vec<Person> = (0..n)
        .map(|p| {
            let records = vec![2 * p as u32, 2 * p as u32 + 1];
            let mut sources: Vec<crate::normalise::Text> = records
                .iter()
                .map(|&i| {
                    ing.sources[ing.records[i as usize].source as usize]
                        .name
                        .as_str()
                        .into()
                })
                .collect();
            sources.sort_unstable();
            sources.dedup();
            Person {
                id: register::person_id("agency0", &format!("R{}", 2 * p)),
                records,
                sources,
                ..Default::default()
            }
        })
        .collect();
    let reg = Register {
        person_of: (0..2 * n as u32).map(|i| i / 2).collect(),
        persons,
    };
    let scored: Vec<Scored> = (0..n as u32)
        .map(|p| Scored {
            a: 2 * p,
            b: 2 * p + 1,
            weight: 5.0 + (p % 100) as f64 / 100.0,
            levels: [7, 4, 0, 0, 0, 0, 0, 0, 0],
            decision: Decision::Review,
        })
        .collect();
    let model = Model::fixed();
    let summary = Summary {
        padan_version: "test",
        generation: 7,
        config: "padan.toml".into(),
        records_in: 2 * n as u64,
        records_accepted: 2 * n as u64,
        records_rejected: 0,
        rejects_by_reason: Default::default(),
        files: vec![],
        records_by_source: Default::default(),
        persons: n as u64,
        persons_with_several_records: n as u64,
        records_merged: n as u64,
        candidate_pairs: n as u64,
        pairs_written: n as u64,
        match_pairs: 0,
        review_pairs: n as u64,
        refused_match_pairs: 0,
        data_quality: Default::default(),
        linking: Default::default(),
        changes: [("new", n as u64)].into_iter().collect(),
        decisions: None,
        blocking: vec![],
        large_blocks: vec![],
        thresholds: crate::config::Thresholds {
            match_weight: 9.0,
            review_weight: 4.0,
            pairs_floor: -2.0,
        },
        expected: None,
        model: crate::summary::ModelSummary {
            comparisons: &COMPARISONS,
            model: model.clone(),
        },
        stage_seconds: Default::default(),
        peak_memory_bytes: None,
        stage_peak_memory_bytes: Default::default(),
        threads: 1,
        warnings: vec!["key 850312145567 too big".into()],
    };
    Run {
        summary,
        ing,
        norm,
        names,
        reg,
        scored,
        model,
        qa: Vec::new(),
    }
}

#[test]
fn the_page_stays_small_for_large_inputs() {
    let run = large(200_000);
    let page = render(&run.input());
    eprintln!("report of 400,000 records: {} bytes", page.len());
    assert!(page.len() < 3_000_000, "{} bytes", page.len());
    assert_eq!(page.matches(r#"<details class="pair""#).count(), MAX_REVIEW);
    assert_eq!(
        page.matches(r#"<details class="cluster""#).count(),
        MAX_CLUSTERS
    );
    assert_eq!(value_of(&page, "review_pairs"), 200_000);
    assert!(page.contains(r#"<tr><td>new</td><td class="n" data-value="200000">200,000</td></tr>"#));
    let stripped = without_ids(&page);
    assert!(longest_digit_run(&stripped) < 12);
    assert!(!stripped.contains("850312145567"));
    // Highest weight first.
    let review = &page[page.find(r#"<section id="review">"#).unwrap()..];
    let weights: Vec<f64> = review
        .split("</b></summary>")
        .filter_map(|x| x.split(" · weight ").nth(1))
        .map(|x| x[..x.find(' ').unwrap()].parse().unwrap())
        .collect();
    assert_eq!(weights.len(), MAX_REVIEW);
    assert!(weights.windows(2).all(|w| w[0] >= w[1]));
    assert_eq!(weights[0], 5.99);
}

#[test]
fn an_empty_run_renders() {
    let run = large(0);
    let page = render(&run.input());
    assert_eq!(value_of(&page, "persons"), 0);
    assert!(page.contains("No pairs were scored."));
    assert!(page.contains("No pairs to review."));
    assert!(page.ends_with("</html>\n"));
}
