//! The `msi` module against msitools. The packages are built at test time
//! by `wixl` from tests/data/msi/*.wxs; `msiinfo` (the same package)
//! lists their tables, streams and summary information and exports every
//! table, and each value must be what `spoor dump --module msi` reports.
//! One package is signed with `osslsigncode` (a self-signed certificate
//! made by `openssl`), whose verdict on it and on a tampered copy must be
//! the module's. Under CI a missing tool is a failure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value as Json;
use spoor::modules::{self, dump};
use spoor::types::Type;

use crate::modules_pe_fuzz::{CpuClock, TIME_LIMIT, mutate};
use crate::util::repo;
use crate::util::rng::Rng;

/// Files the .wxs sources install, written next to them before a build.
const PAYLOADS: &[&str] = &[
    "readme.txt",
    "helper.bin",
    "tool.exe",
    "lib.dll",
    "one.txt",
    "two.txt",
    "three.txt",
    "core.dat",
];

/// Whether every tool in `tools` runs; under CI a missing one fails.
fn at_hand(tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| {
            Command::new("sh")
                .args(["-c", &format!("command -v {t}")])
                .output()
                .map_or(true, |o| !o.status.success())
        })
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "missing under CI: {missing:?}");
    eprintln!("note: {missing:?} not installed; test skipped");
    false
}

fn run(program: &str, args: &[&str], dir: &Path) -> String {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("TZ", "UTC")
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Builds every .wxs of tests/data/msi in `dir`; the packages' paths.
fn build_packages(dir: &Path) -> Vec<PathBuf> {
    for (i, payload) in PAYLOADS.iter().enumerate() {
        std::fs::write(dir.join(payload), format!("payload {i}\n").repeat(i + 1)).unwrap();
    }
    let mut sources: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/data/msi"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wxs"))
        .collect();
    sources.sort();
    sources
        .iter()
        .map(|source| {
            let out = dir.join(source.file_stem().unwrap()).with_extension("msi");
            let arch = if out.ends_with("actions.msi") { "x64" } else { "x86" };
            run("wixl", &["-a", arch, "-o", out.to_str().unwrap(), source.to_str().unwrap()], dir);
            out
        })
        .collect()
}

fn dump_msi(path: &Path) -> Json {
    dump::dump(modules::find("msi").unwrap().1, &std::fs::read(path).unwrap())
}

/// Counts compared values and keeps the mismatches.
#[derive(Default)]
struct Tally {
    compared: usize,
    mismatches: Vec<String>,
}

impl Tally {
    fn check(&mut self, what: String, ours: &Json, theirs: &Json) {
        self.compared += 1;
        if ours != theirs {
            self.mismatches.push(format!("{what}: spoor {ours}, msiinfo {theirs}"));
        }
    }
}

/// `msiinfo export`'s type code of a column (`s72`, `I2`, `v0`, `L0`):
/// binary columns are exactly `0x0900` (plus the nullable bit).
fn type_code(kind: i64) -> String {
    let letter = if kind & !0x1000 == 0x0900 {
        'v'
    } else if kind & 0x0800 == 0 {
        'i'
    } else if kind & 0x0200 != 0 {
        'l'
    } else {
        's'
    };
    let letter = if kind & 0x1000 != 0 { letter.to_ascii_uppercase() } else { letter };
    format!("{letter}{}", kind & 0xFF)
}

