//! Times and durations as a spec writes them.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Deserializer};

use crate::error::ForgeError;

/// Parse an RFC 3339 time (`2024-03-04T08:00:00Z`); offsets are converted to UTC.
pub fn parse_time(s: &str) -> Result<Timestamp, ForgeError> {
    s.trim()
        .parse::<Timestamp>()
        .map_err(|e| ForgeError::spec(format!("not an RFC 3339 time: {s:?} ({e})")))
}

/// Parse a duration like `30m`, `1h30m`, `2d`, `45s` or `500ms`.
pub fn parse_duration(s: &str) -> Result<SignedDuration, ForgeError> {
    let bad = || {
        ForgeError::spec(format!(
            "not a duration: {s:?} (try \"30m\", \"1h30m\", \"2d\")"
        ))
    };
    let mut total_ms: i64 = 0;
    let mut rest = s.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let number: i64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit_ms: i64 = match rest[..unit_len].trim() {
            "ms" => 1,
            "s" => 1000,
            "m" | "min" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 7 * 86_400_000,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total_ms = number
            .checked_mul(unit_ms)
            .and_then(|ms| total_ms.checked_add(ms))
            .ok_or_else(bad)?;
    }
    if total_ms <= 0 {
        return Err(bad());
    }
    Ok(SignedDuration::from_millis(total_ms))
}

/// A time in a spec: a quoted RFC 3339 string or a bare TOML offset date-time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SpecTime(pub Timestamp);

impl<'de> Deserialize<'de> for SpecTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Toml(toml::value::Datetime),
        }
        let text = match Raw::deserialize(d)? {
            Raw::Text(s) => s,
            Raw::Toml(dt) => dt.to_string(),
        };
        parse_time(&text)
            .map(SpecTime)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m").unwrap().as_secs(), 1800);
        assert_eq!(parse_duration("1h30m").unwrap().as_secs(), 5400);
        assert_eq!(parse_duration("2d").unwrap().as_secs(), 172_800);
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("0s").is_err());
    }
}
