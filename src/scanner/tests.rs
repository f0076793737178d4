//! How the scanner searches and reports: laziness, anchored patterns,
//! strings, caps, timeouts, files. Condition semantics are tested from rule
//! text in `tests/eval_conditions.rs`.

use std::time::Instant;

use super::*;
use crate::compiler::Compiler;
use crate::results::Outcome;

fn compile(source: &str) -> Rules {
    let mut compiler = Compiler::new();
    compiler.add_source(source, "<test>");
    compiler.build().unwrap_or_else(|d| panic!("{:?}", d[0]))
}

fn names(results: &ScanResults) -> Vec<&str> {
    results.matching_rules().iter().map(|m| m.rule.as_str()).collect()
}

fn offsets(results: &ScanResults, rule: usize) -> Vec<(&str, u64)> {
    results.matching_rules()[rule].strings.iter().map(|s| (s.id.as_str(), s.offset)).collect()
}

#[test]
fn a_condition_decided_without_patterns_triggers_no_search() {
    let rules = compile(
        r#"rule small { strings: $a = "needle" condition: filesize < 10 and $a }
           rule large { strings: $b = "other" condition: filesize > 10 or $b }"#,
    );
    let mut scanner = Scanner::new(&rules);
    let results = scanner.scan_bytes(&vec![b'n'; 1 << 16]).unwrap();
    assert_eq!(names(&results), ["large"]);
    assert_eq!(scanner.stats().searches, 0, "both rules are decided by filesize");
    let results = scanner.scan_bytes(b"a needle").unwrap();
    assert_eq!(names(&results), ["small"]);
    assert_eq!(scanner.stats().searches, 1);
    assert_eq!(scanner.stats().inputs, 2);
}

