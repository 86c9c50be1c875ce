//! Estimates of a generation's quality from a clerk's labels of the QA sample.
//!
//! What is estimated: the share of automatic matches that are true pairs, the true pairs among
//! the scored pairs that were not matched automatically and the recall that implies; the same
//! three for the register (pairs whose records are in one person, scored or not); and
//! precision and recall of "a match at or above t" at each of the design's curve thresholds.
//! Each is a point estimate with a 95% interval.
//!
//! Method. Every quantity is a sum or ratio of the true pairs in cells: parts of one stratum
//! (the whole stratum, its linked or not-linked pairs, its pairs at or above or below a
//! threshold) whose sizes the design knows. A cell's true pairs are its size times the share of
//! `same` among its `same` and `different` labels (post-stratification on the known sizes).
//! For an interval, each cell's rate is drawn from the Beta distribution whose quantile is the
//! Clopper–Pearson bound on the side that pushes the quantity down (for the low bound) or up
//! (for the high bound), and the quantity's 2.5% or 97.5% quantile over the draws is the bound.
//! With one cell this is exactly the Clopper–Pearson interval. A cell whose every pair was
//! labelled is known exactly and is not drawn.
//!
//! Why: Clopper–Pearson per cell, so that a stratum in which no false pair was seen still gets
//! an honest bound rather than a zero-width interval at 100%; Monte Carlo, so that sums and
//! ratios over strata sampled at different rates get one interval without a normal
//! approximation, which fails at the rates near 0 and 1 that most strata have.

use std::collections::HashMap;

use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Beta, Distribution};
use serde::{Deserialize, Serialize};

use super::{Design, Label, Stratum, Unit};

/// Monte Carlo draws behind every interval.
pub const DRAWS: u32 = 4000;

/// The share of draws left out at each end of a 95% interval.
const TAIL: f64 = 0.025;

/// A point estimate and its 95% interval.
///
/// A share with nothing behind it (its denominator holds no pairs, e.g. the precision of
/// automatic matches when there are none) is `0` in `[0, 1]`: anything is possible. A count
/// with nothing behind it is `0` in `[0, 0]`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Interval {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

/// How many sampled pairs got each label (`unlabelled`: left blank).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct LabelCounts {
    pub same: u64,
    pub different: u64,
    pub unsure: u64,
    pub unlabelled: u64,
}

impl LabelCounts {
    fn of(units: &[Unit]) -> LabelCounts {
        let mut counts = LabelCounts::default();
        for unit in units {
            match unit.label {
                Label::Same => counts.same += 1,
                Label::Different => counts.different += 1,
                Label::Unsure => counts.unsure += 1,
                Label::None => counts.unlabelled += 1,
            }
        }
        counts
    }
}

/// Precision and recall of "a match is a scored pair with weight at or above `threshold`".
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CurvePoint {
    pub threshold: f64,
    /// Scored pairs at or above the threshold.
    pub pairs: u64,
    /// Share of those pairs that are true pairs.
    pub precision: Interval,
    /// True pairs at or above the threshold / true scored pairs.
    pub recall: Interval,
}

/// What a clerical sample says about a generation.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Estimates {
    pub labels: LabelCounts,
    /// Share of automatic matches (strata with `automatic`) that are true pairs.
    pub match_precision: Interval,
    /// True pairs among scored pairs that are not automatic matches (a count).
    pub missed: Interval,
    /// True automatic matches / true scored pairs.
    pub recall: Interval,
    /// Share of the register's pairs (records in one person, scored or not) that are true.
    pub register_precision: Interval,
    /// True pairs among scored pairs the register did not link (a count: duplicates it
    /// missed).
    pub register_missed: Interval,
    /// True linked pairs / (true linked pairs + true scored pairs not linked).
    pub register_recall: Interval,
    /// Precision and recall at each of the design's curve thresholds, in its order.
    pub curve: Vec<CurvePoint>,
    /// Monte Carlo draws behind the intervals.
    pub draws: u32,
}

/// Weighs a clerk's labels of the sampled `units` back to the population `design` describes.
///
/// Only `same` and `different` labels are information: `unsure` and blank labels are counted
/// in `labels` and otherwise left out, i.e. treated as missing at random within their cell.
/// A cell with pairs but no usable labels gets its stratum's rate as point estimate (0 if the
/// stratum has none) and the whole of `[0, 1]` in the intervals. Units of a stratum the
/// design does not have are counted and otherwise ignored. The same `seed` gives the same
/// estimates.
pub fn estimate(design: &Design, units: &[Unit], seed: u64) -> Estimates {
    let sample = Sample::new(design, units);
    let mut mc = MonteCarlo::new(seed);

    let automatic = sample.cells(|s| s.scored && s.automatic, Part::Whole);
    let unmatched = sample.cells(|s| s.scored && !s.automatic, Part::Whole);
    let match_precision = precision_of(&mut mc, &automatic);
    let missed = count_of(&mut mc, &unmatched);
    let recall = recall_of(&mut mc, &automatic, &unmatched);

    let linked = sample.cells(|_| true, Part::Linked);
    let unlinked = sample.cells(|s| s.scored, Part::NotLinked);
    let register_precision = precision_of(&mut mc, &linked);
    let register_missed = count_of(&mut mc, &unlinked);
    let register_recall = recall_of(&mut mc, &linked, &unlinked);

    let curve = curve(&mut mc, &sample);
    Estimates {
        labels: LabelCounts::of(units),
        match_precision,
        missed,
        recall,
        register_precision,
        register_missed,
        register_recall,
        curve,
        draws: DRAWS,
    }
}

