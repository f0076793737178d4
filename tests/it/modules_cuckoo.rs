//! The `cuckoo` module and `--module-data` against live YARA-X (the PyPI
//! `yara_x` package): every function over sandbox reports written here,
//! each matching, not matching, and the malformed reports YARA-X refuses
//! (spoor refuses them before scanning, exit 2). Under CI `yara_x` must be
//! importable.

use std::path::Path;
use std::process::Command;

use crate::util::spoor;

/// One rule per function, each asking for something the reports below
/// hold in some and lack in others.
const RULES: &str = r#"import "cuckoo"
rule dns { condition: cuckoo.network.dns_lookup(/evil\.example/) }
rule request { condition: cuckoo.network.http_request(/gate\.php/) }
rule get { condition: cuckoo.network.http_get(/gate\.php/) }
rule post { condition: cuckoo.network.http_post(/gate\.php/) }
rule agent { condition: cuckoo.network.http_user_agent(/^Mozilla\/4\.0 \(compatible; MSIE/) }
rule host { condition: cuckoo.network.host(/^10\.0\.0\./) }
rule tcp { condition: cuckoo.network.tcp(/^10\.0\.0\.5$/, 443) }
rule udp { condition: cuckoo.network.udp(/8\.8\.8\.8|dns\.example/, 53) }
rule mutex { condition: cuckoo.sync.mutex(/^Global\\Spoor/) }
rule file { condition: cuckoo.filesystem.file_access(/(?i)\\appdata\\.*\.exe$/) }
rule key { condition: cuckoo.registry.key_access(/\\CurrentVersion\\Run/) }
rule nothing { condition: not cuckoo.network.host(/./) and not cuckoo.sync.mutex(/./) }
"#;

/// Reports: full ones, partial ones, near misses and malformed ones.
const REPORTS: &[&str] = &[
    r#"{"network":{"domains":[{"domain":"cdn.evil.example","ip":"1.2.3.4"}],
        "http":[{"uri":"http://evil.example/gate.php","method":"POST","user-agent":"Mozilla/4.0 (compatible; MSIE 6.0)"}],
        "hosts":["10.0.0.5"],"tcp":[{"dst":"10.0.0.5","dport":443}],"udp":[{"dst":"8.8.8.8","dport":53}]},
       "behavior":{"summary":{"mutexes":["Global\\SpoorMutex"],"files":["C:\\Users\\a\\AppData\\x.EXE"],
        "keys":["HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\x"]}}}"#,
    r#"{"network":{"http":[{"uri":"/gate.php","method":"get"}]}}"#,
    r#"{"network":{"http":[{"uri":"/gate.php","method":"PUT"}]}}"#,
    r#"{"network":{"http":[{"uri":"/gate.php"}]}}"#,
    r#"{"network":{"http":[{"method":"GET","user-agent":"curl"}]}}"#,
    r#"{"network":{"dns":[{"hostname":"evil.example"}]}}"#,
    r#"{"network":{"dns":[{"hostname":"evil.example"}],"domains":[{"domain":"good.example"}]}}"#,
    r#"{"network":{"domains":null,"dns":[{"hostname":"evil.example"}]}}"#,
    r#"{"network":{"domains":[{"domain":"evil.example"}],"dns":5}}"#,
    r#"{"network":{"dns":[{"hostname":"a"}],"dns":[{"hostname":"evil.example"}]}}"#,
    r#"{"network":{"tcp":[{"dst":"10.0.0.5","dport":80}],"udp":[{"dst_domain":"dns.example","dport":53}]}}"#,
    r#"{"network":{"tcp":[{"dst":"10.0.0.6","dst_domain":"10.0.0.5","dport":443}]}}"#,
    r#"{"network":{"tcp":[{"dst":"10.0.0.5"}],"hosts":["10.0.0.9",  "192.168.0.1"]}}"#,
    r#"{"network":{"tcp":[["10.0.0.5",null,443]]}}"#,
    r#"[{"hosts":["10.0.0.1"]},{"summary":{"mutexes":["Global\\Spoor"]}}]"#,
    r#"{"behavior":{"summary":[["Global\\Spoor"],[],[]]}}"#,
    r#"{"behavior":{"summary":{"files":["c:\\appdata\\a.exe"],"keys":["HKLM\\X"]}},"extra":{"x":[1]}}"#,
    r#"{"behavior":{"processes":[]},"network":null}"#,
    r#"{}"#,
    "",
    // Malformed: YARA-X refuses each.
    "{",
    "[]",
    "null",
    r#"{"network":[]}"#,
    r#"{"network":{"hosts":[1]}}"#,
    r#"{"network":{"tcp":[{"dst":"10.0.0.5","dport":-443}]}}"#,
    r#"{"network":{"tcp":[{"dst":"10.0.0.5","dport":"443"}]}}"#,
    r#"{"network":{"http":[["/gate.php","GET"]]}}"#,
    r#"{"network":{"domains":5,"dns":[]}}"#,
    r#"{"behavior":{"summary":{"mutexes":[null]}}}"#,
    r#"{"behavior":{"summary":{"keys":[],"keys":[]}}}"#,
    r#"{"network":{},"network":{}}"#,
    r#"{} trailing"#,
];

