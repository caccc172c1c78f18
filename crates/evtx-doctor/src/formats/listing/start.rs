//! Where the first event of a pasted text starts, and what its lines carry in front of them:
//! e-mail quoting (`> `, `>> `) or the indentation of a code block.

use super::labels::{Label, split_label};
use super::{LIST_LABELS, Shape, is_wevtutil_start, list_label};

/// How many lines after a `Format-List` label another one must come to make a record.
const LIST_CONFIRM_LINES: usize = 200;

/// The first event of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Start {
    /// Its shape.
    pub(super) shape: Shape,
    /// The number (0-based) of its first line.
    pub(super) line: usize,
    /// What its lines carry in front of them.
    pub(super) prefix: Prefix,
    /// For Event Viewer copies, the first label as written (it may be in any language): the
    /// label that starts each event.
    pub(super) first_label: Option<String>,
}

/// E-mail quoting and indentation in front of every line of a pasted event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Prefix {
    /// Quote markers (`>`).
    quotes: usize,
    /// White space after them.
    indent: usize,
}

/// A line seen through a [`Prefix`].
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Stripped<'a> {
    /// The line's content.
    Inside(&'a str),
    /// The line lacks the prefix: it is not part of the quoted or indented paste.
    Outside,
}

impl Prefix {
    /// The prefix of `line`, and what follows it.
    pub(super) fn of(line: &str) -> (Prefix, &str) {
        let mut quotes = 0;
        let mut rest = line;
        loop {
            let trimmed = rest.trim_start_matches([' ', '\t']);
            match trimmed.strip_prefix('>') {
                Some(after) => {
                    quotes += 1;
                    // The space after a marker belongs to it.
                    rest = after.strip_prefix(' ').unwrap_or(after);
                }
                None => break,
            }
        }
        let content = rest.trim_start_matches([' ', '\t']);
        let indent = rest.len() - content.len();
        (Prefix { quotes, indent }, content)
    }

    /// `line` without this prefix. A blank line (or one holding only quote markers) is an
    /// empty line inside; a line with fewer markers or less indentation is outside.
    pub(super) fn strip<'a>(&self, line: &'a str) -> Stripped<'a> {
        if self.quotes == 0 && self.indent == 0 {
            return Stripped::Inside(line);
        }
        let mut rest = line;
        for _ in 0..self.quotes {
            let trimmed = rest.trim_start_matches([' ', '\t']);
            match trimmed.strip_prefix('>') {
                Some(after) => rest = after.strip_prefix(' ').unwrap_or(after),
                None if trimmed.is_empty() => return Stripped::Inside(""),
                None => return Stripped::Outside,
            }
        }
        let blank = rest.trim_start_matches([' ', '\t']);
        let spaces = rest.len() - blank.len();
        if blank.is_empty() {
            return Stripped::Inside("");
        }
        if spaces < self.indent {
            return Stripped::Outside;
        }
        Stripped::Inside(rest.get(self.indent..).unwrap_or(blank))
    }
}

/// The lines of `text`, whatever ends them (CRLF, LF or a lone CR).
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n').flat_map(|line| {
        let line = line.strip_suffix('\r').unwrap_or(line);
        line.split('\r')
    })
}

/// The first event of `text` (the start of a file): its first line that starts an event of a
/// shape and is followed by what that shape has next. Lines before it are prose.
pub(super) fn find_start(text: &str) -> Option<Start> {
    let lines: Vec<&str> = lines(text).collect();
    (0..lines.len()).find_map(|at| start_at(&lines, at))
}

