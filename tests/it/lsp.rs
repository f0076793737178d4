//! `spoor lsp`: JSON-RPC to the real binary, for every capability, with
//! positions and contents asserted.

use serde_json::{Value, json};

use crate::util::lsp::Client;

/// A temporary directory holding `files`, and the `file:` URI of each.
fn workspace(files: &[(&str, &str)]) -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let uris = files
        .iter()
        .map(|(name, text)| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).expect("write");
            format!("file://{}", path.display())
        })
        .collect();
    (dir, uris)
}

/// A server with one file of a new workspace open: the directory, the
/// file's URI, the client and the diagnostics published on open.
fn session(name: &str, text: &str) -> (tempfile::TempDir, String, Client, Vec<Value>) {
    let (dir, mut uris) = workspace(&[(name, text)]);
    let uri = uris.remove(0);
    let mut client = Client::start();
    let found = client.open(&uri, text);
    (dir, uri, client, found)
}

fn at(uri: &str, line: u32, character: u32) -> Value {
    json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } })
}

fn start(range: &Value) -> (u64, u64) {
    (range["start"]["line"].as_u64().unwrap(), range["start"]["character"].as_u64().unwrap())
}

/// A rule file with an error after a non-ASCII string on the same line,
/// a warning, and a duplicate rule with a "first declared here" label.
const BROKEN: &str = "import \"pe\"\nimport \"pe\"\nrule a {\n  strings:\n    $a = \"x\"\n  condition:\n    \"é😀\" == \"x\" and $b\n}\nrule a { condition: true }\n";

#[test]
fn lsp_diagnostics_are_those_of_spoor_check_at_utf16_positions() {
    let (dir, uris) = workspace(&[("broken.yar", BROKEN)]);
    let path = dir.path().join("broken.yar");
    let check = crate::util::spoor()
        .args(["check", "--format", "json"])
        .arg(&path)
        .output()
        .expect("spoor check");
    let expected: Vec<Value> = serde_json::from_slice(&check.stdout).expect("check json");
    assert!(expected.len() >= 3, "{expected:#?}");

    let mut client = Client::start();
    // Open with different text on disk: the buffer is what counts.
    std::fs::write(&path, "").expect("truncate");
    let found = client.open(&uris[0], BROKEN);
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    for want in &expected {
        let code = want["code"].as_str().unwrap();
        let message = want["message"].as_str().unwrap();
        let got = found
            .iter()
            .find(|d| d["code"] == code && d["message"].as_str().unwrap().starts_with(message))
            .unwrap_or_else(|| panic!("{code} {message} not published: {found:#?}"));
        assert_eq!(got["severity"], if want["severity"] == "error" { 1 } else { 2 });
        assert_eq!(got["source"], "spoor");
        // check counts columns in characters, LSP in UTF-16 units.
        let line = want["line"].as_u64().unwrap() - 1;
        let text = BROKEN.lines().nth(line as usize).unwrap();
        let chars = want["column"].as_u64().unwrap() as usize - 1;
        let units: usize = text.chars().take(chars).map(char::len_utf16).sum();
        assert_eq!(start(&got["range"]), (line, units as u64), "{code}");
    }
    // The undefined `$b` is after the emoji: character 22 in units, not 21.
    let b = found.iter().find(|d| d["message"].as_str().unwrap().contains("$b")).unwrap();
    assert_eq!(start(&b["range"]), (6, 21));
    assert_eq!(b["range"]["end"]["character"], 23);
    // The duplicate rule points at the first declaration.
    let duplicate =
        found.iter().find(|d| d["message"].as_str().unwrap().contains("duplicate rule")).unwrap();
    let related = &duplicate["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], uris[0].as_str());
    assert_eq!(start(&related["location"]["range"]), (2, 5));
    assert!(related["message"].as_str().unwrap().contains("first"));
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn lsp_exit_without_shutdown_exits_1() {
    assert_eq!(Client::start().exit(), Some(1));
}

#[test]
fn lsp_incremental_and_full_changes_republish() {
    let (_dir, uris) = workspace(&[("r.yar", "")]);
    let uri = &uris[0];
    let mut client = Client::start();
    let text = "rule a {\n  condition: true\n}\n";
    assert_eq!(client.open(uri, text), Vec::<Value>::new());
    // Replace `true` by `$x`: an undefined pattern.
    let found = client.edit(uri, 2, ((1, 13), (1, 17)), "$x");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["range"]["start"], json!({ "line": 1, "character": 13 }));
    assert_eq!(found[0]["range"]["end"], json!({ "line": 1, "character": 15 }));
    let full = json!({
        "textDocument": { "uri": uri, "version": 3 },
        "contentChanges": [{ "text": "rule a { condition: false }" }]
    });
    client.notify("textDocument/didChange", full);
    assert_eq!(client.diagnostics(uri), Vec::<Value>::new());
    client.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } }));
    assert_eq!(client.diagnostics(uri), Vec::<Value>::new());
}

