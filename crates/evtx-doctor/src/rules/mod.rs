//! Rules: the knowledge base compiled into something that matches [`Event`]s.
//!
//! A rule pack is a TOML file (docs/rules.md): extractors that pull fields (domain, error code,
//! exception, ...) out of events, and rules that say which events make a diagnosis. Every rule
//! names its providers and the words its events must contain; those literals feed the scanner's
//! prefilter, so the prefilter only skips what no rule can match.

mod error;
mod eval;
mod evidence;
mod fields;
mod memo;
mod pack;
mod pattern;
mod severity;
mod text;

pub use error::RuleError;
pub use fields::Fields;
pub(crate) use memo::Hash as FastHash;
pub use pack::{GroupKey, SignalKind};
pub use severity::Severity;
pub use text::normalize;

use crate::event::Event;
use error::line_of;
use memchr::memmem::Finder;
use pack::{ClauseDef, Occurrence, PackFile};
use pattern::{Pattern, Patterns};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A compiled rule: what it diagnoses and when it matches.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Stable id, e.g. `phs.611.rpc-8453`.
    pub id: String,
    /// One-line title; `{error_code}`, `{error_symbol}` and `{domain}` are filled in per finding.
    pub title: String,
    /// How bad it is.
    pub severity: Severity,
    /// Rules are tried from the highest priority down; the first that matches wins.
    pub priority: i32,
    /// Why it happens.
    pub cause: String,
    /// What fixes it.
    pub resolution: String,
    /// KB ids (`KB2867278`) and links.
    pub references: Vec<String>,
    /// What separates one finding of this rule from another.
    pub group_by: Vec<GroupKey>,
    /// For health rules: what their events say; such rules make no findings.
    pub signal: Option<SignalKind>,
    /// The pack the rule came from.
    pub pack: String,
    clauses: Vec<Clause>,
}

/// One `[[rule.when]]` alternative.
#[derive(Debug, Clone)]
struct Clause {
    /// Lower-case provider names; empty means any.
    providers: Vec<String>,
    /// Event ids; empty means any.
    event_ids: Vec<u16>,
    /// Lower-case words the normalised text must contain.
    keywords: Vec<String>,
    /// The same, as indexes into [`RuleSet::keywords`] (set by [`RuleSetBuilder::build`]).
    keyword_ids: Vec<usize>,
    patterns: Vec<Pattern>,
    exclude: Vec<Pattern>,
    error_codes: Vec<u32>,
}

#[derive(Debug, Clone)]
struct Extractor {
    providers: Vec<String>,
    event_ids: Vec<u16>,
    fields: Vec<(String, Pattern, Occurrence)>,
}

/// The literals an event must contain for some rule to match it, for the scanner's prefilter:
/// a list of clauses; a clause is a list of groups; a group is a list of alternatives. An
/// event (or chunk) can match only if, for some clause, every group has an alternative in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiteralPlan {
    /// Clauses of groups of alternatives, all ASCII.
    pub clauses: Vec<Vec<Vec<String>>>,
    /// Per clause, the event ids it needs (empty, or missing: any).
    pub event_ids: Vec<Vec<u16>>,
}

/// A rule matched an event.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// Index of the rule in [`RuleSet::rules`].
    pub rule: usize,
    /// What the extractors and the rule's patterns pulled out of the event.
    pub fields: Fields,
}

/// A rule pack that was loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackInfo {
    /// Pack id.
    pub id: String,
    /// What it covers.
    pub title: String,
    /// The documents its rules come from.
    pub sources: Vec<String>,
    /// The file it was read from.
    pub path: PathBuf,
}

/// Compiled rules from one or more packs, in the order they are tried.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    extractors: Vec<Extractor>,
    packs: Vec<PackInfo>,
    /// The distinct keywords of all clauses, each searched at most once per event.
    keywords: Vec<Finder<'static>>,
    /// How many distinct patterns the rules and extractors use ([`Pattern::id`]s).
    patterns: usize,
    /// Tells this set from others (clones share it): what a [`RuleScratch`] remembers of
    /// one set's answers is not used with another.
    id: u64,
}