/// The event that starts at line `at` of `lines`, if one does.
fn start_at(lines: &[&str], at: usize) -> Option<Start> {
    let (prefix, content) = Prefix::of(lines.get(at)?);
    let content = content.trim_start_matches('\u{feff}');
    // The lines that follow, inside the same prefix.
    let following = || {
        lines
            .iter()
            .skip(at + 1)
            .map_while(move |line| match prefix.strip(line) {
                Stripped::Inside(inside) => Some(inside),
                Stripped::Outside => None,
            })
    };
    let start = |shape, first_label: Option<&str>| Start {
        shape,
        line: at,
        prefix,
        first_label: first_label.map(str::to_owned),
    };
    if is_wevtutil_start(content) {
        let next = following().find(|line| !line.trim().is_empty())?;
        return split_label(next.trim_start()).map(|_| start(Shape::Wevtutil, None));
    }
    let (label, _) = split_label(content)?;
    // The header's lines (some mail programs put a blank line after each).
    let header = || {
        std::iter::once(content)
            .chain(following().filter(|line| !line.trim().is_empty()))
            .take(Label::ORDER.len())
            .map_while(split_label)
    };
    // Event Viewer, by the name of its first label (then another label follows).
    if Label::named(label) == Some(Label::LogName) && header().nth(1).is_some() {
        return Some(start(Shape::EventViewer, Some(label)));
    }
    // PowerShell, by a property name another one follows.
    if let Some((name, _)) = list_label(content).filter(|(name, _)| LIST_LABELS.contains(name)) {
        let confirmed = following().take(LIST_CONFIRM_LINES).any(|line| {
            list_label(line).is_some_and(|(other, _)| other != name && LIST_LABELS.contains(&other))
        });
        return confirmed.then(|| start(Shape::FormatList, None));
    }
    // Event Viewer in another language, by the shape of its header: ten labels (the last the
    // description's), the fourth a number (the event id).
    let header: Vec<(&str, &str)> = header().collect();
    let id_is_number = header.get(3).is_some_and(|(_, value)| {
        let value = value.trim();
        !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit())
    });
    (header.len() == Label::ORDER.len() && id_is_number)
        .then(|| start(Shape::EventViewer, Some(label)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_of_quoted_and_indented_lines() {
        let (prefix, content) = Prefix::of("> > Log Name: Application");
        assert_eq!(content, "Log Name: Application");
        assert_eq!(prefix.strip(">> Source: x"), Stripped::Inside("Source: x"));
        assert_eq!(prefix.strip("> >"), Stripped::Inside(""));
        assert_eq!(prefix.strip(""), Stripped::Inside(""));
        assert_eq!(prefix.strip("> Source: x"), Stripped::Outside);
        assert_eq!(prefix.strip("Thanks, Bob"), Stripped::Outside);
        let (prefix, _) = Prefix::of("    Log Name: Application");
        assert_eq!(
            prefix.strip("       at Foo()"),
            Stripped::Inside("   at Foo()")
        );
        assert_eq!(prefix.strip("Thanks"), Stripped::Outside);
        let (prefix, _) = Prefix::of("Log Name: Application");
        assert_eq!(prefix.strip("> anything"), Stripped::Inside("> anything"));
    }

    #[test]
    fn a_start_needs_what_its_shape_has_next() {
        let start = |text: &str| find_start(text).map(|s| (s.shape, s.line));
        assert_eq!(
            start("Hi,\nLog Name: Application\nSource: ADSync\n"),
            Some((Shape::EventViewer, 1))
        );
        assert_eq!(start("Log Name: is what we need?\nThanks\n"), None);
        assert_eq!(
            start("x\r\rEvent[0]:\r  Log Name: Application\r"),
            Some((Shape::Wevtutil, 2))
        );
        assert_eq!(start("Event[0]:\nnothing\n"), None);
        assert_eq!(
            start("Id : 611\n  more\nMessage : x\n"),
            Some((Shape::FormatList, 0))
        );
        assert_eq!(start("Message : hello\nbye\n"), None);
        // A German copy, known by its labels; another language by the header's shape.
        assert_eq!(
            start("Protokollname: Application\nQuelle: ADSync\n"),
            Some((Shape::EventViewer, 0))
        );
        let unknown = "Günlük Adı: Application\nKaynak: ADSync\nTarih: 4.3.2024 08:00:00\n\
            Olay Kimliği: 611\nGörev Kategorisi: Yok\nDüzey: Hata\nAnahtar Sözcükler: Klasik\n\
            Kullanıcı: Yok\nBilgisayar: SYNC01\nAçıklama:\ntext\n";
        assert_eq!(start(unknown), Some((Shape::EventViewer, 0)));
        assert_eq!(
            start("> Log Name: Application\n> Source: ADSync\n"),
            Some((Shape::EventViewer, 0))
        );
    }
}
