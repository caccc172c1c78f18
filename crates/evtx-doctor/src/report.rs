//! The report: plain serde data with a schema version. Renderers are pure functions of it.
//!
//! The JSON form is a contract (docs/report.md): fields are only added, never renamed or
//! removed, without raising [`SCHEMA_VERSION`].

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

mod problem_log;
pub(crate) use problem_log::ProblemLog;

pub use crate::rules::Severity;

/// Version of the report format, written as the top-level `"schema"` field.
pub const SCHEMA_VERSION: u32 = 3;

/// Everything one analysis found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The report format version ([`SCHEMA_VERSION`]).
    pub schema: u32,
    /// The program that wrote the report.
    pub tool: Tool,
    /// What the analysis was asked to look at.
    pub options: AnalysisOptions,
    /// Whether every input was read (schema 2; older reports were always complete).
    #[serde(default)]
    pub completion: Completion,
    /// Totals over every input.
    pub summary: Summary,
    /// The answer per domain: failing since when, and why.
    pub verdicts: Vec<Verdict>,
    /// One finding per (diagnosis, domain, error code), most severe and earliest first.
    pub findings: Vec<Finding>,
    /// Failures and signs of working sync over time, for charts.
    pub timeline: Timeline,
    /// Every input that was named or found, in the order read, with what was read of it.
    pub inputs: Vec<InputReport>,
}

/// How far a run got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Completion {
    /// Every input was read.
    #[default]
    Complete,
    /// The program reading the results asked to stop early: the report covers what was read
    /// until then.
    Stopped,
    /// The run was cancelled: the report covers what was read until then.
    Cancelled,
}

/// Event counts per time bucket, for charts (at most [`Timeline::MAX_BUCKETS`] buckets).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    /// Start of the first bucket.
    pub start: Option<Timestamp>,
    /// Width of each bucket in seconds.
    pub bucket_seconds: u64,
    /// One series per kind of event (and per domain for failures).
    pub series: Vec<Series>,
}

impl Timeline {
    /// The most buckets a timeline has.
    pub const MAX_BUCKETS: usize = 120;
}

/// Counts of one kind of event per bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    /// What is counted.
    pub kind: SeriesKind,
    /// A label for people, e.g. the domain of the failures.
    pub label: String,
    /// One count per bucket.
    pub counts: Vec<u32>,
}

/// What a series counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesKind {
    /// Events of error findings.
    Failure,
    /// Heartbeats (pings) of the password sync agent.
    Heartbeat,
    /// Successful syncs (batches, password change results).
    Success,
}

/// The program that wrote the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// `evtx-doctor`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// The options that shaped the report (the time window and computers narrow what counts).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalysisOptions {
    /// Only events at or after this time counted.
    pub since: Option<Timestamp>,
    /// Only events at or before this time counted.
    pub until: Option<Timestamp>,
    /// Only events of these computers counted (empty: all).
    pub computers: Vec<String>,
    /// Whether chunks that could not match were skipped unparsed.
    pub prefilter: bool,
}

/// Totals over every input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Inputs read (files, archive entries).
    pub inputs: u64,
    /// Inputs of which nothing could be read.
    pub unreadable_inputs: u64,
    /// Event records read (parsed and checked against the rules).
    pub records_read: u64,
    /// Records the prefilter ruled out unparsed (no rule can match them): in skipped chunks,
    /// and single records of chunks that were read.
    pub records_skipped: u64,
    /// Events that matched a rule.
    pub events_matched: u64,
    /// Records seen twice (same computer, channel, record id, time to the second, provider,
    /// event id and content) and counted once.
    pub duplicates_dropped: u64,
    /// Events a rule matched that the time window or computer list left out (schema 2).
    #[serde(default)]
    pub events_excluded: u64,
    /// Chunks that could not be read at all.
    pub chunks_unreadable: u64,
    /// Records that could not be read.
    pub records_unreadable: u64,
    /// Problems found in the inputs (see each input's `problems`).
    pub problems: u64,
    /// Earliest event time over all inputs.
    pub first_event: Option<Timestamp>,
    /// Latest event time over all inputs.
    pub last_event: Option<Timestamp>,
}

/// The state of password hash sync for one domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictState {
    /// Failures and no sign of recovery after them.
    Failing,
    /// Failures, then successful syncs after the last one.
    Recovered,
    /// Syncs ran and nothing failed.
    Healthy,
    /// The password sync agent went quiet: no heartbeat for more than 3 hours inside the
    /// span the logs cover.
    Stalled,
    /// The logs hold no password sync events at all: nothing to judge by.
    NotEnoughData,
}

