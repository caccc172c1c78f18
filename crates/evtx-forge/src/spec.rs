//! The TOML spec format and its expansion into event records.

use std::fmt;
use std::path::Path;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::damage::Damage;
use crate::error::ForgeError;
use crate::event::{CLASSIC_KEYWORDS, DEFAULT_COMPUTER, EventData, EventRecord, Layout};
use crate::noise::{NoiseLayout, noise_events};
use crate::time::{SpecTime, parse_duration};

/// A whole spec: file-level defaults, events, series, noise and damage.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Free text describing the file (not written anywhere).
    #[serde(default)]
    pub description: Option<String>,
    /// Default `Computer` of every event.
    #[serde(default = "default_computer")]
    pub computer: String,
    /// Default `Channel` of every event.
    #[serde(default = "default_channel")]
    pub channel: String,
    /// Default provider layout of spec events and series.
    #[serde(default)]
    pub layout: Layout,
    /// The first automatic record id.
    #[serde(default = "one")]
    pub start_record_id: u64,
    /// How newlines in data values are written (default: CRLF).
    #[serde(default)]
    pub line_endings: LineEndings,
    /// Single events.
    #[serde(default, rename = "event")]
    pub events: Vec<EventSpec>,
    /// Repeated events.
    #[serde(default)]
    pub series: Vec<SeriesSpec>,
    /// Generated background events from other providers.
    #[serde(default)]
    pub noise: Vec<NoiseSpec>,
    /// Damage applied to the finished bytes, in order.
    #[serde(default)]
    pub damage: Vec<Damage>,
}

fn default_computer() -> String {
    DEFAULT_COMPUTER.into()
}
fn default_channel() -> String {
    "Application".into()
}
fn one() -> u64 {
    1
}

/// How newlines in data values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LineEndings {
    /// Every `\n` not already preceded by `\r` becomes `\r\n`, as Windows writes messages.
    #[default]
    Crlf,
    /// Values are written exactly as given.
    Keep,
}

impl LineEndings {
    /// Apply to one value.
    pub fn apply(self, s: &str) -> String {
        match self {
            LineEndings::Keep => s.to_owned(),
            LineEndings::Crlf => {
                let mut out = String::with_capacity(s.len() + 8);
                let mut prev = '\0';
                for c in s.chars() {
                    if c == '\n' && prev != '\r' {
                        out.push('\r');
                    }
                    out.push(c);
                    prev = c;
                }
                out
            }
        }
    }
}

/// An event level: a number 0..=255 or a name (`Critical`, `Error`, `Warning`,
/// `Information`, `Verbose`, `LogAlways`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level(pub u8);

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u8),
            Name(String),
        }
        match Raw::deserialize(d)? {
            Raw::Number(n) => Ok(Level(n)),
            Raw::Name(name) => level_from_name(&name)
                .map(Level)
                .ok_or_else(|| de::Error::custom(format!("unknown level {name:?}"))),
        }
    }
}

fn level_from_name(name: &str) -> Option<u8> {
    Some(match name.to_ascii_lowercase().as_str() {
        "logalways" | "always" => 0,
        "critical" => 1,
        "error" => 2,
        "warning" => 3,
        "information" | "info" => 4,
        "verbose" => 5,
        _ => return None,
    })
}

/// Event keywords: a hex string like `"0x80000000000000"` or an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keywords(pub u64);

impl<'de> Deserialize<'de> for Keywords {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Number(n) => Ok(Keywords(n)),
            Raw::Text(s) => {
                let t = s.trim();
                let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                    Some(hex) => u64::from_str_radix(hex, 16),
                    None => t.parse(),
                };
                parsed
                    .map(Keywords)
                    .map_err(|_| de::Error::custom(format!("bad keywords {s:?}")))
            }
        }
    }
}

/// `data`: one string or a list of strings (unnamed `<Data>` elements).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum DataSpec {
    /// `data = "one string"`.
    One(String),
    /// `data = ["a", "b"]`.
    Many(Vec<String>),
}

/// `named_data`: a table (kept in document order) or a list of `{ name, value }`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NamedData(pub Vec<(String, String)>);

impl<'de> Deserialize<'de> for NamedData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Pair {
            name: String,
            value: String,
        }
        impl<'de> Visitor<'de> for V {
            type Value = NamedData;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of name = value, or a list of { name, value }")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NamedData, A::Error> {
                let mut pairs = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, String>()? {
                    pairs.push((k, v));
                }
                Ok(NamedData(pairs))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NamedData, A::Error> {
                let mut pairs = Vec::new();
                while let Some(p) = seq.next_element::<Pair>()? {
                    pairs.push((p.name, p.value));
                }
                Ok(NamedData(pairs))
            }
        }
        d.deserialize_any(V)
    }
}

