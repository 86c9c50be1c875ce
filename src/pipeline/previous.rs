//! The previous generation as a run reads it: its link state matched to this run's records,
//! whether this run links incrementally on it, the normalised records it lends, the pairs and
//! the model it keeps, and the persons whose ids carry on (docs/store.md).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::config::Config;
use crate::error::Result;
use crate::ingest::Ingested;
use crate::normalise::stage::Reused;
use crate::register::ids;
use crate::score::{self, ModelKind};
use crate::store::link::{self, Plan, State, Unusable};
use crate::store::stored::{self, Kept, Stored};
use crate::summary::{LinkMode, Linking};

/// An incremental run keeps the model; once this share of the records has been new, changed
/// or removed since it was estimated, the run links in full and estimates it again.
pub const REFIT_SHARE: f64 = 0.2;

pub(super) struct Previous {
    /// The previous generation's folder, if there is one.
    pub dir: Option<PathBuf>,
    /// How this run links, and why.
    pub linking: Linking,
    /// The link state and this run's records matched to it, when the state is sound (the
    /// previous person ids come from it, however this run links).
    state: Option<(State, Plan)>,
}

impl Previous {
    /// No previous generation: a store's first run, or a run in memory.
    pub fn none() -> Previous {
        Previous {
            dir: None,
            linking: Linking::full("no previous generation"),
            state: None,
        }
    }

    /// Reads the link state of the generation in `dir` and matches this run's records to it;
    /// then decides whether this run links incrementally: only when asked to, the state is
    /// sound and was made under the same configuration (`fingerprint`), its model still
    /// serves, and at most half of the records are new or changed (else the model is
    /// estimated again).
    pub fn read(
        config: &Config,
        dir: Option<PathBuf>,
        ing: &Ingested,
        hashes: &[u64],
        fingerprint: u64,
        warnings: &mut Vec<String>,
    ) -> Previous {
        let Some(dir) = dir else {
            return Previous::none();
        };
        let full = |dir: PathBuf, reason: &str| Previous {
            dir: Some(dir),
            linking: Linking::full(reason),
            state: None,
        };
        let state = match link::load(&dir) {
            Ok(s) => s,
            Err(Unusable::Missing) => {
                return full(
                    dir,
                    "the previous generation kept no link state (an older padan wrote it)",
                )
            }
            Err(Unusable::Damaged(why)) => {
                warnings.push(format!(
                    "{}: cannot be used ({why}); every record was linked again",
                    dir.join(link::FILE).display()
                ));
                return full(dir, "the previous generation's link state is damaged");
            }
        };
        let plan = link::plan(&state, ing, hashes);
        let mut linking = Linking {
            mode: LinkMode::Full,
            records_unchanged: plan.unchanged,
            records_changed: plan.changed,
            records_new: plan.new,
            records_removed: plan.removed,
            ..Default::default()
        };
        let drift = state.drift + plan.changed + plan.new + plan.removed;
        linking.reason = if !config.incremental {
            "asked for (--full, [run] incremental = false, or the Spark steps, which always link in full)".into()
        } else if state.fingerprint != fingerprint {
            "the configuration (a source's columns, dates or encoding; [block]; the [score] model or pairs_floor), padan's version or blocking rules, or the year changed since the previous generation".into()
        } else if config.score.em
            && state.model.kind == ModelKind::Fixed
            && ing.records.len() >= score::EM_MIN_RECORDS
        {
            "the previous generation had too few records to estimate the model; now it can be"
                .into()
        } else if (plan.changed + plan.new) * 2 > ing.records.len() as u64 {
            "more than half the records are new or changed: the model is estimated again".into()
        } else if plan.removed * 2 > state.records() as u64 {
            "more than half the previous records are gone: the model is estimated again".into()
        } else if drift as f64 > REFIT_SHARE * ing.records.len() as f64 {
            format!(
                "{drift} records new, changed or removed since the model was estimated, more than {}% of the records: the model is estimated again",
                REFIT_SHARE * 100.0
            )
        } else {
            linking.mode = LinkMode::Incremental;
            linking.records_changed_since_model = drift;
            format!(
                "{} of {} records new or changed since the previous generation",
                plan.changed + plan.new,
                ing.records.len()
            )
        };
        Previous {
            dir: Some(dir),
            linking,
            state: Some((state, plan)),
        }
    }

    /// The link state and plan, when this run links incrementally.
    pub fn incremental(&self) -> Option<&(State, Plan)> {
        self.state
            .as_ref()
            .filter(|_| self.linking.mode == LinkMode::Incremental)
    }

    /// Per record of this run: whether it is new or changed, when this run links
    /// incrementally (only such records are blocked against everyone).
    pub fn dirty(&self) -> Option<&[bool]> {
        self.incremental().map(|(_, p)| &p.dirty[..])
    }