/// YARA-X's verdict per report: the matching rules, sorted, or `None`
/// when it refuses the report.
fn yara_x_verdicts(dir: &Path) -> Option<Vec<Option<Vec<String>>>> {
    let script = r#"
import json, sys, yara_x
rules = yara_x.compile(open(sys.argv[1]).read())
scanner = yara_x.Scanner(rules)
out = []
for report in json.load(open(sys.argv[2])):
    options = yara_x.ScanOptions()
    options.set_module_metadata("cuckoo", report.encode())
    try:
        out.append(sorted(r.identifier for r in scanner.scan_with_options(b"", options).matching_rules))
    except yara_x.ScanError:
        out.append(None)
print(json.dumps(out))
"#;
    std::fs::write(dir.join("reports.json"), serde_json::to_string(REPORTS).unwrap()).unwrap();
    let importable = Command::new("python3").args(["-c", "import yara_x"]).output();
    if !importable.is_ok_and(|o| o.status.success()) {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "yara_x is not importable");
        eprintln!("note: yara_x is not importable; test skipped");
        return None;
    }
    let output = Command::new("python3")
        .args(["-c", script])
        .arg(dir.join("rules.yar"))
        .arg(dir.join("reports.json"))
        .output()
        .expect("python3 runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    Some(serde_json::from_slice(&output.stdout).expect("JSON"))
}

/// spoor's verdict on one report: matching rules, or `None` for exit 2.
fn spoor_verdict(dir: &Path, report: &str) -> Option<Vec<String>> {
    let path = dir.join("report.json");
    std::fs::write(&path, report).unwrap();
    let output = spoor()
        .args(["scan", "--rules"])
        .arg(dir.join("rules.yar"))
        .arg("-x")
        .arg(format!("cuckoo={}", path.display()))
        .arg(dir.join("sample"))
        .output()
        .unwrap();
    match output.status.code() {
        Some(2) => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(stderr.contains("invalid cuckoo report"), "{stderr}");
            None
        }
        Some(0 | 1) => {
            let stdout = String::from_utf8_lossy(&output.stdout);
            let mut rules: Vec<String> =
                stdout.lines().filter_map(|l| l.split(' ').next()).map(str::to_owned).collect();
            rules.sort();
            Some(rules)
        }
        other => panic!("spoor exited with {other:?}"),
    }
}

