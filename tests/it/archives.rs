//! Scanning inside archives (issue 11): archives of every format are built
//! here from the bundled samples, and the (member path, rule) pairs of
//! scanning them must equal the (path, rule) pairs of scanning the unpacked
//! tree; unreadable members, limits and bombs are reported per member.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{samples, spoor};

/// A file of an archive: its path inside, its bytes.
type Files = Vec<(String, Vec<u8>)>;

/// The unpacked tree: every bundled sample's positive and negative, in two
/// directories.
fn tree_files() -> Files {
    let mut files = Vec::new();
    for (n, recipe) in samples::recipes().iter().enumerate() {
        files.push((format!("bin/{n:02}-{}.exe", recipe.rule), recipe.positive()));
        files.push((format!("misc/deep/{n:02}-{}.dat", recipe.rule), recipe.negative()));
    }
    files.push(("README.txt".into(), b"plain text, no match".to_vec()));
    files
}

fn write_tree(dir: &Path, files: &Files) {
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

fn zip_of(files: &Files, method: zip::CompressionMethod) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    for (name, bytes) in files {
        writer.start_file(name.as_str(), options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn tar_of(files: &Files) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, bytes) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        builder.append_data(&mut header, name, bytes.as_slice()).unwrap();
    }
    builder.into_inner().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn bzip2(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn xz(bytes: &[u8]) -> Vec<u8> {
    let options = lzma_rust2::XzOptions::with_preset(6);
    let mut encoder = lzma_rust2::XzWriter::new(Vec::new(), options).unwrap();
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).unwrap()
}

fn ar_of(files: &Files) -> Vec<u8> {
    let mut builder = ar::Builder::new(Vec::new());
    for (name, bytes) in files {
        let header = ar::Header::new(name.as_bytes().to_vec(), bytes.len() as u64);
        builder.append(&header, bytes.as_slice()).unwrap();
    }
    builder.into_inner().unwrap()
}

fn cpio_of(files: &Files) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, bytes) in files {
        let size = u32::try_from(bytes.len()).unwrap();
        let mut writer = cpio::NewcBuilder::new(name).mode(0o100_644).write(&mut out, size);
        writer.write_all(bytes).unwrap();
        let _ = writer.finish().unwrap();
    }
    let _ = cpio::newc::trailer(&mut out).unwrap();
    out
}

/// An RPM: a lead, an empty signature header, an empty main header, and a
/// gzip-compressed cpio payload.
fn rpm_of(files: &Files) -> Vec<u8> {
    let mut out = vec![0u8; 96];
    out[..4].copy_from_slice(&[0xED, 0xAB, 0xEE, 0xDB]);
    for _ in 0..2 {
        out.extend_from_slice(&[0x8E, 0xAD, 0xE8, 0x01, 0, 0, 0, 0]);
        out.extend_from_slice(&[0; 8]); // no index entries, no store
    }
    out.extend(gzip(&cpio_of(files)));
    out
}

