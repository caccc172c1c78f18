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