#[test]
fn lsp_includes_resolve_relative_to_the_document() {
    let (dir, _) = workspace(&[("base.yar", "rule base { condition: true }\n")]);
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    let uri = format!("file://{}", dir.path().join("sub/main.yar").display());
    let mut client = Client::start();
    let found = client.open(&uri, "include \"../base.yar\"\nrule main { condition: base }\n");
    assert_eq!(found, Vec::<Value>::new());
    let included = client.request("textDocument/definition", at(&uri, 0, 12));
    let target = format!("file://{}", dir.path().join("sub/../base.yar").display());
    assert_eq!(
        included,
        json!({ "uri": target, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } } })
    );
    let change = json!({
        "textDocument": { "uri": uri, "version": 2 },
        "contentChanges": [{ "text": "include \"base.yar\"\nrule main { condition: true }\n" }]
    });
    client.notify("textDocument/didChange", change);
    let found = client.diagnostics(&uri);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0]["message"].as_str().unwrap().contains("cannot include"));
    assert_eq!(start(&found[0]["range"]), (0, 0));
}

/// Rules for hover and navigation.
const RULES: &str = r#"import "pe"

rule first : apt loader {
  meta:
    actor = "scarcruft"
    family = "rokrat"
    description = "demo"
  strings:
    $a = "abc" nocase wide
    $b1 = { 4D 5A }
    $b2 = "zz"
  condition:
    #a > 1 and @a[1] < 100 and !a[1] == 3 and any of ($b*) and pe.number_of_sections > 2 and pe.imports("k.dll")
}

rule second {
  strings:
    $c = "c"
  condition:
    first and $c
}
"#;

fn hover_text(client: &mut Client, uri: &str, line: u32, character: u32) -> String {
    let hover = client.request("textDocument/hover", at(uri, line, character));
    hover["contents"]["value"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn lsp_hover_describes_modules_patterns_rules_and_profiles() {
    let rules = RULES.replace("pe.number_of_sections > 2", "pe.entry_point > 2");
    let (_dir, uris) = workspace(&[("h.yar", &rules)]);
    let uri = &uris[0];
    let mut client = Client::start();
    client.open(uri, &rules);
    let line = 12;
    let condition = rules.lines().nth(line as usize).unwrap();
    let col = |needle: &str| u32::try_from(condition.find(needle).unwrap()).unwrap() + 1;

    let entry = hover_text(&mut client, uri, line, col("entry_point"));
    assert!(entry.contains("pe.entry_point: integer"), "{entry}");
    assert!(entry.contains("The entry point as a file offset."), "{entry}");
    let imports = hover_text(&mut client, uri, line, col("imports"));
    assert!(imports.contains("pe.imports(string, string) -> boolean"), "{imports}");
    assert!(imports.contains("pe.imports(string) -> integer"), "{imports}");

    for sigil in ["#a", "@a", "!a"] {
        let pattern = hover_text(&mut client, uri, line, col(sigil));
        assert!(pattern.contains("$a = \"abc\" nocase wide"), "{sigil}: {pattern}");
        assert!(pattern.contains("modifiers: nocase, wide"), "{sigil}: {pattern}");
    }
    let set = hover_text(&mut client, uri, line, col("$b*") + 1);
    assert!(set.contains("$b1 = { 4D 5A }") && set.contains("$b2 = \"zz\""), "{set}");

    let rule = hover_text(&mut client, uri, 19, 5);
    assert!(rule.contains("rule first : apt loader"), "{rule}");
    assert!(rule.contains("description = \"demo\""), "{rule}");

    let actor = hover_text(&mut client, uri, 4, 15);
    assert!(actor.contains("**ScarCruft** (`scarcruft`)"), "{actor}");
    assert!(actor.contains("APT37") && actor.contains("ATT&CK: G0067"), "{actor}");
    let family = hover_text(&mut client, uri, 5, 16);
    assert!(family.contains("**RokRAT**") && family.contains("S0240"), "{family}");
    assert!(family.contains("DOGCALL") && family.contains("ScarCruft"), "{family}");
}

#[test]
fn lsp_definition_references_and_rename() {
    let other = "rule third { condition: first or second }\n";
    let (_dir, uris) = workspace(&[("n.yar", RULES), ("o.yar", other)]);
    let mut client = Client::start();
    client.open(&uris[0], RULES);
    client.open(&uris[1], other);
    let uri = &uris[0];
    let condition = RULES.lines().nth(12).unwrap();
    let col = |needle: &str| u32::try_from(condition.find(needle).unwrap()).unwrap() + 1;

    // `#a` goes to `$a`; `$b*` to both of its patterns.
    let definition = client.request("textDocument/definition", at(uri, 12, col("#a")));
    assert_eq!(start(&definition["range"]), (8, 4));
    let set = client.request("textDocument/definition", at(uri, 12, col("$b*")));
    let starts: Vec<_> = set.as_array().unwrap().iter().map(|l| start(&l["range"])).collect();
    assert_eq!(starts, [(9, 4), (10, 4)]);
    // A rule used in another open document.
    let rule = client.request("textDocument/definition", at(&uris[1], 0, 25));
    assert_eq!((rule["uri"].as_str().unwrap(), start(&rule["range"])), (uri.as_str(), (2, 5)));

    // References of `$a`: its declaration and `#a @a !a`.
    let mut params = at(uri, 8, 5);
    params["context"] = json!({ "includeDeclaration": true });
    let refs = client.request("textDocument/references", params.clone());
    let mut found: Vec<_> = refs.as_array().unwrap().iter().map(|l| start(&l["range"])).collect();
    found.sort_unstable();
    let a = |s: &str| (12, u64::from(col(s)) - 1);
    assert_eq!(found, [(8, 4), a("#a"), a("@a"), a("!a")]);
    // `$b1` is referred to by the set `$b*`.
    params = at(uri, 9, 5);
    params["context"] = json!({ "includeDeclaration": false });
    let refs = client.request("textDocument/references", params);
    assert_eq!(refs.as_array().unwrap().len(), 1);
    // The rule `first`, across documents.
    let mut params = at(uri, 2, 6);
    params["context"] = json!({ "includeDeclaration": true });
    let refs = client.request("textDocument/references", params);
    let mut places: Vec<_> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["uri"].as_str().unwrap().to_owned(), start(&l["range"])))
        .collect();
    places.sort();
    let mut expected =
        vec![(uri.clone(), (2, 5)), (uri.clone(), (19, 4)), (uris[1].clone(), (0, 24))];
    expected.sort();
    assert_eq!(places, expected);

    // Rename `$a` keeps each sigil; rename `first` edits both documents.
    let mut params = at(uri, 12, col("@a"));
    params["newName"] = json!("text");
    let edit = client.request("textDocument/rename", params);
    let edits = edit["changes"][uri.as_str()].as_array().unwrap();
    assert_eq!(edits.len(), 4);
    assert!(edits.iter().all(|e| e["newText"] == "text"));
    assert!(edits.iter().any(|e| start(&e["range"]) == (8, 5)));
    let mut params = at(uri, 2, 6);
    params["newName"] = json!("renamed");
    let edit = client.request("textDocument/rename", params);
    assert_eq!(edit["changes"][uri.as_str()].as_array().unwrap().len(), 2);
    assert_eq!(edit["changes"][uris[1].as_str()].as_array().unwrap().len(), 1);
    let mut params = at(uri, 2, 6);
    params["newName"] = json!("not valid");
    let refused = client.request_raw("textDocument/rename", params);
    assert!(refused["error"]["message"].as_str().unwrap().contains("not an identifier"));
}

