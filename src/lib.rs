//! padan links the registration exports of many agencies into one social protection register.
//!
//! The stages, one module each: [`ingest`] → [`normalise`] → [`block`] → [`score`] →
//! [`cluster`] → [`register`]. A stage imports only earlier stages and the shared modules
//! ([`config`], [`field`], [`comparison`], [`mask`], [`spreadsheet`], [`error`],
//! [`progress`]). After them: the [`store`] (generations and the state an incremental run
//! reads), the [`output`] files, the [`report`], and the [`pipeline`], which runs the stages
//! in order (`pipeline::run`, or `pipeline::link` in memory). [`explain`] and [`eval`] read what
//! a run wrote; [`synth`] makes registries with a known truth.

pub mod block;
pub mod cluster;
pub mod comparison;
pub mod config;
pub mod decisions;
pub mod encode;
pub mod error;
pub mod eval;
pub mod explain;
pub mod field;
pub mod ingest;
pub mod mask;
pub mod normalise;
pub mod output;
pub mod pipeline;
pub mod progress;
pub mod qa;
pub mod quality;
pub mod register;
pub mod report;
pub mod score;
pub mod spark;
pub mod spreadsheet;
pub mod store;
pub mod summary;
pub mod synth;

pub use error::{Error, Result};

/// Hands memory freed so far back to the kernel now rather than after mimalloc's purge delay,
/// which only runs when something is next allocated: blocking frees its rules' pairs (one of a
/// run's largest allocations) and then sorts their union for a long time without allocating,
/// so they would stay resident beside it. Does nothing when the program's allocator is another
/// (tests).
pub(crate) fn release_freed_memory() {
    // SAFETY: `mi_collect` may be called from any thread at any time; it only returns free
    // memory held by mimalloc.
    unsafe { libmimalloc_sys::mi_collect(true) };
}
