//! Adversarial archives (issue 10, "a scan that never lies"): 1 GB zip/gz/tgz
//! bombs, bombs inside nested archives, nesting past the depth limit, path
//! traversal names, symlinks and hard links in tars, real ZipCrypto members, AES
//! members and
//! truncated zip/tar/gz files. Each category checks the exit code: 2 when the
//! scan was incomplete and found nothing, 1 when a token was found elsewhere and
//! the incomplete input is listed in `stats.errors`.
//!
//! The bombs are real, valid archives (correct CRCs and sizes) built without
//! compressing a gigabyte: 1 MiB of zeros deflated once with a full flush is a
//! self-contained, byte-aligned piece, repeated 1024 times.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::{fake_ghp, tokenhound};
use flate2::{Compress, Compression, FlushCompress};
use serde_json::Value;

const MIB: usize = 1 << 20;

/// Raw deflate of `mib` MiB of zeros and its CRC-32 (the data's, not the stream's).
fn deflated_zeros(mib: usize) -> (Vec<u8>, u32) {
    let chunk = vec![0u8; MIB];
    let mut c = Compress::new(Compression::best(), false);
    let mut piece = Vec::with_capacity(64 << 10);
    c.compress_vec(&chunk, &mut piece, FlushCompress::Full)
        .unwrap();
    assert!(c.total_in() == MIB as u64 && piece.len() < 8 << 10);
    let mut tail = Vec::with_capacity(64);
    c.compress_vec(&[], &mut tail, FlushCompress::Finish)
        .unwrap();
    let mut out = Vec::with_capacity(piece.len() * mib + tail.len());
    for _ in 0..mib {
        out.extend_from_slice(&piece);
    }
    out.extend_from_slice(&tail);
    // CRC of 2^k MiB of zeros by doubling; `mib` is a power of two here.
    assert!(mib.is_power_of_two());
    let mut h = crc32fast::Hasher::new();
    h.update(&chunk);
    let mut n = 1;
    while n < mib {
        let same = h.clone();
        h.combine(&same);
        n *= 2;
    }
    (out, h.finalize())
}

/// Raw deflate of `data` (for ordinary members of hand-built zips).
fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A member of a hand-built zip: its stored bytes are already compressed
/// (method 8) and, when `zipcrypto` is set, encrypted with that password.
struct Member {
    name: String,
    deflated: Vec<u8>,
    crc: u32,
    size: u64,
    zipcrypto: Option<&'static [u8]>,
    /// 8 (deflate) or 0 (stored).
    method: u16,
}

impl Member {
    fn text(name: &str, data: &[u8]) -> Member {
        Member {
            name: name.into(),
            deflated: deflate(data),
            crc: crc32fast::hash(data),
            size: data.len() as u64,
            zipcrypto: None,
            method: 8,
        }
    }

    /// Stored as is (method 0), as archives of archives often are.
    fn stored(name: &str, data: &[u8]) -> Member {
        Member {
            name: name.into(),
            deflated: data.to_vec(),
            crc: crc32fast::hash(data),
            size: data.len() as u64,
            zipcrypto: None,
            method: 0,
        }
    }

    fn zeros(name: &str, mib: usize) -> Member {
        let (deflated, crc) = deflated_zeros(mib);
        Member {
            name: name.into(),
            deflated,
            crc,
            size: (mib * MIB) as u64,
            zipcrypto: None,
            method: 8,
        }
    }
}

/// Traditional PKWARE encryption (APPNOTE 6.1), as old zip tools write it.
struct ZipCrypto([u32; 3]);

impl ZipCrypto {
    fn crc_byte(crc: u32, b: u8) -> u32 {
        let mut c = (crc ^ b as u32) & 0xff;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
        c ^ (crc >> 8)
    }
    fn new(password: &[u8]) -> Self {
        let mut z = ZipCrypto([0x1234_5678, 0x2345_6789, 0x3456_7890]);
        for &b in password {
            z.update(b);
        }
        z
    }
    fn update(&mut self, b: u8) {
        let k = &mut self.0;
        k[0] = Self::crc_byte(k[0], b);
        k[1] = k[1]
            .wrapping_add(k[0] & 0xff)
            .wrapping_mul(134_775_813)
            .wrapping_add(1);
        k[2] = Self::crc_byte(k[2], (k[1] >> 24) as u8);
    }
    fn encrypt(&mut self, plain: &[u8]) -> Vec<u8> {
        plain
            .iter()
            .map(|&p| {
                let t = (self.0[2] | 2) as u16;
                let c = p ^ ((t.wrapping_mul(t ^ 1)) >> 8) as u8;
                self.update(p);
                c
            })
            .collect()
    }
}

