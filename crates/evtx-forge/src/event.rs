//! One event, ready to be written: the programmatic form of a spec `[[event]]`.

use jiff::Timestamp;
use serde::Deserialize;

/// Where the provider name lives in the BinXML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// The classic layout: the provider name is a string substitution value carried by every
    /// record, and the template is shared by all providers with the same data shape.
    #[default]
    ProviderSubstitution,
    /// The provider name (and GUID, EventSourceName) is a literal attribute value inside the
    /// template body, so records that reference an earlier definition in the chunk carry no
    /// provider bytes at all.
    ProviderLiteral,
}

/// The `<EventData>` content of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventData {
    /// `<Data>value</Data>` elements without names, in order.
    Unnamed(Vec<String>),
    /// `<Data Name="name">value</Data>` elements, in order.
    Named(Vec<(String, String)>),
}

impl Default for EventData {
    fn default() -> Self {
        EventData::Unnamed(Vec::new())
    }
}

impl EventData {
    /// The data values in order, whatever their names.
    pub fn values(&self) -> Vec<&str> {
        match self {
            EventData::Unnamed(v) => v.iter().map(String::as_str).collect(),
            EventData::Named(v) => v.iter().map(|(_, value)| value.as_str()).collect(),
        }
    }
}

/// One event record as it will be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// `Provider/@Name`.
    pub provider: String,
    /// `Provider/@Guid`, written literally as given (e.g. `{E23B33B0-C8C9-472C-A5F9-F2BDFEA0F156}`).
    pub provider_guid: Option<String>,
    /// `Provider/@EventSourceName`, written literally.
    pub event_source_name: Option<String>,
    /// `EventID`.
    pub event_id: u16,
    /// `EventID/@Qualifiers`; `None` leaves the attribute out.
    pub qualifiers: Option<u16>,
    /// `Version`.
    pub version: u8,
    /// `Level` (0 LogAlways, 1 Critical, 2 Error, 3 Warning, 4 Information, 5 Verbose).
    pub level: u8,
    /// `Task`.
    pub task: u16,
    /// `Opcode`.
    pub opcode: u8,
    /// `Keywords`.
    pub keywords: u64,
    /// `TimeCreated/@SystemTime`, also the record header's written time.
    pub time: Timestamp,
    /// `EventRecordID`; `None` takes the next id.
    pub record_id: Option<u64>,
    /// `Execution/@ProcessID`.
    pub process_id: u32,
    /// `Execution/@ThreadID`.
    pub thread_id: u32,
    /// `Channel`.
    pub channel: String,
    /// `Computer`.
    pub computer: String,
    /// `Security/@UserID` as a SID string (`S-1-5-18`); `None` leaves the attribute out.
    pub user_id: Option<String>,
    /// `EventData`.
    pub data: EventData,
    /// Where the provider name is stored.
    pub layout: Layout,
}

impl EventRecord {
    /// A Level 4 event with the classic Application-log defaults (Qualifiers 0, Task 0,
    /// Keywords 0x80000000000000), computer `WIN-FORGE`, channel `Application`.
    pub fn new(provider: impl Into<String>, event_id: u16, time: Timestamp) -> Self {
        EventRecord {
            provider: provider.into(),
            provider_guid: None,
            event_source_name: None,
            event_id,
            qualifiers: Some(0),
            version: 0,
            level: 4,
            task: 0,
            opcode: 0,
            keywords: CLASSIC_KEYWORDS,
            time,
            record_id: None,
            process_id: 0,
            thread_id: 0,
            channel: "Application".into(),
            computer: DEFAULT_COMPUTER.into(),
            user_id: None,
            data: EventData::default(),
            layout: Layout::default(),
        }
    }
}

/// The keywords Windows gives classic (event-source) events: `0x80000000000000`.
pub const CLASSIC_KEYWORDS: u64 = 0x0080_0000_0000_0000;

/// The computer name used when a spec names none.
pub const DEFAULT_COMPUTER: &str = "WIN-FORGE";
