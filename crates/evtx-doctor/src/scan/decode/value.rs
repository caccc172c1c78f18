//! Substitution values: which the `evtx` crate reads without error (checked when a record's
//! values are read), which count as empty, and their text as the crate writes it into XML
//! and the XML reader reads it back.
//!
//! Value types from [MS-EVEN6] 2.2.18; the text forms are the crate's (numbers in decimal,
//! GUIDs lowercase in braces, hex integers `0x` and lowercase without padding, binary
//! uppercase hex, times with seven fractional digits and `Z`).

use super::Decline;
use crate::scan::binxml::push_xml_text;
use jiff::Timestamp;
use std::fmt::Write as _;
use std::ops::Range;

/// Value types.
pub(super) mod kind {
    pub const NULL: u8 = 0x00;
    pub const STRING: u8 = 0x01;
    pub const ANSI_STRING: u8 = 0x02;
    pub const INT8: u8 = 0x03;
    pub const UINT8: u8 = 0x04;
    pub const INT16: u8 = 0x05;
    pub const UINT16: u8 = 0x06;
    pub const INT32: u8 = 0x07;
    pub const UINT32: u8 = 0x08;
    pub const INT64: u8 = 0x09;
    pub const UINT64: u8 = 0x0a;
    pub const REAL32: u8 = 0x0b;
    pub const REAL64: u8 = 0x0c;
    pub const BOOL: u8 = 0x0d;
    pub const BINARY: u8 = 0x0e;
    pub const GUID: u8 = 0x0f;
    pub const SIZE_T: u8 = 0x10;
    pub const FILETIME: u8 = 0x11;
    pub const SYSTEMTIME: u8 = 0x12;
    pub const SID: u8 = 0x13;
    pub const HEX_INT32: u8 = 0x14;
    pub const HEX_INT64: u8 = 0x15;
    pub const BIN_XML: u8 = 0x21;
    /// The array flag: an array of the type in the low bits.
    pub const ARRAY: u8 = 0x80;
}

/// The size a scalar of `kind` has, when it is fixed.
fn fixed_size(kind: u8) -> Option<usize> {
    Some(match kind {
        kind::INT8 | kind::UINT8 => 1,
        kind::INT16 | kind::UINT16 => 2,
        kind::INT32 | kind::UINT32 | kind::REAL32 | kind::BOOL | kind::HEX_INT32 => 4,
        kind::INT64 | kind::UINT64 | kind::REAL64 | kind::FILETIME | kind::HEX_INT64 => 8,
        kind::GUID | kind::SYSTEMTIME => 16,
        _ => return None,
    })
}

/// Whether the crate reads a value of `kind` sized `bytes` exactly as it is laid out (so
/// that the values after it are where their sizes say). Embedded BinXML is checked by the
/// caller. For an array, its items go at the end of `items` (see [`array_items`]), read once
/// here rather than at every place the value is substituted.
pub(super) fn check(
    kind: u8,
    bytes: &[u8],
    items: &mut Vec<Range<usize>>,
) -> Result<Option<u8>, Decline> {
    let fits = match kind {
        kind::NULL | kind::BINARY | kind::ANSI_STRING => true,
        kind::STRING => bytes.len().is_multiple_of(2),
        kind::SIZE_T => matches!(bytes.len(), 4 | 8),
        kind::SID => sid_size(bytes) == Some(bytes.len()),
        k if k & kind::ARRAY != 0 => return array_items(kind, bytes, items),
        k => fixed_size(k) == Some(bytes.len()),
    };
    if fits {
        Ok(None)
    } else {
        Err(Decline::Value(kind))
    }
}

/// The size of the SID at the start of `bytes`: revision, sub-authority count, authority
/// (6), the sub-authorities (4 each).
fn sid_size(bytes: &[u8]) -> Option<usize> {
    let count = usize::from(*bytes.get(1)?);
    let size = 8 + 4 * count;
    (bytes.len() >= size).then_some(size)
}

/// Whether a value counts as empty: an optional substitution of it writes nothing, and an
/// attribute made of nothing else is left out.
pub(super) fn is_empty(kind: u8, bytes: &[u8]) -> bool {
    match kind {
        // NULL whatever its size says (the crate skips its bytes).
        kind::NULL => true,
        kind::BIN_XML | kind::BINARY => bytes.is_empty(),
        kind::STRING => bytes.len() < 2 || bytes.starts_with(&[0, 0]),
        kind::ANSI_STRING => bytes.iter().all(|&b| b == 0),
        k if k & kind::ARRAY != 0 => bytes.is_empty(),
        _ => false,
    }
}