#[test]
fn cuckoo_functions_match_yara_x_on_reports() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rules.yar"), RULES).unwrap();
    std::fs::write(dir.path().join("sample"), b"any input").unwrap();
    let Some(expected) = yara_x_verdicts(dir.path()) else { return };
    let mut mismatches = Vec::new();
    let (mut matched, mut refused) = (0, 0);
    for (report, expected) in REPORTS.iter().zip(&expected) {
        let ours = spoor_verdict(dir.path(), report);
        if ours != *expected {
            mismatches.push(format!("{report}: spoor {ours:?}, YARA-X {expected:?}"));
        }
        matched += expected.as_ref().map_or(0, Vec::len);
        refused += usize::from(expected.is_none());
    }
    eprintln!("{} reports, {matched} rule matches, {refused} refused", REPORTS.len());
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    // Every function matched somewhere and failed to somewhere.
    for rule in
        ["dns", "request", "get", "post", "agent", "host", "tcp", "udp", "mutex", "file", "key"]
    {
        let hits = expected.iter().flatten().filter(|m| m.iter().any(|r| r == rule)).count();
        assert!(hits > 0 && hits < expected.len(), "{rule}: {hits} reports match");
    }
}

#[test]
fn module_data_errors_stop_before_scanning() {
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("sample");
    std::fs::write(&sample, b"x").unwrap();
    let rules = dir.path().join("rules.yar");
    std::fs::write(&rules, RULES).unwrap();
    let report = dir.path().join("r.json");
    std::fs::write(&report, "{}").unwrap();
    let cases: [(Vec<String>, &str); 4] = [
        (
            vec!["-x".into(), "pe=".to_owned() + report.to_str().unwrap()],
            "module `pe` takes no data",
        ),
        (vec!["--module-data".into(), "cuckoo=/no/such/report".into()], "/no/such/report"),
        (vec!["-x".into(), "nosuch=".to_owned() + report.to_str().unwrap()], "unknown module"),
        (vec!["-x".into(), "cuckoo".into()], "is not NAME=FILE"),
    ];
    for (args, message) in cases {
        let output =
            spoor().arg("scan").arg("-r").arg(&rules).args(&args).arg(&sample).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

#[test]
fn dump_of_cuckoo_needs_and_shows_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("sample");
    std::fs::write(&sample, b"x").unwrap();
    let without = spoor().args(["dump", "--module", "cuckoo"]).arg(&sample).output().unwrap();
    assert_eq!(without.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&without.stderr).contains("--module-data cuckoo=FILE"));
    let report = dir.path().join("r.json");
    std::fs::write(&report, REPORTS[5]).unwrap();
    let with = spoor()
        .args(["dump", "--module", "cuckoo", "-x"])
        .arg(format!("cuckoo={}", report.display()))
        .arg(&sample)
        .output()
        .unwrap();
    assert!(with.status.success());
    let json: serde_json::Value = serde_json::from_slice(&with.stdout).unwrap();
    assert_eq!(json["module_data"]["network"]["domains"], serde_json::json!(["evil.example"]));
}

/// 100,000 mutants of the reports above (`SPOOR_FUZZ_ITERATIONS` to
/// change): decoding never panics nor takes longer than [`TIME_LIMIT`],
/// and a decoded report answers every function.
#[test]
fn report_decoder_survives_mutated_reports() {
    use crate::modules_pe_fuzz::{CpuClock, TIME_LIMIT, mutate};
    use crate::util::rng::Rng;
    let iterations: usize =
        std::env::var("SPOOR_FUZZ_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let module = spoor::modules::find("cuckoo").unwrap().1;
    let mut rng = Rng(0xc0c0_5eed_0000_0001);
    let (mut decoded, mut slowest) = (0, std::time::Duration::ZERO);
    for i in 0..iterations {
        let input = mutate(REPORTS[i % 20].as_bytes(), &mut rng);
        let start = CpuClock::now();
        if let Ok(report) = module.decode_input(&input) {
            decoded += 1;
            let _ = spoor::modules::dump::dump_with(module, b"", Some(&report));
        }
        let took = start.elapsed();
        assert!(took < TIME_LIMIT, "report {i} took {took:?}");
        slowest = slowest.max(took);
    }
    eprintln!("{iterations} mutated reports ({decoded} decoded), slowest {slowest:?}");
}
