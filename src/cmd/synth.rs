//! `padan synth --people N --seed S --out DIR [--dup-rate R] [--agencies K] [noise flags]`
//!
//! Writes a synthetic multi-agency registry with its ground truth (see `padan::synth`). Prints
//! one summary line of counts; never a name or an IC.

use std::path::PathBuf;
use std::time::Instant;

use padan::synth::{self, Kind, Options, Rates};
use padan::{Error, Result};

#[derive(clap::Args)]
#[command(
    after_help = "Writes into --out: one export per agency, each in its own schema \
(Malay or English columns, split or combined names, several date, sex, IC and phone styles; \
comma, semicolon, tab and pipe delimiters; UTF-8 with and without BOM, windows-1252), a \
padan.toml that maps them, truth.csv (source,record_id,person_id: one row per data row written) \
and synth.json (the options, and how much of each kind of noise came out). The same options \
give byte-identical files. Every rate is a probability per opportunity, as each flag says; \
--noise scales them all. Prints one line of counts; never a name or an IC."
)]
pub struct Args {
    /// How many people the population holds (each has one or more records).
    #[arg(long)]
    people: u64,
    /// The random seed: the same seed and options give the same files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The folder to write into (created if missing; files of the same names are replaced).
    #[arg(long, short)]
    out: PathBuf,
    /// Share of people with more than one record (in different agencies where they qualify).
    #[arg(long, default_value_t = 0.5)]
    dup_rate: f64,
    /// Share of people registered twice in the same agency under two ids (part of --dup-rate).
    #[arg(long, default_value_t = 0.02)]
    rereg_rate: f64,
    /// Number of agency exports, 1 to 64 (eight schemas, then again under new names).
    #[arg(long, default_value_t = 5)]
    agencies: usize,
    /// Multiplies every noise rate below (each capped at 1): 0 for clean copies, 2 for twice
    /// the noise.
    #[arg(long, default_value_t = 1.0)]
    noise: f64,
    /// Per record: a one-letter typo (substitution, deletion, doubled or transposed letter) in
    /// one name token.
    #[arg(long, default_value_t = Kind::Typo.default_rate())]
    typo_rate: f64,
    /// Per IC written: one digit misread as a letter (0→O/D, 1→I/L, 5→S, 8→B, 2→Z).
    #[arg(long, default_value_t = Kind::IcOcr.default_rate())]
    ic_ocr_rate: f64,
    /// Per IC written: one digit mistyped.
    #[arg(long, default_value_t = Kind::IcTypo.default_rate())]
    ic_typo_rate: f64,
    /// Per IC written: two adjacent digits transposed.
    #[arg(long, default_value_t = Kind::IcTranspose.default_rate())]
    ic_transpose_rate: f64,
    /// Per IC in the spreadsheet-exported agency (aim): stored as a number, so leading zeros
    /// are lost (born 2000–2009), and half of the 12-digit ones are written in scientific
    /// notation (8.50312145567E+11).
    #[arg(long, default_value_t = Kind::Excel.default_rate())]
    excel_rate: f64,
    /// Per name token with a known variant: another spelling (MUHAMMAD/MOHD, ABDUL/ABD,
    /// NUR/NOOR, BIN/B., BINTI/BT, A/L→AL or S/O, Khmer romanisations); also a hereditary
    /// prefix or English name left out, Chinese syllables joined or hyphenated.
    #[arg(long, default_value_t = Kind::Variant.default_rate())]
    variant_rate: f64,
    /// Per record of a titled person: the title shown (HAJI/HJ, HAJJAH, DATO', DATUK, DR).
    #[arg(long, default_value_t = Kind::Title.default_rate())]
    title_rate: f64,
    /// Per record with a patronym: BIN/BINTI (A/L, ANAK) and the father's name dropped.
    #[arg(long, default_value_t = Kind::DropPatronym.default_rate())]
    drop_patronym_rate: f64,
    /// Per record: name order swapped (given name after the surname or father's name, the
    /// parts in each other's columns, "S. RAJAGOPAL").
    #[arg(long, default_value_t = Kind::Swap.default_rate())]
    swap_rate: f64,
    /// Per birth date that allows it (day 1–12, day ≠ month): day and month swapped.
    #[arg(long, default_value_t = Kind::DobSwap.default_rate())]
    dob_swap_rate: f64,
    /// Per record with an address: the person's previous address instead.
    #[arg(long, default_value_t = Kind::Moved.default_rate())]
    moved_rate: f64,
    /// Per record with a phone: another number the person has used.
    #[arg(long, default_value_t = Kind::PhoneChange.default_rate())]
    phone_change_rate: f64,
    /// Per field (IC, old IC, foreign ids, birth date, sex, address, phone): left empty.
    #[arg(long, default_value_t = Kind::Missing.default_rate())]
    missing_rate: f64,
    /// Per address word: abbreviated (JALAN/JLN, TAMAN/TMN, KAMPUNG/KG, LORONG/LRG; NO/NO.).
    #[arg(long, default_value_t = Kind::AddressVariant.default_rate())]
    address_variant_rate: f64,
    /// Worker threads (0: all cores). The files do not depend on it.
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

impl Args {
    fn options(&self) -> Result<Options> {
        if !(self.noise.is_finite() && (0.0..=100.0).contains(&self.noise)) {
            return Err(Error::Config(format!(
                "padan synth: --noise must be between 0 and 100 (got {})",
                self.noise
            )));
        }
        let mut rates = Rates::none();
        for (k, r) in [
            (Kind::Typo, self.typo_rate),
            (Kind::IcOcr, self.ic_ocr_rate),
            (Kind::IcTypo, self.ic_typo_rate),
            (Kind::IcTranspose, self.ic_transpose_rate),
            (Kind::Excel, self.excel_rate),
            (Kind::Variant, self.variant_rate),
            (Kind::Title, self.title_rate),
            (Kind::DropPatronym, self.drop_patronym_rate),
            (Kind::Swap, self.swap_rate),
            (Kind::DobSwap, self.dob_swap_rate),
            (Kind::Moved, self.moved_rate),
            (Kind::PhoneChange, self.phone_change_rate),
            (Kind::Missing, self.missing_rate),
            (Kind::AddressVariant, self.address_variant_rate),
        ] {
            rates.set(k, r);
        }
        let mut o = Options::new(self.people, self.seed);
        o.dup_rate = self.dup_rate;
        o.rereg_rate = self.rereg_rate;
        o.agencies = self.agencies;
        o.rates = rates;
        // Check the flags as given, then scale.
        o.check()?;
        o.rates = rates.scaled(self.noise);
        Ok(o)
    }
}

pub fn run(a: Args) -> Result<()> {
    let o = a.options()?;
    rayon::ThreadPoolBuilder::new()
        .num_threads(a.threads)
        .build_global()
        .map_err(|e| Error::Run(format!("cannot start worker threads: {e}")))?;
    let start = Instant::now();
    let s = synth::generate(&o, &a.out)?;
    println!(
        "padan synth: {} files, {} rows, {} persons ({} with several records) in {:.1} s: {}",
        s.files.len(),
        s.rows,
        s.persons,
        s.persons_with_several_records,
        start.elapsed().as_secs_f64(),
        a.out.display()
    );
    Ok(())
}