fn sevenz_of(files: &Files) -> Vec<u8> {
    let mut writer = sevenz_rust2::ArchiveWriter::new(Cursor::new(Vec::new())).unwrap();
    for (name, bytes) in files {
        let entry = sevenz_rust2::ArchiveEntry::new_file(name);
        let _ = writer.push_archive_entry(entry, Some(bytes.as_slice())).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// A minimal ISO 9660 image: primary descriptor, terminator, a fixed run
/// of sectors per directory, then the files.
fn iso_of(files: &Files) -> Vec<u8> {
    const DIR_SECTORS: usize = 8;
    const DIR_BYTES: usize = DIR_SECTORS * 2048;
    #[derive(Default)]
    struct Dir {
        dirs: BTreeMap<String, Dir>,
        files: BTreeMap<String, Vec<u8>>,
    }
    fn record(lba: usize, size: usize, directory: bool, name: &[u8]) -> Vec<u8> {
        let mut r = vec![0u8; 33];
        r[2..6].copy_from_slice(&u32::try_from(lba).unwrap().to_le_bytes());
        r[6..10].copy_from_slice(&u32::try_from(lba).unwrap().to_be_bytes());
        r[10..14].copy_from_slice(&u32::try_from(size).unwrap().to_le_bytes());
        r[14..18].copy_from_slice(&u32::try_from(size).unwrap().to_be_bytes());
        r[25] = if directory { 2 } else { 0 };
        r[28] = 1;
        r[32] = u8::try_from(name.len()).unwrap();
        r.extend_from_slice(name);
        if r.len() % 2 == 1 {
            r.push(0);
        }
        r[0] = u8::try_from(r.len()).unwrap();
        r
    }
    fn count(dir: &Dir) -> usize {
        1 + dir.dirs.values().map(count).sum::<usize>()
    }
    /// Appends a record, moving to the next sector rather than crossing one.
    fn push(table: &mut Vec<u8>, record: Vec<u8>) {
        if table.len() / 2048 != (table.len() + record.len() - 1) / 2048 {
            table.resize(table.len().div_ceil(2048) * 2048, 0);
        }
        table.extend(record);
    }
    fn layout(
        dir: &Dir,
        lba: usize,
        next_dir: &mut usize,
        next_file: &mut usize,
        image: &mut Vec<u8>,
    ) {
        let mut table = record(lba, DIR_BYTES, true, &[0]);
        table.extend(record(lba, DIR_BYTES, true, &[1]));
        for (name, child) in &dir.dirs {
            *next_dir += DIR_SECTORS;
            let child_lba = *next_dir;
            push(&mut table, record(child_lba, DIR_BYTES, true, name.as_bytes()));
            layout(child, child_lba, next_dir, next_file, image);
        }
        for (name, bytes) in &dir.files {
            let at = *next_file;
            *next_file += bytes.len().div_ceil(2048).max(1);
            let end = *next_file * 2048;
            if image.len() < end {
                image.resize(end, 0);
            }
            image[at * 2048..at * 2048 + bytes.len()].copy_from_slice(bytes);
            push(&mut table, record(at, bytes.len(), false, format!("{name};1").as_bytes()));
        }
        assert!(table.len() <= DIR_BYTES, "the directory fits its sectors");
        image[lba * 2048..lba * 2048 + table.len()].copy_from_slice(&table);
    }
    let mut root = Dir::default();
    for (path, bytes) in files {
        let mut dir = &mut root;
        let mut parts: Vec<&str> = path.split('/').collect();
        let name = parts.pop().unwrap();
        for part in parts {
            dir = dir.dirs.entry(part.to_owned()).or_default();
        }
        let _ = dir.files.insert(name.to_owned(), bytes.clone());
    }
    let first_dir = 18;
    let dir_sectors = count(&root) * DIR_SECTORS;
    let mut image = vec![0u8; (first_dir + dir_sectors) * 2048];
    let mut next_dir = first_dir;
    let mut next_file = first_dir + dir_sectors;
    layout(&root, first_dir, &mut next_dir, &mut next_file, &mut image);
    let pvd = 16 * 2048;
    image[pvd] = 1;
    image[pvd + 1..pvd + 6].copy_from_slice(b"CD001");
    image[pvd + 6] = 1;
    let root_record = record(first_dir, DIR_BYTES, true, &[0]);
    image[pvd + 156..pvd + 156 + 34].copy_from_slice(&root_record[..34]);
    let end = 17 * 2048;
    image[end] = 255;
    image[end + 1..end + 6].copy_from_slice(b"CD001");
    image[end + 6] = 1;
    image
}

/// A Debian package holding `files` below `./`.
fn deb_of(files: &Files) -> Vec<u8> {
    let data: Files = files.iter().map(|(n, b)| (format!("./{n}"), b.clone())).collect();
    let control = vec![("./control".to_owned(), b"Package: demo\nVersion: 1\n".to_vec())];
    ar_of(&vec![
        ("debian-binary".into(), b"2.0\n".to_vec()),
        ("control.tar.gz".into(), gzip(&tar_of(&control))),
        ("data.tar.xz".into(), xz(&tar_of(&data))),
    ])
}

/// Every archive of the acceptance list, each holding the whole tree.
fn archives(files: &Files) -> Vec<(&'static str, Vec<u8>)> {
    use zip::CompressionMethod as M;
    let tar = tar_of(files);
    let inner_zip = zip_of(files, M::Deflated);
    let middle = gzip(&tar_of(&vec![("lib/inner.zip".into(), inner_zip)]));
    vec![
        ("stored.zip", zip_of(files, M::Stored)),
        ("app.jar", zip_of(files, M::Deflated)),
        ("bz.whl", zip_of(files, M::Bzip2)),
        ("zstd.docx", zip_of(files, M::Zstd)),
        ("plain.tar", tar.clone()),
        ("release.tar.gz", gzip(&tar)),
        ("release.tar.bz2", bzip2(&tar)),
        ("release.tar.xz", xz(&tar)),
        ("release.tar.zst", zstd(&tar)),
        ("lib.a", ar_of(&files.iter().map(|(n, b)| (n.replace('/', "_"), b.clone())).collect())),
        ("initrd.cpio", cpio_of(files)),
        ("demo.rpm", rpm_of(files)),
        ("bundle.7z", sevenz_of(files)),
        ("disc.iso", iso_of(files)),
        ("demo.deb", deb_of(files)),
        ("nested.zip", zip_of(&vec![("dist/middle.tar.gz".into(), middle)], M::Deflated)),
    ]
}

/// Scans `target` with `--format json`; the parsed document.
fn scan_json(target: &Path, extra: &[&str]) -> Value {
    let output = spoor()
        .args(["scan", "--format", "json", "-p", "2"])
        .args(extra)
        .arg(target)
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0..=2)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn rules_of(file: &Value) -> Vec<String> {
    file["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["rule"].as_str().unwrap().to_owned())
        .collect()
}

fn members(file: &Value) -> Vec<String> {
    file["member"]
        .as_array()
        .map_or_else(Vec::new, |m| m.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
}

/// The flattened member name: `./` and the ar flattening undone.
fn leaf(name: &str) -> String {
    name.trim_start_matches("./").to_owned()
}

#[test]
fn every_format_gives_the_pairs_of_the_unpacked_tree() {
    let files = tree_files();
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    write_tree(&tree, &files);
    let expected: BTreeSet<(String, String)> = scan_json(&tree, &[])["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            let path = f["path"].as_str().unwrap();
            let relative =
                Path::new(path).strip_prefix(&tree).unwrap().to_string_lossy().into_owned();
            rules_of(f).into_iter().map(move |rule| (relative.clone(), rule))
        })
        .collect();
    assert!(expected.len() >= samples::recipes().len(), "every positive matches: {expected:?}");
    let names: BTreeSet<String> = files.iter().map(|(n, _)| n.clone()).collect();

    let packed = dir.path().join("packed");
    std::fs::create_dir(&packed).unwrap();
    let built = archives(&files);
    for (name, bytes) in &built {
        std::fs::write(packed.join(name), bytes).unwrap();
    }
    let report = scan_json(&packed, &[]);
    assert_eq!(report["errors"], serde_json::json!([]), "no member failed");
    let mut pairs: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in report["files"].as_array().unwrap() {
        let archive = Path::new(file["path"].as_str().unwrap()).file_name().unwrap();
        let archive = archive.to_string_lossy().into_owned();
        let chain = members(file);
        let Some(last) = chain.last() else { continue };
        let mut name = leaf(last);
        if archive == "lib.a" {
            name = names.iter().find(|n| n.replace('/', "_") == name).cloned().unwrap_or(name);
        }
        if !names.contains(&name) {
            continue; // an intermediate container
        }
        let _ = seen.entry(archive.clone()).or_default().insert(name.clone());
        let found = pairs.entry(archive).or_default();
        for rule in rules_of(file) {
            let _ = found.insert((name.clone(), rule));
        }
    }
    for (archive, _) in &built {
        assert_eq!(seen.get(*archive), Some(&names), "{archive}: every member scanned");
        assert_eq!(pairs.get(*archive), Some(&expected), "{archive}: the pairs of the tree");
    }
    let nested = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| members(f).len() == 3)
        .expect("a member three levels down");
    assert_eq!(members(nested)[..2], ["dist/middle.tar.gz", "lib/inner.zip"]);
}

#[test]
fn text_output_joins_member_paths_with_bang_and_json_lists_them() {
    let files = tree_files();
    let (name, bytes) = files.iter().find(|(n, _)| n.starts_with("bin/")).unwrap();
    let inner = gzip(&tar_of(&vec![(name.clone(), bytes.clone())]));
    let app = zip_of(&vec![("lib/inner.tar.gz".into(), inner)], zip::CompressionMethod::Deflated);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.zip");
    std::fs::write(&path, app).unwrap();
    let output = spoor().args(["scan"]).arg(&path).output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let expected = format!("{}!lib/inner.tar.gz!{name}", path.display());
    assert!(text.lines().any(|l| l.ends_with(&format!(" {expected}"))), "{text}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("scanned 1 files, 2 members"), "summary line: {stderr}");

    let output = spoor().args(["scan", "--format", "ndjson"]).arg(&path).output().unwrap();
    let line: Value =
        serde_json::from_slice(output.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert_eq!(line["path"], path.to_str().unwrap());
    assert_eq!(line["member"], serde_json::json!(["lib/inner.tar.gz", name]));

    let output = spoor().args(["scan", "--no-archives"]).arg(&path).output().unwrap();
    assert!(!String::from_utf8_lossy(&output.stdout).contains('!'), "--no-archives");
    let output = spoor().args(["scan", "--archive-depth", "1"]).arg(&path).output().unwrap();
    assert!(!String::from_utf8_lossy(&output.stdout).contains(&expected), "--archive-depth 1");
    assert!(String::from_utf8_lossy(&output.stderr).contains("nested deeper than 1"));
}

#[test]
fn a_bare_compressed_file_has_one_member_named_without_its_suffix() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt.xz"), xz(b"hello")).unwrap();
    std::fs::write(dir.path().join("n.zst"), zstd(b"hello")).unwrap();
    let report = scan_json(dir.path(), &[]);
    let mut chains: Vec<Vec<String>> =
        report["files"].as_array().unwrap().iter().map(members).filter(|m| !m.is_empty()).collect();
    chains.sort();
    assert_eq!(chains, [vec!["n".to_owned()], vec!["notes.txt".to_owned()]]);
}

/// A 16-bit field of a zip's local and central headers: the general
/// purpose flags, or the compression method.
#[derive(Clone, Copy)]
enum Field {
    Flags,
    Method,
}

/// Sets `field` of the first `entries` entries of a zip to `value`.
fn patch_zip(zip: &mut [u8], field: Field, value: u16, entries: usize) {
    let (mut local, mut central) = (0, 0);
    for at in 0..zip.len().saturating_sub(12) {
        let offset = match (&zip[at..at + 4], field) {
            (b"PK\x03\x04", _) if local < entries => {
                local += 1;
                if matches!(field, Field::Flags) { 6 } else { 8 }
            }
            (b"PK\x01\x02", _) if central < entries => {
                central += 1;
                if matches!(field, Field::Flags) { 8 } else { 10 }
            }
            _ => continue,
        };
        zip[at + offset..at + offset + 2].copy_from_slice(&value.to_le_bytes());
    }
}

#[test]
fn unreadable_members_are_reported_and_the_scan_goes_on() {
    use zip::CompressionMethod as M;
    let files = tree_files();
    let sample = files.iter().find(|(n, _)| n.starts_with("bin/")).unwrap().clone();
    let dir = tempfile::tempdir().unwrap();

    // The first entry marked encrypted (flag bit 0), as ZipCrypto does.
    let mut encrypted =
        zip_of(&vec![("secret.bin".into(), b"hidden".to_vec()), sample.clone()], M::Stored);
    patch_zip(&mut encrypted, Field::Flags, 1, 1);
    std::fs::write(dir.path().join("encrypted.zip"), encrypted).unwrap();

    let mut unsupported = zip_of(&vec![sample.clone()], M::Deflated);
    patch_zip(&mut unsupported, Field::Method, 6, usize::MAX); // implode
    std::fs::write(dir.path().join("implode.zip"), unsupported).unwrap();

    let mut corrupt = gzip(&tar_of(&vec![sample.clone(), ("second.bin".into(), vec![7; 100_000])]));
    let cut = corrupt.len() - 40;
    corrupt.truncate(cut);
    std::fs::write(dir.path().join("cut.tar.gz"), corrupt).unwrap();

    let output = spoor().args(["scan", "--format", "json"]).arg(dir.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "a member that cannot be read is an error");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let errors: Vec<(String, Vec<String>, String)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let path = Path::new(e["path"].as_str().unwrap()).file_name().unwrap();
            (
                path.to_string_lossy().into_owned(),
                members(e),
                e["error"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let find = |archive: &str| errors.iter().find(|e| e.0 == archive).expect(archive);
    let encrypted = find("encrypted.zip");
    assert_eq!(encrypted.1, ["secret.bin"]);
    assert!(encrypted.2.contains("encrypted"), "{errors:?}");
    let implode = find("implode.zip");
    assert_eq!(implode.1, std::slice::from_ref(&sample.0));
    assert!(
        implode.2.to_lowercase().contains("unsupported") || implode.2.contains("method"),
        "{errors:?}"
    );
    let cut = find("cut.tar.gz");
    assert_eq!(cut.1, ["second.bin"], "the member cut short");
    assert!(cut.2.contains("deflate"), "{errors:?}");
    let scanned: BTreeSet<(String, Vec<String>)> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !rules_of(f).is_empty())
        .map(|f| {
            let path = Path::new(f["path"].as_str().unwrap()).file_name().unwrap();
            (path.to_string_lossy().into_owned(), members(f))
        })
        .collect();
    assert!(scanned.contains(&("encrypted.zip".into(), vec![sample.0.clone()])), "{scanned:?}");
    assert!(scanned.contains(&("cut.tar.gz".into(), vec![sample.0.clone()])), "{scanned:?}");
}

#[test]
fn a_member_over_the_limit_is_reported_in_every_format() {
    let files: Files =
        vec![("big.bin".into(), vec![b'x'; 5000]), ("small.txt".into(), b"ok".to_vec())];
    let dir = tempfile::tempdir().unwrap();
    let formats = archives(&files);
    for (name, bytes) in &formats {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let report = scan_json(dir.path(), &["--archive-max-member", "4K"]);
    let mut hit: BTreeSet<String> = BTreeSet::new();
    for error in report["errors"].as_array().unwrap() {
        let message = error["error"].as_str().unwrap();
        if members(error).last().is_some_and(|m| m.ends_with("big.bin")) {
            assert!(message.contains("larger than 4 KiB"), "{message}");
            let archive = Path::new(error["path"].as_str().unwrap()).file_name().unwrap();
            let _ = hit.insert(archive.to_string_lossy().into_owned());
        }
    }
    let all: BTreeSet<String> = formats.iter().map(|(n, _)| (*n).to_owned()).collect();
    assert_eq!(hit, all);
}

/// The peak resident memory (`VmHWM`) of a running process, in MiB.
fn peak_mib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// Runs `spoor scan --format json` on `target`; its report, wall time and
/// peak resident memory in MiB (the high-water mark, sampled every 10 ms
/// until the process ends).
fn scan_measured(target: &Path) -> (Value, Duration, u64) {
    let started = Instant::now();
    let mut child = spoor()
        .args(["scan", "--format", "json", "--rules"])
        .arg(crate::util::repo().join("rules"))
        .arg(target)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut text).unwrap();
        text
    });
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        peak = peak_mib(pid).unwrap_or(peak).max(peak);
        std::thread::sleep(Duration::from_millis(10));
    }
    let text = reader.join().unwrap();
    (serde_json::from_slice(&text).unwrap(), started.elapsed(), peak)
}

fn assert_bomb_defused(name: &str, bytes: &[u8], reason: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let (report, time, peak) = scan_measured(&path);
    eprintln!("{name}: {} bytes, {time:?}, peak {peak} MiB", bytes.len());
    assert!(time < Duration::from_secs(10), "{name} took {time:?}");
    assert!(peak < 512, "{name} peaked at {peak} MiB");
    let errors = report["errors"].as_array().unwrap();
    assert!(
        errors.iter().any(|e| e["error"].as_str().unwrap().contains(reason)),
        "{name}: {errors:?}"
    );
}

#[test]
fn a_four_gib_zero_stream_behind_a_few_kb_is_stopped() {
    // bzip2 streams may follow one another: 64 copies of 64 MiB of zeros.
    let block = bzip2(&vec![0u8; 64 << 20]);
    let bomb: Vec<u8> = block.iter().copied().cycle().take(block.len() * 64).collect();
    assert!(bomb.len() < 64 << 10, "{} bytes", bomb.len());
    assert_bomb_defused("zeros.bz2", &bomb, "compression ratio");
}

#[test]
fn nested_zips_sixteen_by_sixteen_by_sixteen_are_stopped() {
    use zip::CompressionMethod as M;
    let leaf = zip_of(&vec![("zeros".into(), vec![0u8; 64 << 20])], M::Deflated);
    let mut level = leaf;
    for _ in 0..3 {
        let copies: Files = (0..16).map(|i| (format!("{i:x}.zip"), level.clone())).collect();
        level = zip_of(&copies, M::Deflated);
    }
    assert!(level.len() < 1 << 20, "{} bytes", level.len());
    assert_bomb_defused("42.zip", &level, "limit hit");
}

#[test]
fn an_overlapping_entry_zip_is_stopped() {
    // One local entry of 256 MiB of zeros, and 2000 central entries with
    // names of their own that all point at it (the full-overlap construction).
    let single =
        zip_of(&vec![("0000".into(), vec![0u8; 256 << 20])], zip::CompressionMethod::Deflated);
    let central = single.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    let end = single.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
    let record = &single[central..end];
    let mut bomb = single[..central].to_vec();
    let directory_start = bomb.len();
    for i in 0..2000 {
        let at = bomb.len();
        bomb.extend_from_slice(record);
        bomb[at + 46..at + 50].copy_from_slice(format!("{i:04x}").as_bytes());
    }
    let directory_size = bomb.len() - directory_start;
    let mut eocd = single[end..end + 22].to_vec();
    eocd[8..10].copy_from_slice(&2000u16.to_le_bytes());
    eocd[10..12].copy_from_slice(&2000u16.to_le_bytes());
    eocd[12..16].copy_from_slice(&u32::try_from(directory_size).unwrap().to_le_bytes());
    eocd[16..20].copy_from_slice(&u32::try_from(directory_start).unwrap().to_le_bytes());
    bomb.extend(eocd);
    assert_bomb_defused("overlap.zip", &bomb, "limit hit");
}

/// Generic rules that hit ordinary files of packages many times: headers,
/// common words, and a per-file external (`extension`).
const GENERIC_RULES: &str = r#"
rule elf_header { condition: uint32(0) == 0x464c457f }
rule zip_header { condition: uint32(0) == 0x04034b50 }
rule gzip_header { condition: uint16(0) == 0x8b1f }
rule xz_header { condition: uint32(0) == 0x587a37fd }
rule shebang { condition: uint16(0) == 0x2123 }
rule python_source { condition: extension == ".py" }
rule javascript_source { condition: extension == ".js" }
rule defines_something { strings: $a = "def " $b = "function" condition: any of them }
rule mentions_license { strings: $a = "license" nocase condition: $a }
rule copyright { strings: $a = "Copyright" condition: $a }
rule glibc_symbols { strings: $a = "GLIBC_" condition: $a }
rule json_fields { strings: $a = /"(name|version)"\s*:/ condition: $a }
"#;

/// Writes the regular files of a tar stream below `dest` (each through
/// [`unpack_member`]); links and directories are left out, as the scanner
/// leaves them out.
fn unpack_tar(reader: impl std::io::Read, dest: &Path) {
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.header().entry_type().is_file() {
            let name = leaf(&entry.path().unwrap().to_string_lossy());
            let mut data = Vec::new();
            let _ = std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
            unpack_member(&name, &data, dest);
        }
    }
}