/// Appends the items of an array value of type `kind` held in `bytes` to `items` (each a
/// range of `bytes`), and returns the scalar type they are written as; `Ok(None)` for a
/// scalar type. Each item takes at least one byte, so `bytes` bounds their number.
pub(super) fn array_items(
    kind: u8,
    bytes: &[u8],
    items: &mut Vec<Range<usize>>,
) -> Result<Option<u8>, Decline> {
    if kind & kind::ARRAY == 0 {
        return Ok(None);
    }
    let scalar = kind & !kind::ARRAY;
    let declined = Decline::Value(kind);
    let first = items.len();
    match scalar {
        kind::STRING => {
            // NUL-terminated strings, one after the other; the last one must end too.
            let mut start = 0;
            for (i, unit) in bytes.chunks(2).enumerate() {
                if unit == [0, 0] {
                    items.push(start..i * 2);
                    start = i * 2 + 2;
                }
            }
            if start != bytes.len() {
                return Err(declined);
            }
        }
        kind::ANSI_STRING => {
            // NUL-separated, the last NUL optional.
            if !bytes.is_empty() {
                let end = bytes.len() - usize::from(bytes.ends_with(&[0]));
                let mut start = 0;
                for (i, &b) in bytes.get(..end).unwrap_or_default().iter().enumerate() {
                    if b == 0 {
                        items.push(start..i);
                        start = i + 1;
                    }
                }
                items.push(start..end);
            }
        }
        kind::SID => {
            let mut at = 0;
            while at < bytes.len() {
                let size = bytes.get(at..).and_then(sid_size).ok_or(declined)?;
                items.push(at..at + size);
                at += size;
            }
        }
        kind::BOOL => {
            fixed_items(bytes, 4, items).ok_or(declined)?;
            // Written as bools when every item is 0 or 1, else all as 32-bit integers.
            let bools = items
                .get(first..)
                .unwrap_or_default()
                .iter()
                .all(|item| matches!(bytes.get(item.clone()), Some([0 | 1, 0, 0, 0])));
            return Ok(Some(if bools { kind::BOOL } else { kind::INT32 }));
        }
        // Binary and size_t arrays: not read by the crate.
        kind::BINARY | kind::SIZE_T => return Err(declined),
        k => fixed_items(bytes, fixed_size(k).ok_or(declined)?, items).ok_or(declined)?,
    }
    Ok(Some(scalar))
}

/// Appends items of `size` bytes each filling `bytes`; `None` when they do not fill it.
fn fixed_items(bytes: &[u8], size: usize, items: &mut Vec<Range<usize>>) -> Option<()> {
    bytes.len().is_multiple_of(size).then(|| {
        items.extend((0..bytes.len() / size).map(|i| i * size..i * size + size));
    })
}

