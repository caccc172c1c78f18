//! `evtx-doctor rules list` and `evtx-doctor rules check`.

use crate::cli::{InfoFormat, RulesCheckArgs, RulesListArgs, write_stdout};
use evtx_doctor::knowledge::Knowledge;
use evtx_doctor::render::escape_controls;
use evtx_doctor::rules::{PackInfo, Rule, RuleSetBuilder};
use serde_json::json;
use std::collections::HashSet;
use std::fmt::Write as _;
use std::process::ExitCode;

/// One pack and its rules, in the order they are tried.
struct Group<'a> {
    pack: &'a PackInfo,
    /// Every file a pack with this id came from.
    paths: Vec<String>,
    rules: Vec<&'a Rule>,
}

/// Runs `rules list`.
pub fn list(args: &RulesListArgs) -> anyhow::Result<ExitCode> {
    let knowledge = Knowledge::with_rule_files(&args.rules)?;
    let builtin = Knowledge::builtin()?;
    let builtin_ids: HashSet<&str> = builtin
        .rules()
        .rules()
        .iter()
        .map(|rule| rule.id.as_str())
        .collect();
    let groups = groups(&knowledge);
    // A rule from a user pack whose id is a built-in rule's replaces that rule.
    let overrides = |rule: &Rule| {
        builtin_ids.contains(rule.id.as_str())
            && !builtin
                .rules()
                .rules()
                .iter()
                .any(|b| b.id == rule.id && b.pack == rule.pack)
    };
    let out = match args.format {
        InfoFormat::Text => text(&groups, &overrides),
        InfoFormat::Json => {
            let packs: Vec<_> = groups
                .iter()
                .map(|group| {
                    json!({
                        "id": group.pack.id,
                        "title": group.pack.title,
                        "sources": group.pack.sources,
                        "paths": group.paths,
                        "rules": group.rules.iter().map(|rule| json!({
                            "id": rule.id,
                            "title": rule.title,
                            "severity": rule.severity.as_str(),
                            "priority": rule.priority,
                            "providers": rule.providers(),
                            "event_ids": rule.event_ids(),
                            "error_codes": rule.error_codes(),
                            "references": rule.references,
                            "overrides_builtin": overrides(rule),
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let mut json = serde_json::to_string_pretty(&json!({ "packs": packs }))?;
            json.push('\n');
            json
        }
    };
    write_stdout(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// The rules grouped by pack, packs in load order (a pack id loaded twice is one group).
fn groups(knowledge: &Knowledge) -> Vec<Group<'_>> {
    let mut groups: Vec<Group<'_>> = Vec::new();
    for pack in knowledge.rules().packs() {
        let path = pack.path.display().to_string();
        match groups.iter_mut().find(|group| group.pack.id == pack.id) {
            Some(group) => group.paths.push(path),
            None => groups.push(Group {
                pack,
                paths: vec![path],
                rules: Vec::new(),
            }),
        }
    }
    for rule in knowledge.rules().rules() {
        if let Some(group) = groups.iter_mut().find(|group| group.pack.id == rule.pack) {
            group.rules.push(rule);
        }
    }
    groups.retain(|group| !group.rules.is_empty());
    groups
}

fn join<T: ToString>(items: &[T]) -> String {
    if items.is_empty() {
        "any".to_owned()
    } else {
        items
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn text(groups: &[Group<'_>], overrides: &dyn Fn(&Rule) -> bool) -> String {
    let mut out = String::new();
    for (index, group) in groups.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "{}: {} ({})",
            group.pack.id,
            group.pack.title,
            group.paths.join(", ")
        );
        let rows: Vec<[String; 6]> = group
            .rules
            .iter()
            .map(|rule| {
                let mut id = rule.id.clone();
                if overrides(rule) {
                    id.push_str(" *");
                }
                let codes = rule.error_codes();
                [
                    id,
                    rule.severity.as_str().to_owned(),
                    join(&rule.providers()),
                    join(&rule.event_ids()),
                    if codes.is_empty() {
                        "-".to_owned()
                    } else {
                        join(&codes)
                    },
                    rule.title.clone(),
                ]
            })
            .collect();
        let header = [
            "ID",
            "SEVERITY",
            "PROVIDERS",
            "EVENT IDS",
            "ERROR CODES",
            "TITLE",
        ]
        .map(str::to_owned);
        let mut widths = [0usize; 5];
        for row in std::iter::once(&header).chain(&rows) {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        for row in std::iter::once(&header).chain(&rows) {
            out.push_str("  ");
            for (width, cell) in widths.iter().zip(row) {
                let _ = write!(out, "{cell:<width$}  ");
            }
            out.push_str(&row[5]);
            out.push('\n');
        }
    }
    if groups
        .iter()
        .flat_map(|group| &group.rules)
        .any(|rule| overrides(rule))
    {
        out.push_str("\n* overrides the built-in rule with the same id\n");
    }
    out
}

/// Runs `rules check`: every file is checked; 0 when all are good, else 2.
pub fn check(args: &RulesCheckArgs) -> ExitCode {
    let mut failed = false;
    for file in &args.files {
        let mut builder = RuleSetBuilder::new();
        match builder.add_pack_file(file) {
            Ok(_) => {
                let count = builder.build().rules().len();
                let plural = if count == 1 { "rule" } else { "rules" };
                println!(
                    "{}: ok: {count} {plural}",
                    escape_controls(&file.to_string_lossy())
                );
            }
            Err(err) => {
                failed = true;
                eprintln!("evtx-doctor: {}", escape_controls(&err.to_string()));
            }
        }
    }
    if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}
