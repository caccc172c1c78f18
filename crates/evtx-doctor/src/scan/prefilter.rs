//! The literal prefilter: which chunks (and which records of a chunk) could hold an event
//! some rule matches.
//!
//! Strings in .evtx are UTF-16LE (sometimes ANSI), so every literal is searched in both forms,
//! ignoring ASCII case. A chunk is kept when, for some rule clause, every group of literals has
//! a hit somewhere in the chunk; a record, when that holds for its own bytes and its
//! template's. Only the chunk as a whole, or a record together with its template, is a sound
//! unit: a provider name may live only in a template that an earlier record defined.
//!
//! How (docs/performance.md): the chunk is ASCII-lowercased into a reused buffer, then searched
//! with aho-corasick's packed SIMD (Teddy) searcher, noting where each literal occurs. First
//! for the *anchors*, over the whole chunk: one group of each clause, its provider names when
//! it names any. Without an anchor no clause can hold: that is the fate of almost every noise
//! chunk, after one pass. Then, only in the byte ranges that hold an anchor (a record and its
//! template, for the scanner), for the other literals of the clauses those anchors anchor.
//! A record is judged by the hits inside its ranges: no byte is searched twice for the same
//! literals.

use crate::rules::LiteralPlan;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind, Span, packed};
use std::collections::HashMap;
use std::ops::Range;

/// The compiled prefilter of a rule set.
#[derive(Debug, Clone)]
pub struct Prefilter {
    /// Clauses → groups → alternative literal ids; each clause's anchor group first.
    clauses: Vec<Vec<Vec<usize>>>,
    /// Per literal: the clauses it anchors (only those can hold where it is).
    clauses_of: Vec<Vec<usize>>,
    /// How many distinct literals there are.
    literals: usize,
    /// The anchor literals of every clause.
    anchors: Searcher,
    /// Per literal: the searchers of `followers` to run once it is found as an anchor.
    follow: Vec<Vec<usize>>,
    /// Per anchor group: the other literals of the clauses it anchors.
    followers: Vec<Searcher>,
}

/// One aho-corasick automaton over some literals, in both encodings.
///
/// What it searches for is each literal from its rarest pair of characters on (its *window*:
/// "rror" for "error"), then it checks the whole literal where a window matched: aho-corasick's
/// SIMD searcher looks closer at every place that starts like one of its patterns, so
/// patterns that start with a common pair ("er", "in", "de") would keep it busy.
#[derive(Debug, Clone)]
struct Searcher {
    engine: Engine,
    /// The literals in each encoding, and where their window starts in them.
    patterns: Vec<Pattern>,
    /// Window id → the patterns whose window matches where it does: its own, and those whose
    /// window is a prefix of it (leftmost-longest reports only the longest).
    candidates: Vec<Vec<usize>>,
}

/// What runs the search: aho-corasick's packed SIMD searcher when it can be built (up to 128
/// patterns, and a CPU it supports), else its automaton. Called directly, the packed searcher
/// costs less per call (one per record part) and is never swapped for a slower prefilter
/// (aho-corasick's own heuristics picked a `memchr2` on common first bytes for some sets).
#[derive(Debug, Clone)]
enum Engine {
    Packed(packed::Searcher),
    Automaton(AhoCorasick),
}

impl Engine {
    fn new(patterns: &[&[u8]]) -> Option<Self> {
        let packed = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostLongest)
            .builder()
            .extend(patterns)
            .build();
        if let Some(searcher) = packed {
            return Some(Engine::Packed(searcher));
        }
        // Leftmost-longest, as the packed searcher: the longest window where several start.
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(patterns)
            .ok()?;
        Some(Engine::Automaton(automaton))
    }

    /// The leftmost (then longest) match in `span` of `haystack`: its start and pattern id.
    fn find(&self, haystack: &[u8], span: Range<usize>) -> Option<(usize, usize)> {
        let found = match self {
            Engine::Packed(searcher) => searcher.find_in(haystack, Span::from(span))?,
            Engine::Automaton(automaton) => automaton.find(Input::new(haystack).span(span))?,
        };
        Some((found.start(), found.pattern().as_usize()))
    }
}

