//! JSON writing for the `json` and `jsonl` formats: plain serde_json, except that in strings
//! every character that could drive a terminal or reorder text (C1 controls, DEL, line
//! separators, bidirectional controls; serde_json already escapes C0) is written as a `\u`
//! escape. The value read back is the same; only the bytes on the screen are harmless.

use super::clean::is_unsafe;
use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};
use std::io;

/// `value` as pretty JSON (two-space indent), or `None` if it cannot be serialized.
pub(super) fn pretty<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    write(value, Escaping(PrettyFormatter::new()))
}

/// `value` as JSON on one line, or `None` if it cannot be serialized.
pub(super) fn compact<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    write(value, Escaping(CompactFormatter))
}

fn write<T: Serialize + ?Sized, F: Formatter>(value: &T, formatter: F) -> Option<String> {
    let mut bytes = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut bytes, formatter);
    value.serialize(&mut serializer).ok()?;
    String::from_utf8(bytes).ok()
}

/// A formatter that escapes unsafe characters in strings and leaves the layout to `F`.
struct Escaping<F>(F);

impl<F: Formatter> Formatter for Escaping<F> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| is_unsafe(c)) {
            let (head, tail) = rest.split_at(at);
            writer.write_all(head.as_bytes())?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            rest = tail.get(c.len_utf8()..).unwrap_or_default();
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn end_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_key(writer)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_characters_are_escaped_and_read_back_the_same() {
        let value = vec!["a\u{9b}2J\u{7f}\u{202E}b\u{2028}\u{1F600}\x1b".to_owned()];
        let json = compact(&value).unwrap_or_default();
        assert_eq!(json, r#"["a\u009b2J\u007f\u202eb\u2028😀\u001b"]"#);
        let back: Vec<String> = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, value);
        let pretty = pretty(&value).unwrap_or_default();
        assert_eq!(
            pretty,
            "[\n  \"a\\u009b2J\\u007f\\u202eb\\u2028😀\\u001b\"\n]"
        );
    }
}
