//! A rule pack's regular expression, compiled when it is first needed, shared by every rule
//! and extractor that writes the same one.

use memchr::memmem::Finder;
use regex::{Regex, RegexBuilder};
use regex_syntax::hir::{Class, Hir, HirKind};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// Bounds on a compiled pattern (the `regex` crate runs in time linear in the text).
const SIZE_LIMIT: usize = 1 << 20;

/// A pattern of a rule pack. Compiling the built-in packs' patterns (case-insensitive and
/// Unicode-aware) was three quarters of the start-up, before any file is read, and a run
/// tests events against few of them: so they are compiled the first time one is used, their
/// syntax checked when the pack is loaded (`tests::every_builtin_pattern_compiles` compiles
/// them all). Patterns of other packs are compiled when loaded, so that any error is reported
/// with its line.
///
/// Clones share the compiled regex; [`Patterns`] hands out one per distinct source, each with
/// its own [`Pattern::id`], so that an event's evaluation runs each at most once.
#[derive(Debug, Clone)]
pub(crate) struct Pattern(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    /// Its slot in a per-event cache: distinct for each distinct source of one [`Patterns`].
    id: usize,
    source: String,
    /// `None` when it does not compile (within the size limits): it then matches nothing.
    compiled: OnceLock<Option<Regex>>,
    /// Literals (ASCII, lower case) that every match contains, ignoring ASCII case.
    required: Vec<Finder<'static>>,
    /// Whether it has named groups (else capturing sets no field).
    named_groups: bool,
}

impl Pattern {
    /// Checks `source`; compiles it now unless `lazy`. The error says what is wrong.
    fn new(source: &str, lazy: bool, id: usize) -> Result<Self, String> {
        let compiled = OnceLock::new();
        let hir = regex_syntax::Parser::new()
            .parse(source)
            .map_err(|err| err.to_string())?;
        if !lazy {
            let regex = compile(source).map_err(|err| err.to_string())?;
            let _ = compiled.set(Some(regex));
        }
        let mut literals = Vec::new();
        required_literals(&hir, &mut literals);
        literals.sort_unstable_by_key(|literal| std::cmp::Reverse(literal.len()));
        literals.dedup();
        literals.truncate(MAX_REQUIRED);
        Ok(Pattern(Arc::new(Inner {
            id,
            source: source.to_owned(),
            compiled,
            required: literals
                .iter()
                .map(|literal| Finder::new(literal).into_owned())
                .collect(),
            named_groups: has_named_group(&hir),
        })))
    }

    /// Its slot in a per-event cache (see [`Patterns`]).
    pub(crate) fn id(&self) -> usize {
        self.0.id
    }

    /// Whether it has named groups: capturing with it can set fields.
    pub(crate) fn has_named_groups(&self) -> bool {
        self.0.named_groups
    }

    /// The compiled pattern; `None` only for a lazy pattern past the size limits.
    pub(crate) fn regex(&self) -> Option<&Regex> {
        self.0
            .compiled
            .get_or_init(|| compile(&self.0.source).ok())
            .as_ref()
    }

    /// The names of its capture groups (`(?P<name>...)` and `(?<name>...)`), read from the
    /// source so that a lazy pattern is not compiled for them.
    pub(crate) fn capture_names(&self) -> impl Iterator<Item = &str> {
        capture_names(&self.0.source)
    }

    /// Whether it may match a text whose ASCII-lowercased bytes are `lower`: `false` when a
    /// literal every match contains is not there (a `memchr` search, much cheaper than
    /// running the regex over the text).
    pub(crate) fn may_match(&self, lower: &[u8]) -> bool {
        self.0
            .required
            .iter()
            .all(|literal| literal.find(lower).is_some())
    }

    /// Whether it matches somewhere in `text`.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        self.regex().is_some_and(|regex| regex.is_match(text))
    }
}

/// The distinct patterns of a rule set: the same source gives the same [`Pattern`] (and
/// compiled regex), with its own [`Pattern::id`] (0, 1, 2, ...).
#[derive(Debug, Default)]
pub(crate) struct Patterns {
    by_source: HashMap<String, Pattern>,
}

impl Patterns {
    /// The pattern of `source`, checked (and unless `lazy`, compiled) when it is new.
    pub(crate) fn get(&mut self, source: &str, lazy: bool) -> Result<Pattern, String> {
        if let Some(known) = self.by_source.get(source) {
            if !lazy && known.regex().is_none() {
                // Known from a built-in pack, and past the size limits: an error here.
                compile(source).map_err(|err| err.to_string())?;
            }
            return Ok(known.clone());
        }
        let pattern = Pattern::new(source, lazy, self.by_source.len())?;
        self.by_source.insert(source.to_owned(), pattern.clone());
        Ok(pattern)
    }

    /// How many ids were handed out.
    pub(crate) fn len(&self) -> usize {
        self.by_source.len()
    }
}

