//! The width to lay text out for: the terminal's, or 100 columns when standard output is not
//! a terminal (a pipe, a file), so that what is saved does not depend on who saved it.

use std::io::IsTerminal;

/// Columns when standard output is not a terminal (or its size cannot be read).
pub const DEFAULT_WIDTH: usize = 100;

/// The narrowest layout: below this, lines wrap in the terminal instead.
const MIN_WIDTH: usize = 40;

/// The width of standard output in columns.
pub fn stdout_width() -> usize {
    let stdout = std::io::stdout();
    if !stdout.is_terminal() {
        return DEFAULT_WIDTH;
    }
    terminal_size::terminal_size_of(&stdout)
        .map_or(DEFAULT_WIDTH, |(terminal_size::Width(w), _)| {
            usize::from(w).max(MIN_WIDTH)
        })
}

/// `text` wrapped at spaces into lines of at most `width` characters (the library's layout:
/// controls escaped, a longer word on a line of its own).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    evtx_doctor::render::wrap(text, width, width)
}

/// `lead`, then `text` wrapped to `width` columns with its further lines indented by
/// `indent` columns; every line ends with a newline.
pub fn hanging(lead: &str, text: &str, width: usize, indent: usize) -> String {
    let first = width.saturating_sub(lead.chars().count()).max(20);
    let rest = width.saturating_sub(indent).max(20);
    let mut out = String::new();
    for (index, line) in evtx_doctor::render::wrap(text, first, rest)
        .iter()
        .enumerate()
    {
        if index == 0 {
            out.push_str(lead);
        } else {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}
