//! Tests of the checker through the public [`Compiler`] API: rule text in,
//! IR or diagnostics out.

use std::path::Path;
use std::sync::Arc;

use super::ir::{
    CmpOp, Constant, Expr, Iterable, OfItems, PatternId, PatternRef, Program, Quantifier, RuleId,
};
use super::{Compiler, Define};
use crate::diagnostics::codes;

fn compile(text: &str) -> Result<Program, Vec<(&'static str, String)>> {
    let mut compiler = Compiler::new();
    compiler.add_source(text, "test.yar");
    compiler.build().map(|rules| rules.program().clone()).map_err(|diags| {
        diags
            .iter()
            .map(|d| {
                let (line, col) = d.line_col().unwrap_or((0, 0));
                (d.code, format!("{line}:{col} {}", d.message))
            })
            .collect()
    })
}

fn codes_of(text: &str) -> Vec<&'static str> {
    compile(text).err().unwrap_or_default().into_iter().map(|(c, _)| c).collect()
}

fn condition(text: &str) -> Expr {
    let program = compile(text).unwrap_or_else(|e| panic!("{e:?}"));
    program.rules.last().expect("a rule").condition.clone()
}

#[test]
fn a_valid_rule_set_is_lowered_with_ids_in_source_order() {
    let program = compile(
        r#"
        import "math"
        rule first : t1 t2 { meta: author = "me" n = 5 strings: $a = "x" $b = /ab+c/i
          condition: $a and #b > 1 }
        private rule second { strings: $c = { 4D 5A } condition: $c at 0 and first }
        global rule third { condition: math.entropy(0, filesize) > 7.0 and "x" matches /x/ }
        "#,
    )
    .unwrap();
    assert_eq!(program.rules.len(), 3);
    assert_eq!(program.rules[0].tags, ["t1", "t2"]);
    assert_eq!(program.rules[0].meta.len(), 2);
    assert_eq!(program.rules[0].patterns, 0..2);
    assert_eq!(program.rules[1].patterns, 2..3);
    assert!(program.rules[1].is_private && program.rules[2].is_global);
    assert_eq!(program.patterns[2].name, "$c");
    assert_eq!(program.patterns[2].rule, RuleId(1));
    assert_eq!(program.regexes.len(), 1, "only condition regexes go to Program::regexes");
    assert_eq!(program.modules.len(), 1);
    let Expr::And(parts) = &program.rules[1].condition else { panic!() };
    assert!(matches!(parts[1], Expr::Rule(RuleId(0))));
    assert!(matches!(
        parts[0],
        Expr::PatternMatch { pattern: PatternRef::Id(PatternId(2)), anchor: Some(_) }
    ));
}

#[test]
fn constants_fold_and_non_booleans_become_comparisons() {
    assert!(matches!(
        condition("rule a { condition: 1 + 2 * 3 == 7 and not false }"),
        Expr::Const(Constant::Bool(true))
    ));
    assert!(matches!(
        condition("rule a { condition: filesize }"),
        Expr::Compare { op: CmpOp::Ne, .. }
    ));
    assert!(matches!(condition(r#"rule a { condition: "" }"#), Expr::Const(Constant::Bool(false))));
    assert!(matches!(condition("rule a { condition: filesize \\ 0 == 1 }"), Expr::Compare { .. }));
}

#[test]
fn folding_a_logic_operator_to_one_operand_keeps_the_operator() {
    // `and`/`or` turn an undefined operand into false; the bare operand would not.
    for text in ["uint8(100) == 1 and true", "uint8(100) == 1 or false"] {
        let folded = condition(&format!("rule a {{ condition: {text} }}"));
        let (Expr::And(kept) | Expr::Or(kept)) = &folded else { panic!("{folded:?}") };
        assert!(matches!(kept[..], [Expr::Compare { op: CmpOp::Eq, .. }]), "{folded:?}");
    }
}

#[test]
fn constant_overflow_is_an_error_at_the_whole_expression() {
    let errors = compile("rule a {\n  condition: 9223372036854775807 + 1 > 0\n}").unwrap_err();
    assert_eq!(errors[0].0, codes::INTEGER_OVERFLOW);
    assert!(errors[0].1.starts_with("2:14 "), "{errors:?}");
}

#[test]
fn loops_get_frame_slots_and_anonymous_patterns_refer_to_the_loop() {
    let program = compile(
        r#"rule a { strings: $a = "x" $b = "y"
           condition: for all of ($a, $b) : (# > 1) and for any i in (1..3) : (i == 2)
             and with x = 5 : (x == 5) }"#,
    )
    .unwrap();
    let rule = &program.rules[0];
    assert_eq!(rule.frame_size, 3);
    let Expr::And(parts) = &rule.condition else { panic!("{:?}", rule.condition) };
    let Expr::ForOf { patterns, var, body, quantifier: Quantifier::All } = &parts[0] else {
        panic!()
    };
    assert_eq!(patterns, &[PatternId(0), PatternId(1)]);
    let Expr::Compare { lhs, .. } = &**body else { panic!() };
    assert!(matches!(&**lhs, Expr::PatternCount { pattern: PatternRef::Var(v), .. } if v == var));
    assert!(matches!(&parts[1], Expr::ForIn { iterable: Iterable::Range(..), .. }));
}

#[test]
fn of_sets_resolve_patterns_rules_and_tuples() {
    let program = compile(
        r#"rule r1 { condition: true } rule r2 { condition: true }
           rule x { strings: $a1 = "a" $a2 = "b" $c = "c"
             condition: any of ($a*) and 2 of (r*) and 1 of (true, $c) }"#,
    )
    .unwrap();
    let Expr::And(parts) = &program.rules[2].condition else { panic!() };
    assert!(matches!(&parts[0], Expr::Of { items: OfItems::Patterns(p), .. } if p.len() == 2));
    assert!(matches!(&parts[1], Expr::Of { items: OfItems::Rules(r), .. } if r.len() == 2));
    assert!(matches!(&parts[2], Expr::Of { items: OfItems::Exprs(e), .. } if e.len() == 2));
}

#[test]
fn a_failed_rule_leaves_nothing_and_its_users_fail_silently() {
    let mut compiler = Compiler::new();
    compiler.add_source(
        r#"rule ok1 { strings: $a = "x" condition: $a }
           rule bad { strings: $b = "y" condition: $b and "a" matches /(/ }
           rule user { condition: bad }
           rule ok2 { strings: $c = "z" condition: $c and "q" matches /q/ }"#,
        "t.yar",
    );
    let errors: Vec<_> =
        compiler.diagnostics().iter().filter(|d| d.is_error()).map(|d| d.code).collect();
    assert_eq!(errors, [codes::INVALID_REGEX], "one error, none for `user`");
    assert_eq!(compiler.rules.len(), 2);
    assert_eq!(compiler.rules[1].name, "ok2");
    assert_eq!(compiler.rules[1].patterns, 1..2, "the failed rule's pattern is gone");
    assert_eq!(compiler.regexes.len(), 1, "the failed rule's regex is gone");
    assert!(compiler.build().is_err());
}

#[test]
fn every_error_of_every_rule_is_reported() {
    let found = codes_of(
        r#"rule a : t t { strings: $a = "xx" $a = "yy" condition: x }
           rule a { condition: "s" + 1 == 2 and 1.5 % 2 == 0 }"#,
    );
    assert_eq!(
        found,
        [
            codes::DUPLICATE_TAG,
            codes::DUPLICATE_PATTERN,
            codes::UNDEFINED_EXTERNAL,
            codes::DUPLICATE_RULE,
            codes::TYPE_MISMATCH,
            codes::TYPE_MISMATCH,
        ]
    );
}

#[test]
fn names_resolve_by_scope_then_rule_then_external_then_module() {
    assert_eq!(
        codes_of("rule a { condition: b } rule b { condition: true }"),
        [codes::UNKNOWN_IDENTIFIER]
    );
    assert_eq!(codes_of("rule a { condition: a }"), [codes::RULE_CYCLE]);
    assert_eq!(codes_of("rule a { condition: pe.is_dll() }"), [codes::MODULE_NOT_IMPORTED]);
    assert_eq!(codes_of("rule a { condition: nothing }"), [codes::UNDEFINED_EXTERNAL]);
    assert!(
        compile("rule b { condition: true } rule a { condition: for any b in (0..1) : (b == 1) }")
            .is_ok()
    );
}

#[test]
fn externals_take_the_type_of_their_value() {
    let mut compiler = Compiler::new();
    for text in ["size=10", "name=setup.exe", "flag=true", "ratio=0.5", "empty="] {
        let define = Define::parse(text).unwrap();
        compiler.define(&define.name, define.value);
    }
    compiler.add_source(
        r#"rule a { condition: size > 5 and name endswith ".exe" and flag and ratio < 1.0
             and empty == "" }
           rule b { condition: name > 1 }"#,
        "t.yar",
    );
    let errors: Vec<_> = compiler.diagnostics().iter().map(|d| d.code).collect();
    assert_eq!(errors, [codes::TYPE_MISMATCH]);
}

#[test]
fn module_fields_constants_and_functions_type_check() {
    let program = compile(
        r#"import "pe" import "math"
           rule a { condition: pe.machine == pe.MACHINE_AMD64 and pe.number_of_sections > 1
             and for any s in pe.sections : (s.name == ".text")
             and math.entropy(0, filesize) >= 7.5 and pe.imphash() == "x" }"#,
    )
    .unwrap();
    assert_eq!(program.modules.len(), 2);
    assert_eq!(
        codes_of(r#"import "math" rule a { condition: math.entropy(0, 1.0) > 1 }"#),
        [codes::WRONG_ARGUMENTS]
    );
    assert_eq!(
        codes_of(r#"import "pe" rule a { condition: pe.nope == 1 }"#),
        [codes::UNKNOWN_FIELD]
    );
}

#[test]
fn namespaces_separate_rule_names() {
    let mut compiler = Compiler::new();
    compiler.add_source("rule a { condition: true }", "one.yar");
    compiler.namespace("other").add_source("rule a { condition: true }", "two.yar");
    let rules = compiler.build().unwrap();
    assert_eq!(rules.program().rules[1].namespace, "other");
}

#[test]
fn includes_resolve_relative_to_the_including_file_and_cycles_are_caught() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("main.yar", "include \"sub/b.yar\"\nrule main { condition: b and pe.is_dll() }");
    write("sub/b.yar", "import \"pe\"\ninclude \"../c.yar\"\nrule b { condition: c }");
    write("c.yar", "rule c { condition: true }");
    let mut compiler = Compiler::new();
    compiler.add_file(&dir.path().join("main.yar"));
    let rules = compiler.build().unwrap_or_else(|e| panic!("{e:?}"));
    let names: Vec<_> = rules.program().rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["c", "b", "main"]);

    write("loop1.yar", "include \"loop2.yar\"\nrule l1 { condition: true }");
    write("loop2.yar", "include \"loop1.yar\"\nrule l2 { condition: true }");
    write("missing.yar", "include \"nope.yar\"\nrule m { condition: true }");
    let mut compiler = Compiler::new();
    compiler.add_file(&dir.path().join("loop1.yar")).add_file(&dir.path().join("missing.yar"));
    let found: Vec<_> = compiler.diagnostics().iter().map(|d| d.code).collect();
    assert_eq!(found, [codes::INCLUDE_CYCLE, codes::INCLUDE_NOT_FOUND]);
    assert!(compiler.diagnostics()[0].message.contains("loop1.yar -> loop2.yar -> loop1.yar"));
}

#[test]
fn a_missing_file_is_an_io_error() {
    let mut compiler = Compiler::new();
    compiler.add_file(Path::new("/nonexistent/rules.yar"));
    assert_eq!(compiler.diagnostics()[0].code, codes::IO);
}

#[test]
fn program_externals_carry_defined_values() {
    let mut compiler = Compiler::new();
    compiler.define("owner", Constant::String(Arc::from(&b"root"[..])));
    compiler.add_source("rule a { condition: owner == \"root\" }", "t.yar");
    let rules = compiler.build().unwrap();
    assert_eq!(rules.program().externals[0].name, "owner");
}

#[test]
fn per_file_externals_need_no_define_and_a_define_wins() {
    use crate::file_vars::FileVar;
    let text = r#"rule a { condition: filename == "a" and filetype != extension }"#;
    let Expr::And(terms) = condition(text) else { panic!("an `and`") };
    assert!(
        matches!(&terms[0], Expr::Compare { lhs, .. } if matches!(**lhs, Expr::FileVar(FileVar::Name)))
    );
    assert_eq!(codes_of("rule a { condition: filepath > 1 }"), [codes::TYPE_MISMATCH]);
    let mut compiler = Compiler::new();
    compiler.define("filename", Constant::Integer(1));
    compiler.add_source("rule a { condition: filename == 1 and owner != \"\" }", "t.yar");
    let rules = compiler.build().unwrap();
    assert_eq!(rules.program().externals.len(), 1, "only the defined one is an external");
}

#[test]
fn functions_inside_array_elements_receive_the_element_first() {
    let program = compile(
        r#"import "pe"
           rule a { condition: pe.signatures[0].valid_on(5)
             and for any s in pe.signatures : (s.valid_on(pe.timestamp))
             and pe.rich_signature.version(1) == 1 }"#,
    )
    .unwrap();
    let Expr::And(parts) = &program.rules[0].condition else { panic!() };
    let Expr::Call { function, args, .. } = &parts[0] else { panic!("{:?}", parts[0]) };
    assert_eq!(&*function.path, "signatures.valid_on");
    assert!(matches!(
        args.as_slice(),
        [Expr::ArrayIndex { .. }, Expr::Const(Constant::Integer(5))]
    ));
    let Expr::ForIn { vars, body, .. } = &parts[1] else { panic!() };
    let Expr::Call { args, .. } = &**body else { panic!("{body:?}") };
    assert!(matches!(&args[0], Expr::Var(v) if *v == vars[0]));
    let Expr::Compare { lhs, .. } = &parts[2] else { panic!() };
    let Expr::Call { function, args, .. } = &**lhs else { panic!() };
    assert_eq!(&*function.path, "rich_signature.version");
    assert_eq!(args.len(), 1, "no receiver outside arrays");
}

#[test]
fn rule_checks_run_on_every_rule_and_add_their_diagnostics() {
    use crate::diagnostics::Diagnostic;
    use crate::parser::ast;
    use crate::source::SourceFile;

    /// Flags rules whose name has no underscore.
    #[derive(Debug)]
    struct NeedsUnderscore;
    impl super::RuleCheck for NeedsUnderscore {
        fn check(&self, rule: &ast::Rule, source: &Arc<SourceFile>) -> Vec<Diagnostic> {
            let name = &rule.name;
            (!name.name.contains('_'))
                .then(|| Diagnostic::warning("W999", "no underscore", source, name.span))
                .into_iter()
                .collect()
        }
    }
    let mut compiler = Compiler::new();
    compiler.add_rule_check(Arc::new(NeedsUnderscore));
    compiler.add_source("rule good_name { condition: true } rule bad { condition: x }", "t.yar");
    let found: Vec<(&str, &str)> =
        compiler.diagnostics().iter().map(|d| (d.code, d.message.as_str())).collect();
    assert_eq!(found[0], ("W999", "no underscore"));
    assert_eq!(found[1].0, codes::UNDEFINED_EXTERNAL, "the compiler's own checks still run");
    assert_eq!(found.len(), 2);
}

#[test]
fn regexes_are_read_in_yara_dialect_and_errors_point_into_them() {
    for ok in [r"ab{,3}c", r"a\/b", r"a\xffb", r"[]a]", r"[^]a]", r"\w+\b\d", r"(a|b)+?"] {
        let text =
            format!(r#"rule a {{ strings: $a = /{ok}/ condition: $a and "x" matches /{ok}/ }}"#);
        assert_eq!(compile(&text).err(), None, "{ok}");
    }
    let errors = compile("rule a { strings: $a = /a\\/b(c/ condition: $a }").unwrap_err();
    assert_eq!(errors[0].0, codes::INVALID_REGEX);
    assert!(
        errors[0].1.starts_with("1:29 ") && errors[0].1.contains("unclosed group"),
        "{errors:?}"
    );
    let errors = compile(r#"rule a { condition: "x" matches /x{,2}[z-a]/ }"#).unwrap_err();
    assert!(errors[0].1.starts_with("1:40 "), "points at the class: {errors:?}");
}

#[test]
fn a_repeated_pattern_is_compiled_once_and_diagnosed_in_every_rule() {
    // The second `$a` copies the first's compiled forms; its warning and
    // the third rule's error are still reported at their own places.
    let mut compiler = Compiler::new();
    compiler.add_source(
        "rule r { strings: $a = \"x\" condition: $a }\n\
         rule s { strings: $a = \"x\" condition: $a }\n\
         rule t { strings: $a = /a*/ condition: $a }\n\
         rule u { strings: $a = /a*/ condition: $a }",
        "test.yar",
    );
    let at = |code| -> Vec<usize> {
        compiler
            .diagnostics()
            .iter()
            .filter(|d| d.code == code)
            .map(|d| d.line_col().unwrap_or_default().0)
            .collect()
    };
    assert_eq!(at(codes::SLOW_PATTERN), [1, 2]);
    assert_eq!(at(codes::PATTERN_MATCHES_EMPTY), [3, 4]);
}
