//! `spoor test` (issue 12, acceptance 3): the bundled rules pass their
//! tests, a broken case fails naming rule, sample and expectation, and the
//! JUnit report validates against the common JUnit XML schema.

use std::path::Path;
use std::process::Command;

use crate::util::{repo, spoor};

#[test]
fn bundled_rules_pass_their_tests_with_a_positive_and_a_near_miss_each() {
    let out = spoor().arg("test").arg(repo().join("rules")).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let last = text.lines().last().unwrap();
    let passed: usize = last.split(' ').next().unwrap().parse().unwrap();
    assert_eq!(last, format!("{passed} passed, 0 failed"));
    assert!(passed >= 2 * spoor::bundled::RULES.len(), "{last}");
    assert!(text.contains(" near miss ... ok"), "{text}");
}

/// A test directory with one rule and one passing and one broken case.
fn broken_suite(dir: &Path) {
    std::fs::write(dir.join("demo.yar"), "rule Demo { strings: $a = \"evil\" condition: $a }\n")
        .unwrap();
    std::fs::write(
        dir.join("demo.test.toml"),
        r#"
[[case]]
name = "good"
text = "so evil"
matches = ["Demo"]

[[case]]
name = "broken"
hex = "4D 5A 90 00"
matches = ["Demo"]
"#,
    )
    .unwrap();
}

#[test]
fn a_broken_case_fails_naming_rule_sample_and_expectation() {
    let dir = tempfile::tempdir().unwrap();
    broken_suite(dir.path());
    let out = spoor().arg("test").arg(dir.path()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("demo.test.toml::good ... ok"), "{text}");
    assert!(text.contains("demo.test.toml::broken ... FAILED"), "{text}");
    assert!(
        text.contains("rule `Demo` was expected to match sample `broken`, but did not"),
        "{text}"
    );
    assert_eq!(text.lines().last(), Some("1 passed, 1 failed"));
}

#[test]
fn junit_output_validates_against_the_junit_schema() {
    let dir = tempfile::tempdir().unwrap();
    broken_suite(dir.path());
    let out = spoor().args(["test", "--format", "junit"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let xml = dir.path().join("report.xml");
    std::fs::write(&xml, &out.stdout).unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(r#"<testsuites name="spoor test" tests="2" failures="1""#), "{text}");
    assert!(text.contains("<failure message=\"rule `Demo` was expected"), "{text}");

    let Ok(lint) = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(repo().join("tests/data/junit.xsd"))
        .arg(&xml)
        .output()
    else {
        eprintln!("note: xmllint (Debian libxml2-utils) is absent; JUnit schema check skipped");
        return;
    };
    assert!(lint.status.success(), "{}", String::from_utf8_lossy(&lint.stderr));
}