/// Appends the text of a value of `kind` as the `evtx` crate writes it. An array here has
/// at most one item (longer ones repeat their element, see the caller).
pub(super) fn render(kind: u8, bytes: &[u8], text: &mut String) -> Result<(), Decline> {
    let declined = Decline::Value(kind);
    let le = |n: usize| -> Result<u64, Decline> {
        let mut buf = [0u8; 8];
        match (bytes.len() == n).then(|| buf.get_mut(..n)).flatten() {
            Some(low) => low.copy_from_slice(bytes),
            None => return Err(declined),
        }
        Ok(u64::from_le_bytes(buf))
    };
    let written = match kind {
        kind::NULL => Ok(()),
        kind::STRING => {
            push_xml_text(text, bytes);
            Ok(())
        }
        kind::ANSI_STRING => {
            push_ansi(text, bytes);
            Ok(())
        }
        kind::INT8 => write!(text, "{}", le(1)? as u8 as i8),
        kind::UINT8 => write!(text, "{}", le(1)?),
        kind::INT16 => write!(text, "{}", le(2)? as u16 as i16),
        kind::UINT16 => write!(text, "{}", le(2)?),
        kind::INT32 => write!(text, "{}", le(4)? as u32 as i32),
        kind::UINT32 => write!(text, "{}", le(4)?),
        kind::INT64 => write!(text, "{}", le(8)? as i64),
        kind::UINT64 => write!(text, "{}", le(8)?),
        kind::BOOL => match le(4)? as u32 as i32 {
            0 => write!(text, "false"),
            1 => write!(text, "true"),
            raw => write!(text, "{raw}"),
        },
        kind::BINARY => bytes.iter().try_for_each(|b| write!(text, "{b:02X}")),
        kind::GUID => write_guid(text, bytes.try_into().map_err(|_| declined)?),
        kind::SIZE_T | kind::HEX_INT32 | kind::HEX_INT64 => {
            let width = match kind {
                kind::HEX_INT32 => 4,
                kind::HEX_INT64 => 8,
                _ => bytes.len(),
            };
            write!(text, "0x{:x}", le(width)?)
        }
        kind::FILETIME => {
            let time = filetime_timestamp(le(8)?).ok_or(declined)?;
            let dt = jiff::tz::Offset::UTC.to_datetime(time);
            let ticks = dt.subsec_nanosecond() / 100;
            write_time(
                text,
                dt.year(),
                dt.month(),
                dt.day(),
                dt.hour(),
                dt.minute(),
                dt.second(),
                ticks,
            )
        }
        kind::SYSTEMTIME => write_systemtime(text, bytes.try_into().map_err(|_| declined)?),
        kind::REAL32 => {
            let value = f32::from_bits(le(4)? as u32);
            write_float(text, &format!("{value:e}"), -6..=12)
        }
        kind::REAL64 => {
            let value = f64::from_bits(le(8)?);
            write_float(text, &format!("{value:e}"), -5..=15)
        }
        kind::SID => write_sid(text, bytes),
        k if k & kind::ARRAY != 0 => {
            let mut items = Vec::new();
            let scalar = array_items(kind, bytes, &mut items)?.ok_or(declined)?;
            return render_items(scalar, bytes, &items, text);
        }
        // Handles, embedded BinXML (placed by the caller).
        _ => return Err(declined),
    };
    written.map_err(|_| declined)
}

/// Appends the text of an array value held in `bytes` whose items (ranges of `bytes`) are
/// written as `kind`: nothing for none, its item for one; several repeat their element
/// instead (see the caller), so here they are declined.
pub(super) fn render_items(
    kind: u8,
    bytes: &[u8],
    items: &[Range<usize>],
    text: &mut String,
) -> Result<(), Decline> {
    match items {
        [] => Ok(()),
        [item] => render(
            kind,
            bytes.get(item.clone()).ok_or(Decline::Value(kind))?,
            text,
        ),
        _ => Err(Decline::Content),
    }
}

/// A float as the crate writes it, from its shortest round-trip digits (`scientific`, Rust's
/// `{:e}`: `-1.2345e3`): plain notation while the exponent is in `plain` (`1000000.0`,
/// `12.5`, `0.00001`; a whole number keeps `.0`), else `1.2345e+16`, `1e-7`. NaN and the
/// infinities as Rust writes them.
fn write_float(
    text: &mut String,
    scientific: &str,
    plain: std::ops::RangeInclusive<i32>,
) -> std::fmt::Result {
    let (sign, unsigned) = match scientific.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", scientific),
    };
    let Some((mantissa, exponent)) = unsigned.split_once('e') else {
        // NaN, inf.
        text.push_str(scientific);
        return Ok(());
    };
    let exponent: i32 = exponent.parse().map_err(|_| std::fmt::Error)?;
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let count = i32::try_from(digits.len()).map_err(|_| std::fmt::Error)?;
    text.push_str(sign);
    if !plain.contains(&exponent) {
        let (first, rest) = digits.split_at(1);
        text.push_str(first);
        if !rest.is_empty() {
            text.push('.');
            text.push_str(rest);
        }
        let plus = if exponent >= 0 { "+" } else { "" };
        return write!(text, "e{plus}{exponent}");
    }
    if count - 1 <= exponent {
        // A whole number: the digits, zeros up to the units, `.0`.
        text.push_str(&digits);
        (count..=exponent).for_each(|_| text.push('0'));
        text.push_str(".0");
    } else if exponent >= 0 {
        let (whole, fraction) = digits.split_at(exponent as usize + 1);
        write!(text, "{whole}.{fraction}")?;
    } else {
        text.push_str("0.");
        (1..-exponent).for_each(|_| text.push('0'));
        text.push_str(&digits);
    }
    Ok(())
}