/// Seconds since the epoch as C's `ctime` writes them in UTC.
fn ctime(seconds: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (days, rest) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{} {} {day:2} {:02}:{:02}:{:02} {year}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// Compares one package with msiinfo's view of it.
fn compare(package: &Path, tally: &mut Tally) {
    let dir = package.parent().unwrap();
    let name = package.file_name().unwrap().to_str().unwrap();
    let ours = dump_msi(package);
    tally.check(format!("{name} is_msi"), &ours["is_msi"], &Json::Bool(true));
    tally.check(format!("{name} is_signed"), &ours["is_signed"], &Json::Bool(false));

    // Tables, in _Tables order (msiinfo lists two pseudo-tables first).
    let listed: Vec<Json> = run("msiinfo", &["tables", name], dir)
        .lines()
        .filter(|t| !t.starts_with("_SummaryInformation") && !t.starts_with("_ForceCodepage"))
        .map(Json::from)
        .collect();
    let tables = ours["tables"].as_array().cloned().unwrap_or_default();
    let our_names: Vec<Json> = tables.iter().map(|t| t["name"].clone()).collect();
    tally.check(format!("{name} tables"), &Json::from(our_names), &Json::from(listed.clone()));
    tally.check(
        format!("{name} number_of_tables"),
        &ours["number_of_tables"],
        &Json::from(listed.len()),
    );

    for table in &tables {
        let table_name = table["name"].as_str().unwrap();
        let export = run("msiinfo", &["export", name, table_name], dir);
        let mut lines = export.split("\r\n").filter(|l| !l.is_empty());
        let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
        let types: Vec<&str> = lines.next().unwrap().split('\t').collect();
        let _keys = lines.next();
        let mut rows: Vec<Vec<&str>> = lines.map(|l| l.split('\t').collect()).collect();
        let columns = table["columns"].as_array().unwrap();
        let label = format!("{name} {table_name}");
        let names: Vec<&str> = columns.iter().map(|c| c["name"].as_str().unwrap()).collect();
        tally.check(format!("{label} columns"), &Json::from(names), &Json::from(header));
        let codes: Vec<String> =
            columns.iter().map(|c| type_code(c["type"].as_i64().unwrap())).collect();
        tally.check(format!("{label} column types"), &Json::from(codes), &Json::from(types));
        tally.check(
            format!("{label} number_of_rows"),
            &table["number_of_rows"],
            &Json::from(rows.len()),
        );
        let mut our_rows: Vec<Vec<String>> = serde_json::from_value(table["rows"].clone()).unwrap();
        our_rows.sort();
        rows.sort();
        for (i, (a, b)) in our_rows.iter().zip(&rows).enumerate() {
            tally.check(format!("{label} row {i}"), &Json::from(a.clone()), &Json::from(b.clone()));
        }
    }

    // Properties against the exported Property table.
    let export = run("msiinfo", &["export", name, "Property"], dir);
    let expected: BTreeMap<String, Json> = export
        .split("\r\n")
        .skip(3)
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, v)| (k.to_owned(), Json::from(v)))
        .collect();
    tally.check(
        format!("{name} properties"),
        &ours["properties"],
        &serde_json::to_value(expected).unwrap(),
    );

    // Streams that are not tables.
    let mut streams: Vec<Json> =
        run("msiinfo", &["streams", name], dir).lines().map(Json::from).collect();
    streams.sort_by_key(ToString::to_string);
    let mut ours_streams: Vec<Json> =
        ours["streams"].as_array().unwrap().iter().map(|s| s["name"].clone()).collect();
    ours_streams.sort_by_key(ToString::to_string);
    tally.check(format!("{name} streams"), &Json::from(ours_streams), &Json::from(streams));

    // Summary information.
    let summary = &ours["summary"];
    for line in run("msiinfo", &["suminfo", name], dir).lines() {
        let Some((key, value)) = line.split_once(": ") else { continue };
        let number = |v: &str| Json::from(v.split(' ').next().unwrap().parse::<i64>().unwrap());
        let time =
            |field: &str| summary[field].as_i64().map_or(Json::Null, |t| Json::from(ctime(t)));
        let (field, ours, theirs) = match key {
            "Title" => ("title", summary["title"].clone(), Json::from(value)),
            "Subject" => ("subject", summary["subject"].clone(), Json::from(value)),
            "Author" => ("author", summary["author"].clone(), Json::from(value)),
            "Keywords" => ("keywords", summary["keywords"].clone(), Json::from(value)),
            "Comments" => ("comments", summary["comments"].clone(), Json::from(value)),
            "Template" => ("template", summary["template"].clone(), Json::from(value)),
            "Revision number (UUID)" => {
                ("revision_number", summary["revision_number"].clone(), Json::from(value))
            }
            "Application" => {
                ("creating_application", summary["creating_application"].clone(), Json::from(value))
            }
            "Created" => ("create_time", time("create_time"), Json::from(value)),
            "Last saved" => ("last_save_time", time("last_save_time"), Json::from(value)),
            "Version" => ("page_count", summary["page_count"].clone(), number(value)),
            "Source" => ("word_count", summary["word_count"].clone(), number(value)),
            "Security" => ("security", summary["security"].clone(), number(value)),
            other => panic!("msiinfo suminfo prints an unknown line `{other}`"),
        };
        tally.check(format!("{name} summary.{field}"), &ours, &theirs);
    }
}

