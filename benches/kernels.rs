//! Micro-benchmarks of the hot kernels: normalising a name, parsing an IC, comparing a pair,
//! blocking a set of records. Run with `cargo bench --bench kernels`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use padan::field::Field;
use padan::ingest::Record;
use padan::normalise::{self, Ic, Name};
use padan::score;

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

fn kernels(c: &mut Criterion) {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let mut g = c.benchmark_group("normalise");
    g.throughput(Throughput::Elements(NAMES.len() as u64));
    g.bench_function("name", |b| {
        b.iter(|| {
            for n in NAMES {
                black_box(Name::parse(black_box(n)).key());
            }
        })
    });
    g.bench_function("name_all_keys", |b| {
        b.iter(|| {
            for n in NAMES {
                let p = Name::parse(black_box(n));
                black_box((p.key(), p.sorted_key(), p.compact(), p.given_compact()));
                black_box((p.phonetic(), p.khmer_key(), p.initials_key(), p.alt_keys()));
            }
        })
    });
    g.bench_function("name_mixed", |b| {
        b.iter(|| {
            for n in MIXED {
                black_box(Name::parse(black_box(n)).key());
            }
        })
    });
    // The kernels below each read four values per iteration.
    g.throughput(Throughput::Elements(4));
    g.bench_function("date", |b| {
        b.iter(|| {
            for d in ["12/03/1985", "1985-03-12", "12 MAC 1985", "00/00/1950"] {
                black_box(normalise::date::parse(black_box(d), &[], today));
            }
        })
    });
    g.bench_function("phone", |b| {
        b.iter(|| {
            for p in [
                "012-3456789",
                "+60 12-345 6789",
                "03-2345 6789",
                "082-234567",
            ] {
                black_box(normalise::phone(black_box(p)));
            }
        })
    });
    g.bench_function("address", |b| {
        b.iter(|| {
            for a in [
                "No. 5, Jln Mawar 3, Tmn Sri Muda, 40400 Shah Alam, Selangor",
                "12 Lebuh Pantai, 10300 George Town, P. Pinang",
                "Lot 12 Kg. Baru, Sg. Buloh",
                "Blok A, PPR Seri Aman, 50460 KL",
            ] {
                black_box(normalise::address(black_box(a)));
            }
        })
    });
    g.bench_function("ic", |b| {
        b.iter(|| {
            for ic in [
                "850312-14-5567",
                "30517101234",
                "8.50312145567E+11",
                "900101105568",
            ] {
                black_box(Ic::parse(black_box(ic)));
            }
        })
    });
    g.finish();

    let a = record("MOHD HAFIZ B. ABD RAHMAN", "850312-14-5567", "12/03/1985");
    let b = record("Muhammad Hafiz Rahman", "850312145576", "1985-03-12");
    let c2 = record("SITI AMINAH BINTI ALI", "900101105568", "1990-01-01");
    let mut g = c.benchmark_group("score");
    g.throughput(Throughput::Elements(2));
    g.bench_function("compare", |bn| {
        bn.iter(|| {
            black_box(score::compare(black_box(&a), black_box(&b)));
            black_box(score::compare(black_box(&a), black_box(&c2)));
        })
    });
    let pa = score::Packed::of(&a);
    let pb = score::Packed::of(&b);
    let pc = score::Packed::of(&c2);
    let (la, lb, lc) = (
        normalise::Linkable::of(&a),
        normalise::Linkable::of(&b),
        normalise::Linkable::of(&c2),
    );
    g.bench_function("compare_packed", |bn| {
        bn.iter(|| {
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
        })
    });
    g.bench_function("jaro_winkler", |bn| {
        bn.iter(|| score::jaro_winkler(black_box("MUHAMMADHAFIZ"), black_box("MUHAMADHAFIZ")))
    });
    g.finish();

    // Blocking 20,000 records: eight names with 250 variants each, in 40 postcodes, born on
    // 100 days (every rule finds blocks, some larger than the window).
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
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
    let mut g = c.benchmark_group("block");
    g.throughput(Throughput::Elements(recs.len() as u64));
    g.sample_size(10);
    g.bench_function("candidates_20k", |bn| {
        bn.iter(|| {
            black_box(padan::block::candidates(
                black_box(&recs),
                padan::block::Limits {
                    max_block_size: 12,
                    window: 6,
                },
            ))
        })
    });
    g.finish();
}

criterion_group!(benches, kernels);
criterion_main!(benches);