/// A literal in one encoding.
#[derive(Debug, Clone)]
struct Pattern {
    literal: usize,
    bytes: Vec<u8>,
    /// How many of its bytes come before its window.
    window: usize,
}

/// A literal found at a byte offset of the chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Hit {
    at: usize,
    literal: usize,
}

/// Where the rules' literals occur in one chunk; reused from chunk to chunk to avoid
/// allocation.
#[derive(Debug, Clone, Default)]
pub struct Hits {
    /// The chunk, ASCII-lowercased.
    folded: Vec<u8>,
    /// Every occurrence of an anchor, in order.
    anchors: Vec<Hit>,
    /// Every occurrence found of every literal searched so far, anchors included, in order.
    hits: Vec<Hit>,
    /// Scratch: the hits of one search.
    found: Vec<Hit>,
    /// Scratch: `hits` and `found` merged.
    merged: Vec<Hit>,
    /// The byte ranges each follower searcher has been run over.
    searched: Vec<(usize, Range<usize>)>,
    /// Scratch for one question: which literals are present.
    present: Vec<bool>,
    /// Scratch: the followers to run.
    followers: Vec<usize>,
}

impl Prefilter {
    /// Compiles `plan`; `None` when nothing could ever be skipped: the plan has no literals,
    /// some clause has none, or some literal is empty.
    pub fn new(plan: &LiteralPlan) -> Option<Self> {
        let mut literals: Vec<String> = Vec::new();
        let mut clauses: Vec<Vec<Vec<usize>>> = Vec::new();
        for groups in &plan.clauses {
            if groups.is_empty() {
                return None;
            }
            let mut ids: Vec<Vec<usize>> = Vec::new();
            for alternatives in groups {
                if alternatives.is_empty() || alternatives.iter().any(String::is_empty) {
                    return None;
                }
                let mut group: Vec<usize> = alternatives
                    .iter()
                    .map(|literal| intern(&mut literals, literal))
                    .collect();
                group.sort_unstable();
                group.dedup();
                ids.push(group);
            }
            // The anchor: the first group, which is the provider names when the clause names
            // any (`RuleSet::literal_plan` lists them first): rare outside the events the rules
            // are about, and shared by many clauses, so that the anchors are few. A first group
            // with a short word ("rpc") gives way to the group whose shortest word is longest.
            // (Choosing the most selective group everywhere was measured slower: long keywords
            // such as "description" are common in real logs, and more anchors slow the search.)
            let shortest = |group: &Vec<usize>| {
                group
                    .iter()
                    .filter_map(|&id| literals.get(id).map(String::len))
                    .min()
                    .unwrap_or(0)
            };
            let anchor = match ids.first() {
                Some(first) if shortest(first) >= 4 => 0,
                _ => (0..ids.len()).max_by_key(|&i| ids.get(i).map_or(0, shortest))?,
            };
            // The anchor group first: the clause is then read anchor, then the rest.
            ids.swap(0, anchor);
            clauses.push(ids);
        }
        if literals.is_empty() {
            return None;
        }
        // Anchor groups, each with the other literals of the clauses it anchors.
        let mut anchor_groups: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
        for groups in &clauses {
            let (anchor, rest) = groups.split_first()?;
            let position = match anchor_groups.iter().position(|(a, _)| a == anchor) {
                Some(position) => position,
                None => {
                    anchor_groups.push((anchor.clone(), Vec::new()));
                    anchor_groups.len() - 1
                }
            };
            let (_, others) = anchor_groups.get_mut(position)?;
            others.extend(rest.iter().flatten().copied());
            others.sort_unstable();
            others.dedup();
        }
        let mut anchor_literals: Vec<usize> =
            anchor_groups.iter().flat_map(|(a, _)| a.clone()).collect();
        anchor_literals.sort_unstable();
        anchor_literals.dedup();
        let pairs = PairFrequencies::load();
        let anchors = Searcher::new(&literals, &anchor_literals, &pairs)?;
        let mut follow = vec![Vec::new(); literals.len()];
        let mut followers = Vec::new();
        for (anchor, others) in &anchor_groups {
            // An anchor literal may be another clause's word: it is found in the first pass
            // already, so it need not be looked for again.
            let others: Vec<usize> = others
                .iter()
                .copied()
                .filter(|id| anchor_literals.binary_search(id).is_err())
                .collect();
            if others.is_empty() {
                continue;
            }
            let searcher = followers.len();
            followers.push(Searcher::new(&literals, &others, &pairs)?);
            for &id in anchor {
                if let Some(list) = follow.get_mut(id) {
                    list.push(searcher);
                }
            }
        }
        // Clauses with fewer groups first: they are the quickest to decide.
        clauses.sort_by_key(Vec::len);
        let mut clauses_of = vec![Vec::new(); literals.len()];
        for (index, groups) in clauses.iter().enumerate() {
            for &id in groups.first().into_iter().flatten() {
                if let Some(list) = clauses_of.get_mut(id) {
                    list.push(index);
                }
            }
        }
        Some(Prefilter {
            clauses,
            clauses_of,
            literals: literals.len(),
            anchors,
            follow,
            followers,
        })
    }

