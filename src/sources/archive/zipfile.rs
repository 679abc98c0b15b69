//! Zip archives: members read through the central directory (overlapping
//! entries refused first), or salvaged from local headers when the directory
//! is damaged; encrypted members are errors, not silently skipped.

use std::io::{self, Read, Seek};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::*;

pub(super) fn zip<R: Read + Seek>(
    display: &str,
    r: R,
    len: u64,
    scanner: &Scanner,
    depth: usize,
    budget: &Budget,
    sink: &Sink,
) {
    let consumed = Arc::new(AtomicU64::new(0));
    let mut r = Counting {
        inner: r,
        n: consumed.clone(),
    };
    let mut archive = match zip::ZipArchive::new(&mut r) {
        Ok(a) => a,
        Err(e) => {
            scanner.error(
                display,
                format!("unreadable zip ({e}); salvaging members from the local headers"),
            );
            return zip_stream(display, r, &consumed, len, scanner, depth, budget, sink);
        }
    };
    if let Some((a, b)) = crate::sources::zip_bomb::overlapping_members(&mut archive) {
        return scanner.error(
            display,
            format!(
                "members `{a}` and `{b}` share compressed data (overlapping entries: a zip \
                 bomb's trick); the archive was not scanned"
            ),
        );
    }
    let count = archive.len();
    if count > budget.limits.max_entries {
        scanner.error(
            display,
            format!(
                "{count} members, over the limit of {}; only the first ones were scanned",
                budget.limits.max_entries
            ),
        );
    }
    let mut ahead = read_ahead(display, &mut archive, &consumed, scanner, budget);
    for i in 0..count.min(budget.limits.max_entries) {
        if let Some((name, data)) = ahead.remove(&i) {
            let shown = format!("{display}!{name}");
            if !sink.member(shown, name, Ok(data), depth, budget) {
                return;
            }
            continue;
        }
        let (name, encrypted, is_dir) = match archive.by_index_raw(i) {
            Ok(f) => (f.name().to_string(), f.encrypted(), f.is_dir()),
            Err(e) => {
                scanner.error(display, format!("member {i}: {e}"));
                continue;
            }
        };
        let shown = format!("{display}!{name}");
        if is_dir {
            continue;
        }
        if encrypted {
            scanner.error(shown, "encrypted archive member: not scanned");
            continue;
        }
        let start = consumed.load(Ordering::Relaxed);
        let mut f = match archive.by_index(i) {
            Ok(f) => f,
            Err(e) => {
                scanner.error(shown, format!("cannot read member: {e}"));
                continue;
            }
        };
        let data = read_member(&mut f, budget, &|| {
            consumed.load(Ordering::Relaxed).saturating_sub(start)
        });
        drop(f);
        if !sink.member(shown, name, data, depth, budget) {
            return;
        }
    }
}

/// Reads the members the export readers want before the others
/// ([`exports::reads_ahead`](crate::sources::exports::reads_ahead): a Slack
/// export's `users.json`, for the names in every day file), hands them to the
/// readers, and returns them by index so the member loop scans them without
/// reading them again. Members it cannot read are left to the loop, which
/// reports them.
fn read_ahead<R: Read + Seek>(
    display: &str,
    archive: &mut ::zip::ZipArchive<R>,
    consumed: &AtomicU64,
    scanner: &Scanner,
    budget: &Budget,
) -> std::collections::HashMap<usize, (String, Vec<u8>)> {
    let mut out = std::collections::HashMap::new();
    let wanted: Vec<String> = archive
        .file_names()
        .filter(|n| crate::sources::exports::reads_ahead(n))
        .map(str::to_string)
        .collect();
    for name in wanted {
        let Some(i) = archive.index_for_name(&name) else {
            continue;
        };
        let plain = archive
            .by_index_raw(i)
            .is_ok_and(|f| !f.encrypted() && !f.is_dir());
        if i >= budget.limits.max_entries || !plain {
            continue;
        }
        let start = consumed.load(Ordering::Relaxed);
        let Ok(mut f) = archive.by_index(i) else {
            continue;
        };
        let data = read_member(&mut f, budget, &|| {
            consumed.load(Ordering::Relaxed).saturating_sub(start)
        });
        if let Ok(data) = data {
            crate::sources::exports::read_ahead(&format!("{display}!{name}"), &data, scanner);
            out.insert(i, (name, data));
        }
    }
    out
}