/// ANSI text as the crate decodes it (Windows-1252, the parser's default; NULs dropped) and
/// writes it into XML (control characters other than tab, line feed and carriage return as
/// `_`).
fn push_ansi(text: &mut String, bytes: &[u8]) {
    let kept: Vec<u8> = bytes.iter().copied().filter(|&b| b != 0).collect();
    let (decoded, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&kept);
    text.extend(decoded.chars().map(|c| match c {
        '\t' | '\n' | '\r' => c,
        c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => '_',
        c => c,
    }));
}

/// A GUID as Windows writes it: `{d1-d2-d3-d4[0..2]-d4[2..]}`, lowercase, the first three
/// parts little-endian.
fn write_guid(text: &mut String, bytes: &[u8; 16]) -> std::fmt::Result {
    let [a0, a1, a2, a3, b0, b1, c0, c1, d @ ..] = *bytes;
    write!(
        text,
        "{{{:08x}-{:04x}-{:04x}-",
        u32::from_le_bytes([a0, a1, a2, a3]),
        u16::from_le_bytes([b0, b1]),
        u16::from_le_bytes([c0, c1])
    )?;
    let (head, tail) = d.split_at(2);
    head.iter().try_for_each(|b| write!(text, "{b:02x}"))?;
    text.push('-');
    tail.iter().try_for_each(|b| write!(text, "{b:02x}"))?;
    text.push('}');
    Ok(())
}

/// `S-revision-authority-sub-...`: the authority is 48-bit big-endian, the sub-authorities
/// 32-bit little-endian.
fn write_sid(text: &mut String, bytes: &[u8]) -> std::fmt::Result {
    let Some((&[revision, count, a0, a1, a2, a3, a4, a5], subs)) = bytes.split_first_chunk() else {
        return Err(std::fmt::Error);
    };
    let authority = u64::from_be_bytes([0, 0, a0, a1, a2, a3, a4, a5]);
    write!(text, "S-{revision}-{authority}")?;
    for sub in subs.chunks_exact(4).take(usize::from(count)) {
        write!(
            text,
            "-{}",
            u32::from_le_bytes([sub[0], sub[1], sub[2], sub[3]])
        )?;
    }
    Ok(())
}

/// A SYSTEMTIME (year, month, day of week, day, hour, minute, second, milliseconds; 16 bits
/// each): one Windows does not take as a time (a year before 1601 or past 30827, a field out
/// of its range) is written as 1601-01-01; years keep their last four digits.
fn write_systemtime(text: &mut String, bytes: &[u8; 16]) -> std::fmt::Result {
    let field = |i: usize| u16::from_le_bytes([bytes[2 * i], bytes[2 * i + 1]]);
    let (year, month, day) = (field(0), field(1), field(3));
    let (hour, minute, second, millis) = (field(4), field(5), field(6), field(7));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    let valid = (1601..=30827).contains(&year)
        && (1..=12).contains(&month)
        && (1..=month_days).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60
        && millis < 1000;
    if !valid {
        return write_time(text, 1601, 1, 1, 0, 0, 0, 0);
    }
    write_time(
        text,
        (year % 10_000) as i16,
        month as i8,
        day as i8,
        hour as i8,
        minute as i8,
        second as i8,
        i32::from(millis) * 10_000,
    )
}

#[allow(clippy::too_many_arguments)]
fn write_time(
    text: &mut String,
    year: i16,
    month: i8,
    day: i8,
    hour: i8,
    minute: i8,
    second: i8,
    ticks: i32,
) -> std::fmt::Result {
    write!(
        text,
        "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{ticks:07}Z"
    )
}