/// The names of the capture groups of `source` (`(?P<name>...)` and `(?<name>...)`).
fn capture_names(source: &str) -> impl Iterator<Item = &str> {
    source.match_indices("(?").filter_map(move |(at, _)| {
        let rest = source.get(at + 2..)?;
        let rest = rest.strip_prefix('P').unwrap_or(rest).strip_prefix('<')?;
        let end = rest.find('>')?;
        let name = rest.get(..end)?;
        let escaped = source
            .get(..at)
            .is_some_and(|head| head.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1);
        (!escaped
            && !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .then_some(name)
    })
}

/// Whether `hir` has a named capture group.
fn has_named_group(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Capture(group) => group.name.is_some() || has_named_group(&group.sub),
        HirKind::Repetition(repetition) => has_named_group(&repetition.sub),
        HirKind::Concat(parts) | HirKind::Alternation(parts) => parts.iter().any(has_named_group),
        _ => false,
    }
}

/// At most this many required literals are checked per pattern (the longest).
const MAX_REQUIRED: usize = 4;

/// Adds to `out` literals (ASCII, lower case, two bytes or more) that every match of `hir`
/// contains, ignoring ASCII case: runs of literal characters, or of classes that are one
/// ASCII character in its two cases, in a concatenation, looked for inside groups and
/// repetitions of at least one. Anything else (alternations, optional parts, classes with
/// non-ASCII members such as the Kelvin sign `(?i)k` matches) contributes nothing: what is
/// listed is certain, not complete.
fn required_literals(hir: &Hir, out: &mut Vec<Vec<u8>>) {
    match hir.kind() {
        HirKind::Concat(parts) => {
            let mut run = Vec::new();
            for part in parts {
                match literal_bytes(part) {
                    Some(bytes) => run.extend(bytes),
                    None => {
                        keep(&mut run, out);
                        required_literals(part, out);
                    }
                }
            }
            keep(&mut run, out);
        }
        HirKind::Capture(group) => required_literals(&group.sub, out),
        HirKind::Repetition(repetition) if repetition.min >= 1 => {
            required_literals(&repetition.sub, out);
        }
        HirKind::Literal(_) | HirKind::Class(_) => {
            if let Some(mut bytes) = literal_bytes(hir) {
                keep(&mut bytes, out);
            }
        }
        _ => {}
    }
}

fn keep(run: &mut Vec<u8>, out: &mut Vec<Vec<u8>>) {
    if run.len() >= 2 {
        out.push(std::mem::take(run));
    }
    run.clear();
}

/// The lower-case ASCII bytes `hir` matches, when it matches exactly those (ignoring ASCII
/// case) and nothing else.
fn literal_bytes(hir: &Hir) -> Option<Vec<u8>> {
    match hir.kind() {
        HirKind::Literal(literal) => literal.0.is_ascii().then(|| literal.0.to_ascii_lowercase()),
        HirKind::Class(Class::Unicode(class)) => {
            let chars = class
                .iter()
                .flat_map(|range| (u32::from(range.start())..=u32::from(range.end())).take(3));
            one_ascii_char(chars.take(3).collect())
        }
        HirKind::Class(Class::Bytes(class)) => {
            let bytes = class
                .iter()
                .flat_map(|range| (u32::from(range.start())..=u32::from(range.end())).take(3));
            one_ascii_char(bytes.take(3).collect())
        }
        _ => None,
    }
}

/// `[c]` or `[c, C]` (an ASCII character in one or both cases) as lower-case `c`.
fn one_ascii_char(members: Vec<u32>) -> Option<Vec<u8>> {
    let bytes: Vec<u8> = members
        .iter()
        .map(|&m| u8::try_from(m).ok().filter(u8::is_ascii))
        .collect::<Option<_>>()?;
    match bytes.as_slice() {
        [one] => Some(vec![one.to_ascii_lowercase()]),
        [a, b] if a.eq_ignore_ascii_case(b) => Some(vec![a.to_ascii_lowercase()]),
        _ => None,
    }
}