/// Buffers one thread reuses from event to event, and the answers it remembers: the
/// normalised text of the event, and what the rules said of the last events.
#[derive(Debug, Default)]
pub struct RuleScratch {
    text: text::EventText,
    memo: memo::Memo,
}

impl RuleSet {
    /// The packs the rules came from, in load order.
    pub fn packs(&self) -> &[PackInfo] {
        &self.packs
    }

    /// The rules, highest priority first.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rules that diagnose error `code` specifically.
    pub fn rules_for_code(&self, code: u32) -> impl Iterator<Item = &Rule> {
        self.rules
            .iter()
            .filter(move |rule| rule.clauses.iter().any(|c| c.error_codes.contains(&code)))
    }

    /// The rules one clause of which requires the keyword `word` (ASCII case and white space
    /// runs ignored), e.g. the rules that name `AADSTS50054`.
    pub fn rules_with_keyword(&self, word: &str) -> impl Iterator<Item = &Rule> {
        let word = normalize(word).to_ascii_lowercase();
        self.rules
            .iter()
            .filter(move |rule| rule.clauses.iter().any(|c| c.keywords.contains(&word)))
    }

    /// Finds the rule that diagnoses `event`, if any.
    pub fn evaluate(&self, event: &Event) -> Option<Match> {
        let mut text = text::EventText::default();
        text.fill(event);
        eval::Evaluation::new(self, event, &text).run()
    }

    /// [`RuleSet::evaluate`], reusing `scratch`'s buffers, and its memory of recent events:
    /// an event with the provider, id, data values and message of one evaluated lately gets
    /// the same answer without the rules being run again (the answer depends on nothing
    /// else).
    pub fn evaluate_with(&self, event: &Event, scratch: &mut RuleScratch) -> Option<Match> {
        let RuleScratch { text, memo } = scratch;
        let key = memo::Key::new(self.id, event);
        if let Some(found) = memo.get(&key) {
            return found;
        }
        text.fill(event);
        let found = eval::Evaluation::new(self, event, text).run();
        memo.put(key, &found);
        found
    }

    /// The literals the prefilter may require, or `None` when some rule has none (then nothing
    /// may be skipped).
    pub fn literal_plan(&self) -> Option<LiteralPlan> {
        let mut plan = LiteralPlan::default();
        for clause in self.rules.iter().flat_map(|rule| &rule.clauses) {
            let mut groups = Vec::new();
            if !clause.providers.is_empty() {
                groups.push(clause.providers.clone());
            }
            // A keyword matches the normalised text, where white space is folded; in the raw
            // bytes its words may be separated by anything. Each of its words is present, so
            // the longest (the most selective) is a sound literal to require.
            for keyword in &clause.keywords {
                let longest = keyword.split_whitespace().fold("", |best, word| {
                    if word.len() > best.len() { word } else { best }
                });
                if !longest.is_empty() {
                    groups.push(vec![longest.to_owned()]);
                }
            }
            if groups.is_empty() {
                return None;
            }
            plan.clauses.push(groups);
            plan.event_ids.push(clause.event_ids.clone());
        }
        Some(plan)
    }
}

