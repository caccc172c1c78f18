//! [`Event`]: the one record type everything downstream of the readers sees.

mod build;
mod xml;

pub(crate) use build::{EventBuilder, predefined_entity};

// Public only with the `internals` feature (re-exported in `crate::internals`).
#[cfg(feature = "internals")]
#[doc(hidden)]
pub use xml::{MAX_EVENT_DEPTH, XmlEventError, parse_event_xml};
#[cfg(not(feature = "internals"))]
pub(crate) use xml::{MAX_EVENT_DEPTH, XmlEventError, parse_event_xml};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One event, whatever it was read from (.evtx record, XML or CSV export).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Provider (event source) name, as written.
    pub provider: String,
    /// Event id: the low 16 bits of `EventID`.
    pub event_id: u16,
    /// The `Qualifiers` attribute of `EventID` (classic sources carry severity bits here).
    pub qualifiers: Option<u16>,
    /// Level (1 critical, 2 error, 3 warning, 4 information, 5 verbose; 0 for classic sources).
    pub level: Option<u8>,
    /// Task category.
    pub task: Option<u16>,
    /// When the event was created, UTC.
    pub time: Option<Timestamp>,
    /// Event record id within its log.
    pub record_id: Option<u64>,
    /// Channel (log) name, e.g. `Application`.
    pub channel: String,
    /// Computer that logged the event.
    pub computer: String,
    /// The `<Data>` values (or `UserData` leaves), in order.
    pub data: Vec<DataItem>,
    /// The rendered message, when the source carries one (Event Viewer exports).
    pub message: Option<String>,
    /// Where the event was read from.
    pub origin: Origin,
}

/// One `<Data>` value, named or not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataItem {
    /// The `Name` attribute, when present.
    pub name: Option<String>,
    /// The value as text.
    pub value: String,
}

/// The place an event was read from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Origin {
    /// Index of the input in the report's `inputs`.
    pub input: usize,
    /// Chunk number in the file, for .evtx inputs.
    pub chunk: Option<u64>,
    /// Whether that chunk failed its CRC check (its records were read anyway).
    pub damaged_chunk: bool,
}

impl Event {
    /// The text rules match against: every data value, then the rendered message, one per line.
    pub fn text(&self) -> String {
        let mut text = String::new();
        for item in &self.data {
            push_line(&mut text, &item.value);
        }
        if let Some(message) = &self.message {
            push_line(&mut text, message);
        }
        text
    }

    /// The first non-empty line of the event's text, for samples in reports.
    pub fn first_line(&self) -> String {
        self.data
            .iter()
            .map(|item| item.value.as_str())
            .chain(self.message.as_deref())
            .flat_map(str::lines)
            .map(str::trim)
            .find(|line| !line.is_empty())
            .unwrap_or_default()
            .to_owned()
    }
}

fn push_line(text: &mut String, line: &str) {
    if !text.is_empty() {
        text.push('\n');
    }
    text.push_str(line);
}
