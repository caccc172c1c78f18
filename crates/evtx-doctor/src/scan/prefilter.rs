//! The literal prefilter: which chunks (and which records of a chunk) could hold an event
//! some rule matches.
//!
//! Strings in .evtx are UTF-16LE (sometimes ANSI), so every literal is searched in both forms,
//! ignoring ASCII case. A chunk is kept when, for some rule clause, every group of literals has
//! a hit somewhere in the chunk; a record, when that holds for its own bytes and its
//! template's. Only the chunk as a whole, or a record together with its template, is a sound
//! unit: a provider name may live only in a template that an earlier record defined.
//!
//! How (docs/performance.md): with aho-corasick's packed SIMD (Teddy) searcher, noting where
//! each literal occurs. First for the *anchors*, over the whole chunk as it is, every case
//! variant of their first bytes at once: one group of each clause, its provider names when it
//! names any. Without an anchor no clause can hold: that is the fate of almost every noise
//! chunk, after one pass. Then, only in the byte ranges that hold an anchor (a record and its
//! template, for the scanner): first for a *gate* (a few literals, one group of each clause
//! that can hold there, in the raw bytes), which rules out most records with an anchor (a sync
//! server's ADSync noise) before their event id is read; then, lower-cased as they are needed,
//! for the other literals of the clauses those anchors anchor, unless what the gate found
//! decided already. A record is judged by the hits inside its ranges: no byte is searched
//! twice for the same literals.

use crate::rules::LiteralPlan;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind, Span, packed};
use std::ops::Range;

/// The compiled prefilter of a rule set.
#[derive(Debug, Clone)]
pub struct Prefilter {
    /// Clauses → groups → alternative literal ids; each clause's anchor group first.
    clauses: Vec<Vec<Vec<usize>>>,
    /// Per literal: the clauses it anchors (only those can hold where it is).
    clauses_of: Vec<Vec<usize>>,
    /// Per clause: the event ids it needs (empty: any).
    event_ids: Vec<Vec<u16>>,
    /// Per literal: the clauses of one group it anchors, which hold wherever it is (for the
    /// event ids they name: `providers = ["Directory Synchronization"]` and an event id).
    alone: Vec<Vec<usize>>,
    /// How many distinct literals there are.
    literals: usize,
    /// The anchor literals of every clause.
    anchors: Searcher,
    /// Per literal: the searcher of `searchers` to run once it is found as an anchor.
    follow: Vec<Option<usize>>,
    /// Per literal: what to search first in a record where it is an anchor, by the record's
    /// event id.
    first_steps: Vec<FirstSteps>,
    /// The gates [`FirstStep::Gate`] names.
    gates: Vec<Gate>,
    /// Per anchor literal (shared when the same): the other literals of the clauses it
    /// anchors; then the gates' searchers.
    searchers: Vec<Searcher>,
}

/// What a record holding an anchor is searched for first, once its event id is known and no
/// clause of one group decided it.
///
/// Most records with an anchor match nothing: a sync server logs thousands of ADSync events,
/// and the Entra Connector rules name that provider for any event id. Their followers are
/// many (every AADSTS code, exception names, common words), searched in folded bytes; a
/// *gate* is a few literals, one group of each clause that fits the event id, searched in
/// the raw bytes: without one of them, none of those clauses can hold, and the followers
/// need no search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FirstStep {
    /// No clause of this anchor with more than its anchor group fits the event id.
    Nothing,
    /// The gate of this index in [`Prefilter::gates`].
    Gate(usize),
    /// No gate cheaper than the followers: search those.
    Followers,
}

/// An anchor's first steps, by the event id of the record it is in.
#[derive(Debug, Clone)]
struct FirstSteps {
    /// The event ids that some clause of the anchor names, sorted, each with its step.
    named: Vec<(u16, FirstStep)>,
    /// For any other event id.
    other: FirstStep,
    /// When the event id is not known.
    unknown: FirstStep,
}

impl FirstSteps {
    /// For a literal that is no anchor.
    const NONE: FirstSteps = FirstSteps {
        named: Vec::new(),
        other: FirstStep::Nothing,
        unknown: FirstStep::Nothing,
    };

    fn of(&self, id: Option<u16>) -> FirstStep {
        let Some(id) = id else {
            return self.unknown;
        };
        match self.named.binary_search_by_key(&id, |&(named, _)| named) {
            Ok(at) => self.named.get(at).map_or(self.unknown, |&(_, step)| step),
            Err(_) => self.other,
        }
    }
}

/// Literals, one of which a record must hold for some clause to hold there.
#[derive(Debug, Clone)]
struct Gate {
    /// Its searchers in [`Prefilter::searchers`], each of a few of its literals.
    searchers: Vec<usize>,
    /// Its literals, sorted.
    literals: Vec<usize>,
}

/// At most this many searches make a gate: each is one pass over the record.
const MAX_GATE_SEARCHERS: usize = 3;

/// At most this many keys in one search of a gate: the packed searcher then runs its
/// quickest form (slim Teddy, one bucket a key).
const MAX_GATE_KEYS: usize = 8;

/// One search for some literals, in both encodings.
///
/// What it searches for is each literal from its rarest pair of characters on (its *window*:
/// "rror" for "error"), then it checks the whole literal where a window matched: aho-corasick's
/// SIMD searcher looks closer at every place that starts like one of its patterns, so
/// patterns that start with a common pair ("er", "in", "de") would keep it busy.
#[derive(Debug, Clone)]
struct Searcher {
    /// What it searches: the raw chunk or its folded copy.
    haystack: Haystack,
    engine: Engine,
    /// Engine pattern id → the key it is a case variant of (the identity over folded bytes).
    key_of: Vec<usize>,
    /// The literals in each encoding (lower case), and where their window starts in them.
    patterns: Vec<Pattern>,
    /// Key id → the patterns whose key matches where it does: its own, and those whose key is
    /// a prefix of it (leftmost-longest reports only the longest).
    candidates: Vec<Vec<usize>>,
}

/// The bytes a [`Searcher`] looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Haystack {
    /// The chunk as it is. The engine looks for every case variant of the first three bytes
    /// of each window (its *key*): Teddy puts the variants of a key in one bucket (they share
    /// their low nibbles), so they cost no more than one pattern, and the chunk need not be
    /// lower-cased first. Used for the anchors, searched in every chunk.
    Raw,
    /// The chunk ASCII-lowercased; the keys are the whole windows. Used for the other
    /// literals, searched only in chunks that hold an anchor (many more patterns).
    Folded,
}