    /// An empty hit set sized for this prefilter.
    pub fn new_hits(&self) -> Hits {
        Hits {
            present: vec![false; self.literals],
            ..Hits::default()
        }
    }

    /// Indexes the whole of `chunk` into `hits` (forgetting what they held) and says whether
    /// the chunk as a whole could satisfy some rule clause: for some clause, every group of
    /// literals has an alternative somewhere in it. Offsets of [`Prefilter::admits_parts`]
    /// are into `chunk`.
    pub fn index_chunk(&self, chunk: &[u8], hits: &mut Hits) -> bool {
        if !self.index_anchors(chunk, hits) {
            return false;
        }
        let everything = 0..chunk.len();
        let parts = std::slice::from_ref(&everything);
        self.index_followers(hits, parts);
        self.admits_parts(hits, parts)
    }

    /// Starts indexing `chunk` (forgetting what `hits` held): finds where its anchors are.
    /// `false` when there is none: then no clause can hold anywhere in the chunk, and
    /// nothing else needs looking at.
    pub fn index_anchors(&self, chunk: &[u8], hits: &mut Hits) -> bool {
        hits.folded.clear();
        hits.folded.extend(chunk.iter().map(u8::to_ascii_lowercase));
        hits.anchors.clear();
        hits.searched.clear();
        self.anchors
            .find_all(&hits.folded, 0..hits.folded.len(), &mut hits.anchors);
        // A literal is found after its window: hits may be out of order.
        hits.anchors.sort_unstable();
        hits.anchors.dedup();
        hits.hits.clone_from(&hits.anchors);
        !hits.anchors.is_empty()
    }

    /// Whether some anchor occurs in `parts` (byte ranges of the chunk last indexed): without
    /// one, no clause can hold there.
    pub fn anchored(&self, hits: &Hits, parts: &[Range<usize>]) -> bool {
        parts
            .iter()
            .any(|part| !inside(&hits.anchors, part).is_empty())
    }

    /// Looks for the other literals of the clauses whose anchors are in `parts` (byte ranges
    /// of the chunk [`Prefilter::index_anchors`] indexed), in those parts; a part already
    /// searched for the same literals is not searched again.
    pub fn index_followers(&self, hits: &mut Hits, parts: &[Range<usize>]) {
        let Hits {
            folded,
            anchors,
            hits,
            found,
            merged,
            searched,
            followers,
            ..
        } = hits;
        followers.clear();
        for part in parts {
            for hit in inside(anchors, part) {
                followers.extend(self.follow.get(hit.literal).into_iter().flatten());
            }
        }
        followers.sort_unstable();
        followers.dedup();
        for &follower in followers.iter() {
            let Some(searcher) = self.followers.get(follower) else {
                continue;
            };
            for part in parts {
                let key = (follower, part.clone());
                if searched.contains(&key) {
                    continue;
                }
                searched.push(key);
                found.clear();
                searcher.find_all(folded, part.clone(), found);
                merge_in_order(hits, found, merged);
            }
        }
    }

