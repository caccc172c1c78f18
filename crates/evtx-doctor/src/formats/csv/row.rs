//! The rows of a CSV export, read by a small quote-aware parser that counts lines: a quoted
//! field that is never closed ends where the next line that looks like a row starts, and that
//! row is a problem with its line number; reading goes on.

use super::header::{Column, Header};
use crate::formats::export::MAX_EXPORT_RECORD_BYTES;
use crate::formats::locale::is_time;
use crate::formats::text::Window;
use encoding_rs::WINDOWS_1252;
use std::io::Read;

/// One row of the file.
#[derive(Debug)]
pub(super) enum Row {
    /// The fields of a row.
    Fields(Vec<String>),
    /// An empty line.
    Blank,
    /// A row that cannot be read (it has been skipped).
    Broken(String),
    /// The end of the file.
    End,
}

/// Reads the row the window starts with, and drops it from the window.
pub(super) fn next_row<R: Read>(window: &mut Window<R>, header: &Header) -> Row {
    let sep = header.sep;
    let mut fields: Vec<String> = Vec::new();
    let mut field: Vec<u8> = Vec::new();
    let mut in_quotes = false;
    let mut field_start = true;
    let mut pos = 0usize;
    loop {
        // Checked as the row grows, whatever made the window grow (a quoted field over many
        // lines fills it while looking at the next line): memory never follows the file.
        if pos > MAX_EXPORT_RECORD_BYTES {
            window.advance(pos);
            skip_line(window);
            return Row::Broken(format!(
                "it is longer than {} MiB (a quote that is never closed?)",
                MAX_EXPORT_RECORD_BYTES >> 20
            ));
        }
        let bytes = window.bytes();
        let Some(&b) = bytes.get(pos) else {
            if window.fill() {
                continue;
            }
            // End of the file.
            window.advance(pos);
            if in_quotes {
                return Row::Broken("the file ends inside a quoted field".into());
            }
            if fields.is_empty() && field.iter().all(u8::is_ascii_whitespace) {
                return Row::End;
            }
            fields.push(text(&field));
            return Row::Fields(fields);
        };
        if in_quotes {
            match b {
                b'"' => match bytes.get(pos + 1) {
                    Some(b'"') => {
                        field.push(b'"');
                        pos += 2;
                    }
                    None if !window.at_eof() => {
                        window.fill();
                    }
                    _ => {
                        in_quotes = false;
                        pos += 1;
                    }
                },
                b'\n' => {
                    // A line break inside a quoted field: the field goes on, unless the next
                    // line is plainly a new row (the quote was never closed).
                    let Some(next_line) = full_line(window, pos + 1) else {
                        continue;
                    };
                    if looks_like_row(next_line, header) {
                        window.advance(pos + 1);
                        return Row::Broken(
                            "a quoted field is not closed before the next row".into(),
                        );
                    }
                    field.push(b'\n');
                    pos += 1;
                }
                _ => {
                    field.push(b);
                    pos += 1;
                }
            }
            continue;
        }
        match b {
            b'"' if field_start => {
                in_quotes = true;
                field_start = false;
                pos += 1;
            }
            b'\n' => {
                if field.last() == Some(&b'\r') {
                    field.pop();
                }
                window.advance(pos + 1);
                if fields.is_empty() && field.iter().all(u8::is_ascii_whitespace) {
                    return Row::Blank;
                }
                fields.push(text(&field));
                return Row::Fields(fields);
            }
            _ if b == sep => {
                fields.push(text(&field));
                field.clear();
                field_start = true;
                pos += 1;
            }
            _ => {
                field.push(b);
                field_start = false;
                pos += 1;
            }
        }
    }
}

/// The line of the window that starts at `at`, read whole (or up to 4 KiB of it); `None` when
/// more had to be read first (call again).
fn full_line<R: Read>(window: &mut Window<R>, at: usize) -> Option<&[u8]> {
    const LOOK: usize = 4096;
    let rest_len = window.bytes().len().saturating_sub(at);
    let has_end = window
        .bytes()
        .get(at..)
        .and_then(|rest| memchr::memchr(b'\n', rest))
        .is_some();
    if !has_end && rest_len < LOOK && !window.at_eof() {
        window.fill();
        return None;
    }
    let rest = window.bytes().get(at..).unwrap_or_default();
    let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len()).min(LOOK);
    rest.get(..end)
}

/// Drops the window up to the next line.
pub(super) fn skip_line<R: Read>(window: &mut Window<R>) {
    loop {
        if let Some(nl) = memchr::memchr(b'\n', window.bytes()) {
            window.advance(nl + 1);
            return;
        }
        let len = window.bytes().len();
        window.advance(len);
        if !window.fill() {
            return;
        }
    }
}

/// Whether `line` starts like a row of an export with `header`: well quoted (the last line of
/// a quoted message, `...text.","6900",...`, is not), with a number where the header has its
/// event id and a date and time where it has its time. (A row whose message comes before them,
/// as `Get-WinEvent`'s does, does not show them on its first line: a quote never closed there
/// runs on to the end of the file or the row size limit.)
fn looks_like_row(line: &[u8], header: &Header) -> bool {
    let line = text(line);
    let Some(fields) = row_start(line.trim_end_matches('\r'), char::from(header.sep)) else {
        return false;
    };
    let field = |i: usize| fields.get(i).map(|f| f.trim());
    let Some(id) = header.id_index().and_then(field) else {
        return false;
    };
    let time_ok = match header.index(Column::Time) {
        Some(i) => field(i).is_some_and(is_time),
        None => true,
    };
    time_ok && !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

/// The fields of `line` read as the first line of a row: each quoted whole (`""` for a quote)
/// or unquoted without a quote; the last may be a quoted field the line leaves open. `None`
/// when the line cannot start a row.
fn row_start(line: &str, sep: char) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    // Open at the end of the line: the field goes on in the next one.
                    None => {
                        fields.push(field);
                        return Some(fields);
                    }
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                }
            }
            fields.push(field);
            match chars.next() {
                None => return Some(fields),
                Some(c) if c == sep => {}
                Some(_) => return None,
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        fields.push(field);
                        return Some(fields);
                    }
                    Some(c) if c == sep => break,
                    Some('"') => return None,
                    Some(c) => field.push(c),
                }
            }
            fields.push(field);
        }
    }
}

/// The text of a field: UTF-8 (what UTF-16 files are decoded to, and most files are), else
/// Windows-1252, which Windows PowerShell 5.1's `Export-Csv -Encoding Default` and other ANSI
/// tools write (`®` as the byte 0xAE): no byte is lost to a replacement character.
pub(super) fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_start_is_well_quoted() {
        let fields = |line: &str| row_start(line, ',');
        assert_eq!(
            fields("\"a \"\"b\"\"\",c,\"open"),
            Some(vec!["a \"b\"".into(), "c".into(), "open".into()])
        );
        assert_eq!(
            fields("x,,"),
            Some(vec!["x".into(), String::new(), String::new()])
        );
        // The last line of a quoted message, and text after a closing quote.
        assert_eq!(fields("for authentication.\",\"6900\""), None);
        assert_eq!(fields("\"a\"b,c"), None);
    }
}
