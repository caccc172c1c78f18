//! The lines of a `Format-List` value, joined back. PowerShell prints a long value over
//! several lines, each continued at the value column, cut at the console width. In English,
//! French, German, Italian, Portuguese and Spanish it cuts between words (the space stays at
//! the end of the line, unless a copy from the console trims it) and inside a word only when
//! the word is longer than the column; in other languages it cuts anywhere, every cut line
//! filling the width exactly.

/// The narrowest console width taken as one that wrapped: below it, no line is joined.
const MIN_WRAP_WIDTH: usize = 40;

/// The widest console considered: a wider line was not cut by a console.
const MAX_WRAP_WIDTH: usize = 1000;

/// How far below the widest line a line ends that was cut between words.
const NEAR: usize = 15;

/// One printed line of a value.
#[derive(Debug, Clone)]
pub(super) struct Piece {
    /// The line's part of the value (the first line without its label, the others without the
    /// indentation to the value column; white space the value had is kept).
    pub(super) text: String,
    /// The printed line's width in characters.
    pub(super) width: usize,
}

/// How many lines followed by another of their value are remembered (enough to judge the
/// console; bounded whatever the file).
const MAX_REACHES: usize = 100_000;

/// What the file's lines say about the console they were printed on.
#[derive(Debug, Clone)]
pub(super) struct Console {
    /// How many lines are of each width.
    widths: Vec<u32>,
    /// For lines a line of their value follows: their width, and how far they would have
    /// reached with that line's first word (and a space) put on them.
    reaches: Vec<(u16, u16)>,
    /// The widest line (at most [`MAX_WRAP_WIDTH`]).
    width: usize,
    /// How many of `reaches` end short of `width` where a console that cuts between words
    /// would end them: the next word would not have fitted.
    word_breaks: usize,
}

impl Default for Console {
    fn default() -> Self {
        Console {
            widths: vec![0; MAX_WRAP_WIDTH + 1],
            reaches: Vec::new(),
            width: 0,
            word_breaks: 0,
        }
    }
}

impl Console {
    /// Takes a printed line of `width` characters into account.
    pub(super) fn see(&mut self, width: usize) {
        if let Some(count) = self.widths.get_mut(width) {
            *count = count.saturating_add(1);
            if width > self.width {
                // A wider console (at most MAX_WRAP_WIDTH times): count its word breaks anew.
                self.width = width;
                self.word_breaks = self
                    .reaches
                    .iter()
                    .filter(|&&(line, reach)| self.breaks_at(line, reach))
                    .count();
            }
        }
    }

    /// Whether a line of width `line` whose next word reaches `reach` ends where a console
    /// that cuts between words, as wide as the widest line, would end it.
    fn breaks_at(&self, line: u16, reach: u16) -> bool {
        usize::from(line) < self.width && usize::from(reach) > self.width
    }

    /// Takes into account a line of `width` characters followed, in its value, by a line whose
    /// first word is `word` characters long.
    pub(super) fn see_next_word(&mut self, width: usize, word: usize) {
        let reach = width.saturating_add(1).saturating_add(word);
        if let (Ok(line), Ok(reach)) = (u16::try_from(width), u16::try_from(reach))
            && self.reaches.len() < MAX_REACHES
            && width <= MAX_WRAP_WIDTH
        {
            self.reaches.push((line, reach));
            if self.breaks_at(line, reach) {
                self.word_breaks += 1;
            }
        }
    }

    /// Whether the console cut anywhere: several lines fill the width exactly, and they are
    /// at least half of the lines near it, or more than the lines that end where a console
    /// cutting between words would end them (such a console ends its lines short of the width
    /// by a word's length at random; one line in seven or so fills it).
    fn cuts_anywhere(&self, width: usize) -> bool {
        let full = self.widths.get(width).copied().unwrap_or(0);
        let near: u32 = self
            .widths
            .get(width.saturating_sub(NEAR)..=width)
            .unwrap_or_default()
            .iter()
            .sum();
        full >= 3 && (full * 2 >= near || full as usize > self.word_breaks)
    }

    /// Whether `before` was cut inside a word that `after` goes on with: it fills the console
    /// width, there is no space on either side of the cut, and either the console cut anywhere
    /// or the word is longer than the line (only such a word is cut by a console that cuts
    /// between words).
    fn cut(&self, width: usize, before: &Piece, after: &Piece) -> bool {
        let tail = before
            .text
            .chars()
            .rev()
            .take_while(|c| !c.is_whitespace())
            .count();
        let head = after
            .text
            .chars()
            .take_while(|c| !c.is_whitespace())
            .count();
        width >= MIN_WRAP_WIDTH
            && before.width == width
            && tail > 0
            && head > 0
            && (tail + head > before.text.chars().count() || self.cuts_anywhere(width))
    }
}

/// The value the printed lines `pieces` hold: a line cut inside a word ([`Console::cut`])
/// continues on the next line without a break; every other line ends with a line break of
/// the value.
pub(super) fn join(pieces: &[Piece], console: &Console) -> String {
    let width = console.width;
    let mut value = String::new();
    let mut previous: Option<&Piece> = None;
    for piece in pieces {
        if let Some(before) = previous
            && !console.cut(width, before, piece)
        {
            value.push('\n');
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

    fn console(pieces: &[Piece]) -> Console {
        let mut console = Console::default();
        for piece in pieces {
            console.see(piece.width);
        }
        console
    }

    #[test]
    fn words_cut_at_the_console_width_are_joined() {
        // Printed at 50 columns, the value column at 15.
        let lines = pieces(&[
            "Message      : The RPC server is unavailable.",
            "               Error creating the RPC binding",
            "               handle.",
            "               Microsoft.Online.PasswordSynchroniz",
            "               ation.DrsException",
            "                  at Foo()",
        ]);
        assert_eq!(
            join(&lines, &console(&lines)),
            "Message      : The RPC server is unavailable.\nError creating the RPC binding\nhandle.\n\
             Microsoft.Online.PasswordSynchronization.DrsException\nat Foo()"
        );
        // Cut anywhere (a language PowerShell does not word-wrap): every full line goes on.
        let lines = pieces(&[
            "Message : AADSTS70002: Error validating c",
            "          redentials. AADSTS50054: Old pa",
            "          ssword is used for authenticati",
            "          on.",
        ]);
        assert_eq!(
            join(&lines, &console(&lines)),
            "Message : AADSTS70002: Error validating credentials. AADSTS50054: Old password is used for authentication."
        );
        // Full lines of words, their spaces dropped by the copy: lines between words.
        let lines = pieces(&[
            "Message : The server encountered an unexpected error while processing",
            "          a password change notification: AADSTS70002: Error validating",
            "          credentials.",
        ]);
        assert_eq!(
            join(&lines, &console(&lines)),
            "Message : The server encountered an unexpected error while processing\n\
             a password change notification: AADSTS70002: Error validating\ncredentials."
        );
        // Nothing reaches the width of a console that wrapped: lines stay lines.
        let lines = pieces(&["a b", "c"]);
        assert_eq!(join(&lines, &console(&lines)), "a b\nc");
    }
}