#[test]
fn anchored_patterns_are_checked_in_place_and_report_one_match() {
    let rules = compile(r#"rule r { strings: $a = "ab" condition: $a at 0 }"#);
    let mut scanner = Scanner::new(&rules);
    scanner.options_mut().print_strings = true;
    let results = scanner.scan_bytes(b"abababab").unwrap();
    // YARA-X, too, reports only the anchored match of `$a at 0`.
    assert_eq!(offsets(&results, 0), [("$a", 0)]);
    assert_eq!(results.matching_rules()[0].strings[0].data, b"ab");
    let stats = scanner.stats();
    assert_eq!((stats.searches, stats.anchored_checks), (0, 1));
}

#[test]
fn a_pattern_also_used_elsewhere_is_searched_and_private_ones_are_not_reported() {
    let rules = compile(
        r#"rule r { strings: $a = "ab" $b = "ba" private condition: $a at 0 and #a > 1 and $b }"#,
    );
    let mut scanner = Scanner::new(&rules);
    scanner.options_mut().print_strings = true;
    let results = scanner.scan_bytes(b"abababab").unwrap();
    assert_eq!(offsets(&results, 0), [("$a", 0), ("$a", 2), ("$a", 4), ("$a", 6)]);
    assert_eq!(scanner.stats().anchored_checks, 0);
}

#[test]
fn print_strings_searches_for_rules_decided_without_patterns() {
    let rules = compile(r#"rule r { strings: $a = "ab" condition: filesize > 0 or $a }"#);
    let mut scanner = Scanner::new(&rules);
    assert!(scanner.scan_bytes(b"xab").unwrap().matching_rules()[0].strings.is_empty());
    assert_eq!(scanner.stats().searches, 0);
    scanner.options_mut().print_strings = true;
    let results = scanner.scan_bytes(b"xab").unwrap();
    assert_eq!(offsets(&results, 0), [("$a", 1)]);
    assert_eq!(scanner.stats().searches, 1);
}

#[test]
fn private_rules_and_rules_under_a_false_global_are_not_reported() {
    let rules = compile(
        r#"private rule p { condition: true }
           global rule g { condition: filesize > 2 }
           rule r { condition: p }"#,
    );
    let mut scanner = Scanner::new(&rules);
    assert_eq!(names(&scanner.scan_bytes(b"abc").unwrap()), ["g", "r"]);
    assert!(names(&scanner.scan_bytes(b"ab").unwrap()).is_empty());
}

/// Hash rules for other digests are never evaluated, yet they stay false
/// for every rule that reads them, global rules included, scan after scan.
#[test]
fn hash_rules_for_other_digests_are_false_without_being_evaluated() {
    let hello_md5 = "5d41402abc4b2a76b9719d911017c592";
    let rules = compile(&format!(
        r#"import "hash"
           global rule listed {{ condition: hash.md5(0, filesize) == "{hello_md5}" }}
           rule ioc_1 {{ condition: hash.md5(0, filesize) == "{}" }}
           rule after {{ condition: listed and not ioc_1 and filesize > 0 }}"#,
        "0".repeat(32)
    ));
    let mut scanner = Scanner::new(&rules);
    for _ in 0..2 {
        assert_eq!(names(&scanner.scan_bytes(b"hello").unwrap()), ["listed", "after"]);
        assert!(names(&scanner.scan_bytes(b"other").unwrap()).is_empty());
    }
    // Four scans: `listed` and `after` on each hello, `after` alone (its
    // global is false) on each other input; `ioc_1` never.
    assert_eq!(scanner.stats().conditions_evaluated, 4 + 2);
}

#[test]
fn a_false_global_rule_spares_its_namespace_the_search() {
    let rules = compile(
        r#"global private rule is_mz { condition: uint16(0) == 0x5A4D }
           rule r { strings: $a = "needle" condition: $a }"#,
    );
    let mut scanner = Scanner::new(&rules);
    assert!(names(&scanner.scan_bytes(b"ELF needle").unwrap()).is_empty());
    assert_eq!(scanner.stats().searches, 0);
    assert_eq!(names(&scanner.scan_bytes(b"MZ needle").unwrap()), ["r"]);
    assert_eq!(scanner.stats().searches, 1);
}

#[test]
fn the_match_cap_gives_a_warning() {
    let rules = compile(r#"rule r { strings: $a = "a" condition: $a }"#);
    let mut scanner = Scanner::new(&rules);
    scanner.options_mut().max_matches_per_pattern = 3;
    let results = scanner.scan_bytes(b"aaaaa").unwrap();
    assert_eq!(names(&results), ["r"]);
    assert_eq!(
        results.warnings(),
        ["pattern $a of rule r has too many matches: only the first 3 are kept"]
    );
}

#[test]
fn modules_are_parsed_once_and_only_when_read() {
    let rules = compile(
        r#"import "pe"
           rule r { condition: filesize < 10 or pe.is_pe or pe.number_of_sections > 0 }"#,
    );
    let mut scanner = Scanner::new(&rules);
    assert_eq!(names(&scanner.scan_bytes(b"x").unwrap()), ["r"]);
    assert_eq!(scanner.stats().module_parses, 0);
    assert!(names(&scanner.scan_bytes(&[0; 100]).unwrap()).is_empty());
    assert_eq!(scanner.stats().module_parses, 1);
}

#[test]
fn module_messages_are_logged_once_when_a_rule_waits_for_the_search() {
    let rules = compile(
        r#"import "console"
           rule r { strings: $a = "x" condition: console.log("seen") and $a }"#,
    );
    let mut scanner = Scanner::new(&rules);
    let results = scanner.scan_bytes(b"x").unwrap();
    assert_eq!(names(&results), ["r"]);
    assert_eq!(results.messages(), ["seen"]);
}

#[test]
fn a_long_evaluation_times_out() {
    let rules =
        compile("rule slow { condition: for all i in (0..9223372036854775807) : (i >= 0) }");
    let mut scanner = Scanner::new(&rules);
    scanner.options_mut().timeout = Some(Duration::from_millis(50));
    let started = Instant::now();
    assert!(matches!(scanner.scan_bytes(b""), Err(ScanError::Timeout { .. })));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn files_are_scanned_into_owned_reports() {
    use std::io::Write;
    let rules = compile(r#"rule greeting : t { meta: k = 1 strings: $a = "hello" condition: $a }"#);
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(b"say hello").unwrap();
    let mut scanner = Scanner::new(&rules);
    let report = scanner.scan_file_report(file.path(), &LoadOptions::default());
    assert_eq!(report.size, 9);
    let matched = &report.matches()[0];
    assert_eq!((matched.rule.as_str(), matched.namespace.as_str()), ("greeting", "default"));
    assert_eq!(matched.tags, ["t"]);
    assert_eq!(matched.meta, [("k".to_owned(), crate::results::MetaValue::Integer(1))]);
    let missing =
        scanner.scan_file_report(Path::new("/nonexistent/spoor"), &LoadOptions::default());
    assert!(matches!(missing.outcome, Outcome::Failed(_)));
}

#[test]
fn string_matches_carry_xor_keys_and_at_most_max_match_data_bytes() {
    let rules = compile(
        r#"rule r { strings: $x = "abc" xor(1-255) $long = /a{300}/ condition: $x and $long }"#,
    );
    let mut data: Vec<u8> = b"abc".iter().map(|b| b ^ 5).collect();
    data.push(b'-');
    data.extend([b'a'; 300]);
    let mut scanner = Scanner::new(&rules);
    scanner.options_mut().print_strings = true;
    let results = scanner.scan_bytes(&data).unwrap();
    let strings = &results.matching_rules()[0].strings;
    // As YARA-X reports them: ($x, 0, 3, key 5) and ($long, 4, 300).
    let found: Vec<_> =
        strings.iter().map(|s| (s.id.as_str(), s.offset, s.length, s.xor_key)).collect();
    assert_eq!(found, [("$x", 0, 3, Some(5)), ("$long", 4, 300, None)]);
    assert_eq!(strings[0].data, b"dgf");
    assert_eq!(strings[1].data.len(), crate::results::MAX_MATCH_DATA);
}

#[test]
fn external_variables_take_their_defined_values() {
    use crate::compiler::ir::Constant;
    let mut compiler = Compiler::new();
    compiler
        .define("size_limit", Constant::Integer(5))
        .define("ratio", Constant::Float(0.5))
        .define("owner", Constant::String(b"root".to_vec().into()))
        .define("strict", Constant::Bool(false));
    compiler.add_source(
        r#"rule r { condition: filesize < size_limit and ratio < 1 and owner iequals "ROOT"
                    and not strict and owner matches /^ro+t$/ }"#,
        "<test>",
    );
    let rules = compiler.build().unwrap();
    let mut scanner = Scanner::new(&rules);
    assert_eq!(names(&scanner.scan_bytes(b"abcd").unwrap()), ["r"]);
    assert!(names(&scanner.scan_bytes(b"abcde").unwrap()).is_empty());
}

#[test]
fn scanners_and_results_can_move_between_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<Scanner<'static>>();
    assert_send::<ScanResults>();
}

#[test]
fn rules_whose_required_patterns_or_guards_fail_are_not_evaluated() {
    let rules = compile(
        r#"rule a { strings: $a = "alpha" condition: $a and #a > 1 }
           rule b { strings: $b = "beta" $c = "gamma" condition: any of them }
           rule mz { strings: $m = "mz" condition: uint16(0) == 0x5A4D and (filesize > 1MB or $m) }
           rule free { strings: $f = "free" condition: not $f }"#,
    );
    let mut scanner = Scanner::new(&rules);
    let results = scanner.scan_bytes(b"alpha alpha gamma mz").unwrap();
    assert_eq!(names(&results), ["a", "b", "free"]);
    // `mz` fails its guard; `a`, `b` and `free` are evaluated once each
    // after the search, `a` also before it (it makes the search needed).
    assert_eq!(scanner.stats().conditions_evaluated, 4);
    let results = scanner.scan_bytes(b"MZ nothing to see").unwrap();
    assert_eq!(names(&results), ["free"]);
    // `a` before the search, `mz` and `free` after it; nothing matched for
    // `a` and `b`.
    assert_eq!(scanner.stats().conditions_evaluated, 4 + 3);
}

#[test]
fn a_rule_requires_its_patterns_with_atoms_before_its_slow_ones() {
    // `$ip` has no atom and would be searched over the whole input; the
    // rule requires `$a`, so a file without `$a` is not searched for it.
    let rules = compile(
        r#"rule ip { strings: $a = "macrosheet" $ip = /([0-9]{1,3}\.){3}[0-9]{1,3}/ condition: all of them }"#,
    );
    let slot = |name: &str| {
        let id = (rules.rule(RuleId(0)).patterns.clone())
            .find(|&p| rules.program().patterns[p as usize].name == name)
            .unwrap();
        match rules.plan(PatternId(id)) {
            Some(PatternPlan::Searched { slot }) => slot as u32,
            _ => panic!("{name} is searched"),
        }
    };
    assert_eq!(rules.required(RuleId(0)), Some(&[slot("$a")][..]));
    let mut scanner = Scanner::new(&rules);
    let results = scanner.scan_bytes(b"10.0.0.1 macrosheet").unwrap();
    assert_eq!(names(&results), ["ip"]);
    assert!(scanner.scan_bytes(b"10.0.0.1 but no sheet").unwrap().matching_rules().is_empty());
}

#[test]
fn identical_patterns_of_several_rules_share_one_search_slot() {
    let built = compile(
        r#"rule small { strings: $a = "needle" wide condition: filesize < 5 and $a }
           rule counted { strings: $x = "needle" wide $y = "needle" wide condition: #x == 2 and #y == 2 }
           rule plain { strings: $a = "needle" condition: $a }"#,
    );
    let slots: Vec<_> = (0..4).map(|p| built.plan(PatternId(p)).unwrap()).collect();
    assert_eq!([slots[1], slots[2]], [slots[0]; 2]);
    assert_ne!(slots[3], slots[0], "`ascii` and `wide` are different patterns");
    let loaded = Rules::deserialize(&built.serialize().unwrap()).unwrap();
    for rules in [&built, &loaded] {
        let mut scanner = Scanner::new(rules);
        scanner.options_mut().print_strings = true;
        // `small` is ruled out by the file size; `counted` still wants the
        // slot, and each of its patterns reports the matches.
        let results = scanner.scan_bytes(b"n\0e\0e\0d\0l\0e\0 n\0e\0e\0d\0l\0e\0").unwrap();
        assert_eq!(names(&results), ["counted"]);
        assert_eq!(offsets(&results, 0), [("$x", 0), ("$x", 13), ("$y", 0), ("$y", 13)]);
    }
}

#[test]
fn a_shared_slow_pattern_is_searched_while_one_of_its_rules_wants_it() {
    let rules = compile(
        r#"rule sheet { strings: $a = "macrosheet" $ip = /([0-9]{1,3}\.){3}[0-9]{1,3}/ condition: all of them }
           rule any_ip { strings: $ip = /([0-9]{1,3}\.){3}[0-9]{1,3}/ condition: $ip }"#,
    );
    let mut scanner = Scanner::new(&rules);
    // `sheet` is ruled out by its missing `$a`, `any_ip` is not.
    assert_eq!(names(&scanner.scan_bytes(b"10.0.0.1 but no sheet").unwrap()), ["any_ip"]);
    assert_eq!(names(&scanner.scan_bytes(b"10.0.0.1 macrosheet").unwrap()), ["sheet", "any_ip"]);
}

#[test]
fn the_match_cap_of_a_shared_slot_warns_for_each_pattern() {
    let rules = compile(
        r#"rule r { strings: $a = "a" condition: $a }
           rule s { strings: $b = "a" condition: $b }"#,
    );
    let mut scanner = Scanner::new(&rules);
    scanner.options_mut().max_matches_per_pattern = 3;
    let results = scanner.scan_bytes(b"aaaaa").unwrap();
    assert_eq!(names(&results), ["r", "s"]);
    assert_eq!(
        results.warnings(),
        [
            "pattern $a of rule r has too many matches: only the first 3 are kept",
            "pattern $b of rule s has too many matches: only the first 3 are kept"
        ]
    );
}

#[test]
fn the_profile_gives_a_shared_slot_to_its_first_pattern() {
    let rules = compile(
        r#"rule r { strings: $a = "abcdefgh" condition: $a }
           rule s { strings: $b = "abcdefgh" condition: $b }"#,
    );
    let profile = Arc::new(Mutex::new(profile::Profile::default()));
    {
        let options = ScanOptions { profile: Some(Arc::clone(&profile)), ..ScanOptions::default() };
        let mut scanner = Scanner::with_options(&rules, options);
        scanner.scan_bytes(b"abcdefgh abcdefgh abcdefgh").unwrap();
    }
    let report = profile.lock().unwrap().report(&rules, 10);
    let lines: Vec<_> =
        report.patterns.iter().map(|p| (p.pattern.as_str(), p.verifications)).collect();
    assert_eq!(lines, [("default:r $a (and 1 identical)", 3)]);
}

#[test]
fn a_rule_ruled_out_by_the_cheap_tests_reads_as_false_in_later_conditions() {
    let rules = compile(
        r#"rule mz { strings: $a = "needle" condition: uint16(0) == 0x5A4D and $a }
           rule found { strings: $a = "needle" condition: $a }
           rule neither { strings: $b = "other" condition: $b and not mz and not found }"#,
    );
    let mut scanner = Scanner::new(&rules);
    // `mz` fails its guard before the search, `found` is ruled out after
    // it; `neither` reads both as false.
    assert_eq!(names(&scanner.scan_bytes(b"ELF other").unwrap()), ["neither"]);
    assert_eq!(names(&scanner.scan_bytes(b"MZ other needle").unwrap()), ["mz", "found"]);
}

#[test]
fn patterns_of_an_of_at_a_constant_are_anchored() {
    let rules = compile(
        r#"rule r { strings: $a1 = "alpha" $a2 = "also" $b = "beta" condition: any of them at 0 }"#,
    );
    let mut scanner = Scanner::new(&rules);
    scanner.options_mut().print_strings = true;
    let results = scanner.scan_bytes(b"alpha beta alpha").unwrap();
    // As YARA-X: only the match at the offset is reported.
    assert_eq!(offsets(&results, 0), [("$a1", 0)]);
    assert_eq!(scanner.stats().searches, 0);
}
