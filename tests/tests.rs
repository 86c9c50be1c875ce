//! One integration test binary (links once): a module per command.

#[macro_use]
mod workdir;

mod test_accuracy;
mod test_eval;
mod test_explain;
mod test_guards;
mod test_hostile_ingest;
mod test_hostile_outputs;
mod test_hostile_store;
mod test_incremental;
mod test_normalise;
mod test_pprl;
mod test_qa;
mod test_run;
mod test_spark;
mod test_synth;
