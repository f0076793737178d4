//! Attribution of hand-made rule metadata, including every worked example
//! of profiles.md §6.

use super::*;

fn rule<'a>(name: &'a str, tags: &[&'a str], meta: &[(&'a str, &str)]) -> RuleInfo<'a> {
    RuleInfo {
        name,
        tags: tags.to_vec(),
        meta: meta.iter().map(|(k, v)| (*k, (*v).to_string())).collect(),
    }
}

fn check(
    info: &RuleInfo<'_>,
    actors: &[&str],
    family: Option<&str>,
    confidence: Option<Confidence>,
) -> RuleAttribution {
    let got = attribute_rule(info, Profiles::bundled());
    assert_eq!(got.actors, actors, "{}", got.summary());
    assert_eq!(got.family.as_deref(), family, "{}", got.summary());
    assert_eq!(got.confidence, confidence, "{}", got.summary());
    got
}

use Confidence::{High, Low, Medium};

#[test]
fn declared_meta_is_taken_as_is() {
    let info = rule(
        "SPOOR_Lazarus_FallChill",
        &[],
        &[
            ("actor", "lazarus"),
            ("family", "fallchill"),
            ("confidence", "high"),
            ("description", "APT37"),
        ],
    );
    let got = check(&info, &["lazarus"], Some("fallchill"), Some(High));
    assert_eq!(got.source, Some(Source::Meta));
    assert!(got.evidence.is_empty(), "nothing is inferred next to declared meta");
}

#[test]
fn repeated_actor_meta_names_both() {
    let info =
        rule("r", &[], &[("actor", "lazarus"), ("actor", "scarcruft"), ("confidence", "low")]);
    check(&info, &["lazarus", "scarcruft"], None, Some(Low));
}

#[test]
fn free_text_actor_meta_is_evidence_not_a_declaration() {
    let info = rule("r", &[], &[("actor", "Lazarus Group")]);
    let got = check(&info, &["lazarus"], None, Some(Medium));
    assert_eq!(got.source, Some(Source::Inferred));
}

#[test]
fn scarcruft_name_with_family() {
    let info = rule("APT_NK_Scarcruft_evolved_ROKRAT", &[], &[]);
    let got = check(&info, &["scarcruft"], Some("rokrat"), Some(Medium));
    assert_eq!(got.country.as_deref(), Some("KP"));
}

#[test]
fn family_in_name_and_actor_tag() {
    let info = rule("APT_MAL_Win_BlueLight", &["InkySquid"], &[]);
    check(&info, &["scarcruft"], Some("bluelight"), Some(Medium));
}

#[test]
fn weak_family_alias_needs_actor_evidence() {
    let with_tag = rule("apt_malware_win_dolphin", &["InkyPine"], &[]);
    check(&with_tag, &["scarcruft"], Some("dolphin"), Some(Medium));
    let alone = rule("apt_malware_win_dolphin", &[], &[]);
    let got = check(&alone, &[], None, None);
    assert_eq!(got.evidence[0].kind, Kind::Weak);
    let with_weak_actor = rule("apt_malware_win_dolphin", &["Reaper"], &[]);
    let got = check(&with_weak_actor, &["scarcruft"], Some("dolphin"), Some(Low));
    assert!(got.weak, "{}", got.summary());
}

#[test]
fn structured_meta_threat_name() {
    let info = rule(
        "Windows_Backdoor_Goldbackdoor_91902940",
        &[],
        &[("threat_name", "Windows.Backdoor.Goldbackdoor")],
    );
    check(&info, &["scarcruft"], Some("goldbackdoor"), Some(Medium));
}

#[test]
fn country_tags_do_not_pick_an_actor() {
    let info = rule("ROKRAT_payload", &["TAU", "DPRK", "APT"], &[]);
    check(&info, &["scarcruft"], Some("rokrat"), Some(Medium));
    let only_country = rule("APT_NK_Unknown_Keylogger", &["DPRK"], &[]);
    let got = check(&only_country, &[], None, None);
    assert_eq!(got.country.as_deref(), Some("KP"));
}

#[test]
fn lazarus_family_name() {
    check(&rule("APT_FallChill_RC4_Keys", &[], &[]), &["lazarus"], Some("fallchill"), Some(Medium));
}

#[test]
fn shared_family_names_all_actors_at_low() {
    let elastic = rule("Windows_Trojan_MagicRat_c14c4d85", &[], &[]);
    check(&elastic, &["lazarus", "andariel"], Some("magicrat"), Some(Low));
    let cisa = rule(
        "MAL_APT_NK_Andariel_CutieDrop_MagicRAT",
        &[],
        &[("reference", "https://www.cisa.gov/news-events/cybersecurity-advisories/aa24-207a")],
    );
    check(&cisa, &["lazarus", "andariel"], Some("magicrat"), Some(Low));
}