#[test]
fn msi_matches_msiinfo_on_built_packages() {
    if !at_hand(&["wixl", "msiinfo"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let packages = build_packages(dir.path());
    let mut tally = Tally::default();
    for package in &packages {
        compare(package, &mut tally);
    }
    eprintln!("{} packages, {} values compared", packages.len(), tally.compared);
    assert!(tally.mismatches.is_empty(), "{}", tally.mismatches.join("\n"));
    assert!(packages.len() >= 3 && tally.compared >= 300, "too little compared");
}

#[test]
fn signatures_verify_as_osslsigncode_says() {
    if !at_hand(&["wixl", "openssl", "osslsigncode"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let package = build_packages(d).into_iter().find(|p| p.ends_with("simple.msi")).unwrap();
    run(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "30",
            "-subj",
            "/CN=spoor test signer/O=Spoor",
        ],
        d,
    );
    let package_name = package.file_name().unwrap().to_str().unwrap();
    run(
        "osslsigncode",
        &[
            "sign",
            "-certs",
            "cert.pem",
            "-key",
            "key.pem",
            "-n",
            "Spoor Test",
            "-in",
            package_name,
            "-out",
            "signed.msi",
        ],
        d,
    );
    let signed = dump_msi(&d.join("signed.msi"));
    assert_eq!(signed["is_signed"], true);
    let signature = &signed["signatures"][0];
    assert_eq!(signature["verified"], true, "{signature:#}");
    assert_eq!(signature["digest"], signature["file_digest"]);
    assert_eq!(signature["subject"], "/CN=spoor test signer/O=Spoor");
    assert_eq!(signature["signer_info"]["program_name"], "Spoor Test");

    // The same signature over a changed property value no longer verifies,
    // for osslsigncode as for the module.
    let mut bytes = std::fs::read(d.join("signed.msi")).unwrap();
    let at = bytes.windows(12).position(|w| w == b"custom value").expect("property text");
    bytes[at] = b'C';
    std::fs::write(d.join("tampered.msi"), &bytes).unwrap();
    let verify = Command::new("osslsigncode")
        .args(["verify", "-in", "tampered.msi"])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(!verify.status.success(), "osslsigncode accepts the tampered package");
    let tampered = dump_msi(&d.join("tampered.msi"));
    assert_eq!(tampered["signatures"][0]["verified"], false);
    assert_ne!(tampered["signatures"][0]["digest"], tampered["signatures"][0]["file_digest"]);
}

#[test]
fn rules_read_msi_tables_and_properties() {
    if !at_hand(&["wixl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    build_packages(dir.path());
    let rules = r#"import "msi"
rule msi_custom_dll { condition: for any t in msi.tables : (t.name == "CustomAction"
    and for any r in t.rows : (r[0] == "RunHelper" and r[2] == "helper")) }
rule msi_product { condition: msi.properties["ProductName"] == "Many Files" and msi.summary.page_count == 301 }
rule msi_binary_stream { condition: for any s in msi.streams : (s.name == "Binary.helper") }
rule msi_unsigned { condition: msi.is_msi and not msi.is_signed and not defined msi.signatures[0] }
"#;
    let out = crate::util::scan_output(rules, dir.path());
    let mut lines: Vec<String> = out
        .lines()
        .map(|l| {
            let (rule, path) = l.split_once(' ').unwrap();
            format!("{rule} {}", Path::new(path).file_name().unwrap().to_str().unwrap())
        })
        .collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "msi_binary_stream actions.msi",
            "msi_custom_dll actions.msi",
            "msi_product many.msi",
            "msi_unsigned actions.msi",
            "msi_unsigned many.msi",
            "msi_unsigned simple.msi",
        ]
    );
}

/// 100,000 mutants of the built packages (`SPOOR_FUZZ_ITERATIONS` to
/// change): no panic, none slower than [`TIME_LIMIT`].
#[test]
fn msi_parser_survives_mutated_packages() {
    if !at_hand(&["wixl"]) {
        return;
    }
    let iterations: usize =
        std::env::var("SPOOR_FUZZ_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let seeds: Vec<Vec<u8>> =
        build_packages(dir.path()).iter().map(|p| std::fs::read(p).unwrap()).collect();
    let module = modules::find("msi").unwrap().1;
    let mut rng = Rng(0x3151_5eed_0000_0001);
    let mut slowest = Duration::ZERO;
    for i in 0..iterations {
        let input = mutate(&seeds[i % seeds.len()], &mut rng);
        let start = CpuClock::now();
        let parsed = module.parse(&input);
        let _ = dump::to_json(&parsed.value, &Type::Struct(module.declaration()));
        let took = start.elapsed();
        assert!(took < TIME_LIMIT, "msi input {i} took {took:?}");
        slowest = slowest.max(took);
    }
    eprintln!("{iterations} mutated msi files, slowest {slowest:?}");
}
