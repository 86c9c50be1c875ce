//! padan links the registration exports of many agencies into one social protection register.
//!
//! The pipeline, one module per stage: [`ingest`] → [`normalise`] → [`block`] → [`score`] →
//! [`cluster`] → [`register`]; [`pipeline`] runs them in order; [`eval`] measures the result
//! against a known truth. [`config`] turns `padan.toml` into a checked plan first.

pub mod block;
pub mod cluster;
pub mod config;
pub mod decisions;
pub mod error;
pub mod eval;
pub mod explain;
pub mod field;
pub mod ingest;
pub mod normalise;
pub mod pipeline;
pub mod progress;
pub mod register;
pub mod report;
pub mod score;
pub mod synth;

pub use error::{Error, Result};
