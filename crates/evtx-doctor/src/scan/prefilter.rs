//! The literal prefilter: which chunks (and records) could hold an event some rule matches.
//!
//! Strings in .evtx are UTF-16LE (sometimes ANSI), so every literal is searched in both forms,
//! ignoring ASCII case. A chunk is kept when, for some rule clause, every group of literals has
//! a hit somewhere in the chunk. The check is sound only per chunk (or per record plus its
//! template): a provider name may live only in a template that an earlier record of the chunk
//! defined.
//!
//! Speed (docs/performance.md): the bytes are ASCII-lowercased into a reused buffer, then
//! searched in two steps. First for the *anchors* only: one group of each clause (its
//! provider names, when it names any), with aho-corasick's packed SIMD (Teddy)
//! searcher; when no anchor is present no clause can be satisfied and the bytes are done
//! with, which is the fate of almost every noise chunk. Only bytes that hold an anchor get
//! the other literals looked for, each with its own SIMD `memmem` finder, lazily (clause by
//! clause, stopping at its first occurrence, never twice over the same bytes), so frequent
//! short words ("a", "or") cost next to nothing. The answer is exactly the definition above.

use crate::rules::LiteralPlan;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use memchr::memmem::Finder;

/// Put before every part appended to [`Hits`]' buffer, so that no literal matches across two
/// parts: the (ASCII) literals hold no 0xFF byte in either encoding.
const SEPARATOR: u8 = 0xff;

/// The compiled prefilter of a rule set.
#[derive(Debug, Clone)]
pub struct Prefilter {
    /// Per literal (lower case): finders of its UTF-16LE and single-byte forms.
    finders: Vec<[Finder<'static>; 2]>,
    /// Clauses → groups → alternative literal ids.
    clauses: Vec<Vec<Vec<usize>>>,
    /// The literals of one group of every clause, in both encodings, lower case; `None` when
    /// no clause can be satisfied.
    anchors: Option<AhoCorasick>,
    /// Anchor pattern id → literal id.
    literal_of_anchor: Vec<usize>,
    /// The distinct anchor literal ids.
    anchor_ids: Vec<usize>,
    /// Whether no two anchor patterns can overlap, so that one pass of the anchor searcher
    /// reports every anchor present (then absent anchors need no second look).
    anchors_disjoint: bool,
}

/// What is known of one literal in the parts scanned since the last [`Hits::clear`].
#[derive(Debug, Clone, Copy, Default)]
struct Seen {
    found: bool,
    /// The parts' buffer was searched for the literal up to here.
    searched: usize,
}

/// Which literals were seen; reused between chunks to avoid allocation.
#[derive(Debug, Clone, Default)]
pub struct Hits {
    seen: Vec<Seen>,
    /// Whether an anchor literal was seen since the last [`Hits::clear`]; until one is, no
    /// clause can be satisfied and no other literal is looked for.
    anchored: bool,
    /// The answer of [`Prefilter::admits`] for the parts scanned so far.
    admitted: bool,
    /// The lower-cased parts scanned since the last clear, each after a [`SEPARATOR`].
    folded: Vec<u8>,
}

impl Prefilter {
    /// Compiles `plan`; `None` when nothing could ever be skipped: the plan has no literals,
    /// or some clause has none.
    pub fn new(plan: &LiteralPlan) -> Option<Self> {
        let mut literals: Vec<String> = Vec::new();
        let mut anchor_literals: Vec<usize> = Vec::new();
        let mut clauses: Vec<Vec<Vec<usize>>> = Vec::new();
        let searched: Vec<Vec<Vec<String>>> = plan
            .clauses
            .iter()
            .map(|groups| {
                groups
                    .iter()
                    .map(|alternatives| {
                        let mut lower: Vec<String> = alternatives
                            .iter()
                            .map(|a| a.to_ascii_lowercase())
                            .collect();
                        lower.sort_unstable();
                        lower.dedup();
                        lower
                    })
                    .collect()
            })
            .collect();
        for groups in &searched {
            // The anchor: the first group, which is the provider names when the clause names
            // any (`RuleSet::literal_plan` lists them first): rare outside the events the rules
            // are about, and shared by many clauses, so that the anchors are few. A first group
            // with a short word ("rpc") gives way to the group whose shortest word is longest.
            // (Choosing the most selective group everywhere was measured slower: long keywords
            // such as "description" are common in real logs, and more anchors slow the search.)
            let shortest = |group: &Vec<String>| group.iter().map(String::len).min().unwrap_or(0);
            let anchor = match groups.first() {
                Some(first) if shortest(first) >= 4 => first,
                _ => groups.iter().max_by_key(|group| shortest(group))?,
            };
            anchor_literals.extend(anchor.iter().map(|literal| intern(&mut literals, literal)));
            let mut ids: Vec<Vec<usize>> = groups
                .iter()
                .map(|alternatives| {
                    alternatives
                        .iter()
                        .map(|literal| intern(&mut literals, literal))
                        .collect()
                })
                .collect();
            // Look at the anchor group first: it is known (or shared, so looked up once).
            let anchor_ids: Vec<usize> = anchor
                .iter()
                .map(|literal| intern(&mut literals, literal))
                .collect();
            ids.sort_by_key(|group| *group != anchor_ids);
            clauses.push(ids);
        }
        // Clauses with fewer groups first: they are the quickest to satisfy.
        clauses.sort_by_key(Vec::len);
        if literals.is_empty() {
            return None;
        }
        anchor_literals.sort_unstable();
        anchor_literals.dedup();
        let anchor_patterns: Vec<Vec<u8>> = anchor_literals
            .iter()
            .filter_map(|&id| literals.get(id))
            .flat_map(|literal| encodings(literal))
            .collect();
        let anchors_disjoint = anchor_patterns.iter().enumerate().all(|(i, a)| {
            anchor_patterns
                .iter()
                .skip(i + 1)
                .all(|b| !can_overlap(a, b))
        });
        let anchors = if anchor_patterns.is_empty() {
            None
        } else {
            // Leftmost-first (and case-sensitive, over folded bytes) lets aho-corasick use its
            // packed SIMD (Teddy) searcher.
            let built = AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostFirst)
                .build(&anchor_patterns);
            Some(built.ok()?)
        };
        let finders = literals
            .iter()
            .map(|literal| encodings(literal).map(|pattern| Finder::new(&pattern).into_owned()))
            .collect();
        let literal_of_anchor = anchor_literals.iter().flat_map(|&id| [id, id]).collect();
        Some(Prefilter {
            finders,
            clauses,
            anchors,
            literal_of_anchor,
            anchor_ids: anchor_literals,
            anchors_disjoint,
        })
    }

