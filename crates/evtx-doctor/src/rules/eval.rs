//! One event's evaluation against a [`RuleSet`]: every keyword, pattern and extractor it
//! needs is run at most once, on text normalised once.

use super::text::EventText;
use super::{Clause, Fields, Match, Pattern, RuleSet, scope_admits};
use crate::event::Event;
use memchr::memmem;
use regex::Captures;

/// What is known so far of one keyword or pattern in this event's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Unknown,
    Present,
    Absent,
}

/// The evaluation of one event.
pub(crate) struct Evaluation<'e> {
    set: &'e RuleSet,
    provider: &'e str,
    event_id: u16,
    text: &'e str,
    lower: &'e [u8],
    /// Per keyword of the set.
    keywords: Vec<Seen>,
    /// Per pattern of the set (by [`Pattern::id`]).
    patterns: Vec<Seen>,
    /// The first match of each pattern with named groups that matched.
    captures: Vec<Option<Captures<'e>>>,
    /// What the extractors pulled out, once some clause admitted the event.
    fields: Option<Fields>,
}

impl<'e> Evaluation<'e> {
    /// An evaluation of `event`, whose normalised text is `text`.
    pub(crate) fn new(set: &'e RuleSet, event: &'e Event, text: &'e EventText) -> Self {
        Evaluation {
            set,
            provider: &event.provider,
            event_id: event.event_id,
            text: &text.text,
            lower: &text.lower,
            keywords: vec![Seen::Unknown; set.keywords.len()],
            patterns: vec![Seen::Unknown; set.patterns],
            captures: Vec::new(),
            fields: None,
        }
    }

    /// The rule that diagnoses the event: the first clause, in rule order, that admits it and
    /// whose error codes (if any) include the one its fields name.
    pub(crate) fn run(mut self) -> Option<Match> {
        let set = self.set;
        for (index, rule) in set.rules.iter().enumerate() {
            for clause in &rule.clauses {
                if !self.admits(clause) {
                    continue;
                }
                if self.fields.is_none() {
                    self.fields = Some(self.extract());
                }
                let Some(fields) = &self.fields else {
                    continue;
                };
                // Only a clause pattern with named groups adds to the extracted fields.
                let mut own: Option<Fields> = None;
                for pattern in clause.patterns.iter().filter(|p| p.has_named_groups()) {
                    let caps = self.captures.get(pattern.id()).and_then(Option::as_ref);
                    if let (Some(regex), Some(caps)) = (pattern.regex(), caps) {
                        own.get_or_insert_with(|| fields.clone())
                            .apply_captures(regex, caps);
                    }
                }
                let candidate = own.as_ref().unwrap_or(fields);
                if clause.error_codes.is_empty()
                    || candidate
                        .error_code
                        .is_some_and(|code| clause.error_codes.contains(&code))
                {
                    return Some(Match {
                        rule: index,
                        fields: own.unwrap_or_else(|| fields.clone()),
                    });
                }
            }
        }
        None
    }

    /// Whether `clause` holds: provider and event id in its scope, every keyword in the
    /// text, every pattern matching, no exclusion matching.
    fn admits(&mut self, clause: &Clause) -> bool {
        scope_admits(
            &clause.providers,
            &clause.event_ids,
            self.provider,
            self.event_id,
        ) && clause.keyword_ids.iter().all(|&id| self.has_keyword(id))
            && clause.patterns.iter().all(|p| self.matches(p))
            && !clause.exclude.iter().any(|p| self.matches(p))
    }

    fn has_keyword(&mut self, id: usize) -> bool {
        let Some(seen) = self.keywords.get_mut(id) else {
            return false;
        };
        if *seen == Seen::Unknown {
            let found = self
                .set
                .keywords
                .get(id)
                .is_some_and(|word| word.find(self.lower).is_some());
            *seen = if found { Seen::Present } else { Seen::Absent };
        }
        *seen == Seen::Present
    }

    /// Whether `pattern` matches the text; its first match is kept when it has named groups
    /// (a clause that holds adds them to its fields).
    fn matches(&mut self, pattern: &Pattern) -> bool {
        let id = pattern.id();
        match self.patterns.get(id) {
            Some(Seen::Present) => return true,
            Some(Seen::Absent) => return false,
            _ => {}
        }
        let found = if !pattern.may_match(self.lower) {
            false
        } else if pattern.has_named_groups() {
            let caps = pattern.regex().and_then(|regex| regex.captures(self.text));
            let found = caps.is_some();
            if self.captures.len() <= id {
                self.captures.resize_with(id + 1, || None);
            }
            if let Some(slot) = self.captures.get_mut(id) {
                *slot = caps;
            }
            found
        } else {
            pattern.is_match(self.text)
        };
        if let Some(seen) = self.patterns.get_mut(id) {
            *seen = if found { Seen::Present } else { Seen::Absent };
        }
        found
    }