/// How many bytes of a window the engine looks for in raw bytes: Teddy's longest useful
/// fingerprint is three bytes, and each letter doubles the case variants.
const RAW_KEY_LEN: usize = 3;

/// At most this many case variants go to the packed searcher: past it, aho-corasick's
/// automaton with its own case folding is used.
const MAX_VARIANTS: usize = 64;

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
    /// An engine for `keys` (lower case) in `haystack`, and which key each of its pattern ids
    /// stands for.
    /// The automaton only when `fallback`: else `None` when the packed searcher cannot be had.
    fn new(keys: &[Vec<u8>], haystack: Haystack, fallback: bool) -> Option<(Self, Vec<usize>)> {
        let (patterns, key_of) = match haystack {
            Haystack::Folded => (keys.to_vec(), (0..keys.len()).collect()),
            Haystack::Raw => case_variants(keys),
        };
        let mut config = packed::Config::new();
        config.match_kind(packed::MatchKind::LeftmostLongest);
        if haystack == Haystack::Raw {
            // One bucket per key when they fit in slim Teddy's eight (twice the bytes per
            // step of fat Teddy, which aho-corasick would choose past 32 patterns).
            config.only_teddy_fat((keys.len() <= 8).then_some(false));
        }
        let packed = (patterns.len() <= MAX_VARIANTS || haystack == Haystack::Folded)
            .then(|| config.builder().extend(&patterns).build())
            .flatten();
        if let Some(searcher) = packed {
            return Some((Engine::Packed(searcher), key_of));
        }
        if !fallback {
            return None;
        }
        // Leftmost-longest, as the packed searcher: the longest key where several start.
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(haystack == Haystack::Raw)
            .build(keys)
            .ok()?;
        Some((Engine::Automaton(automaton), (0..keys.len()).collect()))
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

/// Every ASCII case variant of each key, and the key each stands for. One variant of every
/// key comes first, so that Teddy, which gives a new bucket to the first pattern of each
/// group of keys with the same low nibbles, spreads the keys over its buckets.
fn case_variants(keys: &[Vec<u8>]) -> (Vec<Vec<u8>>, Vec<usize>) {
    let variants: Vec<Vec<Vec<u8>>> = keys
        .iter()
        .map(|key| {
            key.iter().fold(vec![Vec::new()], |prefixes, &byte| {
                let cases = if byte.is_ascii_lowercase() {
                    vec![byte, byte.to_ascii_uppercase()]
                } else {
                    vec![byte]
                };
                prefixes
                    .iter()
                    .flat_map(|prefix| {
                        cases.iter().map(move |&case| {
                            let mut longer = prefix.clone();
                            longer.push(case);
                            longer
                        })
                    })
                    .collect()
            })
        })
        .collect();
    let most = variants.iter().map(Vec::len).max().unwrap_or(0);
    let mut patterns = Vec::new();
    let mut key_of = Vec::new();
    for round in 0..most {
        for (key, of_key) in variants.iter().enumerate() {
            if let Some(variant) = of_key.get(round) {
                patterns.push(variant.clone());
                key_of.push(key);
            }
        }
    }
    (patterns, key_of)
}

/// Literals in both encodings, and what the engine looks for.
struct Keyed {
    /// Each literal in UTF-16LE, then in its single-byte form.
    patterns: Vec<Pattern>,
    /// Each pattern's key: the first bytes of its window the engine looks for (lower case).
    own_keys: Vec<Vec<u8>>,
    /// The distinct keys.
    keys: Vec<Vec<u8>>,
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
    /// The chunk, ASCII-lowercased where `folded_blocks` says (the parts searched for
    /// followers); elsewhere whatever an earlier chunk left.
    folded: Vec<u8>,
    /// Which blocks of [`FOLD_BLOCK`] bytes of `folded` are this chunk's, one bit each.
    folded_blocks: Vec<u64>,
    /// Every occurrence of an anchor, in order.
    anchors: Vec<Hit>,
    /// Every occurrence found of every literal searched so far, anchors included, in order.
    hits: Vec<Hit>,
    /// Scratch: the hits of one search.
    found: Vec<Hit>,
    /// Scratch: `hits` and `found` merged.
    merged: Vec<Hit>,
    /// The byte ranges each searcher of followers or gates has been run over (start, end,
    /// searcher), in order: mostly appended, as records are searched in order.
    searched: Vec<(usize, usize, usize)>,
    /// Scratch for one question: which literals are present.
    present: Vec<bool>,
    /// Scratch for one question: where in `hits` each part's are.
    spans: Vec<Range<usize>>,
    /// Scratch: the followers to run.
    followers: Vec<usize>,
    /// Scratch: the gates to run.
    gates: Vec<usize>,
    /// Scratch: the anchor literals in a record.
    anchored: Vec<usize>,
}

impl Prefilter {
    /// Compiles `plan`; `None` when nothing could ever be skipped: the plan has no literals,
    /// some clause has none, or some literal is empty.
    pub fn new(plan: &LiteralPlan) -> Option<Self> {
        let mut literals: Vec<String> = Vec::new();
        let mut clauses: Vec<Vec<Vec<usize>>> = Vec::new();
        let mut event_ids: Vec<Vec<u16>> = Vec::new();
        for (index, groups) in plan.clauses.iter().enumerate() {
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
            event_ids.push(plan.event_ids.get(index).cloned().unwrap_or_default());
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
        let windows = Windows::new(&literals, &PairFrequencies::load());
        let anchors = Searcher::new(&literals, &anchor_literals, &windows, Haystack::Raw, true)?;
        // One follower search per anchor literal, for the other literals of every clause it
        // may anchor: a record holding one anchor is searched once.
        let mut follow = vec![None; literals.len()];
        let mut follower_sets: Vec<Vec<usize>> = Vec::new();
        for &id in &anchor_literals {
            let mut others: Vec<usize> = anchor_groups
                .iter()
                .filter(|(anchor, _)| anchor.contains(&id))
                .flat_map(|(_, others)| others.iter().copied())
                // An anchor literal may be another clause's word: it is found in the first
                // pass already, so it need not be looked for again.
                .filter(|other| anchor_literals.binary_search(other).is_err())
                .collect();
            others.sort_unstable();
            others.dedup();
            if others.is_empty() {
                continue;
            }
            let searcher = match follower_sets.iter().position(|set| *set == others) {
                Some(searcher) => searcher,
                None => {
                    follower_sets.push(others);
                    follower_sets.len() - 1
                }
            };
            if let Some(slot) = follow.get_mut(id) {
                *slot = Some(searcher);
            }
        }
        let mut searchers = follower_sets
            .iter()
            .map(|others| {
                // In the raw chunk when the case variants fit the packed searcher (no folding
                // then), else in the folded chunk (aho-corasick's automaton is much slower).
                let new = |haystack, fallback| {
                    Searcher::new(&literals, others, &windows, haystack, fallback)
                };
                new(Haystack::Raw, false).or_else(|| new(Haystack::Folded, true))
            })
            .collect::<Option<Vec<_>>>()?;
        // Clauses with fewer groups first: they are the quickest to decide.
        let mut paired: Vec<(Vec<Vec<usize>>, Vec<u16>)> =
            clauses.into_iter().zip(event_ids).collect();
        paired.sort_by_key(|(groups, _)| groups.len());
        let (clauses, event_ids): (Vec<_>, Vec<_>) = paired.into_iter().unzip();
        let mut clauses_of = vec![Vec::new(); literals.len()];
        for (index, groups) in clauses.iter().enumerate() {
            for &id in groups.first().into_iter().flatten() {
                if let Some(list) = clauses_of.get_mut(id) {
                    list.push(index);
                }
            }
        }
        let alone = clauses_of
            .iter()
            .map(|of| {
                of.iter()
                    .copied()
                    .filter(|&clause| clauses.get(clause).is_some_and(|groups| groups.len() == 1))
                    .collect()
            })
            .collect();
        let mut gates = GateBuilder {
            literals: &literals,
            anchor_literals: &anchor_literals,
            clauses: &clauses,
            event_ids: &event_ids,
            windows: &windows,
            searchers: &mut searchers,
            gates: Vec::new(),
            tried: Vec::new(),
        };
        let mut first_steps = vec![FirstSteps::NONE; literals.len()];
        for &anchor in &anchor_literals {
            let followers = follow
                .get(anchor)
                .copied()
                .flatten()
                .and_then(|searcher| follower_sets.get(searcher));
            let of = clauses_of.get(anchor).map_or(&[][..], Vec::as_slice);
            if let Some(steps) = first_steps.get_mut(anchor) {
                *steps = gates.steps(of, followers);
            }
        }
        let gates = gates.gates;
        Some(Prefilter {
            clauses,
            event_ids,
            clauses_of,
            alone,
            literals: literals.len(),
            anchors,
            follow,
            first_steps,
            gates,
            searchers,
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
    /// literals has an alternative somewhere in it. Offsets of `Prefilter::admits_parts`
    /// are into `chunk`.
    #[cfg(any(test, feature = "internals"))]
    pub fn index_chunk(&self, chunk: &[u8], hits: &mut Hits) -> bool {
        if !self.index_anchors(chunk, hits) {
            return false;
        }
        let everything = 0..chunk.len();
        let parts = std::slice::from_ref(&everything);
        self.index_followers(chunk, hits, parts);
        self.admits_parts(hits, parts)
    }

    /// Starts indexing `chunk` (forgetting what `hits` held): finds where its anchors are.
    /// `false` when there is none: then no clause can hold anywhere in the chunk, and
    /// nothing else needs looking at.
    #[cfg(any(test, feature = "internals"))]
    pub fn index_anchors(&self, chunk: &[u8], hits: &mut Hits) -> bool {
        self.index_anchors_up_to(chunk, chunk.len(), hits)
    }

    /// `Prefilter::index_anchors`, for anchors that end by byte `end` of `chunk`: the
    /// caller knows that nothing past it is read.
    pub fn index_anchors_up_to(&self, chunk: &[u8], end: usize, hits: &mut Hits) -> bool {
        hits.anchors.clear();
        hits.searched.clear();
        self.anchors
            .find_all(chunk, 0..end.min(chunk.len()), &mut hits.anchors);
        // A literal is found after its window: hits may be out of order.
        hits.anchors.sort_unstable();
        hits.anchors.dedup();
        hits.hits.clone_from(&hits.anchors);
        if hits.anchors.is_empty() {
            return false;
        }
        // The other literals are searched in lower-cased bytes, folded as they are needed.
        hits.folded.resize(chunk.len(), 0);
        hits.folded_blocks.clear();
        hits.folded_blocks
            .resize(chunk.len().div_ceil(FOLD_BLOCK * 64), 0);
        true
    }

    /// Whether the record made of `parts` (its BinXML and its template's body, byte ranges of
    /// `chunk`, which `Prefilter::index_anchors` indexed) could satisfy some rule clause:
    /// [`Prefilter::index_followers`], then `Prefilter::admits_parts`, unless an anchor of
    /// a one-group clause is there (then that clause holds, and nothing else is searched).
    ///
    /// `event_id` is asked only of a record with an anchor: its event id when known, which
    /// rules out the clauses that name other ids.
    pub fn admits_record(
        &self,
        chunk: &[u8],
        hits: &mut Hits,
        parts: &[Range<usize>],
        event_id: impl FnOnce() -> Option<u16>,
    ) -> bool {
        if !self.anchors_in(hits, parts) || self.rules_out_without_id(chunk, hits, parts) {
            return false;
        }
        let id = event_id();
        let anchored = &hits.anchored;
        let any = |of: &Vec<Vec<usize>>| {
            anchored.iter().any(|&literal| {
                of.get(literal)
                    .is_some_and(|clauses| clauses.iter().any(|&c| self.id_fits(c, id)))
            })
        };
        if any(&self.alone) {
            return true;
        }
        if !any(&self.clauses_of) {
            // No clause of these anchors is about this event id.
            return false;
        }
        if !self.passes_gates(chunk, hits, parts, id) {
            return false;
        }
        // What was found is there: when it makes a clause hold, nothing else need be found
        // (a 611 with "error" in it).
        if self.admits_parts_for(hits, parts, id) {
            return true;
        }
        self.search_followers(chunk, hits, parts);
        self.admits_parts_for(hits, parts, id)
    }

    /// Whether the record made of `parts`, whose anchors [`Prefilter::anchors_in`] noted and
    /// whose event id is `id`, holds a literal of each gate its anchors name for that id
    /// (searching `parts` for them), or one of its anchors has none: only then can a clause
    /// of more than one group hold there.
    fn passes_gates(
        &self,
        chunk: &[u8],
        hits: &mut Hits,
        parts: &[Range<usize>],
        id: Option<u16>,
    ) -> bool {
        !self.list_gates(hits, |steps| steps.of(id)) || self.gates_hold(chunk, hits, parts)
    }

    /// Lists in `hits.gates` the gates of the record's anchors, each anchor's first step as
    /// `step` picks it from its [`FirstSteps`]; false when the clauses of some anchor go
    /// straight to the followers' search (the gates then decide nothing).
    fn list_gates(&self, hits: &mut Hits, step: impl Fn(&FirstSteps) -> FirstStep) -> bool {
        hits.gates.clear();
        for &literal in &hits.anchored {
            match self
                .first_steps
                .get(literal)
                .map_or(FirstStep::Followers, &step)
            {
                FirstStep::Nothing => {}
                FirstStep::Gate(gate) => hits.gates.push(gate),
                FirstStep::Followers => return false,
            }
        }
        true
    }

    /// Whether the record made of `parts`, whose anchors [`Prefilter::anchors_in`] noted, can
    /// be ruled out before its event id is read (which means compiling its template, for the
    /// first record of each template in a chunk): when none of its anchors anchors a clause
    /// of one group, and it holds no literal of their gates for an unknown event id.
    fn rules_out_without_id(&self, chunk: &[u8], hits: &mut Hits, parts: &[Range<usize>]) -> bool {
        let some_alone = hits.anchored.iter().any(|&literal| {
            self.alone
                .get(literal)
                .is_none_or(|alone| !alone.is_empty())
        });
        !some_alone
            && self.list_gates(hits, |steps| steps.unknown)
            && !self.gates_hold(chunk, hits, parts)
    }

    /// Searches `parts` for the gates listed in `hits.gates`; whether one of their literals
    /// is there.
    fn gates_hold(&self, chunk: &[u8], hits: &mut Hits, parts: &[Range<usize>]) -> bool {
        hits.gates.sort_unstable();
        hits.gates.dedup();
        for index in 0..hits.gates.len() {
            let gate = hits.gates.get(index).and_then(|&gate| self.gates.get(gate));
            for &searcher in gate.map_or(&[][..], |gate| gate.searchers.as_slice()) {
                self.search(searcher, chunk, hits, parts);
            }
        }
        let Hits { hits, gates, .. } = hits;
        let in_a_gate = |hit: &Hit| {
            gates.iter().any(|&gate| {
                self.gates
                    .get(gate)
                    .is_some_and(|gate| gate.literals.binary_search(&hit.literal).is_ok())
            })
        };
        parts
            .iter()
            .any(|part| inside(hits, part).iter().any(in_a_gate))
    }

    /// Whether clause `clause` may hold for an event with id `id` (`None`: unknown).
    fn id_fits(&self, clause: usize, id: Option<u16>) -> bool {
        match (id, self.event_ids.get(clause)) {
            (Some(id), Some(ids)) => ids.is_empty() || ids.contains(&id),
            _ => true,
        }
    }

    /// Looks for the other literals of the clauses whose anchors are in `parts` (byte ranges
    /// of `chunk`, which `Prefilter::index_anchors` indexed), in those parts; a part
    /// already searched for the same literals is not searched again. `false` when there is
    /// no anchor in `parts`: then no clause can hold there.
    pub fn index_followers(&self, chunk: &[u8], hits: &mut Hits, parts: &[Range<usize>]) -> bool {
        if !self.anchors_in(hits, parts) {
            return false;
        }
        self.search_followers(chunk, hits, parts);
        true
    }

    /// Whether an anchor is in `parts`; notes in `hits` which anchor literals are there, and
    /// which followers to search.
    fn anchors_in(&self, hits: &mut Hits, parts: &[Range<usize>]) -> bool {
        let Hits {
            anchors,
            anchored,
            followers,
            ..
        } = hits;
        // Most records have no anchor: one binary search a part says so.
        if !parts.iter().any(|part| any_inside(anchors, part)) {
            return false;
        }
        anchored.clear();
        followers.clear();
        for part in parts {
            for hit in inside(anchors, part) {
                anchored.push(hit.literal);
                followers.extend(self.follow.get(hit.literal).copied().flatten());
            }
        }
        anchored.sort_unstable();
        anchored.dedup();
        followers.sort_unstable();
        followers.dedup();
        true
    }

    /// Runs the followers [`Prefilter::anchors_in`] noted over `parts`.
    fn search_followers(&self, chunk: &[u8], hits: &mut Hits, parts: &[Range<usize>]) {
        for index in 0..hits.followers.len() {
            if let Some(&follower) = hits.followers.get(index) {
                self.search(follower, chunk, hits, parts);
            }
        }
    }

    /// Runs searcher `index` of [`Prefilter::searchers`] over those of `parts` it has not
    /// been run over yet.
    fn search(&self, index: usize, chunk: &[u8], hits: &mut Hits, parts: &[Range<usize>]) {
        let Some(searcher) = self.searchers.get(index) else {
            return;
        };
        let Hits {
            folded,
            folded_blocks,
            hits,
            found,
            merged,
            searched,
            ..
        } = hits;
        for part in parts {
            // Mostly appended: records are searched in order, and their templates are in
            // records before them.
            let key = (part.start, part.end, index);
            if searched.last().is_none_or(|last| *last < key) {
                searched.push(key);
            } else {
                match searched.binary_search(&key) {
                    Ok(_) => continue,
                    Err(at) => searched.insert(at, key),
                }
            }
            found.clear();
            match searcher.haystack {
                Haystack::Raw => searcher.find_all(chunk, part.clone(), found),
                Haystack::Folded => {
                    fold(chunk, folded, folded_blocks, part);
                    searcher.find_all(folded, part.clone(), found);
                }
            }
            merge_in_order(hits, found, merged);
        }
    }

    /// Whether the literals found so far in `parts` (byte ranges of the chunk last indexed:
    /// a record and its template), taken together, could satisfy some rule clause. A literal
    /// counts for a part when its occurrence starts inside it; the parts must have been
    /// searched ([`Prefilter::index_followers`]) for the answer to be sound.
    #[cfg(any(test, feature = "internals"))]
    pub fn admits_parts(&self, hits: &mut Hits, parts: &[Range<usize>]) -> bool {
        self.admits_parts_for(hits, parts, None)
    }

    /// `Prefilter::admits_parts` for an event whose id is `id` (`None`: unknown).
    fn admits_parts_for(&self, hits: &mut Hits, parts: &[Range<usize>], id: Option<u16>) -> bool {
        let Hits {
            hits,
            present,
            spans,
            ..
        } = hits;
        // Each part's hits, looked up once.
        spans.clear();
        spans.extend(parts.iter().map(|part| span_inside(hits, part)));
        let of = |span: &Range<usize>| hits.get(span.clone()).unwrap_or_default();
        let mut any = false;
        for hit in spans.iter().flat_map(of) {
            if let Some(seen) = present.get_mut(hit.literal) {
                *seen = true;
                any = true;
            }
        }
        let holds = |clause: &usize| {
            self.id_fits(*clause, id)
                && self.clauses.get(*clause).is_some_and(|groups| {
                    groups.iter().all(|alternatives| {
                        alternatives
                            .iter()
                            .any(|&id| present.get(id).copied().unwrap_or(false))
                    })
                })
        };
        // Only the clauses of the anchors present can hold.
        let admitted = any
            && spans.iter().flat_map(of).any(|hit| {
                self.clauses_of
                    .get(hit.literal)
                    .is_some_and(|clauses| clauses.iter().any(holds))
            });
        for hit in spans.iter().flat_map(of) {
            if let Some(seen) = present.get_mut(hit.literal) {
                *seen = false;
            }
        }
        admitted
    }
}

/// Works out the anchors' [`FirstSteps`], and builds their gates.
struct GateBuilder<'p> {
    literals: &'p [String],
    /// Sorted.
    anchor_literals: &'p [usize],
    clauses: &'p [Vec<Vec<usize>>],
    event_ids: &'p [Vec<u16>],
    windows: &'p Windows,
    /// The gates' searchers are added here.
    searchers: &'p mut Vec<Searcher>,
    gates: Vec<Gate>,
    /// Each set of gate literals looked at, and the step it came to.
    tried: Vec<(Vec<usize>, FirstStep)>,
}

impl GateBuilder<'_> {
    /// The first steps of an anchor that anchors the clauses `of`, whose followers are
    /// `followers`.
    fn steps(&mut self, of: &[usize], followers: Option<&Vec<usize>>) -> FirstSteps {
        // Clauses of one group are decided without a search.
        let of: Vec<usize> = of
            .iter()
            .copied()
            .filter(|&clause| self.clauses.get(clause).is_some_and(|g| g.len() > 1))
            .collect();
        let ids_of = |clause: &usize| self.event_ids.get(*clause).map_or(&[][..], Vec::as_slice);
        let mut named: Vec<u16> = of.iter().flat_map(ids_of).copied().collect();
        named.sort_unstable();
        named.dedup();
        let mut step_for = |fits: &dyn Fn(&[u16]) -> bool| {
            let fitting: Vec<usize> = of.iter().copied().filter(|c| fits(ids_of(c))).collect();
            self.step(&fitting, followers)
        };
        FirstSteps {
            named: named
                .iter()
                .map(|&id| (id, step_for(&|ids| ids.is_empty() || ids.contains(&id))))
                .collect(),
            other: step_for(&|ids| ids.is_empty()),
            unknown: step_for(&|_| true),
        }
    }

    /// The first step for a record where the clauses `fitting` (of more than one group)
    /// could hold.
    fn step(&mut self, fitting: &[usize], followers: Option<&Vec<usize>>) -> FirstStep {
        if fitting.is_empty() {
            return FirstStep::Nothing;
        }
        let mut literals: Vec<usize> = fitting
            .iter()
            .filter_map(|&clause| self.gate_group(clause))
            .flatten()
            .copied()
            .collect();
        literals.sort_unstable();
        literals.dedup();
        // A literal that holds another of the gate's holds it wherever it is found: the
        // other one is enough ("aadsts" for every AADSTS code).
        let contains = |outer: usize, inner: usize| {
            outer != inner
                && match (self.literals.get(outer), self.literals.get(inner)) {
                    (Some(outer), Some(inner)) => outer.contains(inner.as_str()),
                    _ => false,
                }
        };
        let literals: Vec<usize> = literals
            .iter()
            .copied()
            .filter(|&outer| !literals.iter().any(|&inner| contains(outer, inner)))
            .collect();
        if let Some((_, step)) = self.tried.iter().find(|(tried, _)| *tried == literals) {
            return *step;
        }
        // Anchor literals were found in the first pass: only the others are searched.
        let searched: Vec<usize> = literals
            .iter()
            .copied()
            .filter(|literal| self.anchor_literals.binary_search(literal).is_err())
            .collect();
        let step = if searched.is_empty() || Some(&searched) == followers {
            FirstStep::Followers
        } else {
            match self.quick_searchers(&searched) {
                Some(built) => {
                    let first = self.searchers.len();
                    self.searchers.extend(built);
                    self.gates.push(Gate {
                        searchers: (first..self.searchers.len()).collect(),
                        literals: literals.clone(),
                    });
                    FirstStep::Gate(self.gates.len() - 1)
                }
                None => FirstStep::Followers,
            }
        };
        self.tried.push((literals, step));
        step
    }

    /// Searchers of `ids` in the raw bytes, with the packed searcher's quickest form, as few
    /// as can be (up to [`MAX_GATE_SEARCHERS`]); `None` when they would take more: then a
    /// gate costs about what the followers' search does.
    fn quick_searchers(&self, ids: &[usize]) -> Option<Vec<Searcher>> {
        let few_keys = |ids: &[usize]| {
            Searcher::keys(self.literals, ids, self.windows, Haystack::Raw)
                .is_some_and(|keyed| keyed.keys.len() <= MAX_GATE_KEYS)
        };
        let parts = (1..=MAX_GATE_SEARCHERS.min(ids.len()))
            .find(|&parts| ids.chunks(ids.len().div_ceil(parts)).all(few_keys))?;
        ids.chunks(ids.len().div_ceil(parts))
            .map(|ids| Searcher::new(self.literals, ids, self.windows, Haystack::Raw, false))
            .collect()
    }

    /// The group of `clause` (past its anchor group) a gate looks for: the one whose most
    /// common literal is the rarest, then the one with the fewest literals.
    fn gate_group(&self, clause: usize) -> Option<&Vec<usize>> {
        let rarity = |literal: &usize| self.windows.rarity(*literal);
        self.clauses
            .get(clause)?
            .get(1..)?
            .iter()
            .min_by_key(|group| (group.iter().map(rarity).max(), group.len()))
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

/// How many bytes are lower-cased at a time, for the followers' search.
const FOLD_BLOCK: usize = 64;

/// Lower-cases the blocks of `chunk` that `part` touches into `folded`, those not done yet
/// (`done`: one bit a block).
fn fold(chunk: &[u8], folded: &mut [u8], done: &mut [u64], part: &Range<usize>) {
    let len = chunk.len().min(folded.len());
    let end = part.end.min(len);
    if part.start >= end {
        return;
    }
    for block in part.start / FOLD_BLOCK..end.div_ceil(FOLD_BLOCK) {
        let (word, bit) = (block / 64, 1u64 << (block % 64));
        let Some(bits) = done.get_mut(word) else {
            return;
        };
        if *bits & bit != 0 {
            continue;
        }
        *bits |= bit;
        let bytes = block * FOLD_BLOCK..((block + 1) * FOLD_BLOCK).min(len);
        if let (Some(from), Some(to)) = (chunk.get(bytes.clone()), folded.get_mut(bytes)) {
            for (to, from) in to.iter_mut().zip(from) {
                *to = from.to_ascii_lowercase();
            }
        }
    }
}

impl Hits {
    /// Whether an anchor found by the last `Prefilter::index_anchors` starts inside `part`.
    pub(crate) fn anchor_in(&self, part: &Range<usize>) -> bool {
        any_inside(&self.anchors, part)
    }
}

/// Where a walk through a chunk's records in order is among its anchors: whether each
/// record holds one is told without a search.
#[derive(Debug, Default)]
pub(crate) struct AnchorCursor(usize);

impl AnchorCursor {
    /// Whether an anchor in `hits` starts inside `part`, which starts at or after the parts
    /// asked before (else the answer may be wrong).
    pub(crate) fn anchor_in(&mut self, hits: &Hits, part: &Range<usize>) -> bool {
        let anchors = hits.anchors.get(self.0..).unwrap_or_default();
        self.0 += anchors
            .iter()
            .take_while(|anchor| anchor.at < part.start)
            .count();
        hits.anchors
            .get(self.0)
            .is_some_and(|anchor| anchor.at < part.end)
    }
}

/// Whether a hit (of hits in order) starts inside `part`.
fn any_inside(hits: &[Hit], part: &Range<usize>) -> bool {
    let from = hits.partition_point(|hit| hit.at < part.start);
    hits.get(from).is_some_and(|hit| hit.at < part.end)
}

/// The hits (in order) that start inside `part`.
fn inside<'h>(hits: &'h [Hit], part: &Range<usize>) -> &'h [Hit] {
    hits.get(span_inside(hits, part)).unwrap_or_default()
}

/// Where in `hits` (in order) are those that start inside `part`.
fn span_inside(hits: &[Hit], part: &Range<usize>) -> Range<usize> {
    let from = hits.partition_point(|hit| hit.at < part.start);
    let to = from
        + hits
            .get(from..)
            .unwrap_or_default()
            .partition_point(|hit| hit.at < part.end);
    from..to
}

impl Searcher {
    /// A searcher of `ids` (indexes into `literals`), each in both encodings, ignoring ASCII
    /// case, over `haystack`; with aho-corasick's automaton when the packed searcher cannot
    /// be had only if `fallback`.
    fn new(
        literals: &[String],
        ids: &[usize],
        windows: &Windows,
        haystack: Haystack,
        fallback: bool,
    ) -> Option<Self> {
        let Keyed {
            patterns,
            own_keys,
            keys,
        } = Self::keys(literals, ids, windows, haystack)?;
        let candidates = keys
            .iter()
            .map(|key| {
                (0..own_keys.len())
                    .filter(|&p| own_keys.get(p).is_some_and(|own| key.starts_with(own)))
                    .collect()
            })
            .collect();
        let (engine, key_of) = Engine::new(&keys, haystack, fallback)?;
        Some(Searcher {
            haystack,
            engine,
            key_of,
            patterns,
            candidates,
        })
    }

    /// The patterns of `ids` and their keys, for `haystack`.
    fn keys(
        literals: &[String],
        ids: &[usize],
        windows: &Windows,
        haystack: Haystack,
    ) -> Option<Keyed> {
        let mut patterns: Vec<Pattern> = Vec::new();
        for &id in ids {
            let literal = literals.get(id)?;
            let prefix = literal.get(..windows.start(id)?)?;
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
        let key_len = match haystack {
            Haystack::Raw => RAW_KEY_LEN,
            Haystack::Folded => usize::MAX,
        };
        let own_keys: Vec<Vec<u8>> = patterns
            .iter()
            .map(|pattern| {
                let window = pattern.bytes.get(pattern.window..).unwrap_or_default();
                window.get(..key_len).unwrap_or(window).to_ascii_lowercase()
            })
            .collect();
        let mut keys: Vec<Vec<u8>> = Vec::new();
        for key in &own_keys {
            if !keys.contains(key) {
                keys.push(key.clone());
            }
        }
        Some(Keyed {
            patterns,
            own_keys,
            keys,
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
        while let Some((at, found)) = self.engine.find(haystack, from..end) {
            let key = self.key_of.get(found).copied().unwrap_or(usize::MAX);
            for pattern in self
                .candidates
                .get(key)
                .into_iter()
                .flatten()
                .filter_map(|&p| self.patterns.get(p))
            {
                // Only whole literals inside the span: around it may be bytes of another
                // record, or (in folded bytes) not folded for this chunk.
                let whole = at.checked_sub(pattern.window).and_then(|start| {
                    let stop = start.checked_add(pattern.bytes.len())?;
                    let bytes = haystack.get(start..stop)?;
                    (start >= span.start
                        && stop <= end
                        && bytes.eq_ignore_ascii_case(&pattern.bytes))
                    .then_some(start)
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

/// Words in every record of a sync server's logs, though rare in the logs `bigrams.tsv` was
/// measured on: "sync" is in its computer name (SYNC01, AADSYNC), the sync cycle messages, the
/// ADSync provider. "yn", the rarest pair of "adsync" there, sent the anchor search to check
/// every record of evtx-forge's sync-server noise; "ds" does not.
const COMMON_ON_SYNC_SERVERS: &[&str] = &["sync"];

/// How often pairs of characters occur in the text of real logs (`bigrams.tsv`, made by
/// `scripts/gen-bigrams.py`), per million pairs.
/// Sorted by pair, for binary search (quicker to build than a hash map, and built once a run).
struct PairFrequencies(Vec<((char, char), u32)>);

impl PairFrequencies {
    fn load() -> Self {
        let mut pairs: Vec<((char, char), u32)> = include_str!("bigrams.tsv")
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| {
                let (pair, count) = line.split_once('\t')?;
                let mut chars = pair.chars();
                let key = (chars.next()?, chars.next()?);
                Some((key, count.parse().ok()?))
            })
            .collect();
        pairs.sort_unstable();
        PairFrequencies(pairs)
    }

    /// Per million pairs; 0 when too rare to be listed.
    fn count(&self, pair: (char, char)) -> u32 {
        self.0
            .binary_search_by_key(&pair, |&(key, _)| key)
            .ok()
            .and_then(|at| self.0.get(at))
            .map_or(0, |&(_, count)| count)
    }

    /// The rarest pair of characters of `literal` (lower case), leaving at least three
    /// characters (or the whole of a shorter literal) to search for, the first such when
    /// several are as rare: whether it is of [`COMMON_ON_SYNC_SERVERS`] (those come last), its
    /// count, its byte offset.
    fn rarest(&self, literal: &str) -> Option<(bool, u32, usize)> {
        let chars: Vec<(usize, char)> = literal.char_indices().collect();
        let last_start = chars.len().saturating_sub(3);
        (0..=last_start)
            .filter_map(|i| {
                let (offset, first) = *chars.get(i)?;
                let second = chars.get(i + 1).map_or(' ', |&(_, c)| c);
                let shared = COMMON_ON_SYNC_SERVERS.iter().any(|word| {
                    word.chars()
                        .zip(word.chars().skip(1))
                        .any(|pair| pair == (first, second))
                });
                let count = self.count((first, second));
                Some((shared, count, offset))
            })
            .min()
    }
}

/// Each literal's *window* ([`Searcher`]): where it starts, at the literal's rarest pair
/// ([`PairFrequencies::rarest`]), and how common that pair is. Worked out once a run.
struct Windows(Vec<(usize, (bool, u32))>);

impl Windows {
    fn new(literals: &[String], pairs: &PairFrequencies) -> Self {
        Windows(
            literals
                .iter()
                .map(|literal| {
                    pairs
                        .rarest(literal)
                        .map_or((0, (false, 0)), |(shared, count, at)| (at, (shared, count)))
                })
                .collect(),
        )
    }

    /// The byte offset where literal `id`'s window starts.
    fn start(&self, id: usize) -> Option<usize> {
        self.0.get(id).map(|&(start, _)| start)
    }

    /// How common the pair literal `id`'s window starts with is (the greater, the more).
    fn rarity(&self, id: usize) -> Option<(bool, u32)> {
        self.0.get(id).map(|&(_, rarity)| rarity)
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
            ..LiteralPlan::default()
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
        // Every case variant of the anchors' keys fits the packed searcher: no lower-casing of
        // whole chunks, no automaton.
        if cfg!(target_arch = "x86_64") {
            assert!(matches!(prefilter.anchors.engine, Engine::Packed(_)));
        }
    }

    #[test]
    fn no_literals_means_no_prefilter() {
        assert!(Prefilter::new(&LiteralPlan::default()).is_none());
        // A clause with no literal cannot rule anything out, nor can an empty literal.
        let open = LiteralPlan {
            clauses: vec![vec![vec!["adsync".into()]], vec![]],
            ..LiteralPlan::default()
        };
        assert!(Prefilter::new(&open).is_none());
        let empty = LiteralPlan {
            clauses: vec![vec![vec!["adsync".into()], vec![String::new()]]],
            ..LiteralPlan::default()
        };
        assert!(Prefilter::new(&empty).is_none());
    }

    #[test]
    fn case_variants_of_a_key_share_its_bucket_order() {
        let keys = [b"a\0b".to_vec(), b"1x".to_vec()];
        let (patterns, key_of) = case_variants(&keys);
        // One variant of each key first, then the others.
        assert_eq!(key_of[..2], [0, 1]);
        let of = |key: usize| -> Vec<&[u8]> {
            patterns
                .iter()
                .zip(&key_of)
                .filter(|(_, k)| **k == key)
                .map(|(p, _)| p.as_slice())
                .collect()
        };
        assert_eq!(of(0), [&b"a\0b"[..], b"a\0B", b"A\0b", b"A\0B"]);
        assert_eq!(of(1), [&b"1x"[..], b"1X"]);
    }

    #[test]
    fn anchors_past_the_packed_searcher_are_found_ignoring_case() {
        // Eight anchors, sixteen keys: more case variants than the packed searcher takes, so
        // aho-corasick's automaton searches them, folding case itself.
        let words = [
            "alphabet", "bravado", "charlie", "delta", "echoes", "foxtrot", "golfer", "hotel",
        ];
        let plan = LiteralPlan {
            clauses: words.iter().map(|w| vec![vec![w.to_string()]]).collect(),
            ..LiteralPlan::default()
        };
        let prefilter = Prefilter::new(&plan).unwrap();
        assert!(matches!(prefilter.anchors.engine, Engine::Automaton(_)));
        for word in words {
            let upper = word.to_ascii_uppercase();
            assert!(
                admits(&prefilter, &utf16(&format!("xx {upper} yy"))),
                "{word}"
            );
            assert!(admits(&prefilter, upper.as_bytes()), "{word}");
        }
        assert!(!admits(&prefilter, &utf16("xx alphabe yy")));
    }

    #[test]
    fn short_words_are_searched_too() {
        let plan = LiteralPlan {
            clauses: vec![vec![vec!["adsync".into()], vec!["0x".into()]]],
            ..LiteralPlan::default()
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
            ..LiteralPlan::default()
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
        reference_for(plan, parts, None)
    }

    /// [`reference`] for an event with id `id` (`None`: unknown).
    fn reference_for(plan: &LiteralPlan, parts: &[Vec<u8>], id: Option<u16>) -> bool {
        let lower: Vec<Vec<u8>> = parts.iter().map(|p| p.to_ascii_lowercase()).collect();
        let present = |word: &str| {
            let [wide, narrow] =
                encodings(&word.to_ascii_lowercase()).map(|bytes| bytes.to_ascii_lowercase());
            lower.iter().any(|part| {
                memchr::memmem::find(part, &wide).is_some()
                    || memchr::memmem::find(part, &narrow).is_some()
            })
        };
        let fits = |clause: usize| match (id, plan.event_ids.get(clause)) {
            (Some(id), Some(ids)) => ids.is_empty() || ids.contains(&id),
            _ => true,
        };
        plan.clauses.iter().enumerate().any(|(clause, groups)| {
            fits(clause)
                && groups
                    .iter()
                    .all(|alternatives| alternatives.iter().any(|w| present(w)))
        })
    }

    fn word_plan() -> impl Strategy<Value = LiteralPlan> {
        let word = prop::sample::select(WORDS).prop_map(String::from);
        let group = prop::collection::vec(word, 1..3);
        let clause = prop::collection::vec(group, 1..4);
        let ids = prop::sample::select(vec![vec![], vec![1u16], vec![2], vec![1, 2]]);
        prop::collection::vec((clause, ids), 1..4).prop_map(|clauses| {
            let (clauses, event_ids) = clauses.into_iter().unzip();
            LiteralPlan { clauses, event_ids }
        })
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
            id in prop::sample::select(vec![None, Some(1u16), Some(2), Some(3)]),
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
                // As the scanner asks: the anchors first, then about these parts alone.
                let mut fresh = prefilter.new_hits();
                let anchored = prefilter.index_anchors(&chunk, &mut fresh);
                proptest::prop_assert_eq!(
                    anchored && prefilter.admits_record(&chunk, &mut fresh, &chosen_ranges, || id),
                    reference_for(&plan, &chosen_parts, id)
                );
            }
        }

        /// Many records of one chunk asked in turn, in any order, sharing templates: what
        /// one record's gates and followers searched (and found) never changes the answer for
        /// another.
        #[test]
        fn records_of_a_chunk_asked_in_turn(
            plan in word_plan(),
            parts in prop::collection::vec(part(), 2..8),
            records in prop::collection::vec(
                (
                    any::<prop::sample::Index>(),
                    any::<prop::sample::Index>(),
                    prop::sample::select(vec![None, Some(1u16), Some(2), Some(3)]),
                ),
                1..12,
            ),
        ) {
            if let Some(prefilter) = Prefilter::new(&plan) {
                let (chunk, ranges) = chunk_of(&parts);
                let mut hits = prefilter.new_hits();
                let anchored = prefilter.index_anchors(&chunk, &mut hits);
                for (own, template, id) in records {
                    // A record's bytes and its template's: two parts, or the same one twice.
                    let (own, template) = (own.index(parts.len()), template.index(parts.len()));
                    let record = [ranges[own].clone(), ranges[template].clone()];
                    let expected =
                        reference_for(&plan, &[parts[own].clone(), parts[template].clone()], id);
                    proptest::prop_assert_eq!(
                        anchored && prefilter.admits_record(&chunk, &mut hits, &record, || id),
                        expected
                    );
                }
            }
        }
    }

    /// A record as the scanner asks about it, with the builtin rules: `template` (where the
    /// provider name is) and `text` (the record's own bytes) in a chunk whose anchors are
    /// indexed; whether it is admitted when its event id is `id`, and whether a follower
    /// searcher was run for it.
    fn ask(template: &str, text: &str, id: impl FnOnce() -> Option<u16>) -> (bool, bool) {
        let knowledge = crate::knowledge::Knowledge::builtin().unwrap();
        let prefilter = Prefilter::new(&knowledge.rules().literal_plan().unwrap()).unwrap();
        let (chunk, ranges) = chunk_of(&[utf16(template), utf16(text)]);
        let mut hits = prefilter.new_hits();
        assert!(prefilter.index_anchors(&chunk, &mut hits));
        let record = [ranges[1].clone(), ranges[0].clone()];
        let admitted = prefilter.admits_record(&chunk, &mut hits, &record, id);
        let followers = hits
            .searched
            .iter()
            .any(|&(.., searcher)| prefilter.follow.contains(&Some(searcher)));
        (admitted, followers)
    }

    #[test]
    fn sync_noise_is_ruled_out_before_its_event_id_is_read() {
        // An ADSync record as a sync server logs thousands: the provider in its template,
        // the scheduler's message in its own bytes. The Entra Connector rules name ADSync
        // for any event id; none of their gate words ("aadsts", "dialog", "authenticate")
        // is in the record.
        let (admitted, followers) = ask(
            "<Provider Name='ADSync'/><EventID/><Data/>",
            "Scheduler::SchedulerThreadMain : Next sync cycle scheduled in 30 minutes.",
            || panic!("the event id was read"),
        );
        assert!(!admitted && !followers);
    }

    #[test]
    fn an_aadsts_code_in_an_adsync_record_is_kept_for_any_event_id() {
        for id in [None, Some(904), Some(6900), Some(6329)] {
            let (admitted, _) = ask(
                "<Provider Name='ADSync'/>",
                "Token acquisition failed: AADSTS50054: Old password is used for authentication.",
                || id,
            );
            assert!(admitted, "{id:?}");
        }
    }

    #[test]
    fn what_a_gate_found_can_decide_alone() {
        // A 611 with "error" in it: the clause `Directory Synchronization` + `error` holds on
        // what its gate found; no follower is searched.
        let provider = "<Provider Name='Directory Synchronization'/>";
        let failed = "Password hash synchronization failed for domain: contoso.com. RPC Error 8439";
        assert_eq!(ask(provider, failed, || Some(611)), (true, false));
        // Without "error", or any other word of its gate: ruled out.
        let running = "Password hash synchronization is running for domain: contoso.com.";
        assert_eq!(ask(provider, running, || Some(611)), (false, false));
    }
}