fn labels(completion: &Value) -> Vec<String> {
    completion.as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn lsp_completion_after_a_module_dot_in_a_file_that_does_not_parse() {
    let text = "import \"pe\"\nrule ok { condition: true }\nrule editing {\n  strings:\n    $mz = \"MZ\"\n  condition:\n    $mz and pe.\n}\n";
    let (_dir, uri, mut client, found) = session("c.yar", text);
    let uri = &uri;
    assert!(found.iter().any(|d| d["severity"] == 1), "a syntax error: {found:#?}");

    let pe = client.request("textDocument/completion", at(uri, 6, 15));
    let names = labels(&pe);
    for field in ["number_of_sections", "imports", "sections", "machine"] {
        assert!(names.iter().any(|n| n == field), "{field} missing from {names:?}");
    }
    let sections =
        pe.as_array().unwrap().iter().find(|i| i["label"] == "number_of_sections").unwrap();
    assert_eq!(sections["detail"], "integer");
    assert!(sections["documentation"]["value"].as_str().unwrap().contains("pe.number_of_sections"));

    // The rule that parses still has its outline and hover.
    let symbols =
        client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
    assert_eq!(symbols.as_array().unwrap().len(), 1, "{symbols:#}");
    assert_eq!(symbols[0]["name"], "ok");
    let hover = client.request("textDocument/hover", at(uri, 1, 6));
    assert!(hover["contents"]["value"].as_str().unwrap().contains("rule ok"), "{hover:#}");

    // Inside a structure of an array.
    client.edit(uri, 2, ((6, 15), (6, 15)), "sections[0].");
    let names = labels(&client.request("textDocument/completion", at(uri, 6, 27)));
    assert!(names.iter().any(|n| n == "virtual_address"), "{names:?}");

    // Patterns, keywords, rules and modules.
    let names = labels(&client.request("textDocument/completion", at(uri, 6, 5)));
    assert_eq!(names, ["$mz"]);
    let names = labels(&client.request("textDocument/completion", at(uri, 6, 4)));
    for word in ["and", "filesize", "ok", "editing", "pe", "them"] {
        assert!(names.iter().any(|n| n == word), "{word} missing from {names:?}");
    }
    let names = labels(&client.request("textDocument/completion", at(uri, 0, 8)));
    assert!(names.iter().any(|n| n == "elf") && names.iter().any(|n| n == "math"));
}

#[test]
fn lsp_formatting_symbols_and_quick_fixes() {
    let text = "import \"pe\"\nimport \"pe\"\nrule   a  :  t {\nstrings: $x = \"x\"\n$y = \"y\"\ncondition: $x and $y and pe.is_dll()\n}\n";
    let (dir, uri, mut client, found) = session("f.yar", text);
    let uri = &uri;

    let edits = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    let source = spoor::source::SourceFile::new("f.yar", text);
    let expected = spoor::fmt::format(&source, &spoor::fmt::Style::default()).unwrap();
    assert_eq!(edits[0]["newText"], expected.as_str());
    assert_eq!(edits[0]["range"]["end"], json!({ "line": 7, "character": 0 }));

    let symbols =
        client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
    assert_eq!(symbols[0]["name"], "a");
    assert_eq!(symbols[0]["detail"], "t");
    assert_eq!(start(&symbols[0]["selectionRange"]), (2, 7));
    let children: Vec<_> =
        symbols[0]["children"].as_array().unwrap().iter().map(|c| c["name"].clone()).collect();
    assert_eq!(children, ["$x", "$y"]);

    let duplicate = found.iter().find(|d| d["code"] == "W015").expect("W015 published");
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": duplicate["range"],
            "context": { "diagnostics": [duplicate] }
        }),
    );
    assert_eq!(actions.as_array().unwrap().len(), 1, "{actions:#}");
    assert_eq!(actions[0]["kind"], "quickfix");
    let edit = &actions[0]["edit"]["changes"][uri.as_str()][0];
    assert_eq!(edit["newText"], "");
    assert_eq!(
        edit["range"],
        json!({ "start": { "line": 1, "character": 0 }, "end": { "line": 2, "character": 0 } })
    );
    drop(dir);
}

