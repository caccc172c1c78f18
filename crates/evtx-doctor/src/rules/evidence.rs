//! The line of an event that shows why a rule matched it, for a report's samples.
//!
//! An event's first line is often only a header (`Password synchronization failed for domain:
//! Contoso.com. Details:`); the error is lines further down. The line shown is the one that
//! holds, in this order of preference: a match of the rule's patterns, the error code, AADSTS
//! code or exception the event's fields hold, or one of the rule's keywords.

use super::{Clause, Fields, Rule, normalize};
use crate::codes;
use crate::event::Event;

/// Most characters of a line an excerpt keeps (`…` marks where it was cut).
const EVIDENCE_CHARS: usize = 240;

/// Characters of context an excerpt tries to keep before what matched.
const LEAD_CHARS: usize = 60;

impl Rule {
    /// The line of `event` that holds what this rule matched (`fields` being what was pulled
    /// out of the event), white space folded, cut to about `EVIDENCE_CHARS` characters at
    /// word boundaries around the match. `None` when nothing can be found in the event's text.
    pub fn evidence(&self, event: &Event, fields: &Fields) -> Option<String> {
        let lines = Lines::of(&event.text());
        let lower = lines.joined.to_ascii_lowercase();
        let clauses = self.clauses_matching(event, fields, &lines.joined, &lower);
        let hit = pattern_hit(&clauses, &lines.joined)
            .or_else(|| code_hit(fields, &lines.joined))
            .or_else(|| aadsts_hit(fields, &lower))
            .or_else(|| exception_hit(fields, &lines.joined))
            .or_else(|| keyword_hit(&clauses, &lower))?;
        lines.excerpt(hit)
    }

    /// The clauses that admit `event` (all of them when none does: the fields then came
    /// from elsewhere, and any clause's words are the best guess).
    fn clauses_matching(
        &self,
        event: &Event,
        fields: &Fields,
        text: &str,
        lower: &str,
    ) -> Vec<&Clause> {
        let provider = event.provider.to_ascii_lowercase();
        let admitting: Vec<&Clause> = self
            .clauses
            .iter()
            .filter(|clause| {
                clause.admits(&provider, event.event_id, text, lower)
                    && (clause.error_codes.is_empty()
                        || fields
                            .error_code
                            .is_some_and(|code| clause.error_codes.contains(&code)))
            })
            .collect();
        if admitting.is_empty() {
            self.clauses.iter().collect()
        } else {
            admitting
        }
    }
}

/// A byte span in the folded text.
type Span = (usize, usize);

/// The first match of the clauses' patterns: its first named group that took part, or the
/// whole match.
fn pattern_hit(clauses: &[&Clause], text: &str) -> Option<Span> {
    clauses
        .iter()
        .flat_map(|clause| clause.patterns.iter())
        .filter_map(|pattern| pattern.regex())
        .find_map(|regex| {
            let caps = regex.captures(text)?;
            let named = regex
                .capture_names()
                .flatten()
                .find_map(|name| caps.name(name));
            let found = named.or_else(|| caps.get(0))?;
            Some((found.start(), found.end()))
        })
}

/// Where the event writes its error code: a code-looking token (`RPC Error 8439`,
/// `0x80230619`), else any number that reads as the code (`hr=80230626`).
fn code_hit(fields: &Fields, text: &str) -> Option<Span> {
    let code = fields.error_code?;
    let same = |parsed: codes::ParsedCode| parsed.win32.unwrap_or(parsed.raw) == code;
    if let Some(found) = codes::find_codes(text).into_iter().find(|f| same(f.code)) {
        return Some((found.start, found.end));
    }
    tokens(text).find_map(|(start, token)| {
        let hex = u32::from_str_radix(token, 16)
            .ok()
            .filter(|_| token.len() <= 8)
            .map(codes::ParsedCode::from_raw);
        let reads_as_code = codes::parse_code(token).is_some_and(same) || hex.is_some_and(same);
        reads_as_code.then_some((start, start + token.len()))
    })
}

