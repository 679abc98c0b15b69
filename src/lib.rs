//! tokenhound: finds leaked session tokens (bearer/OAuth access and refresh tokens,
//! session cookies, JWTs, PATs, bot tokens, temporary cloud credentials) wherever
//! they sprawl, and says how long they live and how to revoke them.
//!
//! Data flows one way: [`sources`] (bytes with provenance) → [`engine`] (rules
//! matched) → [`enrich`] (findings) → [`report`]. See `docs/ARCHITECTURE.md`.

pub mod cli;
pub mod config;
pub mod decode;
pub mod engine;
pub mod enrich;
pub mod finding;
pub mod report;
pub mod rules;
pub mod scan;
pub mod sources;
pub mod store;
pub mod suppress;
pub mod verify;