#[test]
fn lsp_survives_malformed_unknown_closed_huge_and_binary_input() {
    let mut client = Client::spawn();
    // Before initialize, requests are refused.
    let early = client.request_raw("textDocument/hover", at("file:///x.yar", 0, 0));
    assert_eq!(early["error"]["code"], -32002);
    client.request("initialize", json!({ "capabilities": {} }));

    client.send_body("{ this is not json");
    assert_eq!(client.response(&Value::Null)["error"]["code"], -32700);
    client.send_body("[1, 2]");
    assert_eq!(client.response(&Value::Null)["error"]["code"], -32600);
    client.send_body(r#"{"jsonrpc":"2.0","id":77,"method":5}"#);
    assert_eq!(client.response(&json!(77))["error"]["code"], -32600);
    client.send_raw(b"Content-Length: nope\r\n\r\n");
    assert_eq!(client.response(&Value::Null)["error"]["code"], -32700);

    let unknown = client.request_raw("textDocument/semanticTokens/nonsense", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    let bad_params = client.request_raw("textDocument/hover", json!({ "textDocument": 3 }));
    assert_eq!(bad_params["error"]["code"], -32602);
    client.notify("textDocument/didChange", json!({ "garbage": true }));
    client.notify("$/unknownNotification", json!(null));

    let uri = "file:///nowhere/closed.yar";
    client.open(uri, "rule a { condition: true }");
    client.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } }));
    client.diagnostics(uri);
    let closed = client.request_raw("textDocument/hover", at(uri, 0, 6));
    assert_eq!(closed["error"]["code"], -32602);
    assert!(closed["error"]["message"].as_str().unwrap().contains("not open"));

    let binary: String = (0..4096u32).map(|i| char::from_u32(i % 0x2FF).unwrap_or('\0')).collect();
    let found = client.open("file:///nowhere/binary.yar", &binary);
    assert!(!found.is_empty());
    for method in ["textDocument/hover", "textDocument/completion", "textDocument/definition"] {
        let answer = client.request_raw(method, at("file:///nowhere/binary.yar", 3, 7));
        assert!(answer.get("error").is_none(), "{method}: {answer}");
    }
    let huge = "rule a { condition: true }\n".repeat(400_000);
    let found = client.open("file:///nowhere/huge.yar", &huge);
    assert!(found[0]["message"].as_str().unwrap().contains("not analysed"), "{found:#?}");
    assert_eq!(
        client.request("textDocument/hover", at("file:///nowhere/huge.yar", 0, 6)),
        Value::Null
    );

    // Still serving.
    client.open("file:///nowhere/ok.yar", "rule ok { condition: true }");
    let hover = client.request("textDocument/hover", at("file:///nowhere/ok.yar", 0, 6));
    assert!(hover["contents"]["value"].as_str().unwrap().contains("rule ok"));
    assert_eq!(client.shutdown(), Some(0));
}