/// Precision and recall at each curve threshold.
fn curve(mc: &mut MonteCarlo, sample: &Sample) -> Vec<CurvePoint> {
    let mut points = Vec::with_capacity(sample.design.curve.len());
    for (j, &threshold) in sample.design.curve.iter().enumerate() {
        let above = sample.cells(|s| s.scored, Part::Above(j));
        let below = sample.cells(|s| s.scored, Part::Below(j));
        points.push(CurvePoint {
            threshold,
            pairs: above.iter().map(|c| c.population).sum(),
            precision: precision_of(mc, &above),
            recall: recall_of(mc, &above, &below),
        });
    }
    points
}

/// True pairs in `cells` / pairs in `cells`.
fn precision_of(mc: &mut MonteCarlo, cells: &[Cell]) -> Interval {
    let pairs: f64 = cells.iter().map(|c| c.population as f64).sum();
    mc.interval(cells, |totals| share(sum(totals), pairs))
}

/// True pairs in `cells`.
fn count_of(mc: &mut MonteCarlo, cells: &[Cell]) -> Interval {
    mc.interval(cells, |totals| Some(sum(totals)))
}

/// True pairs in `found` / true pairs in `found` and `missed`.
fn recall_of(mc: &mut MonteCarlo, found: &[Cell], missed: &[Cell]) -> Interval {
    let k = found.len();
    let cells: Vec<Cell> = found
        .iter()
        .copied()
        .chain(missed.iter().map(|c| c.falling()))
        .collect();
    mc.interval(&cells, |totals| {
        let found = sum(&totals[..k]);
        share(found, found + sum(&totals[k..]))
    })
}

fn sum(totals: &[f64]) -> f64 {
    totals.iter().sum()
}

/// `part / whole`, or `None` for a share of nothing.
fn share(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| part / whole)
}

/// Labels of a cell's sampled pairs: `same`, and `same` plus `different`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
struct Tally {
    same: u64,
    labelled: u64,
}

impl Tally {
    fn add(&mut self, same: bool) {
        self.same += u64::from(same);
        self.labelled += 1;
    }

    fn rate(self) -> Option<f64> {
        (self.labelled > 0).then(|| self.same as f64 / self.labelled as f64)
    }
}

/// The tallies of one stratum's cells (`above[j]`, `below[j]`: at or above, below the `j`th
/// curve threshold).
#[derive(Clone, Debug)]
struct Tallies {
    whole: Tally,
    linked: Tally,
    not_linked: Tally,
    above: Vec<Tally>,
    below: Vec<Tally>,
}

impl Tallies {
    fn new(thresholds: usize) -> Tallies {
        Tallies {
            whole: Tally::default(),
            linked: Tally::default(),
            not_linked: Tally::default(),
            above: vec![Tally::default(); thresholds],
            below: vec![Tally::default(); thresholds],
        }
    }

    /// Counts a `same` (`true`) or `different` label of `unit` in every cell it falls in.
    fn add(&mut self, unit: &Unit, same: bool, curve: &[f64]) {
        self.whole.add(same);
        if unit.linked {
            self.linked.add(same);
        } else {
            self.not_linked.add(same);
        }
        // A pair without a weight is in no cell of the curve.
        let Some(weight) = unit.weight else { return };
        for (j, &threshold) in curve.iter().enumerate() {
            let cell = if weight >= threshold {
                &mut self.above[j]
            } else {
                &mut self.below[j]
            };
            cell.add(same);
        }
    }
}

/// Which part of a stratum a cell is (`Above(j)`: pairs at or above the `j`th curve threshold).
#[derive(Clone, Copy, Debug)]
enum Part {
    Whole,
    Linked,
    NotLinked,
    Above(usize),
    Below(usize),
}

/// A `Part` without its threshold: within one stratum, parts of one family with the same
/// number of pairs are the same pairs, so they can share their draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Family {
    Whole,
    Linked,
    NotLinked,
    Above,
    Below,
}

/// How an estimand moves with a cell's rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    Rising,
    Falling,
}

/// One cell of one estimand: a part of a stratum, its size, its labels and how the estimand
/// moves with its rate.
#[derive(Clone, Copy, Debug)]
struct Cell {
    stratum: usize,
    family: Family,
    population: u64,
    tally: Tally,
    /// The rate for the point estimate when the cell has no labels: its stratum's.
    fallback: f64,
    direction: Direction,
}

