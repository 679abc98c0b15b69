//! tokenhound: finds leaked session tokens (bearer/OAuth access and refresh tokens,
//! session cookies, JWTs, PATs, bot tokens, temporary cloud credentials) wherever
//! they sprawl, and says how long they live and how to revoke them.
//!
//! Data flows one way on one road: [`sources`] hand blobs with their
//! provenance to the [`pipeline`] (decode layers, [`engine`] matches,
//! [`enrich`]ment, suppression, de-duplication, limits), whose findings go to
//! [`verify`] (opt-in), are matched to people of a [`roster`] (opt-in), and
//! then go to a [`report`] or the audit [`store`]. [`revoke`] reads a report
//! back and revokes tokens through their issuers' APIs. The [`finding`] model
//! is the ground floor every stage shares. See `docs/ARCHITECTURE.md`.

pub mod cli;
pub mod config;
pub mod decode;
pub mod engine;
pub mod enrich;
pub mod finding;
pub mod gitleaks;
pub mod pipeline;
pub mod redact;
pub mod report;
pub mod revoke;
pub mod roster;
pub mod rules;
pub mod sources;
pub mod store;
pub mod suppress;
pub mod verify;