    /// The normalised records an incremental run takes over from the previous generation
    /// (`normalised.bin` and `forms.bin`), when they can be used; a warning when they are
    /// damaged.
    pub fn kept_records(
        &self,
        fingerprint: u64,
        warnings: &mut Vec<String>,
    ) -> Option<KeptRecords> {
        let (state, plan) = self.incremental()?;
        let dir = self.dir.as_deref()?;
        let (records, forms) = match open_records(dir, fingerprint, state) {
            Ok(files) => files,
            Err(Unusable::Missing) => return None,
            Err(Unusable::Damaged(why)) => {
                warnings.push(format!(
                    "{} and {}: cannot be used ({why}); every record was normalised again",
                    dir.join(stored::RECORDS.file).display(),
                    stored::FORMS.file
                ));
                return None;
            }
        };
        // Per record: its previous self when its normalised form is the one it had then (same
        // values, read the same today), else `u32::MAX`.
        let same = (0..plan.previous.len())
            .into_par_iter()
            .map(|i| {
                let p = plan.previous[i];
                let read_again = plan.dirty[i] || p == u32::MAX;
                if read_again || records.marks(p as usize).took_today() {
                    u32::MAX
                } else {
                    p
                }
            })
            .collect();
        // The previous records still to be read once this run's records before `i` are done:
        // from the least previous index among this run's records from `i` on.
        let mut still_read = plan.previous.clone();
        for i in (0..still_read.len().saturating_sub(1)).rev() {
            still_read[i] = still_read[i].min(still_read[i + 1]);
        }
        Some(KeptRecords {
            records,
            forms,
            same,
            still_read,
            released: AtomicUsize::new(0),
        })
    }

    /// What scoring keeps, when this run links incrementally: the pairs of unchanged records
    /// with their levels, those to compare again (their records swapped order), the model.
    pub fn kept_scores(&mut self) -> score::FromPrevious {
        let kept = self.incremental().map(|(state, plan)| {
            let (pairs, again) = link::reused_pairs(state, plan);
            score::FromPrevious {
                pairs,
                again,
                model: Some(state.model.clone()),
            }
        });
        if let Some((state, _)) = self.state.as_mut() {
            // The pairs to keep are taken now.
            state.pairs = Vec::new();
        }
        kept.unwrap_or_default()
    }

    /// The previous persons, whose ids carry on: from the link state when it is sound, else
    /// from the previous generation's crosswalk.
    pub fn persons(&mut self) -> Result<Option<ids::Previous>> {
        if let Some((state, plan)) = self.state.take() {
            return Ok(Some(ids::Previous::of_records(
                state.person_ids,
                &state.person_first,
                &state.person_of,
                &plan.previous,
            )));
        }
        match &self.dir {
            Some(dir) => crate::store::previous_persons(dir),
            None => Ok(None),
        }
    }
}

/// `normalised.bin` and `forms.bin` of the generation in `dir`, for `state`'s records.
fn open_records(
    dir: &Path,
    fingerprint: u64,
    state: &State,
) -> std::result::Result<(Stored, Stored), Unusable> {
    let open = |kind| Stored::open(dir, kind, fingerprint, state.records());
    let records = open(stored::RECORDS)?;
    let forms = open(stored::FORMS)?;
    stored::check_forms(&records, &forms)?;
    Ok((records, forms))
}

/// The previous generation's normalised records, lent to an incremental run: an unchanged
/// record's two encodings are copied, and only its forms decoded.
pub(super) struct KeptRecords {
    records: Stored,
    forms: Stored,
    /// Per record of this run: its previous self, when its normalised form is the one it had
    /// then; else `u32::MAX`.
    same: Vec<u32>,
    still_read: Vec<u32>,
    /// The previous records handed back so far.
    released: AtomicUsize,
}

impl KeptRecords {
    /// Record `i` as the previous generation kept it, when it is unchanged.
    pub fn reused(&self, i: usize) -> Option<Reused<Kept<'_>>> {
        let p = self.same[i];
        if p == u32::MAX {
            return None;
        }
        let p = p as usize;
        let (record, forms) = (self.records.bytes(p)?, self.forms.bytes(p)?);
        let kept = (record.into(), forms.into(), self.records.marks(p));
        Some((stored::decode_forms(forms)?, kept))
    }

    /// Hands back what was read of the previous records that no record from `i` on reads.
    pub fn done(&self, i: usize) {
        let Some(&to) = self.still_read.get(i) else {
            return;
        };
        let (from, to) = (self.released.load(Ordering::Relaxed), to as usize);
        if to > from {
            self.records.release(from, to);
            self.forms.release(from, to);
            self.released.store(to, Ordering::Relaxed);
        }
    }
}