#[test]
fn an_advisory_cited_by_a_shared_family_attributes_nothing() {
    let info = rule(
        "MAL_APT_NK_Andariel_ScheduledTask_Loader",
        &[],
        &[("reference", "https://www.cisa.gov/news-events/cybersecurity-advisories/aa24-207a")],
    );
    let got = check(&info, &[], None, None);
    assert_eq!(got.country.as_deref(), Some("KP"));
}

#[test]
fn misleading_hvs_loader_goes_to_lazarus_with_conflict() {
    let info = rule(
        "HvS_APT37_RAT_loader",
        &[],
        &[
            ("description", "BLINDINGCAN RAT loader named iconcash.db used by APT37"),
            ("reference", "https://www.hvs-consulting.de/media/downloads/ThreatReport-Lazarus.pdf"),
        ],
    );
    let got = check(&info, &["lazarus"], Some("blindingcan"), Some(Low));
    assert_eq!(got.conflicts, ["scarcruft"]);
}

#[test]
fn misleading_hvs_cred_tool_keeps_the_doubt() {
    let info = rule(
        "HvS_APT37_cred_tool",
        &[],
        &[
            ("description", "Unknown cred tool used by APT37"),
            ("reference", "https://www.hvs-consulting.de/media/downloads/ThreatReport-Lazarus.pdf"),
        ],
    );
    let got = check(&info, &["scarcruft"], None, Some(Low));
    assert_eq!(got.conflicts, ["lazarus"]);
}

#[test]
fn weak_actor_alias_alone_names_the_actor_at_low() {
    for (name, actor) in [
        ("HiddenCobra_Rule_1", "lazarus"),
        ("Win_Trojan_NukeSped_1", "lazarus"),
        ("APT_Reaper_Dropper", "scarcruft"),
    ] {
        let got = check(&rule(name, &[], &[]), &[actor], None, Some(Low));
        assert!(got.weak, "{}", got.summary());
        assert_eq!(got.evidence[0].kind, Kind::Weak, "{}", got.summary());
        assert!(got.summary().contains("weak names only"), "{}", got.summary());
        assert!(got.summary().contains(&format!("weak name of {actor}")), "{}", got.summary());
        assert_eq!(got.country.as_deref(), Some("KP"));
        assert!(got.weight() < Confidence::Low.weight());
    }
}

#[test]
fn weak_name_in_meta_or_description_attributes_at_low() {
    let info = rule("Backdoor_1", &[], &[("malware_family", "NukeSped")]);
    assert!(check(&info, &["lazarus"], None, Some(Low)).weak);
    let info = rule("Backdoor_2", &[], &[("description", "HIDDEN COBRA implant")]);
    assert!(check(&info, &["lazarus"], None, Some(Low)).weak);
}

#[test]
fn the_longer_weak_name_wins() {
    // `TEMP.Hermit` is Lazarus; the `Hermit` inside it is ScarCruft's.
    let got = check(&rule("APT_TEMP_Hermit_Loader", &[], &[]), &["lazarus"], None, Some(Low));
    assert!(got.conflicts.is_empty(), "{}", got.summary());
}

#[test]
fn weak_names_of_two_actors_name_the_better_placed_one_with_a_conflict() {
    let info = rule("NukeSped_Loader", &[], &[("description", "Reaper tooling")]);
    let got = check(&info, &["lazarus"], None, Some(Low));
    assert_eq!(got.conflicts, ["scarcruft"]);
}

#[test]
fn weak_names_only_support_next_to_strong_evidence() {
    let info = rule("Lazarus_NukeSped", &[], &[]);
    let got = check(&info, &["lazarus"], None, Some(Medium));
    assert!(!got.weak);
}

#[test]
fn weak_entries_score_below_any_strong_attribution() {
    let weak: Vec<RuleMatch> = (0..8).map(|i| rule_match(&format!("NukeSped_{i}"), &[])).collect();
    let entries = attribute(&weak, Profiles::bundled());
    assert_eq!(entries.len(), 1, "{entries:#?}");
    let entry = &entries[0];
    assert_eq!((entry.actor.as_str(), entry.confidence), ("lazarus", Some(Low)));
    assert!(entry.weak);
    assert!(entry.score > 0.0 && entry.score <= WEAK_SCORE_CAP, "{}", entry.score);
    let low =
        attribute(&[rule_match("x", &[("description", "Lazarus tool")])], Profiles::bundled());
    assert!(low[0].score > entry.score && !low[0].weak, "{low:#?}");
    assert!(entry.evidence.contains("weak names only"), "{}", entry.evidence);
}

#[test]
fn no_entry_has_no_actor() {
    let matches = [
        rule_match("HKTL_CobaltStrike_Beacon", &[]),
        rule_match("APT_NK_Unknown_Keylogger", &[]),
        rule_match("Unrelated", &[]),
    ];
    assert!(attribute(&matches, Profiles::bundled()).is_empty());
}

