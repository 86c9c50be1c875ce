//! The report's sections, one module each, in the page's order; each writes its `<section>`.

pub mod changes;
pub mod clusters;
pub mod model;
pub mod overlap;
pub mod qa;
pub mod quality;
pub mod rejects;
pub mod review;
pub mod run;
pub mod sources;
pub mod warnings;
pub mod weights;