/// A valid zip of `members` (local headers, central directory, end record).
fn zip_of(members: &[Member]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for m in members {
        let offset = out.len() as u32;
        let (flags, data) = match m.zipcrypto {
            None => (0u16, m.deflated.clone()),
            Some(pw) => {
                let mut z = ZipCrypto::new(pw);
                let mut header = *b"tokenhoundXX";
                header[11] = (m.crc >> 24) as u8;
                let mut d = z.encrypt(&header);
                d.extend(z.encrypt(&m.deflated));
                (1u16, d)
            }
        };
        let fields = |v: &mut Vec<u8>| {
            v.extend(flags.to_le_bytes());
            v.extend(m.method.to_le_bytes());
            v.extend(0u16.to_le_bytes()); // time
            v.extend(0x21u16.to_le_bytes()); // 1980-01-01
            v.extend(m.crc.to_le_bytes());
            v.extend((data.len() as u32).to_le_bytes());
            v.extend((m.size as u32).to_le_bytes());
            v.extend((m.name.len() as u16).to_le_bytes());
            v.extend(0u16.to_le_bytes()); // extra
        };
        out.extend(b"PK\x03\x04");
        out.extend(20u16.to_le_bytes());
        fields(&mut out);
        out.extend(m.name.as_bytes());
        out.extend(&data);
        central.extend(b"PK\x01\x02");
        central.extend(20u16.to_le_bytes());
        central.extend(20u16.to_le_bytes());
        fields(&mut central);
        central.extend([0u8; 6]); // comment len, disk, internal attrs
        central.extend(0o100644u32.wrapping_shl(16).to_le_bytes());
        central.extend(offset.to_le_bytes());
        central.extend(m.name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend(&central);
    out.extend(b"PK\x05\x06");
    out.extend([0u8; 4]);
    out.extend((members.len() as u16).to_le_bytes());
    out.extend((members.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// A gzip file around a raw deflate stream.
fn gzip_of(deflated: &[u8], crc: u32, size: u64) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend(deflated);
    out.extend(crc.to_le_bytes());
    out.extend((size as u32).to_le_bytes());
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A tar.gz of one member of `mib` MiB of zeros (tar header, zeros, end blocks).
fn tgz_of_zeros(name: &str, mib: usize) -> Vec<u8> {
    let mut h = tar::Header::new_gnu();
    h.set_path(name).unwrap();
    h.set_size((mib * MIB) as u64);
    h.set_mode(0o644);
    h.set_cksum();
    let mut c = Compress::new(Compression::best(), false);
    let mut out = Vec::with_capacity(1 << 20);
    c.compress_vec(h.as_bytes(), &mut out, FlushCompress::Full)
        .unwrap();
    let (zeros, _) = deflated_zeros(1);
    // `deflated_zeros` ends with a final block: repeat only its flushed piece.
    let piece = {
        let mut c = Compress::new(Compression::best(), false);
        let mut p = Vec::with_capacity(64 << 10);
        c.compress_vec(&vec![0u8; MIB], &mut p, FlushCompress::Full)
            .unwrap();
        assert!(zeros.starts_with(&p));
        p
    };
    for _ in 0..mib {
        out.extend_from_slice(&piece);
    }
    // Two zero blocks end a tar; part of the last MiB would do, but be exact.
    out.extend_from_slice(&{
        let mut c = Compress::new(Compression::best(), false);
        let mut p = Vec::with_capacity(4096);
        c.compress_vec(&[0u8; 1024], &mut p, FlushCompress::Finish)
            .unwrap();
        p
    });
    let total = 512 + mib * MIB + 1024;
    let mut crc = crc32fast::Hasher::new();
    crc.update(h.as_bytes());
    let (_, zcrc) = deflated_zeros(1);
    // CRC of `mib` MiB of zeros without hashing them: combine by doubling.
    let mut z = crc32fast::Hasher::new_with_initial_len(zcrc, MIB as u64);
    let mut n = 1;
    while n < mib {
        let same = z.clone();
        z.combine(&same);
        n *= 2;
    }
    crc.combine(&z);
    crc.update(&[0u8; 1024]);
    gzip_of(&out, crc.finalize(), total as u64)
}

fn tar_of(entries: &[(&str, tar::EntryType, &[u8], Option<&str>)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, kind, data, link) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(*kind);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        if let Some(l) = link {
            h.set_link_name(l).unwrap();
        }
        // Written raw: `set_path` refuses `..`, which is the point of some tests.
        h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    b.into_inner().unwrap()
}

fn secret_line(seed: &str) -> Vec<u8> {
    format!("# fake token for a test\nGITHUB_TOKEN={}\n", fake_ghp(seed)).into_bytes()
}

/// Runs `tokenhound scan --format json ARGS` in `cwd`: (report, exit code, stderr).
fn scan_in(cwd: &Path, args: &[&str]) -> (Value, i32, String) {
    let out = tokenhound()
        .args(["scan", "--format", "json"])
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("json report ({e}); stderr: {stderr}"));
    (doc, out.status.code().unwrap_or(-1), stderr)
}

fn scan(args: &[&str]) -> (Value, i32, String) {
    scan_in(Path::new("."), args)
}

/// `stats.errors` as (path, message).
fn errors(doc: &Value) -> Vec<(String, String)> {
    doc["stats"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap().to_string(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn skipped(doc: &Value) -> Vec<(String, String)> {
    doc["stats"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap().to_string(),
                e["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn paths_found(doc: &Value) -> Vec<String> {
    let mut p: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    p.sort();
    p
}

fn put(dir: &Path, name: &str, data: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p.to_str().unwrap().to_string()
}

/// Every path under `dir`, sorted (to prove nothing was written).
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn one_gigabyte_bombs_in_zip_gz_and_tgz_are_errors_naming_the_member() {
    let dir = tempfile::tempdir().unwrap();
    let bombs = dir.path().join("bombs");
    std::fs::create_dir(&bombs).unwrap();
    // 1 GiB of zeros in ~1 MiB: a ratio over 1000:1.
    let z = zip_of(&[
        Member::zeros("zeros.txt", 1024),
        Member::text("after.txt", b"nothing to see\n"),
    ]);
    assert!(z.len() < 2 * MIB, "{}", z.len());
    let zp = put(&bombs, "bomb.zip", &z);
    let (d, crc) = deflated_zeros(1024);
    let gp = put(&bombs, "zeros.log.gz", &gzip_of(&d, crc, 1 << 30));
    let tp = put(&bombs, "bomb.tgz", &tgz_of_zeros("data/zeros.txt", 1024));

    let started = std::time::Instant::now();
    let (doc, code, stderr) = scan(&[bombs.to_str().unwrap()]);
    assert!(
        started.elapsed().as_secs() < 20,
        "bombs stop early: {:?}",
        started.elapsed()
    );
    assert_eq!(code, 2, "incomplete and nothing found: {stderr}");
    let errs = errors(&doc);
    let want = [
        format!("{tp}!data/zeros.txt"),
        format!("{zp}!zeros.txt"),
        format!("{gp}!zeros.log"),
    ];
    let mut got: Vec<&str> = errs.iter().map(|e| e.0.as_str()).collect();
    got.sort();
    let mut want_sorted: Vec<&str> = want.iter().map(|s| s.as_str()).collect();
    want_sorted.sort();
    assert_eq!(got, want_sorted, "{errs:?}");
    for (path, msg) in &errs {
        assert!(msg.contains("decompression bomb"), "{path}: {msg}");
        assert!(stderr.contains(path.as_str()), "{stderr}");
    }
    // The bytes actually inflated stay far below the gigabytes declared.
    assert!(
        doc["stats"]["bytes_scanned"].as_u64().unwrap() < 64 * MIB as u64,
        "{}",
        doc["stats"]["bytes_scanned"]
    );

    // A token elsewhere: exit 1, and the bombs are still listed.
    let ok = put(dir.path(), "ok.env", &secret_line("bomb"));
    let (doc, code, _) = scan(&[bombs.to_str().unwrap(), &ok]);
    assert_eq!(code, 1);
    assert_eq!(paths_found(&doc), vec![ok]);
    assert_eq!(errors(&doc).len(), 3);

    // The human summary says so too.
    let out = tokenhound()
        .args(["scan", bombs.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2));
    assert!(text.contains("· 3 errors ·"), "{text}");
    assert!(text.contains("scan incomplete"), "{text}");
}

#[test]
fn bomb_inside_nested_archives_is_reported_with_the_full_member_path() {
    let dir = tempfile::tempdir().unwrap();
    let inner = zip_of(&[Member::zeros("zeros.txt", 1024)]);
    let outer = zip_of(&[
        Member::stored("inner.zip", &inner),
        Member::text("late.env", &secret_line("nested")),
    ]);
    let p = put(dir.path(), "outer.zip", &outer);
    let (doc, code, _) = scan(&[&p]);
    // The inner bomb stops the inner archive only: the outer goes on.
    assert_eq!(code, 1);
    assert_eq!(paths_found(&doc), vec![format!("{p}!late.env")]);
    let errs = errors(&doc);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, format!("{p}!inner.zip!zeros.txt"));
    assert!(errs[0].1.contains("decompression bomb"));
}

#[test]
fn nesting_past_the_depth_limit_is_an_error_even_beside_findings() {
    let dir = tempfile::tempdir().unwrap();
    let mut level = zip_of(&[Member::text("deep.env", &secret_line("deep"))]);
    for i in (1..=5).rev() {
        level = zip_of(&[Member::text(&format!("l{i}.zip"), &level)]);
    }
    let deep = put(dir.path(), "deep.zip", &level);
    let (doc, code, _) = scan(&[&deep]);
    assert_eq!((paths_found(&doc).len(), code), (0, 2));
    let errs = errors(&doc);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, format!("{deep}!l1.zip!l2.zip!l3.zip"));
    assert!(errs[0].1.contains("nested deeper than 3 levels"));

    // The same beside a token at depth 2: found, exit 1, the deep one listed.
    let mixed = zip_of(&[
        Member::text("deep.zip", &level),
        Member::text(
            "shallow.zip",
            &zip_of(&[Member::text("s.env", &secret_line("shallow"))]),
        ),
    ]);
    let m = put(dir.path(), "mixed.zip", &mixed);
    let (doc, code, _) = scan(&[&m]);
    assert_eq!(code, 1);
    assert_eq!(paths_found(&doc), vec![format!("{m}!shallow.zip!s.env")]);
    assert_eq!(errors(&doc).len(), 1);
}

#[test]
fn traversal_names_are_reported_as_is_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    // Run from a/b/c so `../../etc/passwd` would land inside the temp dir.
    let cwd = tmp.path().join("a/b/c");
    std::fs::create_dir_all(&cwd).unwrap();
    let z = put(
        &cwd,
        "evil.zip",
        &zip_of(&[
            Member::text("../../etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"),
            Member::text("/tmp/abs.txt", b"plain\n"),
        ]),
    );
    let t = put(
        &cwd,
        "evil.tar",
        &tar_of(&[(
            "../../etc/shadow",
            tar::EntryType::Regular,
            b"root:*:19000:0:99999:7:::\n",
            None,
        )]),
    );
    let before = tree(tmp.path());
    let (doc, code, stderr) = scan_in(&cwd, &["evil.zip", "evil.tar"]);
    assert_eq!(code, 0, "scanned in memory, nothing found: {stderr}");
    assert!(errors(&doc).is_empty());
    let mut notes: Vec<String> = skipped(&doc)
        .into_iter()
        .filter(|s| s.1.contains("path traversal"))
        .map(|s| s.0)
        .collect();
    notes.sort();
    assert_eq!(
        notes,
        vec![
            "evil.tar!../../etc/shadow".to_string(),
            "evil.zip!../../etc/passwd".to_string(),
            "evil.zip!/tmp/abs.txt".to_string(),
        ]
    );
    assert_eq!(tree(tmp.path()), before, "nothing may be written");
    assert!(!tmp.path().join("a/etc").exists());

    // A token in a traversal member is reported at the member name, as is.
    let z2 = put(
        &cwd,
        "evil2.zip",
        &zip_of(&[Member::text("../../etc/token.env", &secret_line("trav"))]),
    );
    let (doc, code, _) = scan_in(&cwd, &[&z2]);
    assert_eq!(code, 1);
    assert_eq!(paths_found(&doc), vec![format!("{z2}!../../etc/token.env")]);
    let _ = (z, t);
}

#[test]
fn tar_symlinks_and_hard_links_are_never_followed() {
    let tmp = tempfile::tempdir().unwrap();
    // A file with a token outside the archive: a followed link would find it.
    let outside = put(tmp.path(), "outside.env", &secret_line("outside"));
    let tar = tar_of(&[
        ("notes.txt", tar::EntryType::Regular, b"hello\n", None),
        (
            "link-abs",
            tar::EntryType::Symlink,
            b"",
            Some(outside.as_str()),
        ),
        (
            "link-up",
            tar::EntryType::Symlink,
            b"",
            Some("../outside.env"),
        ),
        ("hard", tar::EntryType::Link, b"", Some("../outside.env")),
    ]);
    let archives = tmp.path().join("in");
    std::fs::create_dir(&archives).unwrap();
    let t = put(&archives, "links.tar", &tar);
    let tgz = put(&archives, "links.tgz", &gzip(&tar));
    let (doc, code, stderr) = scan(&[&t, &tgz]);
    assert_eq!(code, 0, "links hold no content: nothing missed: {stderr}");
    assert!(paths_found(&doc).is_empty());
    assert!(errors(&doc).is_empty());
    let mut links: Vec<(String, String)> = skipped(&doc)
        .into_iter()
        .filter(|s| s.1.contains("not followed"))
        .collect();
    links.sort();
    assert_eq!(links.len(), 6, "{links:?}");
    assert_eq!(links[0].0, format!("{t}!hard"));
    assert!(links[0].1.starts_with("hard link member -> ../outside.env"));
    assert_eq!(links[1].0, format!("{t}!link-abs"));
    assert!(links[1]
        .1
        .starts_with(&format!("symlink member -> {outside}")));

    // A link to a member inside the archive: the member itself is scanned once.
    let tar = tar_of(&[
        (
            "real.env",
            tar::EntryType::Regular,
            &secret_line("inner"),
            None,
        ),
        ("alias.env", tar::EntryType::Symlink, b"", Some("real.env")),
    ]);
    let t2 = put(&archives, "alias.tar", &tar);
    let (doc, code, _) = scan(&[&t2]);
    assert_eq!(code, 1);
    assert_eq!(paths_found(&doc), vec![format!("{t2}!real.env")]);
}

#[test]
fn zipcrypto_members_are_reported_and_the_rest_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let mut enc = Member::text("vault.env", &secret_line("enc"));
    enc.zipcrypto = Some(b"hunter2");
    let z = zip_of(&[enc]);
    // Real ZipCrypto: the zip crate opens it with the password, not without.
    {
        use std::io::Read;
        let mut a = zip::ZipArchive::new(std::io::Cursor::new(&z)).unwrap();
        assert!(a.by_name("vault.env").is_err());
        let mut plain = Vec::new();
        a.by_name_decrypt("vault.env", b"hunter2")
            .unwrap()
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, secret_line("enc"));
    }
    let p = put(dir.path(), "enc.zip", &z);
    let (doc, code, _) = scan(&[&p]);
    assert_eq!(code, 2);
    assert_eq!(
        errors(&doc),
        vec![(
            format!("{p}!vault.env"),
            "encrypted archive member: not scanned".to_string()
        )]
    );

    // Beside a plain member with a token, in the same zip and in a truncated
    // copy (members salvaged from the local headers): exit 1, still listed.
    let mut enc = Member::text("vault.env", &secret_line("enc"));
    enc.zipcrypto = Some(b"hunter2");
    let both = zip_of(&[enc, Member::text("plain.env", &secret_line("plain"))]);
    let p2 = put(dir.path(), "both.zip", &both);
    let p3 = put(dir.path(), "both-cut.zip", &both[..both.len() - 40]);
    for p in [&p2, &p3] {
        let (doc, code, _) = scan(&[p]);
        assert_eq!(code, 1, "{p}: {:?}", errors(&doc));
        assert_eq!(paths_found(&doc), vec![format!("{p}!plain.env")]);
        assert!(
            errors(&doc)
                .iter()
                .any(|e| e.0 == format!("{p}!vault.env") && e.1.contains("encrypted")),
            "{:?}",
            errors(&doc)
        );
    }
}

#[test]
fn truncated_tar_tgz_and_gz_are_errors_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let filler: Vec<u8> = (0..200_000u32)
        .map(|i| b"abcdefghij\n"[(i % 11) as usize])
        .collect();
    let tar = tar_of(&[
        ("a.txt", tar::EntryType::Regular, &filler, None),
        ("b.txt", tar::EntryType::Regular, &filler, None),
    ]);
    let cut = dir.path().join("cut");
    std::fs::create_dir(&cut).unwrap();
    // Inside b.txt's data, inside a deflate stream, inside a gzip'd file.
    let t = put(&cut, "cut.tar", &tar[..tar.len() - 50_000]);
    let tgz = gzip(&tar);
    let g1 = put(&cut, "cut.tgz", &tgz[..tgz.len() / 2]);
    let gz = gzip(&filler);
    let g2 = put(&cut, "cut.txt.gz", &gz[..gz.len() - 8]);
    let (doc, code, stderr) = scan(&[cut.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    let errs = errors(&doc);
    for p in [&t, &g1, &g2] {
        assert!(
            errs.iter().any(|e| e.0.starts_with(p.as_str())),
            "{p} not listed: {errs:?}"
        );
    }
    // The member cut short is named, not only its archive.
    assert!(
        errs.iter()
            .any(|e| e.0 == format!("{t}!b.txt") && e.1.contains("cut short")),
        "{errs:?}"
    );
    // Beside a token: exit 1, all three still listed.
    let ok = put(dir.path(), "ok.env", &secret_line("trunc"));
    let (doc, code, _) = scan(&[cut.to_str().unwrap(), &ok]);
    assert_eq!(code, 1);
    assert_eq!(paths_found(&doc), vec![ok]);
    assert!(errors(&doc).len() >= 3);
}

#[test]
fn actions_log_zip_declaring_gigabytes_is_refused_before_inflating() {
    let dir = tempfile::tempdir().unwrap();
    // Laid out like a GitHub Actions run-log archive, so the CI-log reader takes it.
    let z = zip_of(&[
        Member::zeros("build/1_Set up job.txt", 1024),
        Member::zeros("build/2_Run make.txt", 1024),
        Member::text("0_build.txt", b"done\n"),
    ]);
    let p = put(dir.path(), "logs.zip", &z);
    let (doc, code, _) = scan(&[&p]);
    assert_eq!(code, 2);
    let errs = errors(&doc);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, p);
    assert!(errs[0].1.contains("zip bomb"), "{errs:?}");
}

/// A zip with one WinZip AES-256 member (APPNOTE AE-2: method 99, extra field
/// 0x9901, salt + password verifier + ciphertext + MAC).
fn aes_zip(name: &str, ciphertext: &[u8]) -> Vec<u8> {
    let n = name.as_bytes();
    let mut extra = Vec::new();
    extra.extend(0x9901u16.to_le_bytes());
    extra.extend(7u16.to_le_bytes());
    extra.extend(2u16.to_le_bytes()); // AE-2
    extra.extend(b"AE");
    extra.push(3); // AES-256
    extra.extend(8u16.to_le_bytes()); // deflate inside
    let mut payload = vec![0x11u8; 16]; // salt
    payload.extend([0x22, 0x22]); // password verifier
    payload.extend(ciphertext);
    payload.extend([0x33u8; 10]); // MAC
    let mut common = Vec::new();
    for v in [1u16, 99, 0, 0x21] {
        common.extend(v.to_le_bytes());
    }
    common.extend(0u32.to_le_bytes()); // AE-2 stores no CRC
    common.extend((payload.len() as u32).to_le_bytes());
    common.extend((ciphertext.len() as u32).to_le_bytes());
    common.extend((n.len() as u16).to_le_bytes());
    common.extend((extra.len() as u16).to_le_bytes());
    let mut out = b"PK\x03\x04".to_vec();
    out.extend(51u16.to_le_bytes());
    out.extend(&common);
    out.extend(n);
    out.extend(&extra);
    out.extend(&payload);
    let cd = out.len() as u32;
    let mut cen = b"PK\x01\x02".to_vec();
    cen.extend(51u16.to_le_bytes());
    cen.extend(51u16.to_le_bytes());
    cen.extend(&common);
    cen.extend([0u8; 14]); // comment len, disk, attrs, offset 0
    cen.extend(n);
    cen.extend(&extra);
    out.extend(&cen);
    out.extend(b"PK\x05\x06\0\0\0\0\x01\0\x01\0");
    out.extend((cen.len() as u32).to_le_bytes());
    out.extend(cd.to_le_bytes());
    out.extend([0u8; 2]);
    out
}

#[test]
fn aes_members_are_reported_not_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let p = put(
        dir.path(),
        "aes.zip",
        &aes_zip("vault.env", b"opaque ciphertext"),
    );
    let (doc, code, _) = scan(&[&p]);
    assert_eq!(code, 2);
    assert_eq!(
        errors(&doc),
        vec![(
            format!("{p}!vault.env"),
            "encrypted archive member: not scanned".to_string()
        )]
    );
    let ok = put(dir.path(), "ok.env", &secret_line("aes"));
    let (doc, code, _) = scan(&[&p, &ok]);
    assert_eq!(code, 1);
    assert_eq!(paths_found(&doc), vec![ok]);
    assert_eq!(errors(&doc).len(), 1);
}