    /// Whether the literals found so far in `parts` (byte ranges of the chunk last indexed:
    /// a record and its template), taken together, could satisfy some rule clause. A literal
    /// counts for a part when its occurrence starts inside it; the parts must have been
    /// searched ([`Prefilter::index_followers`]) for the answer to be sound.
    pub fn admits_parts(&self, hits: &mut Hits, parts: &[Range<usize>]) -> bool {
        let Hits { hits, present, .. } = hits;
        let mut any = false;
        for part in parts {
            for hit in inside(hits, part) {
                if let Some(seen) = present.get_mut(hit.literal) {
                    *seen = true;
                    any = true;
                }
            }
        }
        let holds = |clause: &usize| {
            self.clauses.get(*clause).is_some_and(|groups| {
                groups.iter().all(|alternatives| {
                    alternatives
                        .iter()
                        .any(|&id| present.get(id).copied().unwrap_or(false))
                })
            })
        };
        // Only the clauses of the anchors present can hold.
        let admitted = any
            && parts.iter().any(|part| {
                inside(hits, part).iter().any(|hit| {
                    self.clauses_of
                        .get(hit.literal)
                        .is_some_and(|clauses| clauses.iter().any(holds))
                })
            });
        for part in parts {
            for hit in inside(hits, part) {
                if let Some(seen) = present.get_mut(hit.literal) {
                    *seen = false;
                }
            }
        }
        admitted
    }
}

/// Adds `found` to `hits`, keeping `hits` in order and free of duplicates (for range lookups),
/// in time linear in both: a chunk crafted to hold thousands of hits in thousands of records
/// costs no more than reading them.
fn merge_in_order(hits: &mut Vec<Hit>, found: &mut Vec<Hit>, merged: &mut Vec<Hit>) {
    if found.is_empty() {
        return;
    }
    found.sort_unstable();
    found.dedup();
    if hits.last() < found.first() {
        // The usual case: records are searched in order.
        hits.extend_from_slice(found);
        return;
    }
    merged.clear();
    let (mut old, mut new) = (hits.iter().peekable(), found.iter().peekable());
    loop {
        let next = match (old.peek(), new.peek()) {
            (Some(a), Some(b)) if a <= b => old.next(),
            (_, Some(_)) => new.next(),
            (Some(_), None) => old.next(),
            (None, None) => break,
        };
        if let Some(&hit) = next
            && merged.last() != Some(&hit)
        {
            merged.push(hit);
        }
    }
    std::mem::swap(hits, merged);
}

/// The hits (in order) that start inside `part`.
fn inside<'h>(hits: &'h [Hit], part: &Range<usize>) -> &'h [Hit] {
    let from = hits.partition_point(|hit| hit.at < part.start);
    let to = hits.partition_point(|hit| hit.at < part.end);
    hits.get(from..to).unwrap_or_default()
}

impl Searcher {
    /// A searcher of `ids` (indexes into `literals`), each in both encodings, lower case.
    fn new(literals: &[String], ids: &[usize], pairs: &PairFrequencies) -> Option<Self> {
        let mut patterns: Vec<Pattern> = Vec::new();
        for &id in ids {
            let literal = literals.get(id)?;
            let prefix = literal.get(..pairs.rarest_start(literal))?;
            let [wide, narrow] = encodings(literal);
            let [wide_prefix, narrow_prefix] = encodings(prefix);
            patterns.push(Pattern {
                literal: id,
                bytes: wide,
                window: wide_prefix.len(),
            });
            patterns.push(Pattern {
                literal: id,
                bytes: narrow,
                window: narrow_prefix.len(),
            });
        }
        let windows: Vec<&[u8]> = patterns
            .iter()
            .map(|p| p.bytes.get(p.window..).unwrap_or_default())
            .collect();
        let candidates = windows
            .iter()
            .map(|window| {
                (0..windows.len())
                    .filter(|&other| windows.get(other).is_some_and(|o| window.starts_with(o)))
                    .collect()
            })
            .collect();
        // Case-sensitive, over folded bytes: aho-corasick's packed SIMD (Teddy) searcher
        // handles no case folding.
        let engine = Engine::new(&windows)?;
        Some(Searcher {
            engine,
            patterns,
            candidates,
        })
    }

