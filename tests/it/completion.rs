//! `spoor completion` and `spoor man` come from the clap definitions: every
//! subcommand appears in each shell's script and in the man page.

use crate::util::spoor;

const SUBCOMMANDS: [&str; 6] = ["scan", "check", "fmt", "test", "dump", "profiles"];

#[test]
fn completions_name_every_subcommand_in_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = spoor().args(["completion", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&out.stdout);
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell} completion lacks {sub}");
        }
        assert!(script.contains("--check"), "{shell} completion lacks fmt's flags");
    }
    assert!(!spoor().args(["completion", "tcsh"]).output().unwrap().status.success());
}

#[test]
fn the_man_page_covers_every_subcommand() {
    let out = spoor().arg("man").output().unwrap();
    assert!(out.status.success());
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.starts_with(".ie"), "roff output");
    for sub in SUBCOMMANDS {
        assert!(page.contains(&format!("spoor\\-{sub}")), "man page lacks {sub}");
    }
}