/// The words of `text` made of ASCII letters and digits, with their byte offsets.
fn tokens(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|token| !token.is_empty())
        .map(move |token| (token.as_ptr() as usize - text.as_ptr() as usize, token))
}

/// The AADSTS code the fields name (the specific, last one of the event).
fn aadsts_hit(fields: &Fields, lower: &str) -> Option<Span> {
    let code = fields.other.get("aadsts")?.to_ascii_lowercase();
    let start = lower.rfind(&code)?;
    Some((start, start + code.len()))
}

/// The exception the fields name (the innermost of a chain: its last mention).
fn exception_hit(fields: &Fields, text: &str) -> Option<Span> {
    let exception = fields.exception.as_deref()?;
    let start = text.rfind(exception)?;
    Some((start, start + exception.len()))
}

/// The first of the clauses' keywords the text holds.
fn keyword_hit(clauses: &[&Clause], lower: &str) -> Option<Span> {
    clauses
        .iter()
        .flat_map(|clause| clause.keywords.iter())
        .find_map(|word| {
            let start = lower.find(word.as_str())?;
            Some((start, start + word.len()))
        })
}

/// An event's text as rules see it (white space folded), with where each of its lines sits.
struct Lines {
    /// The lines, each folded and non-empty, joined by one space: the text rules match.
    joined: String,
    /// Byte span of each line in `joined`.
    spans: Vec<Span>,
}

impl Lines {
    fn of(text: &str) -> Self {
        let mut joined = String::with_capacity(text.len());
        let mut spans = Vec::new();
        for line in text.lines().map(normalize).filter(|line| !line.is_empty()) {
            if !joined.is_empty() {
                joined.push(' ');
            }
            spans.push((joined.len(), joined.len() + line.len()));
            joined.push_str(&line);
        }
        Lines { joined, spans }
    }

    /// The line holding the start of `hit`, cut around it.
    fn excerpt(&self, hit: Span) -> Option<String> {
        let &(start, end) = self
            .spans
            .iter()
            .find(|&&(start, end)| (start..end).contains(&hit.0))?;
        let line = self.joined.get(start..end)?;
        let from = hit.0 - start;
        let to = hit.1.min(end) - start;
        Some(cut(line, from, to, EVIDENCE_CHARS))
    }
}

/// `line` cut to about `max` characters around the byte span `from..to` (both on character
/// boundaries), at word boundaries, with `…` where something was cut.
fn cut(line: &str, from: usize, to: usize, max: usize) -> String {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    if chars.len() <= max {
        return line.to_owned();
    }
    let index_of = |byte: usize| chars.partition_point(|&(at, _)| at < byte);
    let (hit_start, hit_end) = (index_of(from), index_of(to).max(index_of(from)));
    // A window of at most `max` characters from a little before the hit: what precedes an
    // error is mostly the chain of wrapping exceptions, what follows it says what it means.
    let mut first = hit_start.saturating_sub(LEAD_CHARS.min(max / 4));
    let mut last = (first + max).min(chars.len()); // exclusive
    // Start after a boundary, end before one, without cutting into the hit.
    if first > 0 {
        let boundary = (first..hit_start).find(|&i| is_boundary(&chars, i));
        first = boundary.unwrap_or(first);
    }
    if last < chars.len() {
        let boundary = (hit_end.max(first + 1)..=last)
            .rev()
            .find(|&i| is_boundary(&chars, i));
        last = boundary.unwrap_or(last);
    }
    let text: String = chars
        .get(first..last)
        .unwrap_or_default()
        .iter()
        .map(|&(_, c)| c)
        .collect();
    let text = text.trim();
    let mut out = String::with_capacity(text.len() + 6);
    if first > 0 {
        out.push('…');
    }
    out.push_str(text);
    if last < chars.len() {
        out.push('…');
    }
    out
}