/// What identifies a cell's draws: its stratum, family, size and labels.
type Key = (usize, Family, u64, Tally);

impl Cell {
    fn falling(self) -> Cell {
        Cell {
            direction: Direction::Falling,
            ..self
        }
    }

    fn key(&self) -> Key {
        (self.stratum, self.family, self.population, self.tally)
    }

    fn point(&self) -> f64 {
        self.population as f64 * self.tally.rate().unwrap_or(self.fallback)
    }

    /// The side a `bound` draws this cell's rate from: the one that pushes the estimand
    /// towards that bound.
    fn side(&self, bound: Bound) -> Side {
        match (bound, self.direction) {
            (Bound::Low, Direction::Rising) | (Bound::High, Direction::Falling) => Side::Low,
            _ => Side::High,
        }
    }

    /// The rate when it is not random on `side`: a cell labelled whole is known exactly;
    /// Beta(0, b) is a point mass at 0 and Beta(a, 0) one at 1.
    fn fixed(&self, side: Side) -> Option<f64> {
        let Tally { same, labelled } = self.tally;
        if labelled > 0 && labelled >= self.population {
            return self.tally.rate();
        }
        match side {
            Side::Low if same == 0 => Some(0.0),
            Side::High if same >= labelled => Some(1.0),
            _ => None,
        }
    }

    /// The Beta distribution's parameters on `side` (both at least 1 when not `fixed`).
    fn shape(&self, side: Side) -> (f64, f64) {
        let x = self.tally.same as f64;
        let n = self.tally.labelled as f64;
        match side {
            Side::Low => (x, n - x + 1.0),
            Side::High => (x + 1.0, n - x),
        }
    }
}

/// The bound of an interval being computed.
#[derive(Clone, Copy, Debug)]
enum Bound {
    Low,
    High,
}

impl Bound {
    /// A draw's value when the estimand is a share of nothing: the end of `[0, 1]` this bound
    /// is on, since anything is possible.
    fn undefined(self) -> f64 {
        match self {
            Bound::Low => 0.0,
            Bound::High => 1.0,
        }
    }

    /// The `TAIL` quantile from this bound's end of `values` (not empty).
    fn quantile(self, values: &mut [f64]) -> f64 {
        let k = ((TAIL * values.len() as f64).ceil() as usize).clamp(1, values.len());
        let index = match self {
            Bound::Low => k - 1,
            Bound::High => values.len() - k,
        };
        *values.select_nth_unstable_by(index, f64::total_cmp).1
    }
}

/// The Beta distribution a cell's rate is drawn from: `Low`, Beta(x, n − x + 1), whose 2.5%
/// quantile is the Clopper–Pearson lower bound; `High`, Beta(x + 1, n − x), whose 97.5%
/// quantile is the upper bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Side {
    Low,
    High,
}

/// A cell's rate in each draw.
enum Rates<'a> {
    Fixed(f64),
    Drawn(&'a [f64]),
}

/// The labelled sample, tallied by stratum.
struct Sample<'a> {
    design: &'a Design,
    tallies: Vec<Tallies>,
}

impl<'a> Sample<'a> {
    fn new(design: &'a Design, units: &[Unit]) -> Sample<'a> {
        let mut tallies = vec![Tallies::new(design.curve.len()); design.strata.len()];
        for unit in units {
            let same = match unit.label {
                Label::Same => true,
                Label::Different => false,
                Label::Unsure | Label::None => continue,
            };
            if let Some(tally) = tallies.get_mut(unit.stratum) {
                tally.add(unit, same, &design.curve);
            }
        }
        Sample { design, tallies }
    }

    /// The `part` of every stratum `keep` takes that has pairs, rising.
    fn cells(&self, keep: impl Fn(&Stratum) -> bool, part: Part) -> Vec<Cell> {
        self.design
            .strata
            .iter()
            .zip(&self.tallies)
            .enumerate()
            .filter(|(_, (stratum, _))| keep(stratum))
            .filter_map(|(h, (stratum, tallies))| cell(h, stratum, tallies, part))
            .collect()
    }
}

/// The `part` of stratum `h`, or `None` if it has no pairs.
fn cell(h: usize, stratum: &Stratum, tallies: &Tallies, part: Part) -> Option<Cell> {
    let all = stratum.population;
    let linked = stratum.linked.min(all);
    let above = |j: usize| stratum.at_or_above.get(j).map_or(0, |&n| n.min(all));
    let tally = |cells: &[Tally], j: usize| cells.get(j).copied().unwrap_or_default();
    let (family, population, tally) = match part {
        Part::Whole => (Family::Whole, all, tallies.whole),
        Part::Linked => (Family::Linked, linked, tallies.linked),
        Part::NotLinked => (Family::NotLinked, all - linked, tallies.not_linked),
        Part::Above(j) => (Family::Above, above(j), tally(&tallies.above, j)),
        Part::Below(j) => (Family::Below, all - above(j), tally(&tallies.below, j)),
    };
    if population == 0 {
        return None;
    }
    // A part holding the whole stratum shares the whole stratum's draws.
    let family = if population == all {
        Family::Whole
    } else {
        family
    };
    Some(Cell {
        stratum: h,
        family,
        population,
        tally,
        fallback: tallies.whole.rate().unwrap_or(0.0),
        direction: Direction::Rising,
    })
}

/// The draws of every cell's rate, made once per cell and side so that estimands sharing a
/// cell share its draws, from one generator so that an estimate can be repeated.
struct MonteCarlo {
    rng: StdRng,
    drawn: HashMap<(Key, Side), Vec<f64>>,
}

impl MonteCarlo {
    fn new(seed: u64) -> MonteCarlo {
        MonteCarlo {
            rng: StdRng::seed_from_u64(seed),
            drawn: HashMap::new(),
        }
    }