/// The answer for one domain (or for the tenant, when events name no domain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// The domain as first written in the events; `None` for tenant-wide problems.
    pub domain: Option<String>,
    /// Failing, recovered or healthy.
    pub state: VerdictState,
    /// First failure seen.
    pub failing_since: Option<Timestamp>,
    /// Last failure seen.
    pub last_failure: Option<Timestamp>,
    /// Last sign of a working sync before or after the failures.
    pub last_healthy: Option<Timestamp>,
    /// First sign of working sync after the last failure.
    pub recovered_at: Option<Timestamp>,
    /// Rule ids of the findings behind the verdict, most severe first.
    pub rules: Vec<String>,
    /// Sync servers (computers) whose events the verdict rests on, sorted.
    pub servers: Vec<String>,
}

/// One diagnosis for one domain and error code, with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable rule id.
    pub rule: String,
    /// One-line title.
    pub title: String,
    /// How bad it is.
    pub severity: Severity,
    /// The provider of the first matching event.
    pub provider: String,
    /// Every provider seen in the matching events, sorted.
    pub providers: Vec<String>,
    /// Event ids of the matching events, sorted and distinct.
    pub event_ids: Vec<u16>,
    /// Domain as written in the first event (grouping ignores case).
    pub domain: Option<String>,
    /// Win32 / RPC / DS error code.
    pub error_code: Option<u32>,
    /// Its symbol, e.g. `ERROR_DS_DRA_ACCESS_DENIED`.
    pub error_symbol: Option<String>,
    /// Its meaning.
    pub error_message: Option<String>,
    /// The .NET exception type that identifies the diagnosis.
    pub exception: Option<String>,
    /// Other fields the rule captured (e.g. `provision_code`), from the first event.
    pub fields: std::collections::BTreeMap<String, String>,
    /// The DRS call that failed.
    pub drs_call: Option<String>,
    /// Domain controllers named by the events, distinct.
    pub domain_controllers: Vec<DomainController>,
    /// Number of matching events.
    pub count: u64,
    /// Time of the first matching event.
    pub first_seen: Option<Timestamp>,
    /// Time of the last matching event.
    pub last_seen: Option<Timestamp>,
    /// Computers that logged them, sorted.
    pub computers: Vec<String>,
    /// Why it happens.
    pub cause: String,
    /// What fixes it.
    pub resolution: String,
    /// KB ids (`KB2867278`) and links.
    pub references: Vec<String>,
    /// Matching events read from chunks whose CRC did not match (read anyway).
    pub from_damaged_chunks: u64,
    /// Directory objects (distinguished names) the events name, most frequent first (at most
    /// [`Finding::MAX_OBJECTS`]).
    pub objects: Vec<ObjectCount>,
    /// How many distinct objects the events name in all.
    pub distinct_objects: u64,
    /// For per-object failures: whether other objects of the domain synced meanwhile.
    pub scope: Option<Scope>,
    /// A few of the matching events: the first and the last.
    pub samples: Vec<Sample>,
}

impl Finding {
    /// How many objects a finding lists.
    pub const MAX_OBJECTS: usize = 10;
}

/// An object (distinguished name) and how many matching events name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectCount {
    /// The distinguished name.
    pub dn: String,
    /// Events naming it.
    pub count: u64,
}

/// How widespread per-object failures are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Other objects of the domain synced successfully in the logs: look at these objects.
    Isolated,
    /// No object of the domain synced in the logs: the failure is general.
    General,
}

/// A domain controller named by an event.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DomainController {
    /// Host name.
    pub host: Option<String>,
    /// IP address.
    pub ip: Option<String>,
}

/// One event behind a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// The input it was read from.
    pub input: String,
    /// Its chunk number, for .evtx inputs.
    pub chunk: Option<u64>,
    /// Its event record id.
    pub record_id: Option<u64>,
    /// Its time.
    pub time: Option<Timestamp>,
    /// Its event id.
    pub event_id: u16,
    /// The first line of its text.
    pub first_line: String,
    /// The line of its text that holds what the rule matched (its pattern, error code,
    /// exception or keyword), white space folded and cut to about 240 characters at word
    /// boundaries (`…` where cut); `None` when the text does not show it (schema 3).
    #[serde(default)]
    pub matched_line: Option<String>,
}