/// Reads members of a zip whose central directory is missing (truncated or
/// damaged) from their local headers, until the first broken one.
#[allow(clippy::too_many_arguments)]
pub(super) fn zip_stream<R: Read + Seek>(
    display: &str,
    mut r: R,
    consumed: &AtomicU64,
    _len: u64,
    scanner: &Scanner,
    depth: usize,
    budget: &Budget,
    sink: &Sink,
) {
    if r.rewind().is_err() {
        return;
    }
    for _ in 0..budget.limits.max_entries {
        // The zip crate refuses encrypted members in this mode: step over them.
        match skip_encrypted_local(&mut r) {
            Ok(None) => {}
            Ok(Some((name, true))) => {
                scanner.error(
                    format!("{display}!{name}"),
                    "encrypted archive member: not scanned",
                );
                continue;
            }
            Ok(Some((name, false))) => {
                scanner.error(
                    format!("{display}!{name}"),
                    "encrypted archive member of unknown size: it and the rest of this damaged zip were not scanned",
                );
                return;
            }
            Err(e) => {
                scanner.error(display, format!("stopped at a damaged member: {e}"));
                return;
            }
        }
        let start = consumed.load(Ordering::Relaxed);
        let mut f = match zip::read::read_zipfile_from_stream(&mut r) {
            Ok(Some(f)) => f,
            Ok(None) => return,
            Err(e) => {
                scanner.error(display, format!("stopped at a damaged member: {e}"));
                return;
            }
        };
        let name = f.name().to_string();
        let shown = format!("{display}!{name}");
        if f.is_dir() {
            continue;
        }
        if f.encrypted() {
            scanner.error(shown, "encrypted archive member: not scanned");
            continue;
        }
        let data = read_member(&mut f, budget, &|| {
            consumed.load(Ordering::Relaxed).saturating_sub(start)
        });
        // A member cut short by the truncation is an I/O error: stop there.
        let broken = matches!(data, Err(Stop::Io(_)));
        if !sink.member(shown, name, data, depth, budget) || broken {
            return;
        }
    }
}

/// When the local header at the reader's position is an encrypted member,
/// reads its name and, if its compressed size is in the header (no data
/// descriptor), seeks past it: `Some((name, skipped))`. Otherwise leaves the
/// position unchanged and returns `None`.
pub(super) fn skip_encrypted_local<R: Read + Seek>(
    r: &mut R,
) -> io::Result<Option<(String, bool)>> {
    let pos = r.stream_position()?;
    let mut h = [0u8; 30];
    if r.read_exact(&mut h).is_err() || &h[..4] != b"PK\x03\x04" || h[6] & 1 == 0 {
        r.seek(io::SeekFrom::Start(pos))?;
        return Ok(None);
    }
    let u16_at = |i: usize| u16::from_le_bytes([h[i], h[i + 1]]) as u64;
    let csize = u32::from_le_bytes([h[18], h[19], h[20], h[21]]) as u64;
    let mut name = vec![0u8; u16_at(26) as usize];
    r.read_exact(&mut name)?;
    let name = String::from_utf8_lossy(&name).into_owned();
    // Bit 3: sizes come after the data, so where it ends is unknown.
    if h[6] & 8 != 0 {
        return Ok(Some((name, false)));
    }
    r.seek(io::SeekFrom::Current((u16_at(28) + csize) as i64))?;
    Ok(Some((name, true)))
}