    /// Appends every occurrence of every literal whose window is in `span` of `haystack` to
    /// `hits` (not in order).
    ///
    /// Each search resumes one byte after the last match's start, not at its end, so that
    /// overlapping occurrences are found too.
    fn find_all(&self, haystack: &[u8], span: Range<usize>, hits: &mut Vec<Hit>) {
        let end = span.end.min(haystack.len());
        let mut from = span.start.min(end);
        while let Some((at, window)) = self.engine.find(haystack, from..end) {
            let candidates = self.candidates.get(window);
            for pattern in candidates
                .into_iter()
                .flatten()
                .filter_map(|&p| self.patterns.get(p))
            {
                let whole = at.checked_sub(pattern.window).and_then(|start| {
                    let bytes = haystack.get(start..start.checked_add(pattern.bytes.len())?)?;
                    (bytes == pattern.bytes.as_slice()).then_some(start)
                });
                if let Some(start) = whole {
                    hits.push(Hit {
                        at: start,
                        literal: pattern.literal,
                    });
                }
            }
            from = at + 1;
        }
    }
}

/// How often pairs of characters occur in the text of real logs (`bigrams.tsv`, made by
/// `scripts/gen-bigrams.py`), per million pairs.
struct PairFrequencies(HashMap<(char, char), u32>);

