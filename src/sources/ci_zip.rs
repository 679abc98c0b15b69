//! GitHub Actions run-log archives (`GET /repos/{o}/{r}/actions/runs/{id}/logs`):
//! a zip of `<job>/<n>_<step>.txt` step logs plus top-level `<n>_<job>.txt`
//! (or legacy `-<id>_<job>.txt`) whole-job logs.
//!
//! Recognised by its structure, not its name, and scanned member by member as
//! streams (bounded memory, whatever a member expands to), each finding carrying
//! its job and step (`ci` key) and the path `archive.zip!job/1_step.txt`. The total
//! expanded size is capped so a zip bomb ends with a clear error, not a full disk
//! or a scan that never ends. Deliberately small and specific: general archives
//! are another source's job.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use zip::ZipArchive;

use crate::finding::Provenance;
use crate::pipeline::Scanner;
use crate::sources::stdin::scan_stream_as;

/// Most bytes all members of one archive may expand to. Real run logs are far
/// smaller (GitHub caps a job log well below this); past it the archive is a bomb.
pub const MAX_EXPANDED: u64 = 1 << 30;

/// The start of a zip file (local file header, or the end record of an empty zip).
pub fn looks_like_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// A member's place in the run, parsed from its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberName {
    pub job: String,
    pub step: Option<String>,
    pub number: Option<u32>,
}

/// Splits `<n>_<name>.txt` (or `-<n>_<name>.txt`) into its number and name.
fn numbered(file: &str) -> Option<(u32, &str)> {
    let stem = file.strip_suffix(".txt")?;
    let (n, name) = stem.trim_start_matches('-').split_once('_')?;
    let n: u32 = n.parse().ok()?;
    (!name.is_empty()).then_some((n, name))
}

/// Parses a member name of a GitHub Actions log archive; `None` when the name
/// does not fit the layout (so the zip is not one).
pub fn parse_member(name: &str) -> Option<MemberName> {
    match name.split('/').collect::<Vec<_>>().as_slice() {
        [file] => {
            let (n, job) = numbered(file)?;
            Some(MemberName {
                job: job.to_string(),
                step: None,
                number: Some(n),
            })
        }
        [job, file] if !job.is_empty() => {
            let stem = file.strip_suffix(".txt")?;
            let (number, step) = match numbered(file) {
                Some((n, s)) => (Some(n), s),
                None => (None, stem),
            };
            Some(MemberName {
                job: job.to_string(),
                step: Some(step.to_string()),
                number,
            })
        }
        _ => None,
    }
}

/// True when every file in the archive fits the GitHub Actions log layout and at
/// least one is a numbered log.
fn is_actions_log_zip<R: Read + std::io::Seek>(archive: &ZipArchive<R>) -> bool {
    let mut numbered_logs = 0;
    for name in archive.file_names() {
        if name.ends_with('/') {
            if name.trim_end_matches('/').contains('/') {
                return false;
            }
            continue;
        }
        match parse_member(name) {
            Some(m) if m.number.is_some() => numbered_logs += 1,
            Some(_) => {}
            None => return false,
        }
    }
    numbered_logs > 0
}

/// True when `bytes` is a GitHub Actions log archive (reads only the zip's
/// central directory).
pub fn is_actions_log_archive(bytes: &[u8]) -> bool {
    looks_like_zip(bytes)
        && ZipArchive::new(Cursor::new(bytes)).is_ok_and(|a| is_actions_log_zip(&a))
}

/// Scans `bytes` as a GitHub Actions log archive when it is one; returns false
/// (having done nothing) when it is not, so the caller scans it another way.
pub fn scan_if_actions_logs(archive_path: &str, bytes: &[u8], scanner: &Scanner) -> bool {
    if !looks_like_zip(bytes) {
        return false;
    }
    let Ok(mut archive) = ZipArchive::new(Cursor::new(bytes)) else {
        return false;
    };
    if !is_actions_log_zip(&archive) {
        return false;
    }
    scan_archive(archive_path, &mut archive, scanner);
    true
}

fn scan_archive(archive_path: &str, archive: &mut ZipArchive<Cursor<&[u8]>>, scanner: &Scanner) {
    if let Some((a, b)) = super::zip_bomb::overlapping_members(archive) {
        return scanner.error(
            archive_path,
            format!(
                "CI log archive members `{a}` and `{b}` share compressed data (overlapping \
                 entries: a zip bomb's trick); not scanned"
            ),
        );
    }
    // Declared sizes first: a bomb that says what it is stops before any work.
    let mut declared: u64 = 0;
    for i in 0..archive.len() {
        if let Ok(f) = archive.by_index_raw(i) {
            declared = declared.saturating_add(f.size());
        }
    }
    if declared > MAX_EXPANDED {
        return scanner.error(
            archive_path,
            format!(
                "CI log archive declares {declared} bytes uncompressed, over the {MAX_EXPANDED}-byte limit (zip bomb?); not scanned"
            ),
        );
    }
    // Members grouped by job: a job's whole log repeats its step logs, so each
    // job is one record and a secret in both is one finding with both places.
    let mut jobs: BTreeMap<String, Vec<(usize, String, MemberName)>> = BTreeMap::new();
    for i in 0..archive.len() {
        let name = archive.name_for_index(i).unwrap_or("?").to_string();
        if name.ends_with('/') {
            continue;
        }
        if let Some(member) = parse_member(&name) {
            jobs.entry(member.job.clone())
                .or_default()
                .push((i, name, member));
        }
    }
    let mut budget = MAX_EXPANDED;
    for mut members in jobs.into_values() {
        // Step logs first: a finding's first place is the step that printed it.
        members.sort_by_key(|(i, name, _)| (!name.contains('/'), *i));
        let mut stop = false;
        scanner.in_record(|scanner| {
            for (i, name, member) in members {
                let mut file = match archive.by_index(i) {
                    Ok(f) => f,
                    Err(e) => {
                        scanner.error(
                            format!("{archive_path}!{name}"),
                            format!("cannot read archive member: {e}"),
                        );
                        continue;
                    }
                };
                let provenance = Provenance::CiLog {
                    path: format!("{archive_path}!{name}"),
                    job: member.job,
                    step: member.step,
                    step_number: if name.contains('/') {
                        member.number
                    } else {
                        None
                    },
                };
                // Headers can lie: the limit is enforced on the bytes actually inflated.
                let mut limited = (&mut file).take(budget + 1);
                scan_stream_as(&mut limited, scanner, &provenance);
                let used = budget + 1 - limited.limit();
                if used > budget {
                    scanner.error(
                        provenance.path(),
                        format!(
                            "CI log archive expands beyond the {MAX_EXPANDED}-byte limit (zip bomb?); the rest of {archive_path} was not scanned"
                        ),
                    );
                    stop = true;
                    return;
                }
                budget -= used;
            }
        });
        if stop {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names() {
        assert_eq!(
            parse_member("build (ubuntu)/3_Run make.txt"),
            Some(MemberName {
                job: "build (ubuntu)".into(),
                step: Some("Run make".into()),
                number: Some(3)
            })
        );
        assert_eq!(
            parse_member("0_build.txt"),
            Some(MemberName {
                job: "build".into(),
                step: None,
                number: Some(0)
            })
        );
        assert_eq!(parse_member("-12345_build.txt").unwrap().job, "build");
        assert_eq!(parse_member("build/system.txt").unwrap().number, None);
        assert_eq!(parse_member("notes.md"), None);
        assert_eq!(parse_member("a/b/1_c.txt"), None);
        assert_eq!(parse_member("readme.txt"), None);
    }
}