/// Valid messages to mutate: every method the server knows, about one
/// document.
fn seed_messages(uri: &str) -> Vec<Value> {
    let text = "import \"pe\"\nrule a : t { meta: actor = \"scarcruft\" strings: $x = \"x\" condition: #x > 0 and pe.imports(\"k\") }\n";
    let pos = |line: u32, character: u32| at(uri, line, character);
    let mut with_context = pos(1, 70);
    with_context["context"] = json!({ "includeDeclaration": true });
    let mut rename = pos(1, 70);
    rename["newName"] = json!("y");
    let requests = [
        ("textDocument/hover", pos(1, 30)),
        ("textDocument/definition", pos(1, 70)),
        ("textDocument/references", with_context),
        ("textDocument/rename", rename),
        ("textDocument/completion", pos(1, 88)),
        (
            "textDocument/formatting",
            json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
        ),
        ("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } })),
        ("textDocument/semanticTokens/full", json!({ "textDocument": { "uri": uri } })),
        ("textDocument/foldingRange", json!({ "textDocument": { "uri": uri } })),
        ("textDocument/signatureHelp", pos(1, 91)),
        (
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 9, "character": 0 } }, "context": { "diagnostics": [] } }),
        ),
    ];
    let mut messages: Vec<Value> = requests
        .into_iter()
        .enumerate()
        .map(|(id, (method, params))| json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }))
        .collect();
    let open =
        json!({ "textDocument": { "uri": uri, "languageId": "yara", "version": 1, "text": text } });
    let change = json!({
        "textDocument": { "uri": uri, "version": 2 },
        "contentChanges": [{ "range": { "start": { "line": 1, "character": 5 }, "end": { "line": 1, "character": 6 } }, "text": "b\n" }]
    });
    for (method, params) in [
        ("textDocument/didOpen", open),
        ("textDocument/didChange", change),
        ("textDocument/didClose", json!({ "textDocument": { "uri": uri } })),
    ] {
        messages.push(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }
    messages
}

/// Replaces a random node of `value` by something of another shape.
fn mutate(value: &mut Value, rng: &mut crate::util::rng::Rng) {
    let children = match value {
        Value::Object(map) => map.len(),
        Value::Array(items) => items.len(),
        _ => 0,
    };
    if children > 0 && rng.below(4) != 0 {
        let i = rng.below(children);
        let child = match value {
            Value::Object(map) => map.values_mut().nth(i),
            Value::Array(items) => items.get_mut(i),
            _ => None,
        };
        if let Some(child) = child {
            return mutate(child, rng);
        }
    }
    *value = match rng.below(12) {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(-1),
        3 => json!(u64::MAX),
        4 => json!(1e308),
        5 => json!(""),
        6 => json!("\u{0}\u{feff}😀\r\n$#@!.\""),
        7 => json!([]),
        8 => json!({}),
        9 => json!(i64::from(u32::MAX) + 7),
        10 => json!({ "line": rng.below(5), "character": rng.below(200) }),
        _ => json!("textDocument/hover"),
    };
}

