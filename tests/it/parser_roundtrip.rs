//! Generated rules survive printing: parse, print, parse again gives the
//! same AST, spans aside (acceptance 3 of issue 2, generated half; the
//! corpus half is in `parser_corpus.rs`).

use proptest::prelude::*;
use spoor::parser::{erase_spans, parse, print};
use spoor::source::SourceFile;

/// A `"..."` literal for arbitrary bytes, escaped the way rule authors do.
fn text_literal() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<u8>(), 1..12).prop_map(|bytes| {
        let mut out = String::from("\"");
        for b in bytes {
            match b {
                b'"' => out.push_str("\\\""),
                b'\\' => out.push_str("\\\\"),
                b'\n' => out.push_str("\\n"),
                b'\t' => out.push_str("\\t"),
                0x20..=0x7e => out.push(b as char),
                _ => out.push_str(&format!("\\x{b:02X}")),
            }
        }
        out.push('"');
        out
    })
}

fn regex_literal() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "abc",
            "a\\/b",
            "[0-9]{2,4}",
            "(foo|bar)+?",
            "\\x41\\d\\w",
            "a.*b$",
        ]),
        prop::sample::select(vec!["", "i", "s", "is"]),
    )
        .prop_map(|(body, flags)| format!("/{body}/{flags}"))
}

fn integer() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..1_000_000).prop_map(|n| n.to_string()),
        (0u64..0xFFFF_FFFF).prop_map(|n| format!("0x{n:X}")),
        (0u64..4096).prop_map(|n| format!("0o{n:o}")),
        (0u64..1024).prop_map(|n| format!("{n}KB")),
        (0u64..64).prop_map(|n| format!("{n}MB")),
    ]
}

fn arithmetic() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        integer(),
        (0u32..1000, 0u32..1000).prop_map(|(a, b)| format!("{a}.{b}")),
        text_literal(),
        prop::sample::select(vec![
            "filesize",
            "entrypoint",
            "#a",
            "#",
            "@a",
            "@b[2]",
            "!c",
            "!a[1]",
            "ext_var",
            "pe.number_of_sections",
            "pe.sections[0].virtual_size",
            "math.entropy(0, 100)",
            "uint16(0)",
            "int32be(4)",
            "#a in (0..100)",
        ])
        .prop_map(str::to_owned),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        let op = prop::sample::select(vec!["+", "-", "*", "\\", "%", "&", "|", "^", "<<", ">>"]);
        prop_oneof![
            (inner.clone(), op, inner.clone()).prop_map(|(a, op, b)| format!("{a} {op} {b}")),
            inner.clone().prop_map(|a| format!("({a})")),
            inner.clone().prop_map(|a| format!("-{a}")),
            inner.clone().prop_map(|a| format!("~{a}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("math.max({a}, {b})")),
            inner.clone().prop_map(|a| format!("dict[{a}]")),
            inner.prop_map(|a| format!("uint8be({a})")),
        ]
    })
}

fn boolean() -> impl Strategy<Value = String> {
    let comparison = prop::sample::select(vec![
        "==",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "contains",
        "icontains",
        "startswith",
        "istartswith",
        "endswith",
        "iendswith",
        "iequals",
    ]);
    let leaf = prop_oneof![
        prop::sample::select(vec![
            "$a",
            "$b",
            "true",
            "false",
            "any of them",
            "all of ($a, $b*)",
            "none of ($*)",
            "2 of them",
            "50% of ($a, $c)",
            "any of (r1, r2*)",
            "all of them in (0..100)",
            "any of ($a) at 0",
            "pe.is_dll()",
            "some_rule",
        ])
        .prop_map(str::to_owned),
        (arithmetic(), comparison, arithmetic()).prop_map(|(a, op, b)| format!("{a} {op} {b}")),
        arithmetic().prop_map(|a| format!("$a at {a}")),
        (arithmetic(), arithmetic()).prop_map(|(a, b)| format!("$c in ({a}..{b})")),
        (arithmetic(), regex_literal()).prop_map(|(a, r)| format!("{a} matches {r}")),
        arithmetic().prop_map(|a| format!("({a}) of them")),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} or {b}")),
            inner.clone().prop_map(|a| format!("not {a}")),
            inner.clone().prop_map(|a| format!("defined {a}")),
            inner.clone().prop_map(|a| format!("({a})")),
            inner.clone().prop_map(|a| format!("for all of them : ({a})")),
            inner.clone().prop_map(|a| format!("for 1 of ($a, $b) : ({a} and $)")),
            inner.clone().prop_map(|a| format!("for any i in (1..#a) : ({a} or @a[i] > 0)")),
            inner.clone().prop_map(|a| format!("for any k, v in dict : ({a})")),
            inner.clone().prop_map(|a| format!("for all x in (1, 2, 3) : ({a})")),
            inner.clone().prop_map(|a| format!("with x = 1, y = x + 1 : ({a})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("any of ({a}, {b})")),
        ]
    })
}

