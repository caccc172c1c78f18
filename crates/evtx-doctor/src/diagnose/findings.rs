//! Matched events → findings.

use crate::codes;
use crate::event::Event;
use crate::report::{DomainController, Finding, ObjectCount, Sample, Scope};
use crate::rules::SignalKind;
use crate::rules::{Fields, Match, Rule, RuleSet};
use jiff::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

/// One finding in the making.
struct Group<'r> {
    rule: &'r Rule,
    fields: Fields,
    provider: String,
    count: u64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    event_ids: BTreeSet<u16>,
    providers: BTreeSet<String>,
    computers: BTreeSet<String>,
    controllers: BTreeSet<DomainController>,
    damaged: u64,
    objects: BTreeMap<String, u64>,
    /// The earliest and the latest matching event, made samples when the finding is built.
    first_sample: Option<&'r (Event, Match)>,
    last_sample: Option<&'r (Event, Match)>,
}

/// Groups `matched` (in reading order) into findings, most severe and earliest first.
/// `input_paths` names the inputs for samples.
pub(crate) fn build_findings(
    rules: &RuleSet,
    matched: &[(Event, Match)],
    input_paths: &[String],
) -> Vec<Finding> {
    // Groups by their rule and key (the key's order is the findings' order before sorting).
    let mut index_of: BTreeMap<(usize, Vec<Option<String>>), usize> = BTreeMap::new();
    let mut groups: Vec<Group<'_>> = Vec::new();
    // The last event's rule and fields, and its group: events of a burst share them, and then
    // their key need not be built again.
    let mut last: Option<(&Match, usize)> = None;
    for entry in matched {
        let (event, found) = entry;
        let Some(rule) = rules
            .rules()
            .get(found.rule)
            .filter(|rule| rule.signal.is_none())
        else {
            continue;
        };
        let fields = &found.fields;
        let index = match last {
            Some((previous, index))
                if previous.rule == found.rule
                    && rule
                        .group_by
                        .iter()
                        .all(|k| previous.fields.same_group_value(fields, k)) =>
            {
                index
            }
            _ => {
                let key = (
                    found.rule,
                    rule.group_by
                        .iter()
                        .map(|k| fields.group_value(k))
                        .collect(),
                );
                *index_of.entry(key).or_insert_with(|| {
                    groups.push(Group::new(rule, fields, event));
                    groups.len() - 1
                })
            }
        };
        last = Some((found, index));
        if let Some(group) = groups.get_mut(index) {
            group.add(entry);
        }
    }
    // Domains (lower case) where some object synced: per-object failures there are isolated.
    let synced: BTreeSet<String> = matched
        .iter()
        .filter(|(_, found)| {
            rules
                .rules()
                .get(found.rule)
                .is_some_and(|r| r.signal == Some(SignalKind::Success))
                && found.fields.other.contains_key("dn")
        })
        .filter_map(|(_, found)| found.fields.domain.as_ref().map(|d| d.to_lowercase()))
        .collect();
    let mut findings: Vec<Finding> = super::in_key_order(index_of, groups)
        .into_iter()
        .map(|group| group.into_finding(&synced, input_paths))
        .collect();
    findings.sort_by(|a, b| {
        (a.severity, a.first_seen, &a.rule, &a.domain, a.error_code).cmp(&(
            b.severity,
            b.first_seen,
            &b.rule,
            &b.domain,
            b.error_code,
        ))
    });
    findings
}

impl<'r> Group<'r> {
    /// The group of `rule` whose first event is `event`, with `fields`.
    fn new(rule: &'r Rule, fields: &Fields, event: &Event) -> Self {
        Group {
            rule,
            fields: fields.clone(),
            provider: event.provider.clone(),
            count: 0,
            first: None,
            last: None,
            event_ids: BTreeSet::new(),
            providers: BTreeSet::new(),
            computers: BTreeSet::new(),
            controllers: BTreeSet::new(),
            damaged: 0,
            objects: BTreeMap::new(),
            first_sample: None,
            last_sample: None,
        }
    }

