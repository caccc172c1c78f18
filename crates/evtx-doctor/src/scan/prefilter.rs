//! The literal prefilter: which chunks (and records) could hold an event some rule matches.
//!
//! Strings in .evtx are UTF-16LE (sometimes ANSI), so every literal is searched in both forms,
//! ignoring ASCII case, with one multi-pattern SIMD automaton. A chunk is kept when, for some
//! rule clause, every group of literals has a hit somewhere in the chunk. The check is sound
//! only per chunk (or per record plus its template): a provider name may live only in a
//! template that an earlier record of the chunk defined.

use crate::rules::LiteralPlan;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// The compiled prefilter of a rule set.
#[derive(Debug, Clone)]
pub struct Prefilter {
    automaton: AhoCorasick,
    /// Pattern id → literal id (each literal has two patterns: UTF-16LE and single-byte).
    literal_of_pattern: Vec<usize>,
    literals: usize,
    /// Clauses → groups → alternative literal ids.
    clauses: Vec<Vec<Vec<usize>>>,
}

/// Which literals were seen; reused between chunks to avoid allocation.
#[derive(Debug, Clone, Default)]
pub struct Hits(Vec<bool>);

impl Prefilter {
    /// Compiles `plan`; `None` when it has no literals at all (then nothing can be skipped).
    pub fn new(plan: &LiteralPlan) -> Option<Self> {
        let mut literals: Vec<String> = Vec::new();
        let clauses = plan
            .clauses
            .iter()
            .map(|groups| {
                groups
                    .iter()
                    .map(|alternatives| {
                        alternatives
                            .iter()
                            .map(|literal| intern(&mut literals, literal))
                            .collect()
                    })
                    .collect()
            })
            .collect();
        if literals.is_empty() {
            return None;
        }
        let mut patterns: Vec<Vec<u8>> = Vec::with_capacity(literals.len() * 2);
        let mut literal_of_pattern = Vec::with_capacity(literals.len() * 2);
        for (id, literal) in literals.iter().enumerate() {
            patterns.push(literal.encode_utf16().flat_map(u16::to_le_bytes).collect());
            patterns.push(literal.as_bytes().to_vec());
            literal_of_pattern.extend([id, id]);
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .ok()?;
        Some(Prefilter {
            automaton,
            literal_of_pattern,
            literals: literals.len(),
            clauses,
        })
    }

    /// An empty hit set sized for this prefilter.
    pub fn new_hits(&self) -> Hits {
        Hits(vec![false; self.literals])
    }

    /// Marks in `hits` every literal found in `bytes` (adding to what is already marked).
    pub fn scan(&self, bytes: &[u8], hits: &mut Hits) {
        for found in self.automaton.find_overlapping_iter(bytes) {
            let literal = self.literal_of_pattern.get(found.pattern().as_usize());
            if let Some(slot) = literal.and_then(|&id| hits.0.get_mut(id)) {
                *slot = true;
            }
        }
    }

    /// Whether the literals in `hits` could satisfy some rule clause.
    pub fn admits(&self, hits: &Hits) -> bool {
        let seen = |id: &usize| hits.0.get(*id).copied().unwrap_or(false);
        self.clauses.iter().any(|groups| {
            groups
                .iter()
                .all(|alternatives| alternatives.iter().any(seen))
        })
    }
}

impl Hits {
    /// Forgets every hit.
    pub fn clear(&mut self) {
        self.0.fill(false);
    }
}

fn intern(literals: &mut Vec<String>, literal: &str) -> usize {
    let literal = literal.to_ascii_lowercase();
    match literals.iter().position(|known| *known == literal) {
        Some(id) => id,
        None => {
            literals.push(literal);
            literals.len() - 1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    fn plan() -> LiteralPlan {
        LiteralPlan {
            clauses: vec![
                vec![
                    vec!["directory synchronization".into()],
                    vec!["drsexception".into()],
                ],
                vec![vec!["fimsynchronizationservice".into(), "adsync".into()]],
            ],
        }
    }

    #[test]
    fn needs_every_group_of_one_clause() {
        let prefilter = Prefilter::new(&plan()).unwrap();
        let mut hits = prefilter.new_hits();
        prefilter.scan(&utf16("xx Directory Synchronization yy"), &mut hits);
        assert!(!prefilter.admits(&hits));
        prefilter.scan(&utf16("..DRSEXCEPTION.."), &mut hits);
        assert!(prefilter.admits(&hits));
    }

    #[test]
    fn finds_ansi_and_utf16_ignoring_case() {
        let prefilter = Prefilter::new(&plan()).unwrap();
        for bytes in [utf16("aDsYnC"), b"ADSYNC".to_vec()] {
            let mut hits = prefilter.new_hits();
            prefilter.scan(&bytes, &mut hits);
            assert!(prefilter.admits(&hits));
        }
        let mut hits = prefilter.new_hits();
        prefilter.scan(&utf16("ADSyn"), &mut hits);
        assert!(!prefilter.admits(&hits));
    }

    #[test]
    fn no_literals_means_no_prefilter() {
        assert!(Prefilter::new(&LiteralPlan::default()).is_none());
    }
}
