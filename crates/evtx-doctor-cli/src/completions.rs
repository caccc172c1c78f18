//! `evtx-doctor completions SHELL`: clap_complete's scripts, with the bash script repaired.
//!
//! For a binary name with a hyphen, clap_complete's bash script records the command line's
//! position under one function name (`evtx__doctor__subcmd__analyze`) and dispatches on
//! another (`evtx__subcmd__doctor__subcmd__analyze`), so nothing past the first word completes
//! (clap-rs/clap#6421, open). The script is therefore generated for a name without a hyphen
//! and registered for the real one.

use crate::cli::Cli;
use clap::CommandFactory;
use clap_complete::Shell;

/// The binary's name, as typed.
const BIN: &str = "evtx-doctor";
/// The name the bash script is generated for: no hyphen to mangle.
const BASH_NAME: &str = "evtx_doctor";

/// The completion script for `shell`.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    match shell {
        Shell::Bash => {
            let mut command = Cli::command().name(BASH_NAME).bin_name(BASH_NAME);
            clap_complete::generate(shell, &mut command, BASH_NAME, &mut out);
            let text = String::from_utf8_lossy(&out);
            let mut fixed = String::with_capacity(text.len());
            for line in text.lines() {
                // `complete -F _evtx_doctor ... evtx_doctor`: register for the real name.
                let registration = line.trim_start().starts_with("complete ");
                match line.strip_suffix(BASH_NAME) {
                    Some(head) if registration => {
                        fixed.push_str(head);
                        fixed.push_str(BIN);
                    }
                    _ => fixed.push_str(line),
                }
                fixed.push('\n');
            }
            fixed.into_bytes()
        }
        _ => {
            clap_complete::generate(shell, &mut Cli::command(), BIN, &mut out);
            out
        }
    }
}