impl PairFrequencies {
    fn load() -> Self {
        let pairs = include_str!("bigrams.tsv")
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| {
                let (pair, count) = line.split_once('\t')?;
                let mut chars = pair.chars();
                let key = (chars.next()?, chars.next()?);
                Some((key, count.parse().ok()?))
            })
            .collect();
        PairFrequencies(pairs)
    }

    /// The byte offset in `literal` (lower case) of its rarest pair of characters, leaving at
    /// least three characters (or the whole of a shorter literal) to search for; the first
    /// such place when several are as rare.
    fn rarest_start(&self, literal: &str) -> usize {
        let chars: Vec<(usize, char)> = literal.char_indices().collect();
        let last_start = chars.len().saturating_sub(3);
        (0..=last_start)
            .filter_map(|i| {
                let (offset, first) = *chars.get(i)?;
                let second = chars.get(i + 1).map_or(' ', |&(_, c)| c);
                let count = self.0.get(&(first, second)).copied().unwrap_or(0);
                Some((count, offset))
            })
            .min()
            .map_or(0, |(_, offset)| offset)
    }
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

    /// `parts` one after another, each after a 0xff byte (in no literal), and their ranges.
    fn chunk_of(parts: &[Vec<u8>]) -> (Vec<u8>, Vec<Range<usize>>) {
        let mut chunk = Vec::new();
        let mut ranges = Vec::new();
        for part in parts {
            chunk.push(0xff);
            ranges.push(chunk.len()..chunk.len() + part.len());
            chunk.extend_from_slice(part);
        }
        (chunk, ranges)
    }

    fn admits(prefilter: &Prefilter, bytes: &[u8]) -> bool {
        prefilter.index_chunk(bytes, &mut prefilter.new_hits())
    }

    #[test]
    fn needs_every_group_of_one_clause() {
        let prefilter = Prefilter::new(&plan()).unwrap();
        assert!(!admits(
            &prefilter,
            &utf16("xx Directory Synchronization yy")
        ));
        assert!(admits(
            &prefilter,
            &utf16("xx Directory Synchronization ..DRSEXCEPTION..")
        ));
    }

    #[test]
    fn finds_ansi_and_utf16_ignoring_case() {
        let prefilter = Prefilter::new(&plan()).unwrap();
        for bytes in [utf16("aDsYnC"), b"ADSYNC".to_vec()] {
            assert!(admits(&prefilter, &bytes));
        }
        assert!(!admits(&prefilter, &utf16("ADSyn")));
    }

    #[test]
    fn no_literals_means_no_prefilter() {
        assert!(Prefilter::new(&LiteralPlan::default()).is_none());
        // A clause with no literal cannot rule anything out, nor can an empty literal.
        let open = LiteralPlan {
            clauses: vec![vec![vec!["adsync".into()]], vec![]],
        };
        assert!(Prefilter::new(&open).is_none());
        let empty = LiteralPlan {
            clauses: vec![vec![vec!["adsync".into()], vec![String::new()]]],
        };
        assert!(Prefilter::new(&empty).is_none());
    }

    #[test]
    fn short_words_are_searched_too() {
        let plan = LiteralPlan {
            clauses: vec![vec![vec!["adsync".into()], vec!["0x".into()]]],
        };
        let prefilter = Prefilter::new(&plan).unwrap();
        assert!(!admits(&prefilter, &utf16("ADSync")));
        assert!(admits(&prefilter, &utf16("ADSync 0X1F")));
    }

    #[test]
    fn a_record_and_its_template_together() {
        // The record holds the words, its template (elsewhere in the chunk) the provider.
        let prefilter = Prefilter::new(&plan()).unwrap();
        let parts = [
            b"directory SYNCHRONIZATION".to_vec(),
            utf16("noise"),
            utf16("a DrsException here"),
        ];
        let (chunk, ranges) = chunk_of(&parts);
        let mut hits = prefilter.new_hits();
        assert!(prefilter.index_chunk(&chunk, &mut hits));
        let [template, noise, record] = [0, 1, 2].map(|i| ranges[i].clone());
        assert!(!prefilter.admits_parts(&mut hits, std::slice::from_ref(&record)));
        assert!(prefilter.admits_parts(&mut hits, &[record.clone(), template.clone()]));
        assert!(!prefilter.admits_parts(&mut hits, &[noise, template]));
        // The answer does not stick.
        assert!(!prefilter.admits_parts(&mut hits, &[record]));
    }

    #[test]
    fn overlapping_literals_are_all_found() {
        // "sync" inside "adsync", "adsync" starting where "ad" does, "aa" twice in "aaa".
        let plan = LiteralPlan {
            clauses: vec![
                vec![
                    vec!["adsync".into()],
                    vec!["sync".into()],
                    vec!["ad".into()],
                ],
                vec![vec!["aaaa".into()], vec!["aa".into()]],
            ],
        };
        let prefilter = Prefilter::new(&plan).unwrap();
        assert!(admits(&prefilter, &utf16("ADSync")));
        assert!(admits(&prefilter, b"xAdSyNc"));
        assert!(admits(&prefilter, b"aaaa"));
        assert!(!admits(&prefilter, b"adsyn aaa"));
    }

    const WORDS: &[&str] = &[
        "directory synchronization",
        "drsexception",
        "adsync",
        "sync",
        "fimsynchronizationservice",
        "rpc",
        "error",
        "a",
        "password",
        "ss",
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
            prop::collection::vec(
                any::<u8>().prop_filter("no separator", |b| *b != 0xff),
                0..8
            ),
        ];
        prop::collection::vec(piece, 0..6).prop_map(|pieces| pieces.concat())
    }

    proptest::proptest! {
        #[test]
        fn same_answer_as_the_definition(
            plan in word_plan(),
            parts in prop::collection::vec(part(), 1..4),
            subset in any::<u8>(),
        ) {
            // No prefilter (None) means everything is read.
            if let Some(prefilter) = Prefilter::new(&plan) {
                let (chunk, ranges) = chunk_of(&parts);
                let mut hits = prefilter.new_hits();
                let whole = prefilter.index_chunk(&chunk, &mut hits);
                proptest::prop_assert_eq!(whole, reference(&plan, &parts));
                // Any choice of parts, asked in any order after the chunk.
                let chosen: Vec<usize> = (0..parts.len()).filter(|i| subset >> i & 1 == 1).collect();
                let chosen_parts: Vec<Vec<u8>> = chosen.iter().map(|&i| parts[i].clone()).collect();
                let chosen_ranges: Vec<Range<usize>> = chosen.iter().map(|&i| ranges[i].clone()).collect();
                proptest::prop_assert_eq!(
                    prefilter.admits_parts(&mut hits, &chosen_ranges),
                    reference(&plan, &chosen_parts)
                );
            }
        }
    }
}
