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