impl Sample {
    /// The line that best shows the event: the matched line, else the first line.
    pub fn line(&self) -> &str {
        self.matched_line.as_deref().unwrap_or(&self.first_line)
    }

    /// Where the event sits in its input, for people: `chunk 0, record 27` (empty if unknown).
    pub fn place(&self) -> String {
        let chunk = self.chunk.map(|chunk| format!("chunk {chunk}"));
        let record = self.record_id.map(|record| format!("record {record}"));
        [chunk, record]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What kind of file an input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// A Windows XML Event Log file.
    Evtx,
    /// An Event Viewer / wevtutil XML export.
    XmlExport,
    /// An Event Viewer CSV or tab-separated text export.
    CsvExport,
    /// Events as labelled text: Event Viewer "Copy Details as Text", `wevtutil /f:text`,
    /// PowerShell `Format-List` (pasted into a ticket, or saved).
    TextExport,
    /// An archive or compressed stream (listed only when something in it could not be read;
    /// its entries are inputs of their own).
    Archive,
    /// Not recognised.
    Unknown,
}

/// How much of an input could be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputStatus {
    /// Read whole.
    Ok,
    /// Read, but parts were damaged (see `problems`).
    Damaged,
    /// Nothing could be read.
    Unreadable,
}

/// One input and what was read of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputReport {
    /// The path as named (archive entries as `archive.zip!inner/path`).
    pub path: String,
    /// What kind of file it is.
    pub kind: InputKind,
    /// How much could be read.
    pub status: InputStatus,
    /// Size in bytes.
    pub bytes: u64,
    /// What was read of it, chunk by chunk and record by record (flat in JSON).
    #[serde(flatten)]
    pub counts: Counts,
    /// Earliest event time read.
    pub first_event: Option<Timestamp>,
    /// Latest event time read.
    pub last_event: Option<Timestamp>,
    /// Every problem found (the first [`MAX_PROBLEMS_PER_INPUT`] of them).
    pub problems: Vec<Problem>,
    /// Problems found in all, including those not listed.
    pub problem_count: u64,
}

/// What was read of an input, chunk by chunk and record by record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Chunks in the file (64 KiB slots after the header).
    pub chunks: u64,
    /// Chunks parsed.
    pub chunks_read: u64,
    /// Chunks the prefilter proved could hold no match, so not parsed.
    pub chunks_skipped: u64,
    /// Empty (never written) chunks.
    pub chunks_empty: u64,
    /// Chunks that could not be read at all.
    pub chunks_unreadable: u64,
    /// Chunks read despite a CRC mismatch.
    pub chunks_crc_mismatch: u64,
    /// Records read (parsed and checked against the rules).
    pub records_read: u64,
    /// Records the prefilter ruled out unparsed, counted and dated from their headers.
    pub records_skipped: u64,
    /// Records that could not be read.
    pub records_unreadable: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.chunks += other.chunks;
        self.chunks_read += other.chunks_read;
        self.chunks_skipped += other.chunks_skipped;
        self.chunks_empty += other.chunks_empty;
        self.chunks_unreadable += other.chunks_unreadable;
        self.chunks_crc_mismatch += other.chunks_crc_mismatch;
        self.records_read += other.records_read;
        self.records_skipped += other.records_skipped;
        self.records_unreadable += other.records_unreadable;
    }
}

impl InputReport {
    /// Problems counted but not listed (past [`MAX_PROBLEMS_PER_INPUT`]).
    pub fn unlisted_problems(&self) -> u64 {
        self.problem_count
            .saturating_sub(self.problems.len() as u64)
    }
}

/// How many problems an input lists; past it they are only counted.
pub const MAX_PROBLEMS_PER_INPUT: usize = 100;

impl Problem {
    /// Whether this is a note rather than damage.
    pub fn is_note(&self) -> bool {
        self.kind.is_note()
    }

    /// Where the problem is, for people: `chunk 1, record 5, byte 69632` (empty if unknown).
    pub fn place(&self) -> String {
        let mut place = Vec::new();
        if let Some(chunk) = self.chunk {
            place.push(format!("chunk {chunk}"));
        }
        if let Some(record) = self.record_id {
            place.push(format!("record {record}"));
        }
        if let Some(offset) = self.offset {
            place.push(format!("byte {offset}"));
        }
        place.join(", ")
    }
}

