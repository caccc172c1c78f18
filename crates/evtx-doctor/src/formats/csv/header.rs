//! The header of a CSV export read into a column map: which column holds which field of an
//! event. Event Viewer's layout, PowerShell's `Export-Csv` / `ConvertTo-Csv` of `Get-WinEvent`
//! and of `Get-EventLog`, and any `Select-Object` subset of them are presets of this one map.

/// The field of an event a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    /// A level: a number (`Level` of `Get-WinEvent`) or a name (`LevelDisplayName`,
    /// `EntryType`, Event Viewer's `Level`).
    Level,
    /// When the event was logged (`TimeCreated`, `TimeGenerated`, `Date and Time`).
    Time,
    /// The provider (`ProviderName`, `Source`).
    Provider,
    /// The event id (`Id`, `EventID`, Event Viewer's `Event ID`).
    EventId,
    /// `InstanceId` of `Get-EventLog`: the event id with the severity and qualifier bits
    /// above it (3221232372 is event 6900, qualifiers 0xC000).
    InstanceId,
    /// `Qualifiers`.
    Qualifiers,
    /// A task number (`Task`, `CategoryNumber`; `(3)` in `Category` and `Task Category`).
    Task,
    /// The record id (`RecordId`, `Index`).
    RecordId,
    /// The channel (`LogName`).
    Channel,
    /// The computer (`MachineName`).
    Computer,
    /// The rendered message (`Message`, Event Viewer's unnamed sixth column).
    Message,
    /// A column of the shape that holds nothing an event keeps (opcodes, keywords, process
    /// ids, and the type names PowerShell writes for object-valued properties).
    Other,
}

/// Where the header came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// Event Viewer "Save All Events As... CSV / Text (Tab delimited)": five named columns
    /// (localized) and an unnamed description.
    EventViewer,
    /// PowerShell `Export-Csv` / `ConvertTo-Csv` of event records, or a subset of their
    /// properties: columns named by property.
    PowerShell,
}

/// A header line read into a column map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    /// The field separator: `,`, tab or `;` (`-UseCulture` on a German or French system).
    pub(crate) sep: u8,
    /// What each column holds, in order.
    pub(crate) columns: Vec<Column>,
    /// Which export wrote it.
    pub(crate) layout: Layout,
}

/// Words for Event Viewer's first column: "Level" (English and a few common translations),
/// or "Keywords" (the Security log shows audit success / failure first).
const FIRST_HEADERS: &[&str] = &[
    "level",
    "ebene",
    "niveau",
    "nivel",
    "livello",
    "poziom",
    "уровень",
    "레벨",
    "レベル",
    "级别",
    "keywords",
];
/// Words that start Event Viewer's "Date and Time" column header.
const DATE_HEADERS: &[&str] = &[
    "date and time",
    "datum und uhrzeit",
    "date et heure",
    "fecha y hora",
    "data e ora",
    "data e hora",
    "datum en tijd",
    "data i godzina",
    "дата и время",
    "날짜 및 시간",
    "日付と時刻",
    "日期和时间",
];

/// The properties of `EventLogRecord` (`Get-WinEvent`, 27 columns) and of `EventLogEntry`
/// (`Get-EventLog`, 16 columns) as `Export-Csv` names them, lower case, and what each holds.
/// Property names are English in every Windows language.
const PROPERTIES: &[(&str, Column)] = &[
    // Get-WinEvent
    ("message", Column::Message),
    ("id", Column::EventId),
    ("version", Column::Other),
    ("qualifiers", Column::Qualifiers),
    ("level", Column::Level),
    ("task", Column::Task),
    ("opcode", Column::Other),
    ("keywords", Column::Other),
    ("recordid", Column::RecordId),
    ("providername", Column::Provider),
    ("providerid", Column::Other),
    ("logname", Column::Channel),
    ("processid", Column::Other),
    ("threadid", Column::Other),
    ("machinename", Column::Computer),
    ("userid", Column::Other),
    ("timecreated", Column::Time),
    ("activityid", Column::Other),
    ("relatedactivityid", Column::Other),
    ("containerlog", Column::Other),
    ("matchedqueryids", Column::Other),
    ("bookmark", Column::Other),
    ("leveldisplayname", Column::Level),
    ("opcodedisplayname", Column::Other),
    ("taskdisplayname", Column::Other),
    ("keywordsdisplaynames", Column::Other),
    ("properties", Column::Other),
    // Get-EventLog
    ("eventid", Column::EventId),
    ("data", Column::Other),
    ("index", Column::RecordId),
    ("category", Column::Task),
    ("categorynumber", Column::Task),
    ("entrytype", Column::Level),
    ("source", Column::Provider),
    ("replacementstrings", Column::Other),
    ("instanceid", Column::InstanceId),
    ("timegenerated", Column::Time),
    ("timewritten", Column::Other),
    ("username", Column::Other),
    ("site", Column::Other),
    ("container", Column::Other),
];

