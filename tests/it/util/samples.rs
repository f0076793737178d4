//! Synthetic samples for the bundled rules, from the rule tests beside them
//! (`rules/*/*.test.toml`, the `spoor test` format; see `spoor::testing`).
//! `scripts/check_bundled.py` builds the same bytes; `tests/it/bundled_samples.rs`
//! compares the two when Python and yara-x are installed.

use std::collections::BTreeMap;
use std::path::PathBuf;

use spoor::testing::{TestFile, discover};

/// A rule with one positive sample and its near miss.
#[derive(Debug)]
pub struct Recipe {
    /// The rule.
    pub rule: String,
    positive: Vec<u8>,
    negative: Vec<u8>,
}

impl Recipe {
    /// The sample the rule must match.
    pub fn positive(&self) -> Vec<u8> {
        self.positive.clone()
    }

    /// The near miss, which the rule must not match.
    pub fn negative(&self) -> Vec<u8> {
        self.negative.clone()
    }
}

/// Every (positive, near miss) pair of the bundled rule tests: test files
/// in path order, cases in file order; the k-th case a rule must match
/// pairs with the k-th case it must not match.
pub fn recipes() -> Vec<Recipe> {
    let root = crate::util::repo().join("rules");
    let mut recipes = Vec::new();
    for path in discover(&[root]) {
        let test = TestFile::load(&path).expect("rule test loads");
        let base: PathBuf = path.parent().unwrap().to_owned();
        let mut positives: Vec<(String, Vec<u8>)> = Vec::new();
        let mut negatives: BTreeMap<String, Vec<Vec<u8>>> = BTreeMap::new();
        for case in &test.cases {
            let bytes = case.sample.bytes(&base).expect("sample builds");
            for rule in &case.matches {
                positives.push((rule.clone(), bytes.clone()));
            }
            for rule in &case.not_matches {
                negatives.entry(rule.clone()).or_default().push(bytes.clone());
            }
        }
        let mut used: BTreeMap<String, usize> = BTreeMap::new();
        for (rule, positive) in positives {
            let k = used.entry(rule.clone()).or_default();
            let negative = negatives
                .get(&rule)
                .and_then(|n| n.get(*k))
                .unwrap_or_else(|| panic!("{}: {rule} has no near miss", path.display()))
                .clone();
            *k += 1;
            recipes.push(Recipe { rule, positive, negative });
        }
    }
    recipes
}