/// A compressed stream's bytes, and the name its gzip header gives, when
/// `bytes` is one (told by its magic, as the scanner tells it).
fn decompressed(bytes: &[u8]) -> Option<(Vec<u8>, Option<String>)> {
    let mut out = Vec::new();
    let mut header_name = None;
    let read = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut reader = flate2::read::MultiGzDecoder::new(bytes);
        let read = reader.read_to_end(&mut out);
        header_name = reader
            .header()
            .and_then(|h| h.filename())
            .map(|n| String::from_utf8_lossy(n).into_owned());
        read
    } else if bytes.starts_with(b"\xfd7zXZ\0") {
        lzma_rust2::XzReader::new(bytes, true).read_to_end(&mut out)
    } else if bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        zstd::Decoder::new(bytes).unwrap().read_to_end(&mut out)
    } else if bytes.starts_with(b"BZh") {
        bzip2::read::MultiBzDecoder::new(bytes).read_to_end(&mut out)
    } else {
        return None;
    };
    let _ = read.unwrap();
    Some((out, header_name))
}

/// Writes a member `name` of `bytes` below `dest`; when it is a tar, or a
/// compressed stream, what it holds goes beside it into `NAME.d/`: a
/// compressed tar's files, or a bare compressed file's one member named
/// from the gzip header or the name without its suffix.
fn unpack_member(name: &str, bytes: &[u8], dest: &Path) {
    let path = dest.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    let inside = dest.join(format!("{name}.d"));
    let is_tar = |b: &[u8]| b.get(257..262) == Some(&b"ustar"[..]);
    if is_tar(bytes) {
        unpack_tar(bytes, &inside);
        return;
    }
    match decompressed(bytes) {
        Some((data, _)) if is_tar(&data) => unpack_tar(data.as_slice(), &inside),
        Some((data, header_name)) => {
            let file_name = Path::new(name).file_name().unwrap().to_string_lossy().into_owned();
            let stem = file_name.rsplit_once('.').map_or("", |(stem, _)| stem);
            unpack_member(&header_name.unwrap_or_else(|| stem.to_owned()), &data, &inside);
        }
        None => {}
    }
}

