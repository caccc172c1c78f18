//! Helpers shared by the integration tests: reading files back with the `evtx` crate.

#![allow(dead_code)]

use std::path::PathBuf;

use evtx::{EvtxParser, ParserSettings};

/// One record as the `evtx` crate renders it, picked out of its XML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub record_id: u64,
    pub provider: String,
    pub guid: Option<String>,
    pub event_id: u16,
    pub qualifiers: Option<u16>,
    pub level: u8,
    pub task: u16,
    pub keywords: String,
    pub time: String,
    pub computer: String,
    pub channel: String,
    pub data: Vec<(Option<String>, String)>,
}

pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

pub fn settings(validate: bool) -> ParserSettings {
    ParserSettings::default()
        .validate_checksums(validate)
        .num_threads(1)
}

/// All records of a file (in file order) and the errors met on the way.
pub fn read_all(bytes: &[u8], validate: bool) -> (Vec<Parsed>, Vec<String>) {
    let mut parser = EvtxParser::from_buffer(bytes.to_vec())
        .expect("file header parses")
        .with_configuration(settings(validate));
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for r in parser.records() {
        match r {
            Ok(r) => records.push(parse_xml(r.event_record_id, &r.data)),
            Err(e) => errors.push(format!("{e:?}")),
        }
    }
    (records, errors)
}

/// Records per chunk (chunk number, records) and chunk-level errors, checksums validated.
pub fn read_chunks(bytes: &[u8], validate: bool) -> (Vec<(u64, Vec<Parsed>)>, Vec<String>) {
    let mut parser = EvtxParser::from_buffer(bytes.to_vec())
        .expect("file header parses")
        .with_configuration(settings(validate));
    let settings = std::sync::Arc::new(settings(validate));
    let mut chunks = Vec::new();
    let mut errors = Vec::new();
    for chunk in parser.chunks() {
        let mut data = match chunk {
            Ok(d) => d,
            Err(e) => {
                errors.push(format!("{e:?}"));
                continue;
            }
        };
        let number = data.number.unwrap_or(u64::MAX);
        let mut chunk = match data.parse(settings.clone()) {
            Ok(c) => c,
            Err(e) => {
                errors.push(format!("{e:?}"));
                continue;
            }
        };
        let mut records = Vec::new();
        for r in chunk.iter() {
            match r.and_then(|r| r.into_xml()) {
                Ok(r) => records.push(parse_xml(r.event_record_id, &r.data)),
                Err(e) => errors.push(format!("{e:?}")),
            }
        }
        chunks.push((number, records));
    }
    (chunks, errors)
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(';').expect("entity ends");
        let entity = &rest[1..end];
        match entity {
            "amp" => out.push('&'),
            "lt" => out.push('<'),
            "gt" => out.push('>'),
            "quot" => out.push('"'),
            "apos" => out.push('\''),
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).unwrap()
                } else {
                    entity.strip_prefix('#').unwrap().parse().unwrap()
                };
                out.push(char::from_u32(code).unwrap());
            }
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The start tag (attributes text) and content of the first `<name ...>` element in `xml`.
fn element<'a>(xml: &'a str, name: &str) -> Option<(&'a str, Option<&'a str>, &'a str)> {
    let open = format!("<{name}");
    let mut from = 0;
    loop {
        let i = from + xml[from..].find(&open)?;
        let after = &xml[i + open.len()..];
        if after.starts_with([' ', '>', '/']) {
            let close = after.find('>')?;
            let attrs = &after[..close];
            if attrs.ends_with('/') {
                return Some((attrs, None, &after[close + 1..]));
            }
            let body = &after[close + 1..];
            let end_tag = format!("</{name}>");
            let end = body.find(&end_tag)?;
            return Some((attrs, Some(&body[..end]), &body[end + end_tag.len()..]));
        }
        from = i + 1;
    }
}

fn attr(attrs: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let i = attrs.find(&key)? + key.len();
    let end = attrs[i..].find('"')?;
    Some(unescape(&attrs[i..i + end]))
}

fn text(xml: &str, name: &str) -> String {
    element(xml, name)
        .and_then(|(_, c, _)| c)
        .map(unescape)
        .unwrap_or_default()
}

pub fn parse_xml(record_id: u64, xml: &str) -> Parsed {
    let (provider_attrs, _, _) = element(xml, "Provider").expect("Provider");
    let (event_id_attrs, _, _) = element(xml, "EventID").expect("EventID");
    let (time_attrs, _, _) = element(xml, "TimeCreated").expect("TimeCreated");
    let mut data = Vec::new();
    if let Some((_, Some(body), _)) = element(xml, "EventData") {
        let mut rest = body;
        while let Some((attrs, content, after)) = element(rest, "Data") {
            data.push((
                attr(attrs, "Name"),
                content.map(unescape).unwrap_or_default(),
            ));
            rest = after;
        }
    }
    Parsed {
        record_id,
        provider: attr(provider_attrs, "Name").unwrap_or_default(),
        guid: attr(provider_attrs, "Guid"),
        event_id: text(xml, "EventID").parse().expect("EventID number"),
        qualifiers: attr(event_id_attrs, "Qualifiers").map(|q| q.parse().unwrap()),
        level: text(xml, "Level").parse().expect("Level"),
        task: text(xml, "Task").parse().expect("Task"),
        keywords: text(xml, "Keywords"),
        time: attr(time_attrs, "SystemTime").unwrap_or_default(),
        computer: text(xml, "Computer"),
        channel: text(xml, "Channel"),
        data,
    }
}

/// How the `evtx` crate writes a SystemTime.
pub fn system_time(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.7fZ").to_string()
}
