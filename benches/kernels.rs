//! Micro-benchmarks of the hot kernels: normalising a name, parsing an IC, comparing a pair.
//! Run with `cargo bench --bench kernels`.

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

fn kernels(c: &mut Criterion) {
    let mut g = c.benchmark_group("normalise");
    g.throughput(Throughput::Elements(NAMES.len() as u64));
    g.bench_function("name", |b| {
        b.iter(|| {
            for n in NAMES {
                black_box(Name::parse(black_box(n)).key());
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
    g.bench_function("jaro_winkler", |bn| {
        bn.iter(|| score::jaro_winkler(black_box("MUHAMMADHAFIZ"), black_box("MUHAMADHAFIZ")))
    });
    g.finish();
}

criterion_group!(benches, kernels);
criterion_main!(benches);
