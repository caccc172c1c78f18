//! The lines of a `Format-List` value, joined back. PowerShell prints a long value over
//! several lines, each continued at the value column, cut at the console width: between words
//! in English, French, German, Italian, Portuguese and Spanish (the space stays at the end of
//! the line, unless a copy from the console trims it), inside a word when one is longer than
//! the column, and anywhere in other languages. Such a cut line fills the width exactly.

/// The narrowest console width taken as one that wrapped: below it, no line is joined.
const MIN_WRAP_WIDTH: usize = 40;

/// One printed line of a value.
#[derive(Debug, Clone)]
pub(super) struct Piece {
    /// The line's part of the value (the first line without its label, the others without the
    /// indentation to the value column; white space the value had is kept).
    pub(super) text: String,
    /// The printed line's width in characters.
    pub(super) width: usize,
}

/// The value the printed lines `pieces` hold: a line that fills `console` (the widest line of
/// the file) and is cut between two non-blank characters continues on the next line without
/// a break; every other line ends with a line break of the value.
pub(super) fn join(pieces: &[Piece], console: usize) -> String {
    let mut value = String::new();
    let mut previous: Option<&Piece> = None;
    for piece in pieces {
        if let Some(before) = previous {
            let cut = console >= MIN_WRAP_WIDTH
                && before.width == console
                && !before.text.ends_with(char::is_whitespace)
                && piece.text.starts_with(|c: char| !c.is_whitespace());
            if !cut {
                value.push('\n');
            }
        }
        value.push_str(&piece.text);
        previous = Some(piece);
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(lines: &[&str]) -> Vec<Piece> {
        lines
            .iter()
            .map(|line| Piece {
                text: line.trim_start_matches(' ').to_owned(),
                width: line.chars().count(),
            })
            .collect()
    }

    #[test]
    fn words_cut_at_the_console_width_are_joined() {
        // Printed at 50 columns, the value column at 15.
        let lines = [
            "Message      : The RPC server is unavailable.",
            "               Error creating the RPC binding",
            "               handle.",
            "               Microsoft.Online.PasswordSynchroniz",
            "               ation.DrsException",
            "                  at Foo()",
        ];
        let value = join(&pieces(&lines), 50);
        assert_eq!(
            value,
            "Message      : The RPC server is unavailable.\nError creating the RPC binding\nhandle.\n\
             Microsoft.Online.PasswordSynchronization.DrsException\nat Foo()"
        );
        // Nothing reaches the width of a console that wrapped: lines stay lines.
        assert_eq!(join(&pieces(&["a b", "c"]), 3), "a b\nc");
    }
}
