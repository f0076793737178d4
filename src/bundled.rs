//! The bundled ruleset and actor profiles, compiled into the binary.
//!
//! Every file under `rules/` is listed here with `include_str!`, so
//! `spoor scan` works with no `--rules` and no files beside the binary.
//! `tests/bundled_files.rs` fails when a file under `rules/` is missing from
//! these tables, and when a listed rule does not attribute to its profile.

/// Includes files of `rules/` as `(path relative to rules/, text)`.
macro_rules! bundle {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $path)))),*]
    };
}

/// Actor profiles: `(path relative to rules/, TOML text)`.
pub const PROFILES: &[(&str, &str)] = bundle!["actors/lazarus.toml", "actors/scarcruft.toml"];

/// Rule files: `(path relative to rules/, rule text)`. The directory name is
/// the actor, and the namespace the rules are loaded into.
pub const RULES: &[(&str, &str)] = bundle![
    "lazarus/3cx_macos.yar",
    "lazarus/applejeus.yar",
    "lazarus/bankshot.yar",
    "lazarus/blindingcan.yar",
    "lazarus/dtrack.yar",
    "lazarus/fallchill.yar",
    "lazarus/gopuram.yar",
    "lazarus/hoplight.yar",
    "lazarus/iconic.yar",
    "lazarus/magicrat.yar",
    "lazarus/opencarrot.yar",
    "lazarus/poolrat.yar",
    "lazarus/torisma.yar",
    "lazarus/veiledsignal.yar",
    "lazarus/vhd.yar",
    "lazarus/wannacry.yar",
    "scarcruft/bluelight.yar",
    "scarcruft/btharvester.yar",
    "scarcruft/decrok.yar",
    "scarcruft/dolphin.yar",
    "scarcruft/final1stspy.yar",
    "scarcruft/freenki.yar",
    "scarcruft/goldbackdoor.yar",
    "scarcruft/hwp_lure.yar",
    "scarcruft/lnk_carrier.yar",
    "scarcruft/m2rat.yar",
    "scarcruft/pyloader.yar",
    "scarcruft/rokrat.yar",
    "scarcruft/rubyloader.yar",
    "scarcruft/ruhappy.yar",
];

/// Adds every bundled rule file to `compiler`, each in the namespace named
/// by its directory (`lazarus`, `scarcruft`); diagnostics name the files
/// `rules/<path>`, as in the source tree.
pub fn add_rules(compiler: &mut crate::compiler::Compiler) {
    for (path, text) in RULES {
        let namespace = path.split_once('/').map_or("default", |(dir, _)| dir);
        let _ = compiler.namespace(namespace).add_source(text, &format!("rules/{path}"));
    }
    let _ = compiler.namespace("default");
}
