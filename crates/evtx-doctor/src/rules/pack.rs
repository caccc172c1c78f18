//! The rule-pack file format (TOML), as written by people. See docs/rules.md.

use serde::Deserialize;
use toml::Spanned;

/// One rule pack file: metadata, field extractors and rules.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PackFile {
    /// Format version of the file; only 1 exists.
    #[serde(default = "one")]
    pub schema: u32,
    pub pack: PackMeta,
    #[serde(default)]
    pub extractor: Vec<ExtractorDef>,
    #[serde(default)]
    pub rule: Vec<Spanned<RuleDef>>,
}

fn one() -> u32 {
    1
}

fn no_text() -> Spanned<String> {
    Spanned::new(0..0, String::new())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PackMeta {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub sources: Vec<String>,
}

/// Fields pulled out of every event an extractor applies to, whatever rule matches it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExtractorDef {
    #[serde(default)]
    pub providers: Vec<String>,
    #[serde(default)]
    pub event_ids: Vec<u16>,
    pub fields: Vec<FieldDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FieldDef {
    pub name: String,
    pub pattern: Spanned<String>,
    #[serde(default)]
    pub occurrence: Occurrence,
}

/// Which match of a field pattern counts when it matches several times.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Occurrence {
    #[default]
    First,
    /// The last one: the innermost exception of a ` ---> ` chain.
    Last,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleDef {
    pub id: String,
    pub title: Spanned<String>,
    pub severity: super::Severity,
    #[serde(default)]
    pub priority: i32,
    /// Set for rules that mark sync health (heartbeats, successes) instead of a failure.
    #[serde(default)]
    pub signal: Option<SignalKind>,
    #[serde(default = "no_text")]
    pub cause: Spanned<String>,
    #[serde(default = "no_text")]
    pub resolution: Spanned<String>,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default = "default_group_by")]
    pub group_by: Vec<GroupKey>,
    pub when: Vec<ClauseDef>,
}

/// What a signal rule's events say about password hash sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    /// The password sync agent is alive and reaches the cloud (ping end, event 654).
    Heartbeat,
    /// Passwords were synchronized (batch end, success results, full sync completed).
    Success,
}

/// What separates one finding of a rule from another.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum GroupKey {
    /// One finding per domain (case-insensitive): `"domain"`.
    Domain,
    /// One finding per error code: `"error_code"`.
    ErrorCode,
    /// One finding per value of another captured field, e.g. `"provision_code"`.
    Field(String),
}

impl From<String> for GroupKey {
    fn from(name: String) -> Self {
        match name.as_str() {
            "domain" => GroupKey::Domain,
            "error_code" => GroupKey::ErrorCode,
            _ => GroupKey::Field(name),
        }
    }
}

fn default_group_by() -> Vec<GroupKey> {
    vec![GroupKey::Domain, GroupKey::ErrorCode]
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClauseDef {
    #[serde(default)]
    pub providers: Vec<String>,
    #[serde(default)]
    pub event_ids: Vec<u16>,
    #[serde(default)]
    pub keywords: Vec<Spanned<String>>,
    #[serde(default)]
    pub patterns: Vec<Spanned<String>>,
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    #[serde(default)]
    pub error_codes: Vec<u32>,
}