    /// The fields the extractors in scope pull out of the text, and the AADSTS codes in it.
    fn extract(&self) -> Fields {
        let mut fields = Fields::default();
        for extractor in &self.set.extractors {
            if !scope_admits(
                &extractor.providers,
                &extractor.event_ids,
                self.provider,
                self.event_id,
            ) {
                continue;
            }
            for (name, pattern, occurrence) in &extractor.fields {
                // A pattern that cannot match sets nothing.
                if !pattern.may_match(self.lower) {
                    continue;
                }
                if let Some(regex) = pattern.regex() {
                    fields.capture_named(name, regex, self.text, *occurrence);
                }
            }
        }
        // Entra ID sign-in codes are decoded wherever they appear, whatever the pack; without
        // "aadsts" (ASCII case ignored, as `codes::find_aadsts` reads it) there is none.
        if memmem::find(self.lower, b"aadsts").is_some() {
            fields.note_aadsts(self.text);
        }
        fields
    }
}

#[cfg(test)]
mod tests {
    use crate::event::{DataItem, Event};
    use crate::knowledge::Knowledge;
    use crate::rules::RuleScratch;
    use evtx_forge::Spec;
    use evtx_forge::corpus::{CorpusOptions, SignalMix, write_corpus};
    use std::path::PathBuf;

    fn event(record: &evtx_forge::EventRecord) -> Event {
        Event {
            provider: record.provider.clone(),
            event_id: record.event_id,
            data: record
                .data
                .values()
                .into_iter()
                .map(|value| DataItem {
                    name: None,
                    value: value.replace('\n', "\r\n"),
                })
                .collect(),
            ..Event::default()
        }
    }

    /// Every event of every fixture spec, evaluated alone and through one scratch whose
    /// memory answers the repeats: the same answers, and the repeats do repeat.
    #[test]
    fn remembered_answers_are_the_answers() {
        let knowledge = Knowledge::builtin().unwrap();
        let rules = knowledge.rules();
        let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut events = Vec::new();
        for spec in evtx_forge::fixtures::spec_files(&fixtures).unwrap() {
            let spec = Spec::from_path(&spec).unwrap();
            events.extend(spec.records().unwrap().iter().map(event));
        }
        // The same events under another provider case, and as a message instead of data.
        let variants: Vec<Event> = events
            .iter()
            .take(200)
            .map(|e| {
                let mut other = e.clone();
                other.provider = other.provider.to_uppercase();
                other.message = other.data.pop().map(|item| item.value);
                other
            })
            .collect();
        events.extend(variants);
        let mut scratch = RuleScratch::default();
        let mut matched = 0;
        for round in 0..2 {
            for event in &events {
                let alone = rules.evaluate(event);
                matched += usize::from(alone.is_some());
                assert_eq!(
                    rules.evaluate_with(event, &mut scratch),
                    alone,
                    "round {round}: {event:?}"
                );
            }
        }
        assert!(matched > 100, "{matched} matches");
        // Another rule set's answers are not taken for this one's.
        let other = crate::knowledge::KnowledgeBuilder::empty().build();
        for event in &events {
            assert_eq!(other.rules().evaluate_with(event, &mut scratch), None);
        }
    }

    /// The dense benchmark mix: its signal events repeat (only trace ids change), and what
    /// a scratch remembers is what the rules say.
    #[test]
    fn the_dense_mix_is_answered_alike() {
        let knowledge = Knowledge::builtin().unwrap();
        let rules = knowledge.rules();
        let options = CorpusOptions::new(4096 + 8 * 65536, 1, 3).with_mix(SignalMix::Dense);
        let file = write_corpus(std::io::Cursor::new(Vec::new()), &options)
            .unwrap()
            .0
            .into_inner();
        let mut parser = evtx::EvtxParser::from_buffer(file).unwrap();
        let mut scratch = RuleScratch::default();
        let mut matched = 0;
        for record in parser.records() {
            let record = record.unwrap();
            let event = crate::event::parse_event_xml(record.data.as_bytes()).unwrap();
            let alone = rules.evaluate(&event);
            matched += usize::from(alone.is_some());
            assert_eq!(
                rules.evaluate_with(&event, &mut scratch),
                alone,
                "{event:?}"
            );
        }
        assert!(matched >= 8 * 4, "{matched} matches");
    }
}
