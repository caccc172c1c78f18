//! The knowledge base as data: rule packs embedded at compile time, plus users' own packs,
//! and the table of Win32 / RPC / DS error codes.

use crate::rules::{RuleError, RuleSet, RuleSetBuilder};
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    (
        "entra-connector.toml",
        include_str!("packs/entra-connector.toml"),
    ),
];

/// Rules ready to use: the built-in packs plus any user packs, later ones overriding
/// earlier rules with the same id. Cheap to clone (the compiled rules are shared).
#[derive(Debug, Clone)]
pub struct Knowledge {
    rules: Arc<RuleSet>,
}

impl Knowledge {
    /// The built-in knowledge only.
    pub fn builtin() -> Result<Self, RuleError> {
        Ok(KnowledgeBuilder::new()?.build())
    }

    /// The built-in knowledge plus the rule packs in `files`, in order.
    pub fn with_rule_files(files: &[PathBuf]) -> Result<Self, RuleError> {
        let mut builder = KnowledgeBuilder::new()?;
        for file in files {
            builder = builder.pack_file(file)?;
        }
        Ok(builder.build())
    }

    /// A builder starting from the built-in packs.
    pub fn builder() -> Result<KnowledgeBuilder, RuleError> {
        KnowledgeBuilder::new()
    }

    /// The compiled rules.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }
}

/// Builds [`Knowledge`] from rule packs given as files or as TOML text, on top of the built-in
/// packs or of nothing. Later packs override earlier rules with the same id; every error
/// names the pack and the line.
///
/// ```
/// use evtx_doctor::Knowledge;
///
/// let pack = r#"
/// schema = 1
/// [pack]
/// id = "acme"
/// title = "Acme's own diagnoses"
///
/// [[rule]]
/// id = "acme.agent-crash"
/// title = "The Acme agent crashed"
/// severity = "warning"
/// cause = "The agent hit a bug."
/// resolution = "Update the agent."
/// [[rule.when]]
/// providers = ["Acme Agent"]
/// event_ids = [1000]
/// keywords = ["crash"]
/// "#;
/// let knowledge = Knowledge::builder()?.pack("acme.toml", pack)?.build();
/// assert!(knowledge.rules().rules().iter().any(|rule| rule.id == "acme.agent-crash"));
///
/// let broken = Knowledge::builder()?.pack("broken.toml", "schema = 1\n[pack\n");
/// assert!(broken.unwrap_err().to_string().starts_with("broken.toml:2:"));
/// # Ok::<(), evtx_doctor::rules::RuleError>(())
/// ```
#[derive(Debug)]
pub struct KnowledgeBuilder {
    rules: RuleSetBuilder,
}

impl KnowledgeBuilder {
    /// A builder holding the built-in packs.
    pub fn new() -> Result<Self, RuleError> {
        let mut rules = RuleSetBuilder::new();
        for (name, text) in BUILTIN_PACKS {
            rules.add_builtin_pack(Path::new(name), text)?;
        }
        Ok(KnowledgeBuilder { rules })
    }

    /// A builder holding no pack at all.
    pub fn empty() -> Self {
        KnowledgeBuilder {
            rules: RuleSetBuilder::new(),
        }
    }

    /// Adds the pack in `toml`; `name` names it in errors and in `rules list`.
    pub fn pack(mut self, name: &str, toml: &str) -> Result<Self, RuleError> {
        self.rules.add_pack(Path::new(name), toml)?;
        Ok(self)
    }

    /// Reads and adds the pack file at `path`.
    pub fn pack_file(mut self, path: &Path) -> Result<Self, RuleError> {
        self.rules.add_pack_file(path)?;
        Ok(self)
    }

    /// The knowledge.
    pub fn build(self) -> Knowledge {
        Knowledge {
            rules: Arc::new(self.rules.build()),
        }
    }
}