    /// The estimand `f` of the cells' true-pair totals (in `cells`' order; `None`: a share of
    /// nothing) with its interval. The one place the interval rule lives.
    fn interval(&mut self, cells: &[Cell], f: impl Fn(&[f64]) -> Option<f64>) -> Interval {
        let points: Vec<f64> = cells.iter().map(Cell::point).collect();
        let estimate = f(&points).unwrap_or(0.0);
        let low = self.bound(cells, &f, Bound::Low);
        let high = self.bound(cells, &f, Bound::High).max(low);
        // Monte Carlo noise must not put the estimate outside its own interval.
        Interval {
            estimate: estimate.max(low).min(high),
            low,
            high,
        }
    }

    fn bound(&mut self, cells: &[Cell], f: &impl Fn(&[f64]) -> Option<f64>, bound: Bound) -> f64 {
        if cells.is_empty() {
            return f(&[]).unwrap_or(bound.undefined());
        }
        for cell in cells {
            self.draw(cell, cell.side(bound));
        }
        // The cells' totals, one row per draw.
        let k = cells.len();
        let mut totals = vec![0.0; k * DRAWS as usize];
        for (c, cell) in cells.iter().enumerate() {
            let pairs = cell.population as f64;
            let column = totals.iter_mut().skip(c).step_by(k);
            match self.rates(cell, cell.side(bound)) {
                Rates::Fixed(rate) => column.for_each(|total| *total = pairs * rate),
                Rates::Drawn(rates) => {
                    for (total, rate) in column.zip(rates) {
                        *total = pairs * rate;
                    }
                }
            }
        }
        let mut values: Vec<f64> = totals
            .chunks_exact(k)
            .map(|row| f(row).unwrap_or(bound.undefined()))
            .collect();
        bound.quantile(&mut values)
    }

    /// Draws `cell`'s rates on `side` unless they are fixed or drawn already.
    fn draw(&mut self, cell: &Cell, side: Side) {
        if cell.fixed(side).is_some() {
            return;
        }
        let rng = &mut self.rng;
        self.drawn
            .entry((cell.key(), side))
            .or_insert_with(|| beta_draws(rng, cell.shape(side)));
    }

    fn rates(&self, cell: &Cell, side: Side) -> Rates<'_> {
        if let Some(rate) = cell.fixed(side) {
            return Rates::Fixed(rate);
        }
        match self.drawn.get(&(cell.key(), side)) {
            Some(rates) => Rates::Drawn(rates),
            None => Rates::Fixed(cell.point() / cell.population as f64),
        }
    }
}