/// Unpacks a wheel, an npm tarball or a .deb into `dest`, every member
/// through [`unpack_member`] (so the .deb's `data.tar.xz` is a file with
/// its files in `data.tar.xz.d/`).
fn unpack_artifact(artifact: &Path, dest: &Path) {
    let bytes = std::fs::read(artifact).unwrap();
    match artifact.extension().and_then(|e| e.to_str()) {
        Some("whl") => {
            let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
            for i in 0..zip.len() {
                let mut member = zip.by_index(i).unwrap();
                if member.is_file() {
                    let name = member.enclosed_name().unwrap().to_string_lossy().into_owned();
                    let mut data = Vec::new();
                    let _ = member.read_to_end(&mut data).unwrap();
                    unpack_member(&name, &data, dest);
                }
            }
        }
        Some("tgz") => unpack_tar(decompressed(&bytes).unwrap().0.as_slice(), dest),
        Some("deb") => {
            let mut ar = ar::Archive::new(bytes.as_slice());
            while let Some(member) = ar.next_entry() {
                let mut member = member.unwrap();
                let name = String::from_utf8_lossy(member.header().identifier()).into_owned();
                let mut data = Vec::new();
                let _ = member.read_to_end(&mut data).unwrap();
                unpack_member(&name, &data, dest);
            }
        }
        other => panic!("not an artifact: {other:?}"),
    }
}

