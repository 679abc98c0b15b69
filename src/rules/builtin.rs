//! The built-in rule files, embedded at build time so the binary needs no data files.
//! `build.rs` writes the list, so adding a provider is adding a `rules/*.toml` file.

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