fn hex_tokens(depth: u32) -> BoxedStrategy<String> {
    let byte = prop_oneof![
        any::<u8>().prop_map(|b| format!("{b:02X}")),
        Just("??".to_owned()),
        (0u8..16).prop_map(|n| format!("{n:X}?")),
        (0u8..16).prop_map(|n| format!("?{n:x}")),
        any::<u8>().prop_map(|b| format!("~{b:02X}")),
    ];
    let jump = prop_oneof![
        (0u32..100).prop_map(|n| format!("[{n}]")),
        (0u32..50, 50u32..100).prop_map(|(a, b)| format!("[{a}-{b}]")),
        (0u32..50).prop_map(|n| format!("[{n}-]")),
        Just("[-]".to_owned()),
    ];
    let middle: BoxedStrategy<String> = if depth == 0 {
        byte.clone().boxed()
    } else {
        prop_oneof![
            byte.clone(),
            (jump, byte.clone()).prop_map(|(j, b)| format!("{j} {b}")),
            proptest::collection::vec(hex_tokens(depth - 1), 2..4)
                .prop_map(|alternatives| format!("( {} )", alternatives.join(" | "))),
        ]
        .boxed()
    };
    (byte, proptest::collection::vec(middle, 0..6))
        .prop_map(|(first, rest)| {
            let mut tokens = vec![first];
            tokens
                .extend(rest.into_iter().map(|t| t.replace("[-]", "[1-2]").replace("-]", "-60]")));
            tokens.join(" ")
        })
        .boxed()
}

/// A whole generated rule file (also used by the formatter tests).
pub(crate) fn rule() -> impl Strategy<Value = String> {
    let meta_value = prop_oneof![
        text_literal(),
        (-1000i64..1000).prop_map(|n| n.to_string()),
        (0u32..100, 0u32..100).prop_map(|(a, b)| format!("-{a}.{b}")),
        prop::sample::select(vec!["true", "false", "0x10"]).prop_map(str::to_owned),
    ];
    let modifiers = prop::sample::select(vec![
        "",
        "wide",
        "ascii wide",
        "nocase",
        "fullword private",
        "xor",
        "xor(3)",
        "xor(1-9)",
        "base64",
        "base64wide",
        "base64(\"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/\")",
    ]);
    (
        prop::sample::select(vec!["", "private ", "global ", "private global "]),
        prop::sample::select(vec!["", " : tag", " : a b c"]),
        proptest::collection::vec(meta_value, 0..3),
        text_literal(),
        modifiers,
        hex_tokens(2),
        regex_literal(),
        boolean(),
    )
        .prop_map(|(flags, tags, meta, text, modifiers, hex, regex, condition)| {
            let meta: Vec<String> =
                meta.iter().enumerate().map(|(i, v)| format!("    m{i} = {v}\n")).collect();
            let meta = if meta.is_empty() { String::new() } else { format!("  meta:\n{}", meta.concat()) };
            format!(
                "import \"pe\"\n{flags}rule r{tags} {{\n{meta}  strings:\n    $a = {text} {modifiers}\n    \
                 $b = {{ {hex} }}\n    $c = {regex} nocase\n    $ = \"anon\"\n  condition:\n    {condition}\n}}\n"
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn generated_rules_survive_a_print_round_trip(text in rule()) {
        let (mut first, diagnostics) = parse(&SourceFile::new("generated.yar", text.clone()));
        let messages: Vec<String> = diagnostics.iter().map(|d| d.headline()).collect();
        prop_assert!(diagnostics.is_empty(), "generated text does not parse: {messages:?}\n{text}");
        let printed = print(&first);
        let (mut second, diagnostics) = parse(&SourceFile::new("printed.yar", printed.clone()));
        let messages: Vec<String> = diagnostics.iter().map(|d| d.headline()).collect();
        prop_assert!(diagnostics.is_empty(), "printed text does not parse: {messages:?}\n{printed}");
        erase_spans(&mut first);
        erase_spans(&mut second);
        prop_assert_eq!(first, second, "printed:\n{}", printed);
    }
}