/// The path in the unpacked copy of a member named by `chain`.
fn unpacked_path(chain: &[String]) -> String {
    let (last, outer) = chain.split_last().unwrap();
    outer.iter().map(|c| format!("{}.d/", leaf(c))).chain([leaf(last)]).collect()
}

/// Real artifacts from the package tools of this machine (`pip download`,
/// apt's cache or `apt-get download`, `npm pack`; see
/// `util::artifacts`): the (member path, rule) pairs of scanning each
/// archive equal the (relative path, rule) pairs of scanning its unpacked
/// copy. Without a tool or a registry, those artifacts are left out with a
/// note.
#[test]
fn real_package_artifacts_give_the_pairs_of_their_unpacked_copies() {
    let dir = tempfile::tempdir().unwrap();
    let packed = dir.path().join("packed");
    let artifacts = crate::util::artifacts::fetch_all(&packed);
    if artifacts.is_empty() {
        eprintln!("note: no package artifact could be had, test skipped");
        return;
    }
    let unpacked = dir.path().join("unpacked");
    for artifact in &artifacts {
        unpack_artifact(artifact, &unpacked.join(artifact.file_name().unwrap()));
    }
    let rules = dir.path().join("generic.yar");
    std::fs::write(&rules, GENERIC_RULES).unwrap();
    let bundled = crate::util::repo().join("rules");
    let rule_args = ["--rules", rules.to_str().unwrap(), "--rules", bundled.to_str().unwrap()];

    let mut in_archives: BTreeSet<(String, String, String)> = BTreeSet::new();
    let report = scan_json(&packed, &rule_args);
    assert_eq!(report["errors"], serde_json::json!([]), "every member read");
    for file in report["files"].as_array().unwrap() {
        let chain = members(file);
        if chain.is_empty() {
            continue;
        }
        let archive = Path::new(file["path"].as_str().unwrap()).file_name().unwrap();
        let archive = archive.to_string_lossy().into_owned();
        for rule in rules_of(file) {
            let _ = in_archives.insert((archive.clone(), unpacked_path(&chain), rule));
        }
    }
    let mut no_archives = rule_args.to_vec();
    no_archives.push("--no-archives");
    let mut in_copies: BTreeSet<(String, String, String)> = BTreeSet::new();
    for file in scan_json(&unpacked, &no_archives)["files"].as_array().unwrap() {
        let relative = Path::new(file["path"].as_str().unwrap()).strip_prefix(&unpacked).unwrap();
        let mut parts = relative.iter().map(|p| p.to_string_lossy().into_owned());
        let archive = parts.next().unwrap();
        let rest: Vec<String> = parts.collect();
        for rule in rules_of(file) {
            let _ = in_copies.insert((archive.clone(), rest.join("/"), rule));
        }
    }
    for artifact in &artifacts {
        let name = artifact.file_name().unwrap().to_string_lossy().into_owned();
        let of = |pairs: &BTreeSet<(String, String, String)>| -> BTreeSet<(String, String)> {
            pairs.iter().filter(|p| p.0 == name).map(|p| (p.1.clone(), p.2.clone())).collect()
        };
        let (found, expected) = (of(&in_archives), of(&in_copies));
        eprintln!("{name}: {} (member, rule) pairs", expected.len());
        assert!(expected.len() >= 3, "{name}: the rules hit its files: {expected:?}");
        assert_eq!(found, expected, "{name}: the pairs of its unpacked copy");
    }
}
