//! The zip bomb tricks a central directory can play, checked before any
//! member is inflated (shared by general archives and CI run-log zips).

use std::io::{Read, Seek};

/// Two members whose data overlap in the file, if any: each member's local
/// header and compressed data take at least `30 + compressed size` bytes from
/// its header's offset, and honest archives never share them. A bomb that
/// points thousands of entries at one deflate stream expands it once per entry.
pub fn overlapping_members<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
) -> Option<(String, String)> {
    let mut spans: Vec<(u64, u64, usize)> = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let Ok(f) = archive.by_index_raw(i) else {
            continue;
        };
        let start = f.header_start();
        spans.push((
            start,
            start.saturating_add(30).saturating_add(f.compressed_size()),
            i,
        ));
    }
    spans.sort_unstable();
    let pair = spans.windows(2).find(|w| w[1].0 < w[0].1)?;
    let name =
        |archive: &mut zip::ZipArchive<R>, i| archive.name_for_index(i).unwrap_or("?").to_string();
    Some((name(archive, pair[0].2), name(archive, pair[1].2)))
}
