//! Attribution of third-party rules from their metadata alone (issue 5,
//! acceptance 3): every signature-base rule for ScarCruft or Lazarus goes to
//! the actor its source names (the misleading `HvS_APT37_*` names included,
//! as profiles.md §6 decides them), and rules for other actors attribute to
//! neither profile.

use std::path::{Path, PathBuf};

use spoor::attribution::{Profiles, RuleAttribution, RuleInfo, attribute_rule};
use spoor::parser::ast::Item;
use spoor::parser::parse;
use spoor::source::SourceFile;

/// Files whose rules are about North Korean actors.
const NK_PREFIXES: &[&str] =
    &["apt_lazarus_", "apt_nk_", "apt_apt37", "apt_rokrat", "apt_scarcruft"];

/// Other files, or `file:rule`s, about North Korean tooling: they may
/// attribute to Lazarus or ScarCruft and are not checked as "other actors".
const OTHER_NK: &[&str] = &[
    "apt_hidden_cobra.yar",
    "apt_hiddencobra_bankshot.yar",
    "apt_hiddencobra_wiper.yar",
    "apt_ar18_165a.yar", // TYPEFRAME (US-CERT HIDDEN COBRA report)
    "apt_ta17_318A.yar", // FALLCHILL (US-CERT)
    "apt_ta17_318B.yar", // Volgmer (US-CERT)
    "apt_dtrack.yar",
    "apt_mal_gopuram_apr23.yar", // Gopuram, 3CX
    "crime_wannacry.yar",
    "apt_eternalblue_non_wannacry.yar",
    "gen_mal_3cx_compromise_mar23.yar",
    "crime_bluenoroff_pos.yar",
    "crime_hermes_ransom.yar:Hermes2_1", // cites a Lazarus report
    "crime_ransom_generic.yar:SUSP_RANSOMWARE_Indicator_Jul20", // cites the Lazarus VHD report
    "gen_100days_of_yara_2023.yar:MAL_GOLDBACKDOOR_LNK",
];

/// Families Lazarus shares with Andariel (profile `shared_with`), as the
/// CISA Andariel advisory's rule names spell them.
const SHARED_WITH_ANDARIEL: &[&str] = &["MagicRAT", "TigerRAT", "Tiger_RAT", "DTrack", "Dtrack"];

/// The actors each NK rule's source names. Andariel is no profile: its
/// rules attribute to nobody unless they name a family reported for both.
fn expected(file: &str, rule: &str) -> &'static [&'static str] {
    match (file, rule) {
        (_, "HvS_APT37_RAT_loader") => &["lazarus"],
        (_, r) if r.starts_with("HvS_APT37_") => &["scarcruft"],
        ("apt_nk_andariel_jul24.yar", r) if SHARED_WITH_ANDARIEL.iter().any(|f| r.contains(f)) => {
            &["lazarus", "andariel"]
        }
        ("apt_nk_andariel_jul24.yar" | "apt_nk_gen.yar", _) => &[],
        (f, _) if f.starts_with("apt_lazarus_") || f == "apt_nk_tradingtech_apr23.yar" => {
            &["lazarus"]
        }
        _ => &["scarcruft"],
    }
}

fn corpus_files() -> Option<Vec<PathBuf>> {
    let dir = std::fs::read_dir(crate::util::signature_base()?).expect("corpus is readable");
    let mut files: Vec<PathBuf> = dir.filter_map(Result::ok).map(|e| e.path()).collect();
    files.sort();
    Some(files.into_iter().filter(|p| p.extension().is_some_and(|e| e == "yar")).collect())
}

/// Every rule of a file with its attribution.
fn attribute_file(path: &Path) -> Vec<RuleAttribution> {
    let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
    let source = SourceFile::new(path.display().to_string(), text);
    let (file, _diagnostics) = parse(&source);
    let profiles = Profiles::bundled();
    file.items
        .iter()
        .filter_map(|item| match item {
            Item::Rule(rule) => Some(attribute_rule(&RuleInfo::from_ast(rule), profiles)),
            _ => None,
        })
        .collect()
}

#[test]
fn nk_rules_attribute_to_the_actor_their_source_names() {
    let Some(files) = corpus_files() else { return };
    let mut checked = 0;
    let mut wrong = Vec::new();
    for path in &files {
        let file = path.file_name().unwrap().to_str().unwrap();
        if !NK_PREFIXES.iter().any(|p| file.starts_with(p)) {
            continue;
        }
        for got in attribute_file(path) {
            checked += 1;
            if got.actors != expected(file, &got.rule) {
                wrong.push(format!("{file}: {}", got.summary()));
            }
        }
    }
    assert!(checked > 60, "only {checked} rules found");
    assert!(wrong.is_empty(), "{} of {checked} wrong:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn rules_for_other_actors_attribute_to_neither() {
    let Some(files) = corpus_files() else { return };
    let mut wrong = Vec::new();
    let mut checked = 0;
    for path in &files {
        let file = path.file_name().unwrap().to_str().unwrap();
        if NK_PREFIXES.iter().any(|p| file.starts_with(p)) || OTHER_NK.contains(&file) {
            continue;
        }
        for got in attribute_file(path) {
            if OTHER_NK.contains(&format!("{file}:{}", got.rule).as_str()) {
                continue;
            }
            checked += 1;
            if !got.actors.is_empty() {
                wrong.push(format!("{file}: {}", got.summary()));
            }
        }
    }
    assert!(checked > 1000, "only {checked} rules found");
    assert!(wrong.is_empty(), "{} of {checked} wrong:\n{}", wrong.len(), wrong.join("\n"));
}