    /// An empty hit set sized for this prefilter.
    pub fn new_hits(&self) -> Hits {
        Hits {
            seen: vec![Seen::default(); self.finders.len()],
            anchored: false,
            admitted: false,
            folded: Vec::new(),
        }
    }

    /// Adds `bytes` to what `hits` has seen since its last [`Hits::clear`] and decides whether
    /// all of it together could satisfy some rule clause (see [`Prefilter::admits`]).
    ///
    /// Literals are looked for lazily, each at most once per byte, and only once an anchor
    /// has been seen.
    pub fn scan(&self, bytes: &[u8], hits: &mut Hits) {
        let start = hits.folded.len();
        hits.folded.push(SEPARATOR);
        hits.folded.extend(bytes.iter().map(u8::to_ascii_lowercase));
        let end = hits.folded.len();
        if let Some(anchors) = &self.anchors {
            let part = hits.folded.get(start..).unwrap_or_default();
            if self.anchors_disjoint {
                // Every occurrence of every anchor is reported: mark them all, and the
                // anchors not seen need no search of their own in this part.
                for found in anchors.find_iter(part) {
                    let literal = self.literal_of_anchor.get(found.pattern().as_usize());
                    if let Some(state) = literal.and_then(|&id| hits.seen.get_mut(id)) {
                        state.found = true;
                    }
                }
                for &id in &self.anchor_ids {
                    if let Some(state) = hits.seen.get_mut(id)
                        && state.searched == start
                    {
                        state.searched = end;
                    }
                }
            } else if let Some(found) = anchors.find(part) {
                let literal = self.literal_of_anchor.get(found.pattern().as_usize());
                if let Some(state) = literal.and_then(|&id| hits.seen.get_mut(id)) {
                    state.found = true;
                }
            }
        }
        hits.anchored = self
            .anchor_ids
            .iter()
            .any(|&id| hits.seen.get(id).is_some_and(|state| state.found));
        if !hits.anchored {
            // Every clause needs one of its anchors: nothing can be satisfied yet.
            return;
        }
        let Hits { seen, folded, .. } = hits;
        let mut present = |id: usize| {
            let (Some(state), Some(finders)) = (seen.get_mut(id), self.finders.get(id)) else {
                return false;
            };
            if !state.found {
                let rest = folded.get(state.searched..).unwrap_or_default();
                state.found = finders.iter().any(|finder| finder.find(rest).is_some());
                state.searched = folded.len();
            }
            state.found
        };
        hits.admitted = self.clauses.iter().any(|groups| {
            groups
                .iter()
                .all(|alternatives| alternatives.iter().any(|&id| present(id)))
        });
    }

