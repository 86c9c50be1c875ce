//! `padan qa sample --out DIR [--n 400] [--seed S] [--replace]` and
//! `padan qa estimate --out DIR --labels qa.csv [--apply --config padan.toml]`

use std::path::PathBuf;

use padan::config::Config;
use padan::qa::{labels, sample};
use padan::store;
use padan::{Error, Result};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    /// Draws a random sample of the current generation's pairs, by bands of match weight, for
    /// clerks to label in qa.csv.
    Sample(SampleArgs),
    /// Estimates precision and recall from a labelled qa.csv, and keeps the estimate.
    Estimate(EstimateArgs),
}

#[derive(clap::Args)]
struct SampleArgs {
    /// The register store written by `padan run` (its `current` generation is sampled).
    #[arg(long)]
    out: PathBuf,
    /// Pairs to draw.
    #[arg(long, default_value_t = sample::DEFAULT_N)]
    n: usize,
    /// The draw's seed: the same seed draws the same pairs of a generation.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Draw again for a generation sampled before (the old sample's labels no longer fit).
    #[arg(long)]
    replace: bool,
    /// Show IC numbers, phones, birth dates and addresses whole in qa.csv, for clerks allowed
    /// to see them.
    #[arg(long)]
    unmasked: bool,
}

#[derive(clap::Args)]
struct EstimateArgs {
    /// The register store the sample was drawn from.
    #[arg(long)]
    out: PathBuf,
    /// The labelled qa.csv (`same`, `different`, `unsure` or empty in its `label` column).
    #[arg(long)]
    labels: PathBuf,
    /// Then apply the labels to the register as analysts' decisions: runs the merge of
    /// `--config` with the labels as its decisions file.
    #[arg(long, requires = "config")]
    apply: bool,
    /// The configuration to run with `--apply`.
    #[arg(long, short)]
    config: Option<PathBuf>,
}

pub fn run(a: Args) -> Result<()> {
    match a.what {
        What::Sample(a) => {
            if a.n == 0 {
                return Err(Error::Config("--n 0: draw at least one pair".into()));
            }
            let (s, at) = sample::sample(&a.out, a.n, a.seed, a.replace, !a.unmasked)?;
            println!(
                "padan: drew {} pairs of generation {:06} ({}); label them `same`, `different` or `unsure` in {}, then run `padan qa estimate --out {} --labels {}`",
                s.pairs.len(),
                s.design.generation,
                s.design
                    .strata
                    .iter()
                    .map(|st| format!("{} {} of {}", st.name, st.sampled, st.population))
                    .collect::<Vec<_>>()
                    .join(", "),
                at.display(),
                a.out.display(),
                at.display()
            );
            Ok(())
        }
        What::Estimate(a) => {
            let kept = labels::estimate_and_keep(&a.out, &a.labels)?;
            // The page shows this estimate with every earlier generation's.
            let mut warnings = Vec::new();
            let history: Vec<_> = labels::history(&a.out, &mut warnings)
                .into_iter()
                .filter(|k| k.generation <= kept.generation)
                .collect();
            let page = store::qa::dir(&a.out, kept.generation).join(labels::PAGE_FILE);
            store::write_whole(&page, padan::report::qa_page(&history).as_bytes())?;
            super::print_json(&kept)?;
            eprintln!(
                "padan: the estimate, with every earlier generation's: {}",
                page.display()
            );
            for w in warnings {
                eprintln!("padan: warning: {w}");
            }
            if a.apply {
                let path = a.config.expect("clap requires --config with --apply");
                let mut config = Config::load(&path)?;
                config.out = a.out;
                config.decisions = Some(a.labels);
                super::run::merge(&config)?;
            }
            Ok(())
        }
    }
}