/// One `[[event]]` (also the event part of a `[[series]]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSpec {
    /// `Provider/@Name`.
    pub provider: String,
    /// `Provider/@Guid`, e.g. `"{E23B33B0-C8C9-472C-A5F9-F2BDFEA0F156}"`.
    pub provider_guid: Option<String>,
    /// `Provider/@EventSourceName`.
    pub event_source_name: Option<String>,
    /// `EventID`.
    pub event_id: u16,
    /// `EventID/@Qualifiers`; left out when absent.
    pub qualifiers: Option<u16>,
    /// `Version` (default 0).
    pub version: Option<u8>,
    /// `Level` (default 4, Information).
    pub level: Option<Level>,
    /// `Task` (default 0).
    pub task: Option<u16>,
    /// `Opcode` (default 0).
    pub opcode: Option<u8>,
    /// `Keywords` (default `0x80000000000000`).
    pub keywords: Option<Keywords>,
    /// `TimeCreated/@SystemTime` (required for `[[event]]`).
    pub time: Option<SpecTime>,
    /// `EventRecordID`; automatic when absent.
    pub record_id: Option<u64>,
    /// `Execution/@ProcessID` (default 0).
    pub process_id: Option<u32>,
    /// `Execution/@ThreadID` (default 0).
    pub thread_id: Option<u32>,
    /// `Computer` override.
    pub computer: Option<String>,
    /// `Channel` override.
    pub channel: Option<String>,
    /// `Security/@UserID` as a SID string.
    pub user_id: Option<String>,
    /// Unnamed data.
    pub data: Option<DataSpec>,
    /// Named data (`<Data Name="...">`); cannot be combined with `data`.
    pub named_data: Option<NamedData>,
    /// Provider layout override.
    pub layout: Option<Layout>,
    /// Line-ending override for this event's data.
    pub line_endings: Option<LineEndings>,
}

impl EventSpec {
    /// The record for this event at `time`, with the spec's defaults filled in.
    pub fn to_record(&self, spec: &Spec, time: jiff::Timestamp) -> Result<EventRecord, ForgeError> {
        let endings = self.line_endings.unwrap_or(spec.line_endings);
        let data = match (&self.data, &self.named_data) {
            (Some(_), Some(_)) => {
                return Err(ForgeError::spec(format!(
                    "event {} of {}: use either data or named_data, not both",
                    self.event_id, self.provider
                )));
            }
            (Some(DataSpec::One(s)), None) => EventData::Unnamed(vec![endings.apply(s)]),
            (Some(DataSpec::Many(v)), None) => {
                EventData::Unnamed(v.iter().map(|s| endings.apply(s)).collect())
            }
            (None, Some(NamedData(pairs))) => EventData::Named(
                pairs
                    .iter()
                    .map(|(k, v)| (k.clone(), endings.apply(v)))
                    .collect(),
            ),
            (None, None) => EventData::Unnamed(Vec::new()),
        };
        Ok(EventRecord {
            provider: self.provider.clone(),
            provider_guid: self.provider_guid.clone(),
            event_source_name: self.event_source_name.clone(),
            event_id: self.event_id,
            qualifiers: self.qualifiers,
            version: self.version.unwrap_or(0),
            level: self.level.map_or(4, |l| l.0),
            task: self.task.unwrap_or(0),
            opcode: self.opcode.unwrap_or(0),
            keywords: self.keywords.map_or(CLASSIC_KEYWORDS, |k| k.0),
            time,
            record_id: self.record_id,
            process_id: self.process_id.unwrap_or(0),
            thread_id: self.thread_id.unwrap_or(0),
            channel: self.channel.clone().unwrap_or_else(|| spec.channel.clone()),
            computer: self
                .computer
                .clone()
                .unwrap_or_else(|| spec.computer.clone()),
            user_id: self.user_id.clone(),
            data,
            layout: self.layout.unwrap_or(spec.layout),
        })
    }
}

/// One `[[series]]`: an event repeated `every` step from `from` until `to` (inclusive) or
/// `count` times.
#[derive(Debug, Clone, Deserialize)]
pub struct SeriesSpec {
    /// The event; its `time` is ignored.
    #[serde(flatten)]
    pub event: EventSpec,
    /// Step, e.g. `"30m"`.
    pub every: String,
    /// First event's time.
    pub from: SpecTime,
    /// Last possible time (inclusive).
    pub to: Option<SpecTime>,
    /// Number of events.
    pub count: Option<u32>,
}

/// One `[[noise]]`: deterministic background events from other providers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoiseSpec {
    /// Random seed; the same seed gives the same events.
    pub seed: u64,
    /// Number of events (default: one per `every` over the range).
    pub count: Option<u32>,
    /// Time range `[from, to]` (default: the spec's other events ± 1 hour).
    pub between: Option<[SpecTime; 2]>,
    /// Average gap when `count` is absent (default `"10m"`).
    pub every: Option<String>,
    /// Provider layouts to use (default: mixed).
    #[serde(default)]
    pub layout: NoiseLayout,
}