    /// Whether the parts scanned into `hits` since its last [`Hits::clear`], taken together,
    /// could satisfy some rule clause: for some clause, every group of literals has an
    /// alternative somewhere in them.
    pub fn admits(&self, hits: &Hits) -> bool {
        hits.admitted
    }
}

impl Hits {
    /// Forgets every hit.
    pub fn clear(&mut self) {
        self.seen.fill(Seen::default());
        self.anchored = false;
        self.admitted = false;
        self.folded.clear();
    }
}

/// Whether an occurrence of `a` and one of `b` can share bytes: one contains the other, or a
/// suffix of one is a prefix of the other.
fn can_overlap(a: &[u8], b: &[u8]) -> bool {
    let contains = |haystack: &[u8], needle: &[u8]| {
        needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
    };
    let bridges = |x: &[u8], y: &[u8]| {
        (1..x.len().min(y.len())).any(|k| y.get(..k).is_some_and(|head| x.ends_with(head)))
    };
    contains(a, b) || contains(b, a) || bridges(a, b) || bridges(b, a)
}

/// A lower-case literal in UTF-16LE and in its single-byte form.
fn encodings(literal: &str) -> [Vec<u8>; 2] {
    [
        literal.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        literal.as_bytes().to_vec(),
    ]
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
    use proptest::prelude::*;

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
        // A clause with no literal cannot rule anything out.
        let open = LiteralPlan {
            clauses: vec![vec![vec!["adsync".into()]], vec![]],
        };
        assert!(Prefilter::new(&open).is_none());
    }

    #[test]
    fn short_words_are_searched_too() {
        let plan = LiteralPlan {
            clauses: vec![vec![vec!["adsync".into()], vec!["0x".into()]]],
        };
        let prefilter = Prefilter::new(&plan).unwrap();
        let mut hits = prefilter.new_hits();
        prefilter.scan(&utf16("ADSync"), &mut hits);
        assert!(!prefilter.admits(&hits));
        prefilter.scan(&utf16("0X1F"), &mut hits);
        assert!(prefilter.admits(&hits));
    }

    #[test]
    fn literals_before_the_anchor_count() {
        // The record holds the words, its template (scanned second) the provider.
        let prefilter = Prefilter::new(&plan()).unwrap();
        let mut hits = prefilter.new_hits();
        prefilter.scan(&utf16("a DrsException here"), &mut hits);
        assert!(!prefilter.admits(&hits));
        prefilter.scan(b"directory SYNCHRONIZATION", &mut hits);
        assert!(prefilter.admits(&hits));
        hits.clear();
        assert!(!prefilter.admits(&hits));
        prefilter.scan(b"directory SYNCHRONIZATION", &mut hits);
        assert!(!prefilter.admits(&hits));
    }

    #[test]
    fn no_match_across_parts() {
        let prefilter = Prefilter::new(&plan()).unwrap();
        let mut hits = prefilter.new_hits();
        prefilter.scan(b"AD", &mut hits);
        prefilter.scan(b"SYNC", &mut hits);
        assert!(!prefilter.admits(&hits));
    }

    const WORDS: &[&str] = &[
        "directory synchronization",
        "drsexception",
        "adsync",
        "fimsynchronizationservice",
        "rpc",
        "error",
        "a",
        "password",
    ];

    /// The plain definition: some clause has every group present in some part, in either
    /// encoding, ignoring ASCII case.
    fn reference(plan: &LiteralPlan, parts: &[Vec<u8>]) -> bool {
        let lower: Vec<Vec<u8>> = parts.iter().map(|p| p.to_ascii_lowercase()).collect();
        let present = |word: &str| {
            let [wide, narrow] = encodings(&word.to_ascii_lowercase());
            lower.iter().any(|part| {
                memchr::memmem::find(part, &wide).is_some()
                    || memchr::memmem::find(part, &narrow).is_some()
            })
        };
        plan.clauses.iter().any(|groups| {
            groups
                .iter()
                .all(|alternatives| alternatives.iter().any(|w| present(w)))
        })
    }

    fn word_plan() -> impl Strategy<Value = LiteralPlan> {
        let word = prop::sample::select(WORDS).prop_map(String::from);
        let group = prop::collection::vec(word, 1..3);
        let clause = prop::collection::vec(group, 1..4);
        prop::collection::vec(clause, 1..4).prop_map(|clauses| LiteralPlan { clauses })
    }

    fn part() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            (prop::sample::select(WORDS), any::<bool>(), any::<u32>()).prop_map(
                |(word, wide, case)| {
                    let cased: String = word
                        .chars()
                        .enumerate()
                        .map(|(i, c)| {
                            if case >> (i % 32) & 1 == 1 {
                                c.to_ascii_uppercase()
                            } else {
                                c
                            }
                        })
                        .collect();
                    if wide {
                        utf16(&cased)
                    } else {
                        cased.into_bytes()
                    }
                }
            ),
            prop::collection::vec(any::<u8>(), 0..8),
        ];
        prop::collection::vec(piece, 0..6).prop_map(|pieces| pieces.concat())
    }

    proptest::proptest! {
        #[test]
        fn same_answer_as_the_definition(plan in word_plan(), parts in prop::collection::vec(part(), 1..4)) {
            let reference_answer = reference(&plan, &parts);
            // No prefilter (None) means everything is read.
            if let Some(prefilter) = Prefilter::new(&plan) {
                let mut hits = prefilter.new_hits();
                for part in &parts {
                    prefilter.scan(part, &mut hits);
                }
                proptest::prop_assert_eq!(prefilter.admits(&hits), reference_answer);
            }
        }
    }
}