/// What went wrong in an input: a stable name (`snake_case` in JSON) consumers can match on.
///
/// New kinds may be added in later versions; existing names never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProblemKind {
    /// A file or folder could not be opened.
    CannotOpen,
    /// Reading failed part way.
    CannotRead,
    /// The system failed a read inside the file.
    IoError,
    /// A glob pattern is malformed.
    BadPattern,
    /// A glob pattern matched nothing.
    NoMatch,
    /// The input is not an .evtx file or any format read here.
    NotEvtx,
    /// The .evtx file header is damaged.
    BadFileHeader,
    /// The .evtx file header's checksum does not match.
    FileHeaderCrcMismatch,
    /// The file ends before the chunk count its header claims.
    TruncatedFile,
    /// A chunk does not start with `ElfChnk`.
    BadChunkMagic,
    /// A chunk header is damaged.
    BadChunkHeader,
    /// A chunk could not be parsed.
    BadChunk,
    /// A chunk's checksum does not match (the chunk is read anyway).
    ChunkCrcMismatch,
    /// A chunk is cut short.
    TruncatedChunk,
    /// A chunk is all zeros where data was expected.
    ZeroedChunk,
    /// A record could not be parsed.
    BadRecord,
    /// A record is cut short.
    TruncatedRecord,
    /// More damaged records in a chunk than are listed.
    MoreBadRecords,
    /// The EVTX parser failed on a record (the record is skipped).
    ParserPanic,
    /// A text input holds no event export the tool reads.
    NotAnExport,
    /// An export holds no events.
    NoEvents,
    /// More problems in an export than are listed.
    TooManyProblems,
    /// An XML export declares a DOCTYPE (never expanded).
    XmlDoctypeIgnored,
    /// An XML event could not be read.
    XmlMalformedEvent,
    /// An XML event is never closed.
    XmlUnclosedEvent,
    /// An XML event is larger than the limit.
    XmlEventTooLarge,
    /// An XML event nests elements deeper than the limit.
    XmlEventTooDeep,
    /// An XML export ends inside an element.
    XmlTruncated,
    /// A CSV export has no recognizable header.
    CsvNoHeader,
    /// A CSV row could not be read.
    CsvBadRow,
    /// A CSV time could not be read.
    CsvBadTime,
    /// CSV times carry no zone and were read as UTC (a note, not damage).
    CsvLocalTime,
    /// A CSV export has no provider column, so rules naming a provider cannot match its events
    /// (a note, not damage).
    CsvNoSource,
    /// Times of a text export carry no zone and were read as UTC (a note, not damage).
    TextLocalTime,
    /// An event of a text export could not be read.
    TextBadEvent,
    /// An archive could not be opened as one.
    ArchiveUnreadable,
    /// An archive's structure is damaged.
    ArchiveDamaged,
    /// An archive's directory claims more than the archive holds.
    ArchiveLyingDirectory,
    /// An archive holds more entries than the limit.
    ArchiveTooManyEntries,
    /// Archive entries share compressed bytes (a bomb's shape).
    ArchiveOverlappingEntries,
    /// An archive entry could not be inflated.
    ArchiveEntryDamaged,
    /// An archive entry is encrypted.
    ArchiveEntryEncrypted,
    /// An archive entry uses a compression method not read here.
    ArchiveEntryUnsupported,
    /// An archive expands past the run's budget or the memory limit for streams.
    ArchiveTooLarge,
    /// An archive expands faster than the ratio limit allows.
    ArchiveBomb,
    /// Archives nested deeper than the limit.
    ArchiveTooDeep,
    /// An archive holds no event log.
    ArchiveNoLogs,
}

