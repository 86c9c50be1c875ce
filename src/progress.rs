//! Progress on stderr: a spinner per stage on a terminal, nothing otherwise (CI, cron).
//! Progress lines carry counts and stage names only, never personal data.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    on: bool,
}

pub struct Stage {
    bar: Option<ProgressBar>,
    name: &'static str,
    start: Instant,
}

impl Progress {
    /// Shows progress only when stderr is a terminal.
    pub fn new() -> Progress {
        Progress {
            on: std::io::stderr().is_terminal(),
        }
    }

    pub fn stage(&self, name: &'static str) -> Stage {
        let bar = self.on.then(|| {
            let b = ProgressBar::new_spinner();
            b.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.set_message(name);
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        Stage {
            bar,
            name,
            start: Instant::now(),
        }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}

impl Stage {
    pub fn done(&self, detail: &str) {
        if let Some(b) = &self.bar {
            let secs = self.start.elapsed().as_secs_f64();
            let sep = if detail.is_empty() { "" } else { ": " };
            b.finish_with_message(format!("{}{sep}{detail} ({secs:.2}s)", self.name));
        }
    }
}
