use super::*;

fn fmt(text: &str) -> String {
    let out = format(&SourceFile::new("t.yar", text), &Style::default()).expect("formats");
    let again = format(&SourceFile::new("t.yar", out.as_str()), &Style::default()).unwrap();
    assert_eq!(again, out, "formatting is idempotent");
    out
}

#[test]
fn canonical_layout() {
    let input = r#"import "pe"
// the rule
rule  demo:t1 t2{meta:author="me" // who
 n=-1 strings: $a="x" wide  ascii
 $long={4d 5a??[2-4](01|02)} /* after */
 $r=/ab+/i condition:$a and   #long > 0 // end
}"#;
    let want = r#"import "pe"

// the rule
rule demo : t1 t2 {
  meta:
    author = "me" // who
    n      = -1
  strings:
    $a    = "x" ascii wide
    $long = { 4D 5A ?? [2-4] ( 01 | 02 ) } /* after */
    $r    = /ab+/i
  condition:
    $a and #long > 0 // end
}
"#;
    assert_eq!(fmt(input), want);
}

#[test]
fn comments_in_hex_strings_and_conditions_stay_in_place() {
    let input = "rule r {\nstrings:\n$a = { 4d 5a // MZ\n 90 00 /* x */\n }\ncondition:\n\
                 // first\n$a and\n  /* why */ filesize < 10 }\n";
    let want = "rule r {\n  strings:\n    $a = { 4D 5A // MZ\n      90 00 /* x */\n    }\n  \
                condition:\n    // first\n    $a and\n    /* why */ filesize < 10\n}\n";
    assert_eq!(fmt(input), want);
}

#[test]
fn comments_inside_one_line_parts_move_before_them() {
    let input = "rule /* a */ r { meta: k /* b */ = 1 strings: $a = \"x\" /* c */ wide \
                 condition: $a }";
    let want = "/* a */\nrule r {\n  meta:\n    /* b */\n    k = 1\n  strings:\n    /* c */\n    \
                $a = \"x\" wide\n  condition:\n    $a\n}\n";
    assert_eq!(fmt(input), want);
}

#[test]
fn blank_lines_between_rules_are_one() {
    let input = "rule a { condition: true }\n\n\n\n// b\n\nrule b { condition: a }\nrule c { condition: b }";
    let want = "rule a {\n  condition:\n    true\n}\n\n// b\n\nrule b {\n  condition:\n    a\n}\n\n\
                rule c {\n  condition:\n    b\n}\n";
    assert_eq!(fmt(input), want);
}

#[test]
fn long_conditions_wrap() {
    let long = (0..20).map(|i| format!("$s{i}")).collect::<Vec<_>>().join(" or ");
    let input = format!(
        "rule r {{ strings: {} condition: uint16(0) == 0x5A4D and ({long}) }}",
        (0..20).map(|i| format!("$s{i} = \"{i}\"")).collect::<String>()
    );
    let out = fmt(&input);
    assert!(out.contains("    uint16(0) == 0x5A4D and\n    ($s0 or\n      $s1 or\n"), "{out}");
    assert!(out.lines().all(|l| l.len() <= Style::DEFAULT_WIDTH), "{out}");
}

#[test]
fn files_that_do_not_parse_are_refused() {
    let err = format(&SourceFile::new("t.yar", "rule {"), &Style::default()).unwrap_err();
    assert!(matches!(err, FormatError::Parse(_)));
}