impl ProblemKind {
    /// Every kind, in the order they are documented.
    pub const ALL: &[ProblemKind] = &[
        Self::CannotOpen,
        Self::CannotRead,
        Self::IoError,
        Self::BadPattern,
        Self::NoMatch,
        Self::NotEvtx,
        Self::BadFileHeader,
        Self::FileHeaderCrcMismatch,
        Self::TruncatedFile,
        Self::BadChunkMagic,
        Self::BadChunkHeader,
        Self::BadChunk,
        Self::ChunkCrcMismatch,
        Self::TruncatedChunk,
        Self::ZeroedChunk,
        Self::BadRecord,
        Self::TruncatedRecord,
        Self::MoreBadRecords,
        Self::ParserPanic,
        Self::NotAnExport,
        Self::NoEvents,
        Self::TooManyProblems,
        Self::XmlDoctypeIgnored,
        Self::XmlMalformedEvent,
        Self::XmlUnclosedEvent,
        Self::XmlEventTooLarge,
        Self::XmlEventTooDeep,
        Self::XmlTruncated,
        Self::CsvNoHeader,
        Self::CsvBadRow,
        Self::CsvBadTime,
        Self::CsvLocalTime,
        Self::CsvNoSource,
        Self::TextLocalTime,
        Self::TextBadEvent,
        Self::ArchiveUnreadable,
        Self::ArchiveDamaged,
        Self::ArchiveLyingDirectory,
        Self::ArchiveTooManyEntries,
        Self::ArchiveOverlappingEntries,
        Self::ArchiveEntryDamaged,
        Self::ArchiveEntryEncrypted,
        Self::ArchiveEntryUnsupported,
        Self::ArchiveTooLarge,
        Self::ArchiveBomb,
        Self::ArchiveTooDeep,
        Self::ArchiveNoLogs,
    ];

    /// The stable name, as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CannotOpen => "cannot_open",
            Self::CannotRead => "cannot_read",
            Self::IoError => "io_error",
            Self::BadPattern => "bad_pattern",
            Self::NoMatch => "no_match",
            Self::NotEvtx => "not_evtx",
            Self::BadFileHeader => "bad_file_header",
            Self::FileHeaderCrcMismatch => "file_header_crc_mismatch",
            Self::TruncatedFile => "truncated_file",
            Self::BadChunkMagic => "bad_chunk_magic",
            Self::BadChunkHeader => "bad_chunk_header",
            Self::BadChunk => "bad_chunk",
            Self::ChunkCrcMismatch => "chunk_crc_mismatch",
            Self::TruncatedChunk => "truncated_chunk",
            Self::ZeroedChunk => "zeroed_chunk",
            Self::BadRecord => "bad_record",
            Self::TruncatedRecord => "truncated_record",
            Self::MoreBadRecords => "more_bad_records",
            Self::ParserPanic => "parser_panic",
            Self::NotAnExport => "not_an_export",
            Self::NoEvents => "no_events",
            Self::TooManyProblems => "too_many_problems",
            Self::XmlDoctypeIgnored => "xml_doctype_ignored",
            Self::XmlMalformedEvent => "xml_malformed_event",
            Self::XmlUnclosedEvent => "xml_unclosed_event",
            Self::XmlEventTooLarge => "xml_event_too_large",
            Self::XmlEventTooDeep => "xml_event_too_deep",
            Self::XmlTruncated => "xml_truncated",
            Self::CsvNoHeader => "csv_no_header",
            Self::CsvBadRow => "csv_bad_row",
            Self::CsvBadTime => "csv_bad_time",
            Self::CsvLocalTime => "csv_local_time",
            Self::CsvNoSource => "csv_no_source",
            Self::TextLocalTime => "text_local_time",
            Self::TextBadEvent => "text_bad_event",
            Self::ArchiveUnreadable => "archive_unreadable",
            Self::ArchiveDamaged => "archive_damaged",
            Self::ArchiveLyingDirectory => "archive_lying_directory",
            Self::ArchiveTooManyEntries => "archive_too_many_entries",
            Self::ArchiveOverlappingEntries => "archive_overlapping_entries",
            Self::ArchiveEntryDamaged => "archive_entry_damaged",
            Self::ArchiveEntryEncrypted => "archive_entry_encrypted",
            Self::ArchiveEntryUnsupported => "archive_entry_unsupported",
            Self::ArchiveTooLarge => "archive_too_large",
            Self::ArchiveBomb => "archive_bomb",
            Self::ArchiveTooDeep => "archive_too_deep",
            Self::ArchiveNoLogs => "archive_no_logs",
        }
    }

    /// Whether it informs without meaning anything was lost (it does not make an input
    /// `damaged`).
    pub fn is_note(self) -> bool {
        matches!(
            self,
            Self::CsvLocalTime | Self::CsvNoSource | Self::TextLocalTime
        )
    }
}

impl std::fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ProblemKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for ProblemKind {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

/// Something in an input that could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// What went wrong.
    pub kind: ProblemKind,
    /// Chunk number, where it applies.
    pub chunk: Option<u64>,
    /// Byte offset in the file, where known.
    pub offset: Option<u64>,
    /// Event record id, where known.
    pub record_id: Option<u64>,
    /// A plain explanation.
    pub message: String,
}
