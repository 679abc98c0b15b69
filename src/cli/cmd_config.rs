//! `tokenhound config init`: writes a commented example `tokenhound.toml`.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Subcommand;

use super::EXIT_CLEAN;
use crate::config::{EXAMPLE, FILE_NAME};

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write a commented example tokenhound.toml (refuses to overwrite one).
    Init {
        /// Where to write it (default ./tokenhound.toml; `-` prints it).
        #[arg(default_value = FILE_NAME)]
        path: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
}

pub fn run(cmd: &ConfigCommand) -> Result<u8> {
    match cmd {
        ConfigCommand::Init { path, force } => {
            if path.as_os_str() == "-" {
                std::io::Write::write_all(&mut std::io::stdout().lock(), EXAMPLE.as_bytes())?;
                return Ok(EXIT_CLEAN);
            }
            if path.exists() && !force {
                bail!("{} exists; use --force to overwrite it", path.display());
            }
            std::fs::write(path, EXAMPLE)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("tokenhound: wrote {}", path.display());
            Ok(EXIT_CLEAN)
        }
    }
}
