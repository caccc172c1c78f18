//! The knowledge base as data: rule packs embedded at compile time, plus users' own packs,
//! and the table of Win32 / RPC / DS error codes.

use crate::rules::{RuleError, RuleSet, RuleSetBuilder};
use std::path::{Path, PathBuf};

/// The built-in rule packs: (name, TOML text).
pub const BUILTIN_PACKS: &[(&str, &str)] = &[
    (
        "password-hash-sync.toml",
        include_str!("packs/password-hash-sync.toml"),
    ),
    (
        "password-hash-sync-more.toml",
        include_str!("packs/password-hash-sync-more.toml"),
    ),
];

/// Rules ready to use: the built-in packs plus any user packs, later ones overriding
/// earlier rules with the same id.
#[derive(Debug, Clone)]
pub struct Knowledge {
    rules: RuleSet,
}

impl Knowledge {
    /// The built-in knowledge only.
    pub fn builtin() -> Result<Self, RuleError> {
        Self::with_rule_files(&[])
    }

    /// The built-in knowledge plus the rule packs in `files`, in order.
    pub fn with_rule_files(files: &[PathBuf]) -> Result<Self, RuleError> {
        let mut builder = RuleSetBuilder::new();
        for (name, text) in BUILTIN_PACKS {
            builder.add_builtin_pack(Path::new(name), text)?;
        }
        for file in files {
            builder.add_pack_file(file)?;
        }
        Ok(Knowledge {
            rules: builder.build(),
        })
    }

    /// The compiled rules.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }
}
