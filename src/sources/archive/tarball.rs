//! Tar archives and gzip streams (a `.tar.gz` is a gzip holding a tar), read
//! as streams: members one at a time, within the archive's budget.

use std::io::Read;

use flate2::read::MultiGzDecoder;

use super::*;

pub(super) fn tar<R: Read>(
    display: &str,
    r: R,
    scanner: &Scanner,
    depth: usize,
    budget: &Budget,
    compressed: &dyn Fn() -> u64,
    sink: &Sink,
) {
    let mut archive = tar::Archive::new(r);
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => return scanner.error(display, format!("unreadable tar: {e}")),
    };
    for (i, entry) in entries.enumerate() {
        if i >= budget.limits.max_entries {
            scanner.error(
                display,
                format!(
                    "over {} members; the rest was not scanned",
                    budget.limits.max_entries
                ),
            );
            return;
        }
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                scanner.error(display, format!("stopped at a damaged tar entry: {e}"));
                return;
            }
        };
        let kind = entry.header().entry_type();
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let shown = format!("{display}!{name}");
        if kind.is_symlink() || kind.is_hard_link() {
            // A link holds no bytes of its own; its target is never opened
            // (it may point outside the archive, e.g. at /etc/passwd).
            let target = entry
                .link_name_bytes()
                .map(|t| String::from_utf8_lossy(&t).into_owned())
                .unwrap_or_default();
            let what = if kind.is_symlink() {
                "symlink"
            } else {
                "hard link"
            };
            scanner.skipped(
                shown,
                format!("{what} member -> {target}: not followed (a link has no content)"),
            );
            continue;
        }
        // Sparse files hold data (the tar crate fills the holes); devices,
        // FIFOs and directories hold none.
        if !kind.is_file() && !kind.is_gnu_sparse() {
            continue;
        }
        let declared = entry.size();
        let mut data = read_member(&mut entry, budget, compressed);
        // The tar reader ends a member quietly at the end of a cut file.
        if let Ok(d) = &data {
            if kind.is_file() && (d.len() as u64) < declared {
                let msg = format!("member cut short: {} of {declared} bytes", d.len());
                data = Err(Stop::Io(io::Error::new(io::ErrorKind::UnexpectedEof, msg)));
            }
        }
        if !sink.member(shown, name, data, depth, budget) {
            return;
        }
    }
}

pub(super) fn gzip<R: Read>(
    display: &str,
    r: R,
    scanner: &Scanner,
    depth: usize,
    budget: &Budget,
    sink: &Sink,
) {
    let consumed = Arc::new(AtomicU64::new(0));
    let counting = Counting {
        inner: r,
        n: consumed.clone(),
    };
    let mut dec = MultiGzDecoder::new(counting);
    let mut head = vec![0u8; 512];
    let n = read_head(&mut dec, &mut head);
    head.truncate(n);
    let compressed = || consumed.load(Ordering::Relaxed);
    let chained = Cursor::new(head.clone()).chain(dec);
    if kind(&head) == Some(Kind::Tar) {
        return tar(display, chained, scanner, depth, budget, &compressed, sink);
    }
    // A single gzipped file: `x.json.gz` holds `x.json`.
    let inner = crate::sources::exports::file_name(display);
    let inner = inner
        .strip_suffix(".gz")
        .or_else(|| inner.strip_suffix(".tgz"))
        .unwrap_or(inner)
        .to_string();
    let shown = format!("{display}!{inner}");
    let mut chained = chained;
    let data = read_member(&mut chained, budget, &compressed);
    sink.member(shown, inner, data, depth, budget);
}