impl Rule {
    /// Every provider any clause names (lower case), sorted, distinct.
    pub fn providers(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self
            .clauses
            .iter()
            .flat_map(|c| c.providers.iter().map(String::as_str))
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// Every event id any clause names, sorted, distinct.
    pub fn event_ids(&self) -> Vec<u16> {
        let mut all: Vec<u16> = self
            .clauses
            .iter()
            .flat_map(|c| c.event_ids.iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// Every error code any clause requires, sorted, distinct.
    pub fn error_codes(&self) -> Vec<u32> {
        let mut all: Vec<u32> = self
            .clauses
            .iter()
            .flat_map(|c| c.error_codes.iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

impl Clause {
    /// Whether the clause holds for an event (`provider` lower-cased, `lower` the lower-cased
    /// `text`), every keyword and pattern checked afresh: for one event at a time off the hot
    /// path (a finding's sample); the scanner's matching goes through [`eval`].
    fn admits(&self, provider: &str, event_id: u16, text: &str, lower: &str) -> bool {
        scope_admits(&self.providers, &self.event_ids, provider, event_id)
            && self
                .keywords
                .iter()
                .all(|word| lower.contains(word.as_str()))
            && self.patterns.iter().all(|pattern| pattern.is_match(text))
            && !self.exclude.iter().any(|pattern| pattern.is_match(text))
    }
}

fn scope_admits(providers: &[String], event_ids: &[u16], provider: &str, event_id: u16) -> bool {
    // `providers` are lower case: equal ignoring ASCII case is equal once lowercased.
    (providers.is_empty() || providers.iter().any(|p| p.eq_ignore_ascii_case(provider)))
        && (event_ids.is_empty() || event_ids.contains(&event_id))
}

/// Collects rule packs; a later pack's rule replaces an earlier rule with the same id.
#[derive(Debug, Default)]
pub struct RuleSetBuilder {
    rules: Vec<(Rule, i32)>,
    extractors: Vec<Extractor>,
    packs: Vec<PackInfo>,
    patterns: Patterns,
}

impl RuleSetBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the pack in `text`; `path` names it in errors.
    pub fn add_pack(&mut self, path: &Path, text: &str) -> Result<&mut Self, RuleError> {
        self.add(path, text, false)
    }

    /// Adds a pack built into this crate (its patterns compiled when first used).
    pub(crate) fn add_builtin_pack(
        &mut self,
        path: &Path,
        text: &str,
    ) -> Result<&mut Self, RuleError> {
        self.add(path, text, true)
    }

    fn add(&mut self, path: &Path, text: &str, builtin: bool) -> Result<&mut Self, RuleError> {
        let file: PackFile = toml::from_str(text).map_err(|err| RuleError::Syntax {
            path: path.to_owned(),
            line: err.span().map_or(0, |span| line_of(text, span.start)),
            message: err.message().to_owned(),
        })?;
        let ctx = Ctx {
            path,
            text,
            builtin,
        };
        if file.schema != 1 {
            return Err(ctx.invalid(0, "", format!("unsupported schema {}", file.schema)));
        }
        for extractor in file.extractor {
            let mut fields = Vec::new();
            for field in extractor.fields {
                let regex = ctx.regex(&mut self.patterns, &field.pattern, &field.name)?;
                fields.push((field.name, regex, field.occurrence));
            }
            self.extractors.push(Extractor {
                providers: lower_all(&extractor.providers),
                event_ids: extractor.event_ids,
                fields,
            });
        }
        self.packs.push(PackInfo {
            id: file.pack.id.clone(),
            title: file.pack.title.clone(),
            sources: file.pack.sources.clone(),
            path: path.to_owned(),
        });
        let mut seen = Vec::new();
        for spanned in file.rule {
            let line = line_of(text, spanned.span().start);
            let def = spanned.into_inner();
            if def.id.trim().is_empty() {
                return Err(ctx.invalid(line, &def.id, "the rule has an empty id".into()));
            }
            if seen.contains(&def.id) {
                return Err(ctx.invalid(
                    line,
                    &def.id,
                    "a rule with this id is already in this file".into(),
                ));
            }
            seen.push(def.id.clone());
            if def.signal.is_none()
                && (def.cause.get_ref().trim().is_empty()
                    || def.resolution.get_ref().trim().is_empty())
            {
                return Err(ctx.invalid(
                    line,
                    &def.id,
                    "a rule needs a cause and a resolution".into(),
                ));
            }
            if def.when.is_empty() {
                return Err(ctx.invalid(
                    line,
                    &def.id,
                    "the rule has no [[rule.when]] clause".into(),
                ));
            }
            let clauses = def
                .when
                .iter()
                .map(|clause| ctx.clause(&mut self.patterns, clause, &def.id, line))
                .collect::<Result<Vec<_>, _>>()?;
            let captured = self.field_names(&clauses);
            for text in [&def.title, &def.cause, &def.resolution] {
                ctx.placeholders(text, &def.id, &captured)?;
            }
            let rule = Rule {
                id: def.id,
                title: def.title.into_inner(),
                severity: def.severity,
                priority: def.priority,
                cause: def.cause.into_inner(),
                resolution: def.resolution.into_inner(),
                references: def.references,
                group_by: def.group_by,
                signal: def.signal,
                pack: file.pack.id.clone(),
                clauses,
            };
            self.rules.retain(|(existing, _)| existing.id != rule.id);
            let order = i32::try_from(self.rules.len()).unwrap_or(i32::MAX);
            self.rules.push((rule, order));
        }
        Ok(self)
    }

    /// The names of the fields that extractors added so far, and the patterns of `clauses`,
    /// can capture: the placeholders a rule's texts may use besides the built-in ones.
    fn field_names<'a>(&'a self, clauses: &'a [Clause]) -> Vec<&'a str> {
        let extracted = self.extractors.iter().flat_map(|extractor| {
            extractor.fields.iter().flat_map(|(name, pattern, _)| {
                std::iter::once(name.as_str()).chain(pattern.capture_names())
            })
        });
        let matched = clauses
            .iter()
            .flat_map(|clause| clause.patterns.iter().flat_map(Pattern::capture_names));
        extracted.chain(matched).collect()
    }

    /// Reads and adds the pack file at `path`.
    pub fn add_pack_file(&mut self, path: &Path) -> Result<&mut Self, RuleError> {
        let text = std::fs::read_to_string(path).map_err(|source| RuleError::Io {
            path: path.to_owned(),
            source,
        })?;
        self.add_pack(path, &text)
    }

    /// The compiled set: highest priority first, then in the order rules were added.
    pub fn build(self) -> RuleSet {
        /// Each set built gets its own id (see [`RuleSet::id`]).
        static SETS_BUILT: AtomicU64 = AtomicU64::new(1);
        let mut rules = self.rules;
        rules.sort_by_key(|(rule, order)| (std::cmp::Reverse(rule.priority), *order));
        let mut rules: Vec<Rule> = rules.into_iter().map(|(rule, _)| rule).collect();
        let mut keywords: Vec<String> = Vec::new();
        for clause in rules.iter_mut().flat_map(|rule| &mut rule.clauses) {
            clause.keyword_ids = clause
                .keywords
                .iter()
                .map(
                    |word| match keywords.iter().position(|known| known == word) {
                        Some(id) => id,
                        None => {
                            keywords.push(word.clone());
                            keywords.len() - 1
                        }
                    },
                )
                .collect();
        }
        RuleSet {
            rules,
            extractors: self.extractors,
            packs: self.packs,
            keywords: keywords
                .iter()
                .map(|word| Finder::new(word).into_owned())
                .collect(),
            patterns: self.patterns.len(),
            id: SETS_BUILT.fetch_add(1, Ordering::Relaxed),
        }
    }
}

struct Ctx<'a> {
    path: &'a Path,
    text: &'a str,
    /// A pack of this crate: its patterns are compiled when first used.
    builtin: bool,
}

impl Ctx<'_> {
    fn invalid(&self, line: usize, rule: &str, message: String) -> RuleError {
        RuleError::Invalid {
            path: PathBuf::from(self.path),
            line,
            rule: rule.to_owned(),
            message,
        }
    }

    /// Checks (and unless the pack is built in, compiles) a pattern; the same source gives
    /// the same [`Pattern`].
    fn regex(
        &self,
        patterns: &mut Patterns,
        pattern: &toml::Spanned<String>,
        rule: &str,
    ) -> Result<Pattern, RuleError> {
        patterns
            .get(pattern.get_ref(), self.builtin)
            .map_err(|err| {
                let line = line_of(self.text, pattern.span().start);
                self.invalid(line, rule, format!("invalid regex: {err}"))
            })
    }

    /// Fails on a `{name}` in `text` that nothing fills: it would reach the report as is.
    fn placeholders(
        &self,
        text: &toml::Spanned<String>,
        rule: &str,
        captured: &[&str],
    ) -> Result<(), RuleError> {
        let unknown = fields::placeholders(text.get_ref()).find(|(_, name)| {
            !fields::BUILTIN_PLACEHOLDERS.contains(name) && !captured.contains(name)
        });
        match unknown {
            None => Ok(()),
            Some((at, name)) => {
                // The text's own lines, plus the newline a `"""` string opens with.
                let start = text.span().start;
                let raw = self.text.get(start..).unwrap_or_default();
                let opens_with_newline = ["\"\"\"\n", "'''\n", "\"\"\"\r\n", "'''\r\n"]
                    .iter()
                    .any(|open| raw.starts_with(open));
                let inner = text.get_ref().get(..at).unwrap_or_default();
                let line = line_of(self.text, start)
                    + inner.matches('\n').count()
                    + usize::from(opens_with_newline);
                let mut known: Vec<&str> = fields::BUILTIN_PLACEHOLDERS.to_vec();
                known.extend(captured);
                known.sort_unstable();
                known.dedup();
                Err(self.invalid(
                    line,
                    rule,
                    format!(
                        "unknown placeholder {{{name}}}: nothing fills it (known: {})",
                        known.join(", ")
                    ),
                ))
            }
        }
    }

    fn clause(
        &self,
        patterns: &mut Patterns,
        def: &ClauseDef,
        rule: &str,
        line: usize,
    ) -> Result<Clause, RuleError> {
        let mut keywords = Vec::new();
        for keyword in &def.keywords {
            let word = keyword.get_ref().trim();
            let line = line_of(self.text, keyword.span().start);
            if word.is_empty() || !word.is_ascii() {
                return Err(self.invalid(
                    line,
                    rule,
                    format!(
                        "keyword {word:?} must be non-empty ASCII (use patterns for localized text)"
                    ),
                ));
            }
            keywords.push(normalize(word).to_ascii_lowercase());
        }
        if def
            .providers
            .iter()
            .any(|p| p.trim().is_empty() || !p.is_ascii())
        {
            return Err(self.invalid(line, rule, "provider names must be non-empty ASCII".into()));
        }
        if def.providers.is_empty()
            && def.event_ids.is_empty()
            && keywords.is_empty()
            && def.patterns.is_empty()
        {
            return Err(self.invalid(
                line,
                rule,
                "a [[rule.when]] clause must name providers, event ids, keywords or patterns"
                    .into(),
            ));
        }
        let mut compile = |sources: &[toml::Spanned<String>]| {
            sources
                .iter()
                .map(|pattern| self.regex(patterns, pattern, rule))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(Clause {
            providers: lower_all(&def.providers),
            event_ids: def.event_ids.clone(),
            keywords,
            keyword_ids: Vec::new(),
            patterns: compile(&def.patterns)?,
            exclude: compile(&def.exclude)?,
            error_codes: def.error_codes.clone(),
        })
    }
}

fn lower_all(names: &[String]) -> Vec<String> {
    names
        .iter()
        .map(|name| name.trim().to_ascii_lowercase())
        .collect()
}

/// An event of `provider` and `id` with unnamed data values `data` and `message`, for tests.
#[cfg(test)]
pub(crate) fn test_event(provider: &str, id: u16, data: &[&str], message: Option<&str>) -> Event {
    Event {
        provider: provider.into(),
        event_id: id,
        data: data
            .iter()
            .map(|value| crate::event::DataItem {
                name: None,
                value: (*value).into(),
            })
            .collect(),
        message: message.map(Into::into),
        ..Event::default()
    }
}