/// `DRAWS` draws from Beta(a, b) (a point mass at its mean if the parameters are not both
/// positive, which `Cell::fixed` rules out).
fn beta_draws(rng: &mut StdRng, (a, b): (f64, f64)) -> Vec<f64> {
    match Beta::new(a, b) {
        Ok(beta) => (0..DRAWS)
            .map(|_| beta.sample(rng).clamp(0.0, 1.0))
            .collect(),
        Err(_) => vec![share(a, a + b).unwrap_or(0.0); DRAWS as usize],
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use rand::seq::index;
    use rand::RngExt;

    use super::*;

    /// A pair of a synthetic population, with the truth a clerk would see.
    #[derive(Clone, Copy, Debug)]
    struct Pair {
        weight: Option<f64>,
        linked: bool,
        truth: bool,
    }

    /// A stratum of a synthetic population.
    struct Group {
        name: &'static str,
        scored: bool,
        automatic: bool,
        pairs: Vec<Pair>,
    }

    struct Population {
        groups: Vec<Group>,
        curve: Vec<f64>,
    }

    /// The population values the estimates aim at.
    #[derive(Debug)]
    struct Truth {
        match_precision: f64,
        missed: f64,
        recall: f64,
        register_precision: f64,
        register_missed: f64,
        register_recall: f64,
        /// Precision and recall at each curve threshold.
        curve: Vec<(f64, f64)>,
    }

    /// A stratum of a synthetic run: name, pairs, true rate, weight band (`None`: never
    /// scored), chance that a pair is linked, automatic.
    type Spec = (&'static str, usize, f64, Option<(f64, f64)>, f64, bool);

    /// A real run's strata.
    const REAL_RUN: [Spec; 8] = [
        ("match_high", 15000, 0.9998, Some((13.0, 20.0)), 0.99, true),
        ("match_mid", 3000, 0.999, Some((7.0, 13.0)), 0.99, true),
        ("match_low", 800, 0.99, Some((3.0, 7.0)), 0.99, true),
        ("review_high", 150, 0.7, Some((1.5, 3.0)), 0.5, false),
        ("review_low", 200, 0.4, Some((0.0, 1.5)), 0.5, false),
        ("below_high", 200, 0.08, Some((-2.0, 0.0)), 0.02, false),
        ("below_low", 2500, 0.02, Some((-6.0, -2.0)), 0.02, false),
        ("joined_through_others", 600, 0.97, None, 1.0, false),
    ];

    /// The share of the sample each of `REAL_RUN`'s strata gets.
    const SHARES: [f64; 8] = [0.08, 0.10, 0.14, 0.13, 0.13, 0.12, 0.15, 0.15];

    /// Index of `review_low` in `REAL_RUN`.
    const REVIEW_LOW: usize = 4;

    /// A population shaped like `REAL_RUN` with `sizes[h]` pairs in stratum `h`. Inside a
    /// stratum the chance that a pair is true rises with its weight (averaging the stratum's
    /// rate), so that the curve is not flat within a stratum.
    fn synthetic(sizes: &[usize], curve: &[f64], seed: u64) -> Population {
        let mut rng = StdRng::seed_from_u64(seed);
        let groups = REAL_RUN
            .iter()
            .zip(sizes)
            .map(|(&(name, _, rate, band, linked, automatic), &size)| {
                let pairs = (0..size)
                    .map(|_| {
                        let u: f64 = rng.random();
                        let p = if rate > 0.5 {
                            1.0 - (1.0 - rate) * 2.0 * (1.0 - u)
                        } else {
                            rate * 2.0 * u
                        };
                        Pair {
                            weight: band.map(|(lo, hi)| lo + u * (hi - lo)),
                            linked: rng.random_bool(linked),
                            truth: rng.random_bool(p),
                        }
                    })
                    .collect();
                Group {
                    name,
                    scored: band.is_some(),
                    automatic,
                    pairs,
                }
            })
            .collect();
        Population {
            groups,
            curve: curve.to_vec(),
        }
    }

    fn real_run(curve: &[f64], seed: u64) -> Population {
        let sizes: Vec<usize> = REAL_RUN.iter().map(|s| s.1).collect();
        synthetic(&sizes, curve, seed)
    }

    fn unit(stratum: usize, pair: &Pair) -> Unit {
        Unit {
            stratum,
            weight: pair.weight,
            linked: pair.linked,
            label: if pair.truth {
                Label::Same
            } else {
                Label::Different
            },
        }
    }

    fn fraction(part: u64, whole: u64) -> f64 {
        part as f64 / whole as f64
    }

    impl Population {
        /// `n` sampled pairs shared out by `SHARES`.
        fn allocate(&self, n: u64) -> Vec<u64> {
            self.groups
                .iter()
                .zip(SHARES)
                .map(|(g, share)| ((n as f64 * share).round() as u64).min(g.pairs.len() as u64))
                .collect()
        }

        fn design(&self, sampled: &[u64]) -> Design {
            let strata = self
                .groups
                .iter()
                .zip(sampled)
                .map(|(g, &sampled)| Stratum {
                    name: g.name.to_string(),
                    holds: String::new(),
                    scored: g.scored,
                    automatic: g.automatic,
                    population: g.pairs.len() as u64,
                    linked: g.pairs.iter().filter(|p| p.linked).count() as u64,
                    at_or_above: self
                        .curve
                        .iter()
                        .map(|&t| g.pairs.iter().filter(|p| p.weight >= Some(t)).count() as u64)
                        .collect(),
                    sampled,
                })
                .collect();
            Design {
                curve: self.curve.clone(),
                ..design_of(strata)
            }
        }

        /// A simple random sample without replacement of `sampled[h]` pairs of each stratum
        /// `h`, labelled from the truth.
        fn draw(&self, sampled: &[u64], rng: &mut StdRng) -> Vec<Unit> {
            let mut units = Vec::new();
            for (h, (g, &n)) in self.groups.iter().zip(sampled).enumerate() {
                for i in index::sample(rng, g.pairs.len(), n as usize) {
                    units.push(unit(h, &g.pairs[i]));
                }
            }
            units
        }

        /// Every pair, labelled from the truth.
        fn everything(&self) -> Vec<Unit> {
            let groups = self.groups.iter().enumerate();
            groups
                .flat_map(|(h, g)| g.pairs.iter().map(move |p| unit(h, p)))
                .collect()
        }

        fn truth(&self) -> Truth {
            let pairs = || {
                self.groups
                    .iter()
                    .flat_map(|g| g.pairs.iter().map(move |p| (g, p)))
            };
            let count = |keep: &dyn Fn(&Group, &Pair) -> bool| {
                pairs().filter(|&(g, p)| keep(g, p)).count() as u64
            };
            let automatic = count(&|g, _| g.automatic);
            let found = count(&|g, p| g.automatic && p.truth);
            let missed = count(&|g, p| g.scored && !g.automatic && p.truth);
            let linked = count(&|_, p| p.linked);
            let linked_true = count(&|_, p| p.linked && p.truth);
            let unlinked_true = count(&|g, p| g.scored && !p.linked && p.truth);
            let scored_true = count(&|g, p| g.scored && p.truth);
            let curve = self
                .curve
                .iter()
                .map(|&t| {
                    let above = count(&|g, p| g.scored && p.weight >= Some(t));
                    let above_true = count(&|g, p| g.scored && p.weight >= Some(t) && p.truth);
                    (
                        fraction(above_true, above),
                        fraction(above_true, scored_true),
                    )
                })
                .collect();
            Truth {
                match_precision: fraction(found, automatic),
                missed: missed as f64,
                recall: fraction(found, found + missed),
                register_precision: fraction(linked_true, linked),
                register_missed: unlinked_true as f64,
                register_recall: fraction(linked_true, linked_true + unlinked_true),
                curve,
            }
        }
    }

    /// Every interval of `e` with a name, in the order of `Truth::values`.
    fn intervals(e: &Estimates) -> Vec<(String, &Interval)> {
        let mut all = vec![
            ("match_precision".to_string(), &e.match_precision),
            ("missed".to_string(), &e.missed),
            ("recall".to_string(), &e.recall),
            ("register_precision".to_string(), &e.register_precision),
            ("register_missed".to_string(), &e.register_missed),
            ("register_recall".to_string(), &e.register_recall),
        ];
        for point in &e.curve {
            let t = point.threshold;
            all.push((format!("curve precision at {t}"), &point.precision));
            all.push((format!("curve recall at {t}"), &point.recall));
        }
        all
    }

    impl Truth {
        fn values(&self) -> Vec<f64> {
            let mut all = vec![
                self.match_precision,
                self.missed,
                self.recall,
                self.register_precision,
                self.register_missed,
                self.register_recall,
            ];
            for &(precision, recall) in &self.curve {
                all.push(precision);
                all.push(recall);
            }
            all
        }
    }

    /// A design of `strata` with no curve.
    fn design_of(strata: Vec<Stratum>) -> Design {
        Design {
            generation: 1,
            seed: 0,
            match_weight: 3.0,
            review_weight: 0.0,
            pairs_floor: -6.0,
            curve: vec![],
            strata,
        }
    }

    /// The match precision of one automatic stratum of a million pairs, `same` of `labelled`
    /// sampled pairs labelled `same` and the rest `different`.
    fn one_cell(same: u64, labelled: u64, seed: u64) -> Interval {
        let design = design_of(vec![Stratum {
            name: "match".to_string(),
            holds: String::new(),
            scored: true,
            automatic: true,
            population: 1_000_000,
            linked: 1_000_000,
            at_or_above: vec![],
            sampled: labelled,
        }]);
        let units: Vec<Unit> = (0..labelled)
            .map(|i| Unit {
                stratum: 0,
                weight: Some(20.0),
                linked: true,
                label: if i < same {
                    Label::Same
                } else {
                    Label::Different
                },
            })
            .collect();
        estimate(&design, &units, seed).match_precision
    }

    #[test]
    fn one_cell_is_clopper_pearson() {
        // Averaged over a few seeds, so that the check is tighter than one run's noise.
        let seeds = 8;
        for (same, labelled, low, high) in [
            (0, 10, 0.0, 0.30850),
            (10, 10, 0.69150, 1.0),
            (3, 10, 0.06674, 0.65245),
        ] {
            let runs: Vec<Interval> = (0..seeds).map(|s| one_cell(same, labelled, s)).collect();
            let mean = |f: fn(&Interval) -> f64| runs.iter().map(f).sum::<f64>() / seeds as f64;
            let (mean_low, mean_high) = (mean(|i| i.low), mean(|i| i.high));
            eprintln!("{same}/{labelled}: [{mean_low:.5}, {mean_high:.5}], CP [{low}, {high}]");
            assert!(
                (mean_low - low).abs() < 0.01,
                "{same}/{labelled} low {mean_low}"
            );
            assert!(
                (mean_high - high).abs() < 0.01,
                "{same}/{labelled} high {mean_high}"
            );
            let rate = same as f64 / labelled as f64;
            assert!(runs.iter().all(|i| i.estimate == rate));
        }
    }

    #[test]
    fn take_all_is_exact() {
        let population = synthetic(&[60, 40, 30, 20, 25, 20, 40, 15], &[2.0, 5.0, 14.0], 3);
        let everyone: Vec<u64> = population
            .groups
            .iter()
            .map(|g| g.pairs.len() as u64)
            .collect();
        let design = population.design(&everyone);
        let e = estimate(&design, &population.everything(), 1);
        let truth = population.truth().values();
        let all = intervals(&e);
        assert_eq!(all.len(), truth.len());
        for ((name, interval), truth) in all.iter().zip(truth) {
            assert!(
                (interval.estimate - truth).abs() < 1e-9,
                "{name}: {interval:?}, truth {truth}"
            );
            assert_eq!(interval.low, interval.estimate, "{name}");
            assert_eq!(interval.high, interval.estimate, "{name}");
        }
    }

    #[test]
    fn unsure_and_blank_labels_are_counted_and_left_out() {
        let population = real_run(&[2.0, 5.0], 5);
        let design = population.design(&population.allocate(400));
        let mut rng = StdRng::seed_from_u64(6);
        let units = population.draw(&population.allocate(400), &mut rng);
        let before = estimate(&design, &units, 9);

        let mut more = units.clone();
        for (i, unit) in units.iter().take(12).enumerate() {
            let label = if i % 2 == 0 {
                Label::Unsure
            } else {
                Label::None
            };
            more.push(Unit { label, ..*unit });
        }
        let after = estimate(&design, &more, 9);
        assert_eq!(after.labels.unsure, before.labels.unsure + 6);
        assert_eq!(after.labels.unlabelled, before.labels.unlabelled + 6);
        assert_eq!(after.labels.same, before.labels.same);
        let labels = before.labels.clone();
        assert_eq!(Estimates { labels, ..after }, before);

        // Nothing usable in review_low: its 200 pairs may all be true or all false.
        let blank: Vec<Unit> = units
            .iter()
            .map(|u| match u.stratum {
                REVIEW_LOW => Unit {
                    label: Label::Unsure,
                    ..*u
                },
                _ => *u,
            })
            .collect();
        let wide = estimate(&design, &blank, 9);
        let in_stratum = units.iter().filter(|u| u.stratum == REVIEW_LOW).count() as u64;
        assert_eq!(wide.labels.unsure, in_stratum);
        let pairs = design.strata[REVIEW_LOW].population as f64;
        eprintln!(
            "missed {:?}, without review_low {:?}",
            before.missed, wide.missed
        );
        assert!(wide.missed.high > before.missed.high);
        assert!(wide.missed.high - wide.missed.low >= pairs);
        assert!(wide.recall.low < before.recall.low);
    }

    #[test]
    fn a_cell_without_labels_takes_its_stratum_rate() {
        let design = design_of(vec![Stratum {
            name: "review".to_string(),
            holds: String::new(),
            scored: true,
            automatic: false,
            population: 100,
            linked: 50,
            at_or_above: vec![],
            sampled: 10,
        }]);
        // Every sampled pair is linked, 4 of 10 true: the 50 pairs not linked are 40% true.
        let units: Vec<Unit> = (0..10)
            .map(|i| Unit {
                stratum: 0,
                weight: Some(2.0),
                linked: true,
                label: if i < 4 { Label::Same } else { Label::Different },
            })
            .collect();
        let e = estimate(&design, &units, 1);
        assert_eq!(e.register_missed.estimate, 20.0);
        assert_eq!((e.register_missed.low, e.register_missed.high), (0.0, 50.0));
        assert_eq!(e.missed.estimate, 40.0);
    }

    #[test]
    fn more_false_matches_lower_match_precision() {
        let population = real_run(&[], 5);
        let sampled = population.allocate(400);
        let design = population.design(&sampled);
        let units = population.draw(&sampled, &mut StdRng::seed_from_u64(8));
        let before = estimate(&design, &units, 2);
        let mut worse = units.clone();
        let flipped = worse
            .iter_mut()
            .filter(|u| u.stratum == 0 && u.label == Label::Same)
            .take(3)
            .map(|u| u.label = Label::Different)
            .count();
        assert_eq!(flipped, 3);
        let after = estimate(&design, &worse, 2);
        let (b, a) = (&before.match_precision, &after.match_precision);
        assert!(a.estimate < b.estimate, "{a:?} vs {b:?}");
        assert!(a.low < b.low, "{a:?} vs {b:?}");
        assert!(a.high < b.high, "{a:?} vs {b:?}");
    }

    #[test]
    fn nothing_to_estimate_is_not_a_number() {
        let empty = design_of(vec![]);
        let e = estimate(&empty, &[], 1);
        let share = Interval {
            estimate: 0.0,
            low: 0.0,
            high: 1.0,
        };
        let count = Interval {
            estimate: 0.0,
            low: 0.0,
            high: 0.0,
        };
        assert_eq!(e.match_precision, share);
        assert_eq!(e.recall, share);
        assert_eq!(e.register_precision, share);
        assert_eq!(e.register_recall, share);
        assert_eq!(e.missed, count);
        assert_eq!(e.register_missed, count);
        assert!(e.curve.is_empty());
        assert_eq!(e.draws, DRAWS);

        // Odd input: a stratum of no pairs with units, `linked` above `population`, fewer
        // `at_or_above` than thresholds, a unit of no stratum, a weight that is not a number.
        let odd = Design {
            curve: vec![1.0, 2.0],
            strata: vec![
                Stratum {
                    name: "nothing".to_string(),
                    holds: String::new(),
                    scored: true,
                    automatic: true,
                    population: 0,
                    linked: 0,
                    at_or_above: vec![0, 0],
                    sampled: 0,
                },
                Stratum {
                    name: "odd".to_string(),
                    holds: String::new(),
                    scored: true,
                    automatic: false,
                    population: 10,
                    linked: 20,
                    at_or_above: vec![5],
                    sampled: 3,
                },
            ],
            ..empty
        };
        let unit = |stratum, weight, label| Unit {
            stratum,
            weight,
            linked: true,
            label,
        };
        let units = [
            unit(0, Some(3.0), Label::Same),
            unit(1, Some(f64::NAN), Label::Different),
            unit(1, None, Label::Same),
            unit(7, Some(1.0), Label::Same),
        ];
        let e = estimate(&odd, &units, 1);
        assert_eq!(e.labels.same, 3);
        for (name, interval) in intervals(&e) {
            let Interval {
                estimate,
                low,
                high,
            } = *interval;
            assert!(low <= estimate && estimate <= high, "{name}: {interval:?}");
            assert!(low.is_finite() && high.is_finite(), "{name}: {interval:?}");
        }
    }

    #[test]
    fn estimates_repeat_and_survive_json() {
        let population = real_run(&[2.0, 5.0], 5);
        let sampled = population.allocate(400);
        let design = population.design(&sampled);
        let units = population.draw(&sampled, &mut StdRng::seed_from_u64(4));
        let e = estimate(&design, &units, 3);
        assert_eq!(estimate(&design, &units, 3), e);
        assert_ne!(estimate(&design, &units, 4), e);
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<Estimates>(&json).unwrap(), e);
    }

    #[test]
    fn a_long_curve_is_ordered() {
        let curve: Vec<f64> = (0..60).map(|i| -6.0 + i as f64 * 0.4).collect();
        let population = real_run(&curve, 5);
        let sampled = population.allocate(400);
        let design = population.design(&sampled);
        let units = population.draw(&sampled, &mut StdRng::seed_from_u64(4));
        let start = Instant::now();
        let e = estimate(&design, &units, 3);
        eprintln!("60 thresholds: {:?}", start.elapsed());
        assert_eq!(e.curve.len(), 60);
        // Post-stratified cells need not make the point estimates monotone; the pair counts
        // and the share of nothing at the lowest threshold are.
        for pair in e.curve.windows(2) {
            assert!(pair[0].pairs >= pair[1].pairs);
        }
        let lowest = &e.curve[0];
        assert_eq!(
            lowest.pairs,
            (0..7).map(|h| design.strata[h].population).sum::<u64>()
        );
        assert_eq!((lowest.recall.low, lowest.recall.high), (1.0, 1.0));
    }

    /// The one that matters: over many samples of one population, each 95% interval covers
    /// the population's value at least 90% of the time.
    #[test]
    fn intervals_cover_the_truth() {
        const REPETITIONS: u32 = 100;
        let population = real_run(&[2.0, 5.0], 7);
        let sampled = population.allocate(400);
        let design = population.design(&sampled);
        let truth = population.truth().values();
        let mut rng = StdRng::seed_from_u64(11);
        let mut covered = vec![0u32; truth.len()];
        let mut width = vec![0.0; truth.len()];
        let mut error = 0.0;
        let mut names = Vec::new();
        let start = Instant::now();
        for r in 0..REPETITIONS {
            let units = population.draw(&sampled, &mut rng);
            let e = estimate(&design, &units, u64::from(r));
            let all = intervals(&e);
            for (i, ((_, interval), &truth)) in all.iter().zip(&truth).enumerate() {
                covered[i] += u32::from(interval.low <= truth && truth <= interval.high);
                width[i] += interval.high - interval.low;
            }
            error += (e.match_precision.estimate - truth[0]).abs();
            names = all.into_iter().map(|(name, _)| name).collect();
        }
        let reps = f64::from(REPETITIONS);
        eprintln!("{REPETITIONS} samples in {:?}", start.elapsed());
        for (i, name) in names.iter().enumerate() {
            eprintln!(
                "{name}: truth {:.5}, coverage {:.3}, mean width {:.5}",
                truth[i],
                f64::from(covered[i]) / reps,
                width[i] / reps
            );
        }
        eprintln!("match_precision mean absolute error {:.6}", error / reps);
        for (name, &covered) in names.iter().zip(&covered) {
            let coverage = f64::from(covered) / reps;
            assert!(coverage >= 0.90, "{name}: coverage {coverage}");
        }
        assert!(error / reps < 0.01);
    }
}