    fn add(&mut self, entry: &'r (Event, Match)) {
        let (event, Match { fields, .. }) = entry;
        self.count += 1;
        self.event_ids.insert(event.event_id);
        // Looked up before cloning: most events repeat what their group holds.
        if !self.providers.contains(&event.provider) {
            self.providers.insert(event.provider.clone());
        }
        if !event.computer.is_empty() && !self.computers.contains(&event.computer) {
            self.computers.insert(event.computer.clone());
        }
        if fields.dc_host.is_some() || fields.dc_ip.is_some() {
            self.controllers.insert(DomainController {
                host: fields.dc_host.clone(),
                ip: fields.dc_ip.clone(),
            });
        }
        // Keep the first value any event gave for fields the first event lacked.
        fill(&mut self.fields.domain, &fields.domain);
        fill(&mut self.fields.exception, &fields.exception);
        fill(&mut self.fields.drs_call, &fields.drs_call);
        if self.fields.error_code.is_none() {
            self.fields.error_code = fields.error_code;
        }
        if let Some(dn) = fields.other.get("dn") {
            match self.objects.get_mut(dn) {
                Some(count) => *count += 1,
                None => {
                    self.objects.insert(dn.clone(), 1);
                }
            }
        }
        if event.origin.damaged_chunk {
            self.damaged += 1;
        }
        // Earliest and latest by time; ties keep reading order.
        if self.first_sample.is_none() || event.time < self.first {
            self.first = event.time.or(self.first);
            self.first_sample = Some(entry);
        }
        if self.last_sample.is_none() || event.time >= self.last {
            self.last = event.time.or(self.last);
            self.last_sample = Some(entry);
        }
    }

    /// A sample of `event`, showing the line that holds what the rule matched.
    fn sample(&self, (event, found): &(Event, Match), input_paths: &[String]) -> Sample {
        Sample {
            input: input_paths
                .get(event.origin.input)
                .cloned()
                .unwrap_or_default(),
            chunk: event.origin.chunk,
            record_id: event.record_id,
            time: event.time,
            event_id: event.event_id,
            first_line: event.first_line(),
            matched_line: self.rule.evidence(event, &found.fields),
        }
    }

    fn into_finding(self, synced: &BTreeSet<String>, input_paths: &[String]) -> Finding {
        let mut samples: Vec<Sample> = self
            .first_sample
            .map(|entry| self.sample(entry, input_paths))
            .into_iter()
            .collect();
        if let Some(last) = self
            .last_sample
            .map(|entry| self.sample(entry, input_paths))
            && samples.first() != Some(&last)
        {
            samples.push(last);
        }
        let fields = &self.fields;
        let code = fields.error_code.and_then(codes::lookup);
        let fill_in = |text: &str| fields.fill(text);
        let distinct_objects = self.objects.len() as u64;
        let mut objects: Vec<ObjectCount> = self
            .objects
            .into_iter()
            .map(|(dn, count)| ObjectCount { dn, count })
            .collect();
        objects.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.dn.cmp(&b.dn)));
        objects.truncate(Finding::MAX_OBJECTS);
        let scope = (!objects.is_empty()).then(|| {
            let domain = fields.domain.as_ref().map(|d| d.to_lowercase());
            if domain.is_some_and(|d| synced.contains(&d)) {
                Scope::Isolated
            } else {
                Scope::General
            }
        });
        Finding {
            rule: self.rule.id.clone(),
            title: fill_in(&self.rule.title),
            severity: self.rule.severity,
            provider: self.provider,
            providers: self.providers.into_iter().collect(),
            event_ids: self.event_ids.into_iter().collect(),
            domain: fields.domain.clone(),
            error_code: fields.error_code,
            error_symbol: code.map(|c| c.symbol.to_owned()),
            error_message: code.map(|c| c.message.to_owned()),
            exception: fields.exception.clone(),
            fields: fields
                .other
                .iter()
                .filter(|(name, _)| name.as_str() != "dn")
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
            drs_call: fields.drs_call.clone(),
            domain_controllers: self.controllers.into_iter().collect(),
            count: self.count,
            first_seen: self.first,
            last_seen: self.last,
            computers: self.computers.into_iter().collect(),
            cause: fill_in(&self.rule.cause),
            resolution: fill_in(&self.rule.resolution),
            references: self.rule.references.clone(),
            from_damaged_chunks: self.damaged,
            objects,
            distinct_objects,
            scope,
            samples,
        }
    }
}

fn fill(slot: &mut Option<String>, value: &Option<String>) {
    if slot.is_none() {
        slot.clone_from(value);
    }
}
