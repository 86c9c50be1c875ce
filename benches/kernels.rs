//! Micro-benchmarks of the hot kernels: normalising a name, parsing an IC, comparing a pair,
//! blocking a set of records. Run with `cargo bench --bench kernels`: one JSON line per kernel,
//! its median nanoseconds per element over ten samples.

use padan::field::Field;
use padan::ingest::Record;
use padan::normalise::{self, Ic, Name};
use padan::score;
use std::hint::black_box;
use std::time::{Duration, Instant};

const NAMES: [&str; 8] = [
    "MOHD HAFIZ B. ABD RAHMAN",
    "Muhammad Hafiz bin Abdul Rahman",
    "DATO' SRI HAJI AHMAD BIN TUN ABDUL RAZAK",
    "SITI AMINAH BINTI ALI",
    "RAJAGOPAL A/L SUBRAMANIAM",
    "TAN MEI-LING",
    "JANANG ANAK NYALAU",
    "NUR AISYAH BT MOHAMAD YUSOF",
];

fn record(name: &str, ic: &str, dob: &str) -> normalise::NormRecord {
    let mut r = Record::new(0, 0, "x".into());
    r.set(Field::FullName, name);
    r.set(Field::Ic, ic);
    r.set(Field::Dob, dob);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    normalise::record(&r, &[], today).0
}

/// Names of every tradition, with titles, aliases, short forms, Unicode and Khmer script.
const MIXED: [&str; 8] = [
    "DATO' SRI HJ MOHD HAFIZ B. ABD RAHMAN",
    "MICHELLE YEOH CHOO KHENG",
    "Mei-Ling Tan",
    "S. RAJAGOPAL",
    "MOHD ALI @ MAT BIN ABU",
    "ＳＩＴＩ ＡＭＩＮＡＨ ＢＴ ＡＬＩ",
    "SOK CHANN",
    "សុខ ចាន់",
];

/// Times `f`, which handles `elements` elements a call, and prints its JSON line: each of ten
/// samples runs `f` as many times as fill a tenth of `budget`.
fn bench(name: &str, elements: usize, budget: Duration, mut f: impl FnMut()) {
    f();
    let t = Instant::now();
    let mut calls = 0u64;
    while t.elapsed() < budget / 100 || calls == 0 {
        f();
        calls += 1;
    }
    let per_sample = (calls * 10).max(1);
    let mut ns: Vec<f64> = (0..10)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..per_sample {
                f();
            }
            t.elapsed().as_nanos() as f64 / (per_sample * elements as u64) as f64
        })
        .collect();
    ns.sort_by(f64::total_cmp);
    println!(
        "{}",
        serde_json::json!({
            "bench": "kernels",
            "kernel": name,
            "ns_per_element": (ns[4] + ns[5]) / 2.0,
            "ns_fastest": ns[0],
            "elements_per_call": elements,
        })
    );
}

/// About how long each kernel is timed for (the blocking kernel gets four times as long, a
/// call of it being long).
const BUDGET: Duration = Duration::from_millis(500);

fn main() {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    bench("normalise.name", NAMES.len(), BUDGET, || {
        for n in NAMES {
            black_box(Name::parse(black_box(n)).key());
        }
    });
    bench("normalise.name_all_keys", NAMES.len(), BUDGET, || {
        for n in NAMES {
            let p = Name::parse(black_box(n));
            black_box((p.key(), p.sorted_key(), p.compact(), p.given_compact()));
            black_box((p.phonetic(), p.khmer_key(), p.initials_key(), p.alt_keys()));
        }
    });
    bench("normalise.name_mixed", MIXED.len(), BUDGET, || {
        for n in MIXED {
            black_box(Name::parse(black_box(n)).key());
        }
    });
    bench("normalise.date", 4, BUDGET, || {
        for d in ["12/03/1985", "1985-03-12", "12 MAC 1985", "00/00/1950"] {
            black_box(normalise::date::parse(black_box(d), &[], today));
        }
    });
    bench("normalise.phone", 4, BUDGET, || {
        for p in [
            "012-3456789",
            "+60 12-345 6789",
            "03-2345 6789",
            "082-234567",
        ] {
            black_box(normalise::phone(black_box(p)));
        }
    });
    bench("normalise.address", 4, BUDGET, || {
        for a in [
            "No. 5, Jln Mawar 3, Tmn Sri Muda, 40400 Shah Alam, Selangor",
            "12 Lebuh Pantai, 10300 George Town, P. Pinang",
            "Lot 12 Kg. Baru, Sg. Buloh",
            "Blok A, PPR Seri Aman, 50460 KL",
        ] {
            black_box(normalise::address(black_box(a)));
        }
    });
    bench("normalise.ic", 4, BUDGET, || {
        for ic in [
            "850312-14-5567",
            "30517101234",
            "8.50312145567E+11",
            "900101105568",
        ] {
            black_box(Ic::parse(black_box(ic)));
        }
    });

    let a = record("MOHD HAFIZ B. ABD RAHMAN", "850312-14-5567", "12/03/1985");
    let b = record("Muhammad Hafiz Rahman", "850312145576", "1985-03-12");
    let c = record("SITI AMINAH BINTI ALI", "900101105568", "1990-01-01");
    bench("score.compare", 2, BUDGET, || {
        black_box(score::compare(black_box(&a), black_box(&b)));
        black_box(score::compare(black_box(&a), black_box(&c)));
    });
    let (pa, pb, pc) = (
        normalise::packed::Packed::of(&a),
        normalise::packed::Packed::of(&b),
        normalise::packed::Packed::of(&c),
    );
    let (la, lb, lc) = (
        normalise::Linkable::of(&a),
        normalise::Linkable::of(&b),
        normalise::Linkable::of(&c),
    );
    bench("score.compare_packed", 2, BUDGET, || {
        black_box(score::compare_packed(
            black_box(&pa),
            black_box(&pb),
            &la,
            &lb,
        ));
        black_box(score::compare_packed(
            black_box(&pa),
            black_box(&pc),
            &la,
            &lc,
        ));
    });
    bench("score.jaro_winkler", 1, BUDGET, || {
        black_box(score::jaro_winkler(
            black_box("MUHAMMADHAFIZ"),
            black_box("MUHAMADHAFIZ"),
        ));
    });

    // Blocking 20,000 records: eight names with 250 variants each, in 40 postcodes, born on
    // 100 days (every rule finds blocks, some larger than the window).
    let recs: Vec<_> = (0..20_000u32)
        .map(|i| {
            let mut r = Record::new(0, i as u64, "x".into());
            let name = format!(
                "{} {}",
                NAMES[i as usize % 8],
                ["ALI", "ABU", "TAN"][i as usize % 3]
            );
            r.set(Field::FullName, &name);
            r.set(Field::Postcode, &format!("{}", 40000 + (i % 40) * 100));
            r.set(Field::Dob, &format!("1980-01-{:02}", 1 + i % 28));
            r.set(Field::Phone, &format!("01{:08}", i % 5000));
            normalise::Linkable::of(&normalise::record(&r, &[], today).0)
        })
        .collect();
    bench("block.candidates_20k", recs.len(), BUDGET * 4, || {
        black_box(padan::block::candidates(
            black_box(&recs),
            padan::block::Limits {
                max_block_size: 12,
                window: 6,
            },
        ));
    });
}
