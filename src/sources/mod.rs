//! Sources enumerate inputs and hand blobs of bytes, with their provenance, to the
//! [`Scanner`](crate::pipeline::Scanner), which runs them through the one pipeline. Adding an input format is adding a module here.

pub mod archive;
pub mod ci_log;
pub mod ci_zip;
pub mod content;
pub mod exports;
pub mod fs;
pub mod git;
pub mod stdin;
pub mod zip_bomb;
