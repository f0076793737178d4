//! The bundled tables list every file under rules/, and the bundled
//! profiles load and cover the rules' families.

use std::collections::BTreeSet;
use std::path::Path;

use spoor::attribution::Profiles;
use spoor::bundled::{PROFILES, RULES};

fn files_under(dir: &Path, root: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "yar" || e == "toml")
            && !path.to_string_lossy().ends_with(spoor::testing::TEST_FILE_SUFFIX)
        {
            out.insert(path.strip_prefix(root).unwrap().to_string_lossy().into_owned());
        }
    }
}

#[test]
fn every_rule_and_profile_file_is_bundled() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut on_disk = BTreeSet::new();
    files_under(&root, &root, &mut on_disk);
    let bundled: BTreeSet<String> =
        RULES.iter().chain(PROFILES).map(|(p, _)| (*p).to_string()).collect();
    assert_eq!(on_disk, bundled, "update src/bundled.rs");
}

#[test]
fn bundled_rules_cover_enough_families_and_name_known_ones() {
    let profiles = Profiles::bundled();
    for (actor, minimum) in [("scarcruft", 12), ("lazarus", 15)] {
        let profile = profiles.get(actor).unwrap();
        let mut families = BTreeSet::new();
        for (path, text) in RULES.iter().filter(|(p, _)| p.starts_with(&format!("{actor}/"))) {
            for line in text.lines().map(str::trim) {
                if let Some(value) = line.strip_prefix("family = \"") {
                    let family = value.trim_end_matches('"');
                    assert!(
                        profile.family(family).is_some(),
                        "{path}: {family} is not a {actor} family"
                    );
                    families.insert(family.to_string());
                }
                if let Some(value) = line.strip_prefix("actor = \"") {
                    assert_eq!(value.trim_end_matches('"'), actor, "{path}");
                }
            }
        }
        assert!(families.len() >= minimum, "{actor}: only {families:?}");
        assert!(families.contains(if actor == "scarcruft" { "rokrat" } else { "opencarrot" }));
    }
}