#[cfg(test)]
mod anchor_tests {
    use super::*;

    fn utf16(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn overlap_is_detected() {
        assert!(can_overlap(b"adsync", b"sync"));
        assert!(can_overlap(b"abc", b"cde"));
        assert!(can_overlap(b"cde", b"abc"));
        assert!(!can_overlap(b"adsync", b"directory"));
    }

    /// Anchors that can hide one another ("sync" inside "adsync") still find every clause.
    #[test]
    fn overlapping_anchors_stay_sound() {
        let plan = LiteralPlan {
            clauses: vec![
                vec![vec!["adsync".into()], vec!["mms".into()]],
                vec![vec!["sync".into()], vec!["failed".into()]],
            ],
        };
        let prefilter = Prefilter::new(&plan).unwrap();
        assert!(!prefilter.anchors_disjoint);
        let mut hits = prefilter.new_hits();
        prefilter.scan(&utf16("ADSync ... Failed"), &mut hits);
        assert!(prefilter.admits(&hits));
    }

    /// With disjoint anchors, an anchor missing from one part is still found in a later part
    /// (a record, then its template).
    #[test]
    fn disjoint_anchors_across_parts() {
        let plan = LiteralPlan {
            clauses: vec![vec![
                vec!["directory synchronization".into()],
                vec!["rpc".into()],
            ]],
        };
        let prefilter = Prefilter::new(&plan).unwrap();
        assert!(prefilter.anchors_disjoint);
        let mut hits = prefilter.new_hits();
        prefilter.scan(&utf16("RPC Error 8453"), &mut hits);
        assert!(!prefilter.admits(&hits));
        prefilter.scan(
            &utf16("<Provider Name=\"Directory Synchronization\"/>"),
            &mut hits,
        );
        assert!(prefilter.admits(&hits));
    }
}
