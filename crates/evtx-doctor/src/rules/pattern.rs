//! A rule pack's regular expression, compiled when it is first needed.

use regex::{Regex, RegexBuilder};
use std::sync::OnceLock;

/// Bounds on a compiled pattern (the `regex` crate runs in time linear in the text).
const SIZE_LIMIT: usize = 1 << 20;

/// A pattern of a rule pack. Compiling the built-in packs' patterns (case-insensitive and
/// Unicode-aware) was three quarters of the start-up, before any file is read, and a run
/// tests events against few of them: so they are compiled the first time one is used, their
/// syntax checked when the pack is loaded (`tests::every_builtin_pattern_compiles` compiles
/// them all). Patterns of other packs are compiled when loaded, so that any error is reported
/// with its line.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    source: String,
    /// `None` when it does not compile (within the size limits): it then matches nothing.
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    /// Checks `source`; compiles it now unless `lazy`. The error says what is wrong.
    pub(crate) fn new(source: &str, lazy: bool) -> Result<Self, String> {
        let compiled = OnceLock::new();
        if lazy {
            regex_syntax::Parser::new()
                .parse(source)
                .map_err(|err| err.to_string())?;
        } else {
            let regex = compile(source).map_err(|err| err.to_string())?;
            let _ = compiled.set(Some(regex));
        }
        Ok(Pattern {
            source: source.to_owned(),
            compiled,
        })
    }

    /// The compiled pattern; `None` only for a lazy pattern past the size limits.
    pub(crate) fn regex(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| compile(&self.source).ok())
            .as_ref()
    }

    /// The names of its capture groups (`(?P<name>...)` and `(?<name>...)`), read from the
    /// source so that a lazy pattern is not compiled for them.
    pub(crate) fn capture_names(&self) -> impl Iterator<Item = &str> {
        let source = self.source.as_str();
        source.match_indices("(?").filter_map(move |(at, _)| {
            let rest = source.get(at + 2..)?;
            let rest = rest.strip_prefix('P').unwrap_or(rest).strip_prefix('<')?;
            let end = rest.find('>')?;
            let name = rest.get(..end)?;
            let escaped = source.get(..at).is_some_and(|head| {
                head.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
            });
            (!escaped
                && !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
            .then_some(name)
        })
    }

    /// Whether it matches somewhere in `text`.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        self.regex().is_some_and(|regex| regex.is_match(text))
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
        assert!(Pattern::new("(unclosed", true).is_err());
        assert!(Pattern::new("(unclosed", false).is_err());
        let pattern = Pattern::new(r"(?i)error code\s*:\s*(?P<code>\d+)", true).unwrap();
        assert!(pattern.compiled.get().is_none());
        assert!(pattern.is_match("Error Code : 90"));
        assert!(pattern.compiled.get().is_some());
        // Past the size limit: an error when compiled at once, no match when lazy.
        let huge = r"\w{1000}{1000}";
        assert!(Pattern::new(huge, false).is_err());
        let lazy = Pattern::new(huge, true).unwrap();
        assert!(!lazy.is_match(&"a".repeat(10)));
    }

    #[test]
    fn every_builtin_pattern_compiles() {
        let mut count = 0;
        for (name, text) in BUILTIN_PACKS {
            let pack: toml::Value = toml::from_str(text).unwrap();
            let mut sources = Vec::new();
            collect(&pack, "", &mut sources);
            for source in sources {
                compile(&source).unwrap_or_else(|err| panic!("{name}: {source}: {err}"));
                count += 1;
            }
        }
        assert!(count > 10, "{count} patterns");
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