#[test]
fn lsp_fuzzed_messages_get_answers_and_never_stop_the_server() {
    let uri = "file:///nowhere/fuzz.yar";
    let mut seeds = seed_messages(uri);
    let open = seeds.iter().find(|m| m["method"] == "textDocument/didOpen").cloned().unwrap();
    // Opening more often than closing keeps the document open most of
    // the time.
    seeds.extend(std::iter::repeat_n(open.clone(), 4));
    for seed in 1..=6u64 {
        let mut rng = crate::util::rng::Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut stream = Vec::new();
        let push = |body: &[u8], stream: &mut Vec<u8>| {
            stream.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
            stream.extend_from_slice(body);
        };
        push(json!({ "jsonrpc": "2.0", "id": "init", "method": "initialize", "params": { "capabilities": {} } }).to_string().as_bytes(), &mut stream);
        for _ in 0..150 {
            let mut message = seeds[rng.below(seeds.len())].clone();
            // A third go unchanged, so documents are open and requests
            // about them reach the features.
            for _ in 0..rng.below(3) {
                mutate(&mut message, &mut rng);
            }
            let mut body = message.to_string().into_bytes();
            if rng.below(8) == 0 && !body.is_empty() {
                let i = rng.below(body.len());
                body[i] = u8::try_from(rng.below(256)).unwrap_or(0);
            }
            push(&body, &mut stream);
        }
        // The last document open is a valid one; then a request the server
        // must still answer.
        push(open.to_string().as_bytes(), &mut stream);
        push(json!({ "jsonrpc": "2.0", "id": "last", "method": "textDocument/documentSymbol", "params": { "textDocument": { "uri": uri } } }).to_string().as_bytes(), &mut stream);
        let mut output = Vec::new();
        spoor::lsp::serve(&mut stream.as_slice(), &mut output).expect("in-memory I/O");
        let output = String::from_utf8_lossy(&output);
        assert!(!output.contains("-32603"), "seed {seed}: a feature panicked:\n{output}");
        assert!(output.contains(r#""id":"last","result":[{"#), "seed {seed}: no answer at the end");
        let (answers, errors) =
            (output.matches(r#""result""#).count(), output.matches(r#""error""#).count());
        assert!(answers > 10 && errors > 10, "seed {seed}: {answers} results, {errors} errors");
    }
}

/// `nvim` for the editor test, or `None` with a note when it is not
/// installed. Under CI (`CI` set) its absence is a failure: a test that
/// silently skips there proves nothing (`.ci/run` installs it).
fn nvim() -> Option<&'static str> {
    let found = std::process::Command::new("nvim").arg("--version").output().is_ok();
    if found {
        return Some("nvim");
    }
    assert!(std::env::var_os("CI").is_none(), "nvim is missing: CI must install neovim");
    eprintln!("note: nvim is not installed (apt-get install neovim), test skipped");
    None
}

#[test]
fn lsp_drives_neovims_builtin_client() {
    let Some(nvim) = nvim() else { return };
    let text = "import \"pe\"\nrule r {\n  strings:\n    $a = \"abc\"\n  condition:\n    $a and pe.number_of_sections > 1 and $b\n}\n";
    let (dir, _) = workspace(&[("editor.yar", text)]);
    let condition = text.lines().nth(5).unwrap();
    let col = |needle: &str| condition.find(needle).unwrap();
    let requests = json!([
        { "name": "hover", "method": "textDocument/hover", "line": 5, "character": col("number_of") + 2 },
        { "name": "definition", "method": "textDocument/definition", "line": 5, "character": col("$a") + 1 },
        { "name": "completion", "method": "textDocument/completion", "line": 5, "character": col("pe.") + 3 },
    ]);
    let out = dir.path().join("out.json");
    let status = std::process::Command::new(nvim)
        .args(["--headless", "--clean", "-c"])
        .arg(format!(
            "luafile {}",
            crate::util::repo().join("tests/data/lsp/nvim_client.lua").display()
        ))
        .env("SPOOR_BIN", env!("CARGO_BIN_EXE_spoor"))
        .env("SPOOR_RULE_FILE", dir.path().join("editor.yar"))
        .env("SPOOR_REQUESTS", requests.to_string())
        .env("SPOOR_NVIM_OUT", &out)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run nvim");
    let report =
        std::fs::read_to_string(&out).unwrap_or_else(|_| panic!("nvim wrote nothing: {status:?}"));
    let report: Value = serde_json::from_str(&report).expect("nvim's JSON");

    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{report:#}");
    assert_eq!(
        (diagnostics[0]["line"].as_u64(), diagnostics[0]["character"].as_u64()),
        (Some(5), Some(col("$b") as u64))
    );
    let hover = report["hover"]["contents"]["value"].as_str().unwrap_or_default();
    assert!(hover.contains("pe.number_of_sections: integer"), "{report:#}");
    assert_eq!(start(&report["definition"]["range"]), (3, 4), "{report:#}");
    let names = labels(&report["completion"]);
    assert!(
        names.iter().any(|n| n == "number_of_sections") && names.iter().any(|n| n == "sections"),
        "{names:?}"
    );
}

#[test]
fn lsp_uses_the_actor_profiles_of_the_enclosing_rule_directory() {
    let profile = std::fs::read_to_string(crate::util::repo().join("rules/actors/scarcruft.toml"))
        .expect("bundled profile")
        .replace("name = \"ScarCruft\"", "name = \"ScarCruft (local)\"");
    let rule = "rule r {\n  meta:\n    actor = \"lazarus\"\n    confidence = \"high\"\n    reference = \"https://example.org\"\n  condition:\n    true\n}\nrule s {\n  meta:\n    actor = \"scarcruft\"\n    confidence = \"high\"\n    reference = \"https://example.org\"\n  condition:\n    true\n}\n";
    let (dir, _) = workspace(&[]);
    std::fs::create_dir_all(dir.path().join("actors")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("apt")).expect("mkdir");
    std::fs::write(dir.path().join("actors/scarcruft.toml"), profile).expect("write");
    let path = dir.path().join("apt/r.yar");
    std::fs::write(&path, rule).expect("write");
    let check = crate::util::spoor()
        .args(["check", "--format", "json"])
        .arg(dir.path())
        .output()
        .expect("spoor check");
    let expected: Vec<Value> = serde_json::from_slice(&check.stdout).expect("check json");

    let mut client = Client::start();
    let uri = format!("file://{}", path.display());
    let found = client.open(&uri, rule);
    let codes = |list: &[Value]| list.iter().map(|d| d["code"].clone()).collect::<Vec<_>>();
    assert_eq!(codes(&found), codes(&expected), "{found:#?}");
    assert!(found[0]["message"].as_str().unwrap().contains("lazarus"), "{found:#?}");
    let hover = client.request("textDocument/hover", at(&uri, 10, 15));
    assert!(hover["contents"]["value"].as_str().unwrap().contains("ScarCruft (local)"));
}

/// A rule using every kind of name semantic tokens tell apart.
const NAMES: &str = "import \"pe\"\n// about demo\nrule demo : tag {\n  meta:\n    author = \"me\"\n  strings:\n    $a = \"abc\" nocase\n  condition:\n    #a > 1 and pe.imports(\"k.dll\") and pe.number_of_sections > uint16(0)\n    and for any s in pe.sections : (s.name == \".text\") and demo\n}\n";

#[test]
fn lsp_semantic_tokens_classify_names_by_what_they_name() {
    let (_dir, uris) = workspace(&[("s.yar", NAMES)]);
    let mut client = Client::spawn();
    let init = client.request("initialize", json!({ "capabilities": {} }));
    let provider = &init["capabilities"]["semanticTokensProvider"];
    assert_eq!(provider["full"], true);
    let legend = |key: &str| -> Vec<String> {
        let names = provider["legend"][key].as_array().unwrap();
        names.iter().map(|n| n.as_str().unwrap().to_owned()).collect()
    };
    let (types, modifiers) = (legend("tokenTypes"), legend("tokenModifiers"));
    client.open(&uris[0], NAMES);
    let data = client
        .request("textDocument/semanticTokens/full", json!({ "textDocument": { "uri": uris[0] } }));
    let numbers: Vec<u64> =
        data["data"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).collect();
    assert_eq!(numbers.len() % 5, 0);
    // Undo the relative encoding: (line, character, text, type, modifiers).
    let lines: Vec<&str> = NAMES.lines().collect();
    let (mut line, mut character) = (0, 0);
    let mut decoded = Vec::new();
    for token in numbers.chunks(5) {
        line += token[0];
        character = if token[0] == 0 { character + token[1] } else { token[1] };
        let (from, to) = (character as usize, (character + token[2]) as usize);
        let mods: Vec<&str> = (0..modifiers.len())
            .filter(|bit| token[4] & (1 << bit) != 0)
            .map(|bit| modifiers[bit].as_str())
            .collect();
        decoded.push((
            (line, character),
            lines[line as usize][from..to].to_owned(),
            types[token[3] as usize].clone(),
            mods.join(","),
        ));
    }
    let token = |line: u64, needle: &str| {
        let character = lines[line as usize].find(needle).unwrap() as u64;
        let found = decoded.iter().find(|t| t.0 == (line, character));
        let (_, text, kind, mods) = found.unwrap_or_else(|| panic!("{needle}: {decoded:#?}"));
        assert_eq!(text, needle);
        (kind.as_str(), mods.as_str())
    };
    assert_eq!(token(0, "import"), ("keyword", ""));
    assert_eq!(token(0, "\"pe\""), ("string", ""));
    assert_eq!(token(1, "// about demo"), ("comment", ""));
    assert_eq!(token(2, "demo"), ("class", "declaration"));
    assert_eq!(token(2, "tag"), ("decorator", ""));
    assert_eq!(token(4, "author"), ("property", "declaration"));
    assert_eq!(token(6, "$a"), ("variable", "declaration"));
    assert_eq!(token(6, "nocase"), ("modifier", ""));
    assert_eq!(token(8, "#a"), ("variable", ""));
    assert_eq!(token(8, ">"), ("operator", ""));
    assert_eq!(token(8, "1"), ("number", ""));
    assert_eq!(token(8, "pe"), ("namespace", ""));
    assert_eq!(token(8, "imports"), ("function", ""));
    assert_eq!(token(8, "number_of_sections"), ("property", ""));
    assert_eq!(token(8, "uint16"), ("function", "defaultLibrary"));
    assert_eq!(token(9, "s"), ("variable", "declaration"));
    let s_used = (9, lines[9].find("s.name").unwrap() as u64);
    let s_token = decoded.iter().find(|t| t.0 == s_used).map(|t| (t.2.as_str(), t.3.as_str()));
    assert_eq!(s_token, Some(("variable", "")));
    assert_eq!(token(9, "name"), ("property", ""));
    assert_eq!(token(9, "demo"), ("class", ""), "a rule named in a condition");
}

#[test]
fn lsp_signature_help_follows_the_argument_being_typed() {
    let text = "import \"pe\"\nrule r {\n  condition:\n    pe.imports(\"k.dll\", \n}\n";
    let (_dir, uri, mut client, _) = session("sig.yar", text);
    let help = client.request("textDocument/signatureHelp", at(&uri, 3, 24));
    let labels: Vec<&str> = help["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"pe.imports(string, string) -> boolean"), "{help:#}");
    assert!(labels.contains(&"pe.imports(string) -> integer"), "{help:#}");
    assert_eq!(help["activeParameter"], 1);
    // The active overload is one with a second parameter, and the offsets
    // of that parameter frame its type in the label.
    let active = &help["signatures"][help["activeSignature"].as_u64().unwrap() as usize];
    let label = active["label"].as_str().unwrap();
    let offsets = &active["parameters"][1]["label"];
    let (from, to) = (offsets[0].as_u64().unwrap() as usize, offsets[1].as_u64().unwrap() as usize);
    assert!(["string", "integer", "regexp"].contains(&&label[from..to]), "{label} {offsets}");

    // Right after the `(`: the first parameter; outside any call: nothing.
    let first = client.request("textDocument/signatureHelp", at(&uri, 3, 15));
    assert_eq!(first["activeParameter"], 0);
    assert_eq!(client.request("textDocument/signatureHelp", at(&uri, 2, 4)), Value::Null);
}

#[test]
fn lsp_with_and_for_variables_navigate_within_their_scope() {
    let text = "rule r {\n  condition:\n    for any i in (0..2) : (i == 1) and\n    with i = 5, j = i + 1 : (i + j == 11)\n}\n";
    let (_dir, uri, mut client, found) = session("bind.yar", text);
    assert_eq!(found, Vec::<Value>::new());
    let lines: Vec<&str> = text.lines().collect();
    // The range of the `nth` (from 0) word `name` on `line`.
    let range = |line: usize, name: &str, nth: usize| {
        let words = lines[line].match_indices(name).filter(|&(at, _)| {
            let bytes = lines[line].as_bytes();
            let is_word = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
            !is_word(at.checked_sub(1).and_then(|i| bytes.get(i))) && !is_word(bytes.get(at + 1))
        });
        let from = words.map(|(at, _)| at).nth(nth).unwrap();
        json!({ "start": { "line": line, "character": from }, "end": { "line": line, "character": from + name.len() } })
    };
    let pos = |r: &Value| {
        (
            r["start"]["line"].as_u64().unwrap() as u32,
            r["start"]["character"].as_u64().unwrap() as u32,
        )
    };

    // The loop's `i` in its body goes to the loop; the `with`'s uses to it.
    let (line, character) = pos(&range(2, "i", 1));
    let loop_i = client.request("textDocument/definition", at(&uri, line, character));
    assert_eq!(loop_i["range"], range(2, "i", 0));
    let (line, character) = pos(&range(3, "i", 2));
    let with_i = client.request("textDocument/definition", at(&uri, line, character));
    assert_eq!(with_i["range"], range(3, "i", 0));
    let (line, character) = pos(&range(3, "j", 1));
    let j = client.request("textDocument/definition", at(&uri, line, character));
    assert_eq!(j["range"], range(3, "j", 0));

    // References of the `with`'s `i`: its declaration, `i + 1` and `i + j`.
    let (line, character) = pos(&range(3, "i", 1));
    let mut params = at(&uri, line, character);
    params["context"] = json!({ "includeDeclaration": true });
    let refs = client.request("textDocument/references", params);
    let ranges: Vec<Value> = refs.as_array().unwrap().iter().map(|l| l["range"].clone()).collect();
    assert_eq!(ranges, [range(3, "i", 0), range(3, "i", 1), range(3, "i", 2)]);

    // Rename it: the loop's `i` is another name and stays.
    let mut params = at(&uri, line, character);
    params["newName"] = json!("n");
    let edit = client.request("textDocument/rename", params);
    let edits = edit["changes"][uri.as_str()].as_array().unwrap();
    let renamed: Vec<Value> = edits.iter().map(|e| e["range"].clone()).collect();
    assert_eq!(renamed, [range(3, "i", 0), range(3, "i", 1), range(3, "i", 2)]);
    assert!(edits.iter().all(|e| e["newText"] == "n"));
}

#[test]
fn lsp_folding_ranges_cover_rules_sections_and_comments() {
    let text = "// one\n// two\nimport \"pe\"\n/* a\n   b */\nrule r {\n  meta:\n    a = 1\n  strings:\n    $a = \"a\"\n    $b = \"b\"\n  condition:\n    $a and\n    $b\n}\nrule one_line { condition: true }\n";
    let (_dir, uri, mut client, _) = session("fold.yar", text);
    let ranges =
        client.request("textDocument/foldingRange", json!({ "textDocument": { "uri": uri } }));
    let found: Vec<(u64, u64, &str)> = ranges
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let line = |key: &str| r[key].as_u64().unwrap();
            (line("startLine"), line("endLine"), r["kind"].as_str().unwrap_or(""))
        })
        .collect();
    assert_eq!(
        found,
        [(0, 1, "comment"), (3, 4, "comment"), (5, 14, ""), (6, 7, ""), (8, 10, ""), (11, 13, "")]
    );
}