/// The type line Windows PowerShell's `Export-Csv` / `ConvertTo-Csv` write before the header
/// (unless `-NoTypeInformation`): `#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord`.
const TYPE_LINE: &str = "#TYPE";

impl Header {
    /// The column map of `line`, when it is the header of an event export.
    pub(crate) fn parse(line: &str) -> Option<Header> {
        [b',', b'\t', b';'].into_iter().find_map(|sep| {
            let names: Vec<String> = line
                .split(char::from(sep))
                .map(|f| f.trim().trim_matches('"').trim().to_lowercase())
                .collect();
            Self::from_names(&names, sep)
        })
    }

    /// The column map of a row of the file, when the row is a header again: exports joined
    /// into one file (`Get-Content *.csv > all.csv`) repeat theirs. Rows with a long field
    /// are not looked at further (no header name is long).
    pub(crate) fn from_row(fields: &[String], sep: u8) -> Option<Header> {
        const LONGEST: usize = 64;
        if fields.len() < 2 || fields.iter().any(|f| f.len() > LONGEST) {
            return None;
        }
        let names: Vec<String> = fields.iter().map(|f| f.trim().to_lowercase()).collect();
        Self::from_names(&names, sep)
    }

    fn from_names(names: &[String], sep: u8) -> Option<Header> {
        event_viewer(names)
            .map(|columns| Header {
                sep,
                columns,
                layout: Layout::EventViewer,
            })
            .or_else(|| {
                powershell(names).map(|columns| Header {
                    sep,
                    columns,
                    layout: Layout::PowerShell,
                })
            })
    }

    /// Index of the first column holding `column`.
    pub(crate) fn index(&self, column: Column) -> Option<usize> {
        self.columns.iter().position(|&c| c == column)
    }

    /// Index of the column the event id is read from (`InstanceId` before `EventID`).
    pub(crate) fn id_index(&self) -> Option<usize> {
        self.index(Column::InstanceId)
            .or_else(|| self.index(Column::EventId))
    }
}

/// Event Viewer's columns, told by position: level (or keywords), date and time, source, event
/// id, task category, then the unnamed description.
fn event_viewer(names: &[String]) -> Option<Vec<Column>> {
    let first = names.first()?;
    let date = names.get(1)?;
    let id = names.get(3)?;
    let is_header = FIRST_HEADERS.contains(&first.as_str())
        && DATE_HEADERS.iter().any(|d| date.starts_with(d))
        && (id.contains("id") || id.contains("ид") || id.contains("ｉｄ"));
    if !is_header {
        return None;
    }
    let first = if first == "keywords" {
        Column::Other
    } else {
        Column::Level
    };
    Some(vec![
        first,
        Column::Time,
        Column::Provider,
        Column::EventId,
        Column::Task,
        Column::Message,
    ])
}

/// PowerShell's columns, told by name: every column a property of an event record, an id and
/// a message among them.
fn powershell(names: &[String]) -> Option<Vec<Column>> {
    let columns: Vec<Column> = names
        .iter()
        .map(|name| {
            PROPERTIES
                .iter()
                .find(|(property, _)| property == name)
                .map(|&(_, column)| column)
        })
        .collect::<Option<_>>()?;
    let has = |wanted: &[Column]| columns.iter().any(|c| wanted.contains(c));
    (has(&[Column::EventId, Column::InstanceId]) && has(&[Column::Message])).then_some(columns)
}

/// The header of the text `head` starts with (leading blank lines and PowerShell's `#TYPE`
/// line skipped), and the type line when there is one.
pub(crate) fn find(head: &str) -> Option<(Header, Option<&str>)> {
    let mut lines = head
        .split(['\n', '\r'])
        .map(|line| line.trim_start_matches('\u{feff}'))
        .filter(|line| !line.trim().is_empty());
    let first = lines.next()?;
    if is_type_line(first) {
        return Header::parse(lines.next()?).map(|header| (header, Some(first)));
    }
    Header::parse(first).map(|header| (header, None))
}

/// Whether `line` is PowerShell's `#TYPE ...` line.
pub(crate) fn is_type_line(line: &str) -> bool {
    line.trim_start()
        .get(..TYPE_LINE.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(TYPE_LINE))
}

