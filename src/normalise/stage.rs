//! The normalise stage: every ingested record normalised, a slice at a time in parallel, and
//! handed as it is made to what keeps the whole records (`Keep`: the store spills them to its
//! files, a run in memory holds them); only what blocking and comparing read stays here.
//!
//! Reads: the ingested records, and for each record that an earlier run kept unchanged, its
//! linking forms and what it was kept as (`reused`). Writes: `Forms`, in record order.

use rayon::prelude::*;

use super::{Linkable, Marks, NormRecord};
use crate::error::Result;
use crate::ingest::Ingested;
use crate::normalise::packed::Packed;

/// What keeps the whole records as the stage makes them.
pub trait Keep {
    /// A record as it is kept.
    type Kept: Send;
    /// A record this run made, as it is kept (called in parallel).
    fn kept(r: NormRecord, l: &Linkable, p: &Packed, marks: Marks) -> Self::Kept;
    /// Keeps the next records, in order, taking them out of `records`.
    fn put(&mut self, records: &mut Vec<Self::Kept>) -> Result<()>;
}

/// What linking reads of every record, in record order.
pub struct Forms {
    pub links: Vec<Linkable>,
    /// Empty for encoded records, which compare by `encoded`.
    pub packed: Vec<Packed>,
    /// What comparing reads of encoded records (privacy-preserving linkage), else `None`.
    pub encoded: Option<Vec<super::encoded::Encoded>>,
    /// Records normalised by this run (the others were reused).
    pub normalised: u64,
}

/// A record an earlier run kept unchanged: its linking forms and what it was kept as.
pub type Reused<K> = ((Linkable, Packed), K);

/// Normalises every record of `ing` but those `reused(i)` gives, and hands each to `keep` in
/// record order; one slice of records is kept while the next is made. `done(i)` is called once
/// every record before `i` is kept (what was read for them can then be handed back).
pub fn stage<K: Keep + Send>(
    ing: &Ingested,
    today: chrono::NaiveDate,
    progress: &crate::progress::Counter,
    reused: &(dyn Fn(usize) -> Option<Reused<K::Kept>> + Sync),
    done: &dyn Fn(usize),
    keep: &mut K,
) -> Result<Forms> {
    const SLICE: usize = 1 << 15;
    let n = ing.records.len();
    type Made<K> = ((Vec<Linkable>, Vec<Packed>), Vec<K>);
    let mut made: Made<K::Kept> = (
        (Vec::with_capacity(n), Vec::with_capacity(n)),
        Vec::with_capacity(SLICE),
    );
    let mut previous: Vec<K::Kept> = Vec::with_capacity(SLICE);
    let normalised = std::sync::atomic::AtomicU64::new(0);
    for start in (0..n).step_by(SLICE) {
        let end = (start + SLICE).min(n);
        std::mem::swap(&mut made.1, &mut previous);
        let (kept, ()) = rayon::join(
            || keep.put(&mut previous),
            || {
                made.par_extend((start..end).into_par_iter().map(|i| {
                    progress.inc(1);
                    if let Some((forms, kept)) = reused(i) {
                        return (forms, kept);
                    }
                    normalised.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let (r, marks) = super::one(ing, i, today);
                    let (l, p) = (Linkable::of(&r), Packed::of(&r));
                    let kept = K::kept(r, &l, &p, marks);
                    ((l, p), kept)
                }))
            },
        );
        kept?;
        // The slice before this one is kept; this one is still to be.
        done(start);
    }
    keep.put(&mut made.1)?;
    let ((links, packed), _) = made;
    Ok(Forms {
        links,
        packed,
        encoded: None,
        normalised: normalised.into_inner(),
    })
}

/// Keeps the records in memory, with their marks: a run with no store.
impl Keep for Vec<(NormRecord, Marks)> {
    type Kept = (NormRecord, Marks);

    fn kept(r: NormRecord, _: &Linkable, _: &Packed, marks: Marks) -> Self::Kept {
        (r, marks)
    }

    fn put(&mut self, records: &mut Vec<Self::Kept>) -> Result<()> {
        self.append(records);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn records_are_kept_in_order_and_reused_ones_are_not_normalised_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut body = String::from("record_id,full_name,ic\n");
        // More records than a slice, so that keeping and making overlap.
        for i in 0..40_000 {
            body.push_str(&format!(
                "{i},ALI BIN ABU {},85031214{:04}\n",
                i % 97,
                i % 10_000
            ));
        }
        std::fs::write(dir.path().join("a.csv"), body).unwrap();
        let text = "[[source]]\nname = \"jkm\"\npath = \"a.csv\"\n";
        let config = Config::parse(text, &dir.path().join("padan.toml")).unwrap();
        let ing = crate::ingest::read_all(&config).unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let (want, _) = super::super::all(&ing, today, &Default::default());

        let mut kept: Vec<(NormRecord, Marks)> = Vec::new();
        let forms = stage(
            &ing,
            today,
            &Default::default(),
            &|_| None,
            &|_| {},
            &mut kept,
        )
        .unwrap();
        assert_eq!(forms.normalised, want.len() as u64);
        let links: Vec<Linkable> = want.iter().map(Linkable::of).collect();
        assert_eq!(forms.links, links);
        assert!(kept
            .iter()
            .map(|(r, _)| Linkable::of(r))
            .eq(links.iter().cloned()));

        // Every third record given as an earlier run kept it (here: another record's).
        let other = &want[0];
        let reused = |i: usize| {
            i.is_multiple_of(3).then(|| {
                let forms = (Linkable::of(other), Packed::of(other));
                (forms, (other.clone(), Marks::default()))
            })
        };
        let mut kept: Vec<(NormRecord, Marks)> = Vec::new();
        let done = std::sync::Mutex::new(Vec::new());
        let forms = stage(
            &ing,
            today,
            &Default::default(),
            &reused,
            &|i| done.lock().unwrap().push(i),
            &mut kept,
        )
        .unwrap();
        let reused_n = want.len().div_ceil(3);
        assert_eq!(forms.normalised, (want.len() - reused_n) as u64);
        for (i, (r, _)) in kept.iter().enumerate() {
            let r = Linkable::of(r);
            assert_eq!(
                r,
                if i % 3 == 0 {
                    Linkable::of(other)
                } else {
                    links[i].clone()
                }
            );
            assert_eq!(forms.links[i], r, "record {i}");
        }
        assert_eq!(forms.packed.len(), want.len());
        // Called at each slice's start, in order.
        assert_eq!(*done.lock().unwrap(), [0, 1 << 15]);
    }
}