#[test]
fn actor_alias_in_name() {
    check(&rule("Lazarus_Dec_17_1", &[], &[]), &["lazarus"], None, Some(Medium));
}

#[test]
fn description_alone_is_low() {
    let info =
        rule("SUSP_VEST_Core", &[], &[("description", "VEST core as used by Lazarus malware")]);
    check(&info, &["lazarus"], None, Some(Low));
}

#[test]
fn cited_profile_reference_counts_for_its_actor() {
    let info = rule("Some_Rule", &[], &[("reference", "http://attack.mitre.org/groups/G0032")]);
    check(&info, &["lazarus"], None, Some(Low));
}

#[test]
fn public_tool_families_name_the_family_only() {
    let got = check(&rule("HKTL_CobaltStrike_Beacon", &[], &[]), &[], Some("cobalt_strike"), None);
    assert_eq!(got.source, Some(Source::Inferred));
    check(
        &rule("APT37_CobaltStrike", &[], &[]),
        &["scarcruft"],
        Some("cobalt_strike"),
        Some(Medium),
    );
}

#[test]
fn whole_tokens_only() {
    for name in ["APT3_Rule", "Zincite_Miner", "Lazarusx_Test", "Apt370"] {
        let got = attribute_rule(&rule(name, &[], &[]), Profiles::bundled());
        assert!(got.actors.is_empty(), "{}", got.summary());
    }
}

#[test]
fn rules_of_other_actors_attribute_nothing() {
    for name in
        ["APT28_Sofacy_Dropper", "Turla_Carbon_Loader", "Kimsuky_BabyShark", "Emotet_Loader"]
    {
        let got = attribute_rule(&rule(name, &[], &[]), Profiles::bundled());
        assert_eq!(got.source, None, "{}", got.summary());
    }
}

fn rule_match(name: &str, meta: &[(&str, &str)]) -> RuleMatch {
    RuleMatch {
        rule: name.into(),
        namespace: "default".into(),
        tags: vec![],
        meta: meta.iter().map(|(k, v)| ((*k).into(), MetaValue::String((*v).into()))).collect(),
        strings: vec![],
    }
}

#[test]
fn file_entries_group_rules_per_actor_and_combine_scores() {
    let matches = [
        rule_match("A", &[("actor", "lazarus"), ("family", "fallchill"), ("confidence", "high")]),
        rule_match("B", &[("actor", "lazarus"), ("family", "applejeus"), ("confidence", "medium")]),
        rule_match("Lazarus_Dec_17_1", &[]),
        rule_match("HKTL_CobaltStrike_Beacon", &[]),
        rule_match("Unrelated", &[]),
    ];
    let entries = attribute(&matches, Profiles::bundled());
    assert_eq!(entries.len(), 1, "public tools name no actor, so no entry: {entries:#?}");
    let lazarus = &entries[0];
    assert_eq!(lazarus.actor, "lazarus");
    assert_eq!(lazarus.rules, ["A", "B", "Lazarus_Dec_17_1"]);
    assert_eq!(lazarus.families, ["fallchill", "applejeus"]);
    assert_eq!(lazarus.confidence, Some(High));
    // 1 - 0.1 * 0.4 * 0.4 = 0.984, reported to hundredths.
    assert_eq!(lazarus.score, 0.98);
    assert!(
        lazarus.evidence.contains("Lazarus_Dec_17_1: lazarus (medium)"),
        "{}",
        lazarus.evidence
    );
    let json = serde_json::to_value(lazarus).unwrap();
    for key in ["actor", "score", "families", "rules", "evidence"] {
        assert!(json.get(key).is_some(), "{key} missing in {json}");
    }
}

#[test]
fn retain_actor_keeps_that_actors_matches_only() {
    let matches = vec![
        rule_match("A", &[("actor", "lazarus"), ("family", "fallchill"), ("confidence", "high")]),
        rule_match("APT_NK_Scarcruft_evolved_ROKRAT", &[]),
        rule_match("Unrelated", &[]),
    ];
    let attribution = attribute(&matches, Profiles::bundled());
    let outcome = crate::results::Outcome::Scanned { matches, warnings: vec![] };
    let mut report = crate::results::FileReport {
        member: Vec::new(),
        path: "f".into(),
        size: 1,
        outcome,
        attribution,
        console: vec![],
        stopped: None,
    };
    retain_actor(&mut report, "scarcruft");
    let kept: Vec<&str> = report.matches().iter().map(|m| m.rule.as_str()).collect();
    assert_eq!(kept, ["APT_NK_Scarcruft_evolved_ROKRAT"]);
    assert_eq!(report.attribution.len(), 1);
    retain_actor(&mut report, "lazarus");
    assert!(report.matches().is_empty() && report.attribution.is_empty());
}
