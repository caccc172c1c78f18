//! Shell completion completes: each generated script is loaded into its shell, which is asked
//! to complete a command line, and the candidates are checked (not only that a script is
//! printed). A shell that is not installed is skipped with a visible note.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

/// The script `evtx-doctor completions SHELL` prints, written to `dir/name`.
fn script(shell: &str, dir: &Path, name: &str) -> std::path::PathBuf {
    let (code, stdout, stderr) = run(&["completions", shell]);
    assert_eq!(code, 0, "{stderr}");
    let path = dir.join(name);
    std::fs::write(&path, stdout).expect("write the script");
    path
}

/// Whether `shell` can be run here.
fn installed(shell: &str) -> bool {
    Command::new(shell)
        .args(["-c", "exit 0"])
        .status()
        .is_ok_and(|status| status.success())
}

/// What bash's completion function offers for `words`, the last one being completed.
fn bash_complete(script: &Path, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let prev = words.get(cword.wrapping_sub(1)).copied().unwrap_or("");
    let current = words[cword];
    let program = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={cword}; \
         _evtx_doctor evtx-doctor '{current}' '{prev}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" ")
    );
    let output = Command::new("bash")
        .args(["-c", &program])
        .output()
        .expect("run bash");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completes_formats_and_subcommands() {
    if !installed("bash") {
        return skip("bash is not installed");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let script = script("bash", dir.path(), "evtx-doctor.bash");
    let text = std::fs::read_to_string(&script).expect("script");
    assert!(
        text.contains("evtx-doctor\n"),
        "registered for the binary's name"
    );
    assert_eq!(
        bash_complete(&script, &["evtx-doctor", "analyze", "--format", ""]),
        ["text", "json", "jsonl", "csv", "markdown", "html"]
    );
    let rules = bash_complete(&script, &["evtx-doctor", "rules", ""]);
    assert!(
        rules.contains(&"list".to_owned()) && rules.contains(&"check".to_owned()),
        "{rules:?}"
    );
    let top = bash_complete(&script, &["evtx-doctor", "an"]);
    assert_eq!(top, ["analyze"]);
    let options = bash_complete(&script, &["evtx-doctor", "analyze", "--no-p"]);
    assert_eq!(options, ["--no-progress", "--no-prefilter"]);
    // The shell's own registration names the completion function the script defines.
    let output = Command::new("bash")
        .args([
            "-c",
            &format!("source '{}'; complete -p evtx-doctor", script.display()),
        ])
        .output()
        .expect("run bash");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("-F _evtx_doctor"),
        "{output:?}"
    );
}

#[test]
fn fish_completes_formats_and_subcommands() {
    if !installed("fish") {
        return skip("fish is not installed");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let script = script("fish", dir.path(), "evtx-doctor.fish");
    let complete = |line: &str| -> Vec<String> {
        let program = format!("source '{}'; complete -C '{line}'", script.display());
        let output = Command::new("fish")
            .args(["--no-config", "-c", &program])
            .output()
            .expect("run fish");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|l| l.split('\t').next().unwrap_or("").to_owned())
            .collect()
    };
    let mut formats = complete("evtx-doctor analyze --format ");
    formats.sort();
    assert_eq!(
        formats,
        ["csv", "html", "json", "jsonl", "markdown", "text"]
    );
    let rules = complete("evtx-doctor rules ");
    assert!(
        rules.contains(&"list".to_owned()) && rules.contains(&"check".to_owned()),
        "{rules:?}"
    );
}

#[test]
fn zsh_completes_formats() {
    if !installed("zsh") {
        return skip("zsh is not installed");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    script("zsh", dir.path(), "_evtx-doctor");
    // An interactive zsh in a pseudo-terminal (zsh/zpty), asked to complete after a TAB.
    let driver = format!(
        r#"zmodload zsh/zpty || exit 3
zpty z 'zsh -f -i'
zpty -w z 'PS1="" PROMPT_EOL_MARK=""; fpath=({dir} $fpath); autoload -U compinit; compinit -u -D; evtx-doctor() {{ :; }}; zstyle ":completion:*" list-prompt ""; LISTMAX=1000'
zpty -n -w z $'evtx-doctor analyze --format \t'
integer i=0
local all=""
while (( i++ < 100 )); do
  if zpty -r -t z chunk; then all+=$chunk; [[ $all == *markdown*jsonl* || $all == *jsonl*markdown* ]] && break; else sleep 0.1; fi
done
print -r -- "$all"
zpty -d z
"#,
        dir = dir.path().display()
    );
    let output = Command::new("zsh")
        .args(["-f", "-c", &driver])
        .output()
        .expect("run zsh");
    if output.status.code() == Some(3) {
        return skip("zsh has no zsh/zpty module");
    }
    let shown = String::from_utf8_lossy(&output.stdout);
    // The candidates are listed after the command line.
    // The candidates are listed between the command line and the command line drawn again.
    let listed = shown.rsplit("--format").nth(1).unwrap_or("");
    for format in ["text", "json", "jsonl", "csv", "markdown", "html"] {
        assert!(listed.contains(format), "{format} not offered: {shown:?}");
    }
}
