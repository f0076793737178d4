use super::*;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const RULE: &str = r#"rule Hit { strings: $a = "evil" condition: $a }
rule Other { strings: $b = "other" condition: $b }
"#;

#[test]
fn cases_pass_and_fail_with_sentences_naming_rule_and_sample() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "x.yar", RULE);
    let test = write(
        dir.path(),
        "x.test.toml",
        r#"
[[case]]
name = "positive"
text = "an evil string"
matches = ["Hit"]
not_matches = ["Other"]
strings = [{ rule = "Hit", pattern = "$a", offset = 3 }]

[[case]]
name = "broken"
hex = "00 01"
matches = ["Hit"]
strings = [{ rule = "Hit", pattern = "$a" }]
"#,
    );
    let results = run_file(&test);
    assert_eq!(results.len(), 2);
    assert!(results[0].passed(), "{:?}", results[0].failures);
    assert_eq!(
        results[1].failures,
        vec![
            "rule `Hit` was expected to match sample `broken`, but did not".to_owned(),
            "rule `Hit` was expected to match `$a` in sample `broken`, but did not".to_owned(),
        ]
    );
}

#[test]
fn a_bad_test_file_or_rule_is_one_failed_case() {
    let dir = tempfile::tempdir().unwrap();
    let bad_toml = write(dir.path(), "a.test.toml", "[[case]]\nnmae = 1\n");
    assert!(!run_file(&bad_toml)[0].passed());
    write(dir.path(), "b.yar", "rule { condition: true }");
    let bad_rule = write(dir.path(), "b.test.toml", "[[case]]\ntext = \"x\"\n");
    let results = run_file(&bad_rule);
    assert!(results[0].failures[0].contains("do not compile"), "{results:?}");
}

#[test]
fn discovery_finds_test_files_below_directories() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    write(dir.path(), "sub/z.test.toml", "");
    write(dir.path(), "a.test.toml", "");
    write(dir.path(), "a.yar", RULE);
    let found = discover(&[dir.path().to_owned()]);
    let names: Vec<_> =
        found.iter().map(|p| p.strip_prefix(dir.path()).unwrap().to_owned()).collect();
    assert_eq!(names, [PathBuf::from("a.test.toml"), PathBuf::from("sub/z.test.toml")]);
}