fn compile(source: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(source)
        .size_limit(SIZE_LIMIT)
        .dfa_size_limit(SIZE_LIMIT)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::BUILTIN_PACKS;

    #[test]
    fn a_lazy_pattern_is_checked_then_compiled_when_used() {
        let mut patterns = Patterns::default();
        assert!(patterns.get("(unclosed", true).is_err());
        assert!(patterns.get("(unclosed", false).is_err());
        let pattern = patterns
            .get(r"(?i)error code\s*:\s*(?P<code>\d+)", true)
            .unwrap();
        assert!(pattern.0.compiled.get().is_none());
        assert!(pattern.is_match("Error Code : 90"));
        assert!(pattern.0.compiled.get().is_some());
        // Past the size limit: an error when compiled at once, no match when lazy; and an
        // error when a pack that is not built in uses it too.
        let huge = r"\w{1000}{1000}";
        assert!(patterns.get(huge, false).is_err());
        let lazy = patterns.get(huge, true).unwrap();
        assert!(!lazy.is_match(&"a".repeat(10)));
        assert!(patterns.get(huge, false).is_err());
    }

    #[test]
    fn the_same_source_is_one_pattern() {
        let mut patterns = Patterns::default();
        let a = patterns.get(r"(?i)\bAADSTS50054\b", true).unwrap();
        let b = patterns
            .get(r"(?i)\bResult\s*:\s*(?P<result>\w+)", false)
            .unwrap();
        let again = patterns.get(r"(?i)\bAADSTS50054\b", false).unwrap();
        assert_eq!((a.id(), b.id(), again.id()), (0, 1, 0));
        assert!(Arc::ptr_eq(&a.0, &again.0));
        assert_eq!(patterns.len(), 2);
        assert!(!a.has_named_groups());
        assert!(b.has_named_groups());
    }

    fn required(source: &str) -> Vec<String> {
        let mut patterns = Patterns::default();
        let pattern = patterns.get(source, true).unwrap();
        let mut found: Vec<String> = pattern
            .0
            .required
            .iter()
            .map(|finder| String::from_utf8(finder.needle().to_vec()).unwrap())
            .collect();
        found.sort();
        found
    }

    #[test]
    fn required_literals_are_certain() {
        // (?i)s also matches U+017F and (?i)k U+212A: those letters end a literal.
        assert_eq!(required(r"(?i)\bAADSTS50054\b"), ["50054", "aad"]);
        assert_eq!(required(r"(?P<drs_call>_IDL_DRS[A-Za-z]+)"), ["_idl_drs"]);
        assert_eq!(
            required(r"(?i)RPC Error\s*(?P<error_code>0x[0-9A-Fa-f]+|\d+)"),
            ["rpc error"]
        );
        assert_eq!(
            required(r"\b(?P<error_code>0[xX][0-9A-Fa-f]{1,8})\b"),
            ["0x"]
        );
        assert_eq!(
            required(r"(?i)domain controller hostname:\s*(?P<h>\S+)"),
            ["domain controller ho", "tname:"]
        );
        assert_eq!(required(r"(?i)look"), ["loo"]);
        // Optional parts and alternatives say nothing.
        assert!(required(r"(?:abc)?x|yz").is_empty());
        assert_eq!(required(r"(?:abc)+de"), ["abc", "de"]);
        assert!(required(r"a.b").is_empty());
    }

    /// Where a pattern matches a text, the literals it requires are in the text lowercased:
    /// every built-in pattern against texts made to match them, also with the letters that
    /// Unicode case folding adds (U+017F for s, U+212A for k) and odd case.
    #[test]
    fn a_pattern_that_matches_may_match() {
        let texts = [
            "Password hash synchronization failed for domain: ChildDomain.Contoso.Com, domain controller hostname: DC01.ChildDomain.Contoso.Com, domain controller IP address: 10.0.0.12. Details: System.ArgumentException: x : RPC Error 8453 : Replication access was denied. _IDL_DRSGetNCChanges",
            "AADSTS70002: Error validating credentials. aadsts50054: Old password. Error Code: 90 Error Description: x Result : Success Result: Failed hr=0x80230626 Sync_SYNC01_0123@contoso.onmicrosoft.com",
            "Password Change Result: Dn : CN=Alice,DC=contoso,DC=com, Result : Success. completed for domain: contoso.com",
        ];
        let odd = |text: &str| -> String {
            text.chars()
                .map(|c| match c {
                    's' => '\u{17f}',
                    'k' | 'K' => '\u{212a}',
                    c if c.is_ascii_lowercase() => c.to_ascii_uppercase(),
                    c => c,
                })
                .collect()
        };
        let mut patterns = Patterns::default();
        let mut checked = 0;
        for (_, source) in builtin_sources() {
            let pattern = patterns.get(&source, false).unwrap();
            for text in texts.iter().flat_map(|t| [t.to_string(), odd(t)]) {
                if pattern.is_match(&text) {
                    checked += 1;
                    let lower = text.to_ascii_lowercase();
                    assert!(pattern.may_match(lower.as_bytes()), "{source} in {text}");
                }
            }
        }
        assert!(checked > 15, "{checked} matches checked");
    }

    #[test]
    fn every_builtin_pattern_compiles() {
        let sources = builtin_sources();
        for (name, source) in &sources {
            compile(source).unwrap_or_else(|err| panic!("{name}: {source}: {err}"));
        }
        assert!(sources.len() > 10, "{} patterns", sources.len());
    }

    /// Every pattern of the built-in packs, with its pack's name.
    fn builtin_sources() -> Vec<(&'static str, String)> {
        let mut all = Vec::new();
        for (name, text) in BUILTIN_PACKS {
            let pack: toml::Value = toml::from_str(text).unwrap();
            let mut sources = Vec::new();
            collect(&pack, "", &mut sources);
            all.extend(sources.into_iter().map(|source| (*name, source)));
        }
        all
    }

    /// Every string under a `pattern`, `patterns` or `exclude` key.
    fn collect(value: &toml::Value, key: &str, out: &mut Vec<String>) {
        match value {
            toml::Value::Table(table) => table.iter().for_each(|(k, v)| collect(v, k, out)),
            toml::Value::Array(items) => items.iter().for_each(|v| collect(v, key, out)),
            toml::Value::String(s) if ["pattern", "patterns", "exclude"].contains(&key) => {
                out.push(s.clone());
            }
            _ => {}
        }
    }
}