/// Upper bound on events a series or noise entry may produce.
const MAX_EXPANDED: u64 = 5_000_000;

impl Spec {
    /// Parse a spec from TOML text.
    pub fn from_toml(text: &str) -> Result<Spec, ForgeError> {
        Ok(toml::from_str(text)?)
    }

    /// Read and parse a spec file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Spec, ForgeError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ForgeError::Io {
            path: path.to_owned(),
            source,
        })?;
        Spec::from_toml(&text)
    }

    /// Every event of the spec (events, series, noise), stably sorted by time; record ids
    /// are left to the writer unless given.
    pub fn records(&self) -> Result<Vec<EventRecord>, ForgeError> {
        let mut records = Vec::new();
        for event in &self.events {
            let time = event.time.ok_or_else(|| {
                ForgeError::spec(format!(
                    "event {} of {} has no time",
                    event.event_id, event.provider
                ))
            })?;
            records.push(event.to_record(self, time.0)?);
        }
        for series in &self.series {
            let step = parse_duration(&series.every)?;
            if series.to.is_none() && series.count.is_none() {
                return Err(ForgeError::spec("a series needs `to` or `count`"));
            }
            let mut time = series.from.0;
            let mut n: u64 = 0;
            loop {
                if series.count.is_some_and(|c| n >= u64::from(c))
                    || series.to.is_some_and(|to| time > to.0)
                {
                    break;
                }
                if n >= MAX_EXPANDED {
                    return Err(ForgeError::spec("a series expands to too many events"));
                }
                records.push(series.event.to_record(self, time)?);
                time = time
                    .checked_add(step)
                    .map_err(|e| ForgeError::spec(format!("series time overflow: {e}")))?;
                n += 1;
            }
        }
        let (lo, hi) = match (
            records.iter().map(|r| r.time).min(),
            records.iter().map(|r| r.time).max(),
        ) {
            (Some(lo), Some(hi)) => (Some(lo), Some(hi)),
            _ => (None, None),
        };
        let mut noise = Vec::new();
        for n in &self.noise {
            let (from, to) = match (n.between, lo, hi) {
                (Some([a, b]), _, _) => (a.0, b.0),
                (None, Some(lo), Some(hi)) => (
                    lo - jiff::SignedDuration::from_hours(1),
                    hi + jiff::SignedDuration::from_hours(1),
                ),
                _ => {
                    return Err(ForgeError::spec(
                        "noise needs `between` when the spec has no other events",
                    ));
                }
            };
            if to < from {
                return Err(ForgeError::spec("noise `between` ends before it starts"));
            }
            let count = match n.count {
                Some(c) => u64::from(c),
                None => {
                    let every = parse_duration(n.every.as_deref().unwrap_or("10m"))?;
                    let span = to.duration_since(from).as_millis();
                    (span / every.as_millis().max(1)) as u64
                }
            };
            if count > MAX_EXPANDED {
                return Err(ForgeError::spec("noise expands to too many events"));
            }
            noise.extend(noise_events(
                n.seed,
                count,
                from,
                to,
                &self.computer,
                &self.channel,
                n.layout,
            ));
        }
        records.extend(noise);
        records.sort_by_key(|r| r.time);
        Ok(records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_data_keeps_document_order() {
        let spec = Spec::from_toml(
            r#"
            [[event]]
            provider = "P"
            event_id = 1
            time = "2024-01-01T00:00:00Z"
            [event.named_data]
            zeta = "1"
            alpha = "2"
            mid = "3"
            "#,
        )
        .unwrap();
        let names: Vec<_> = spec.events[0]
            .named_data
            .as_ref()
            .unwrap()
            .0
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(names, ["zeta", "alpha", "mid"]);
    }

    #[test]
    fn bare_toml_times_and_level_names() {
        let spec = Spec::from_toml(
            r#"
            [[event]]
            provider = "P"
            event_id = 1
            level = "Warning"
            keywords = "0x8000000000000000"
            time = 2024-01-01T00:00:00Z

            [[series]]
            provider = "Q"
            event_id = 2
            every = "30m"
            from = 2024-01-01T01:00:00Z
            to = "2024-01-01T02:00:00Z"
            data = "a\nb"
            "#,
        )
        .unwrap();
        let records = spec.records().unwrap();
        assert_eq!(records.len(), 4);
        assert_eq!(records[0].level, 3);
        assert_eq!(records[0].keywords, 0x8000_0000_0000_0000);
        assert_eq!(records[1].data, EventData::Unnamed(vec!["a\r\nb".into()]));
    }

    #[test]
    fn crlf_does_not_double() {
        assert_eq!(LineEndings::Crlf.apply("a\r\nb\nc"), "a\r\nb\r\nc");
        assert_eq!(LineEndings::Keep.apply("a\nb"), "a\nb");
    }
}