/// The log a `Get-EventLog` export was read from, as its type line names it:
/// `#TYPE System.Diagnostics.EventLogEntry#Application/ADSync/3221232372` (the type name
/// PowerShell gives the first entry: log, source, instance id). `Get-EventLog` reads one log,
/// and its columns do not name it.
pub(crate) fn eventlog_channel(type_line: &str) -> Option<String> {
    const ENTRY: &str = "System.Diagnostics.EventLogEntry#";
    let at = type_line.find(ENTRY)?;
    let rest = type_line.get(at + ENTRY.len()..)?;
    let log = rest.split('/').next()?.trim();
    (!log.is_empty()).then(|| log.to_owned())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// `Get-WinEvent | Export-Csv` header.
    pub(crate) const WINEVENT: &str = "\"Message\",\"Id\",\"Version\",\"Qualifiers\",\"Level\",\"Task\",\
        \"Opcode\",\"Keywords\",\"RecordId\",\"ProviderName\",\"ProviderId\",\"LogName\",\
        \"ProcessId\",\"ThreadId\",\"MachineName\",\"UserId\",\"TimeCreated\",\"ActivityId\",\
        \"RelatedActivityId\",\"ContainerLog\",\"MatchedQueryIds\",\"Bookmark\",\
        \"LevelDisplayName\",\"OpcodeDisplayName\",\"TaskDisplayName\",\"KeywordsDisplayNames\",\
        \"Properties\"";
    const EVENTLOG: &str = "\"EventID\",\"MachineName\",\"Data\",\"Index\",\"Category\",\
        \"CategoryNumber\",\"EntryType\",\"Message\",\"Source\",\"ReplacementStrings\",\
        \"InstanceId\",\"TimeGenerated\",\"TimeWritten\",\"UserName\",\"Site\",\"Container\"";

    #[test]
    fn event_viewer_headers_by_position() {
        let header = Header::parse("Level,Date and Time,Source,Event ID,Task Category").unwrap();
        assert_eq!((header.sep, header.layout), (b',', Layout::EventViewer));
        assert_eq!(header.columns.len(), 6, "the unnamed description is mapped");
        assert_eq!(header.columns[5], Column::Message);
        let german = Header::parse("Ebene;Datum und Uhrzeit;Quelle;Ereignis-ID;Aufgabenkategorie");
        assert_eq!(german.map(|h| h.sep), Some(b';'));
        let security =
            Header::parse("Keywords\tDate and Time\tSource\tEvent ID\tTask Category").unwrap();
        assert_eq!(security.columns[0], Column::Other);
        assert_eq!(Header::parse("name,age"), None);
    }

    #[test]
    fn powershell_headers_by_name() {
        let winevent = Header::parse(WINEVENT).unwrap();
        assert_eq!(winevent.layout, Layout::PowerShell);
        assert_eq!(winevent.columns.len(), 27);
        assert_eq!(winevent.index(Column::Computer), Some(14));
        assert_eq!(winevent.id_index(), Some(1));
        let semicolons = Header::parse(&WINEVENT.replace(',', ";")).unwrap();
        assert_eq!(semicolons.sep, b';');
        let eventlog = Header::parse(EVENTLOG).unwrap();
        assert_eq!(eventlog.id_index(), Some(10), "InstanceId before EventID");
        assert_eq!(eventlog.index(Column::RecordId), Some(3));
        // Subsets: an id and a message are enough; names are compared without case or quotes.
        let subset = Header::parse("TimeCreated,Id,LevelDisplayName,Message").unwrap();
        assert_eq!(
            subset.columns,
            [
                Column::Time,
                Column::EventId,
                Column::Level,
                Column::Message
            ]
        );
        assert!(Header::parse("\"id\"\t\"MESSAGE\"").is_some());
        // No message, no id, or a column events do not have: not an event export.
        assert_eq!(Header::parse("TimeCreated,Id,LevelDisplayName"), None);
        assert_eq!(Header::parse("TimeCreated,ProviderName,Message"), None);
        assert_eq!(Header::parse("Id,Message,Name,Length"), None);
        assert_eq!(Header::parse("Message"), None);
    }

    #[test]
    fn the_type_line_is_skipped_and_names_the_eventlog_channel() {
        let text = format!(
            "\u{feff}#TYPE System.Diagnostics.EventLogEntry#Application/ADSync/3221232372\r\n\
             {EVENTLOG}\r\n\"6900\""
        );
        let (header, type_line) = find(&text).unwrap();
        assert_eq!(header.id_index(), Some(10));
        assert_eq!(
            type_line.and_then(eventlog_channel).as_deref(),
            Some("Application")
        );
        let selected = format!(
            "#TYPE Selected.System.Diagnostics.Eventing.Reader.EventLogRecord\r{WINEVENT}\r"
        );
        let (_, type_line) = find(&selected).unwrap();
        assert_eq!(type_line.and_then(eventlog_channel), None);
        assert!(find(&format!("{WINEVENT}\n")).is_some_and(|(_, t)| t.is_none()));
        assert_eq!(
            find("#TYPE System.IO.FileInfo\n\"Name\",\"Length\"\n"),
            None
        );
        assert_eq!(find("#TYPE System.IO.FileInfo"), None);
    }
}