/// FILETIME (100 ns ticks since 1601) to a timestamp as the `evtx` crate converts a record
/// header's; `None` past what a timestamp holds.
pub(crate) fn filetime_timestamp(filetime: u64) -> Option<Timestamp> {
    const TICKS_PER_SECOND: u64 = 10_000_000;
    const WINDOWS_TO_UNIX_SECONDS: i64 = 11_644_473_600;
    let seconds = i64::try_from(filetime / TICKS_PER_SECOND).ok()? - WINDOWS_TO_UNIX_SECONDS;
    let nanos = i32::try_from((filetime % TICKS_PER_SECOND) * 100).ok()?;
    Timestamp::new(seconds, nanos).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(kind: u8, bytes: &[u8]) -> String {
        let mut text = String::new();
        render(kind, bytes, &mut text).unwrap();
        text
    }

    #[test]
    fn floats_are_written_as_the_crate_writes_them() {
        // Expected texts: what the crate's float writer gives for these values.
        for (value, expected) in [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (100.0, "100.0"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.234e16, "1.234e+16"),
            (1e-5, "0.00001"),
            (1e-6, "1e-6"),
            (1.5e-7, "1.5e-7"),
            (0.3, "0.3"),
            (5e-324, "5e-324"),
            (1e100, "1e+100"),
            (12345.678, "12345.678"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-inf"),
        ] {
            assert_eq!(text(kind::REAL64, &f64::to_le_bytes(value)), expected);
        }
        for (value, expected) in [
            (1e12f32, "1000000000000.0"),
            (1e13, "1e+13"),
            (1e-6, "0.000001"),
            (1e-7, "1e-7"),
            (3.4028235e38, "3.4028235e+38"),
            (12345.678, "12345.678"),
        ] {
            assert_eq!(text(kind::REAL32, &f32::to_le_bytes(value)), expected);
        }
    }

    #[test]
    fn other_types_are_written_as_windows_writes_them() {
        let guid: Vec<u8> = (0..16).collect();
        assert_eq!(
            text(kind::GUID, &guid),
            "{03020100-0504-0706-0809-0a0b0c0d0e0f}"
        );
        let sid = [1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 32, 2, 0, 0];
        assert_eq!(text(kind::SID, &sid), "S-1-5-32-544");
        assert_eq!(text(kind::HEX_INT64, &0x2au64.to_le_bytes()), "0x2a");
        assert_eq!(text(kind::SIZE_T, &7u32.to_le_bytes()), "0x7");
        assert_eq!(text(kind::BINARY, &[0x01, 0xab]), "01AB");
        assert_eq!(text(kind::BOOL, &16i32.to_le_bytes()), "16");
        assert_eq!(text(kind::ANSI_STRING, b"caf\xe9\0\x01"), "café_");
        let filetime = 133_000_000_000_000_000u64.to_le_bytes();
        assert_eq!(
            text(kind::FILETIME, &filetime),
            "2022-06-18T04:26:40.0000000Z"
        );
        let systemtime =
            |fields: [u16; 8]| -> Vec<u8> { fields.iter().flat_map(|v| v.to_le_bytes()).collect() };
        assert_eq!(
            text(kind::SYSTEMTIME, &systemtime([2024, 3, 1, 4, 8, 5, 6, 789])),
            "2024-03-04T08:05:06.7890000Z"
        );
        // One Windows does not take as a time (month 13).
        assert_eq!(
            text(
                kind::SYSTEMTIME,
                &systemtime([2024, 13, 1, 4, 8, 5, 6, 789])
            ),
            "1601-01-01T00:00:00.0000000Z"
        );
    }

    #[test]
    fn null_is_empty_whatever_its_size() {
        // The fuzzer's third finding: a NULL value sized 60 in a provider's `Name`.
        assert!(is_empty(kind::NULL, b"x\0y\0"));
        assert!(!is_empty(kind::BINARY, b"\0"));
    }

    #[test]
    fn arrays_are_split_into_items() {
        let split = |kind: u8, bytes: &[u8]| {
            // After an item already there: the items go at the end.
            let mut items = Vec::new();
            items.push(0..0);
            array_items(kind, bytes, &mut items).map(|scalar| (scalar, items.split_off(1)))
        };
        let strings = b"a\0\0\0b\0\0\0";
        let (scalar, items) = split(kind::ARRAY | kind::STRING, strings).unwrap();
        assert_eq!((scalar, items), (Some(kind::STRING), vec![0..2, 4..6]));
        // The last string must end.
        assert!(split(kind::ARRAY | kind::STRING, b"a\0b\0").is_err());
        // Bools stay bools when every item is 0 or 1, else all are integers.
        let bools: Vec<u8> = [0i32, 1].iter().flat_map(|v| v.to_le_bytes()).collect();
        let (scalar, items) = split(kind::ARRAY | kind::BOOL, &bools).unwrap();
        assert_eq!((scalar, items.len()), (Some(kind::BOOL), 2));
        let ints: Vec<u8> = [0i32, 2].iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(
            split(kind::ARRAY | kind::BOOL, &ints).unwrap().0,
            Some(kind::INT32)
        );
        // A scalar has no items.
        assert_eq!(split(kind::UINT16, &[7, 0]).unwrap(), (None, vec![]));
        // A one-item array is written as its item.
        assert_eq!(text(kind::ARRAY | kind::UINT16, &7u16.to_le_bytes()), "7");
    }
}