/// Whether a word may start at character `index`: after a space or after punctuation that
/// joins the parts of a long name (`Microsoft.Online.`, `C:\Program Files\`).
fn is_boundary(chars: &[(usize, char)], index: usize) -> bool {
    let before = index
        .checked_sub(1)
        .and_then(|i| chars.get(i))
        .map(|&(_, c)| c);
    let at = chars.get(index).map(|&(_, c)| c);
    matches!(before, Some(' ' | '.' | ',' | ';' | ':' | '\\' | '/' | '>'))
        || matches!(at, Some(' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_line_is_kept_whole() {
        assert_eq!(
            cut("RPC Error 8439: bad", 10, 14, 240),
            "RPC Error 8439: bad"
        );
    }

    #[test]
    fn a_long_line_is_cut_at_word_boundaries_around_the_hit() {
        let head = "alpha ".repeat(40);
        let tail = " omega".repeat(40);
        let line = format!("{head}RPC Error 8439: The name{tail}");
        let from = line.find("8439").unwrap();
        let out = cut(&line, from, from + 4, 60);
        assert!(out.starts_with('…') && out.ends_with('…'), "{out}");
        assert!(out.contains("RPC Error 8439: The name"), "{out}");
        assert!(out.chars().count() <= 62, "{out}");
        // Whole words only.
        let inner = out.trim_matches('…').trim();
        assert!(
            inner
                .split(' ')
                .all(|w| ["alpha", "omega", "RPC", "Error", "8439:", "The", "name"].contains(&w)),
            "{out}"
        );
    }

    #[test]
    fn a_hit_near_the_end_keeps_some_context_before_it() {
        let line = format!("{}end 8439", "word ".repeat(100));
        let from = line.find("8439").unwrap();
        let out = cut(&line, from, from + 4, EVIDENCE_CHARS);
        assert!(
            out.starts_with('…') && out.ends_with("word end 8439"),
            "{out}"
        );
        let kept = out.chars().count();
        assert!((LEAD_CHARS..=LEAD_CHARS + 6).contains(&kept), "{out}");
    }

    #[test]
    fn dotted_names_are_cut_between_their_parts() {
        let line = format!(
            "{}Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsException: RPC Error 8439: x{}",
            "a ".repeat(100),
            " tail".repeat(50)
        );
        let from = line.find("8439").unwrap();
        let out = cut(&line, from, from + 4, EVIDENCE_CHARS);
        assert!(
            out.starts_with("…DirectoryReplicationServices.DrsException"),
            "{out}"
        );
    }

    #[test]
    fn multibyte_text_is_cut_on_character_boundaries() {
        let line = format!("{} Fehler 8453 {}", "Ä".repeat(300), "ß".repeat(300));
        let from = line.find("8453").unwrap();
        let out = cut(&line, from, from + 4, 40);
        assert!(out.contains("8453"), "{out}");
        assert!(out.chars().count() <= 42, "{out}");
    }

    #[test]
    fn lines_map_the_folded_text_back_to_its_lines() {
        let lines = Lines::of("first  line\r\n\r\n  second\tline \nthird");
        assert_eq!(
            lines.joined,
            normalize("first  line\r\n\r\n  second\tline \nthird")
        );
        let at = lines.joined.find("second").unwrap();
        assert_eq!(lines.excerpt((at, at + 6)).as_deref(), Some("second line"));
    }

    #[test]
    fn codes_are_found_however_they_are_written() {
        let fields = Fields::with_error_code(0x0626);
        let text = "a hr=80230626 b";
        assert_eq!(code_hit(&fields, text), None, "not a Win32 HRESULT");
        let fields = Fields::with_error_code(0x80230626);
        assert_eq!(code_hit(&fields, text), Some((5, 13)));
        let fields = Fields::with_error_code(8439);
        assert_eq!(code_hit(&fields, "x 8439 RPC Error 8439 :"), Some((17, 21)));
        let fields = Fields::with_error_code(0x6ba);
        assert_eq!(code_hit(&fields, "code 0x000006BA."), Some((5, 15)));
    }
}
