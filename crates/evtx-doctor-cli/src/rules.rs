//! `evtx-doctor rules list` and `evtx-doctor rules check`.

use crate::cli::{InfoFormat, RulesCheckArgs, RulesListArgs, write_stdout};
use crate::terminal::wrap;
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
        InfoFormat::Text => text(&groups, &overrides, crate::terminal::stdout_width()),
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

/// An error code as people write it: Win32, DS and RPC codes in decimal (8453), HRESULTs
/// (anything past 16 bits) in hex (0x80230619).
fn code_text(code: u32) -> String {
    if code > 0xFFFF {
        format!("0x{code:08x}")
    } else {
        code.to_string()
    }
}

/// A list cell: its items joined with `,`, `any` when empty.
fn items<T: ToString>(items: &[T]) -> Vec<String> {
    if items.is_empty() {
        vec!["any".to_owned()]
    } else {
        items.iter().map(ToString::to_string).collect()
    }
}

/// `items` joined with `,` into lines of at most `width` characters (an item longer than
/// that stays whole).
fn pack_items(items: &[String], width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for item in items {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + item.chars().count() <= width => {
                line.push(',');
                line.push_str(item);
            }
            Some(line) => {
                line.push(',');
                lines.push(item.clone());
            }
            None => lines.push(item.clone()),
        }
    }
    lines
}

/// Most columns the event ids or error codes take before they wrap.
const LIST_COLUMN: usize = 16;

/// The `rules list` table laid out for `width` columns: one line per rule (id, severity,
/// event ids, error codes, providers; lists wrap at commas) and its title under it, wrapped.
/// Every string from a rule file is cleaned for the terminal.
fn text(groups: &[Group<'_>], overrides: &dyn Fn(&Rule) -> bool, width: usize) -> String {
    let clean = |text: &str| escape_controls(text).into_owned();
    let mut out = String::new();
    for (index, group) in groups.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        let heading = format!(
            "{}: {} ({})",
            clean(&group.pack.id),
            clean(&group.pack.title),
            clean(&group.paths.join(", "))
        );
        for line in wrap(&heading, width) {
            let _ = writeln!(out, "{line}");
        }
        // Each row: id, severity, event ids, codes, providers, as lines.
        let rows: Vec<[Vec<String>; 5]> = group
            .rules
            .iter()
            .map(|rule| {
                let mut id = clean(&rule.id);
                if overrides(rule) {
                    id.push_str(" *");
                }
                let providers: Vec<String> = rule.providers().iter().map(|p| clean(p)).collect();
                let codes: Vec<String> = rule.error_codes().into_iter().map(code_text).collect();
                [
                    vec![id],
                    vec![rule.severity.as_str().to_owned()],
                    pack_items(&items(&rule.event_ids()), LIST_COLUMN),
                    if codes.is_empty() {
                        vec!["-".to_owned()]
                    } else {
                        pack_items(&codes, LIST_COLUMN)
                    },
                    items(&providers),
                ]
            })
            .collect();
        let header = ["ID", "SEVERITY", "EVENT IDS", "ERROR CODES", "PROVIDERS"];
        let mut widths = header.map(str::len);
        for row in &rows {
            for (column, cell) in row.iter().enumerate().take(4) {
                for line in cell {
                    widths[column] = widths[column].max(line.chars().count());
                }
            }
        }
        let used: usize = 2 + widths.iter().take(4).map(|w| w + 2).sum::<usize>();
        // On a narrow terminal (or for a provider name longer than the room left) the
        // providers go under the title instead of in a column.
        let longest = rows
            .iter()
            .flat_map(|row| &row[4])
            .map(|provider| provider.chars().count() + 1)
            .max()
            .unwrap_or(0);
        let beside = width.saturating_sub(used) >= MIN_PROVIDERS.max(longest);
        widths[4] = width.saturating_sub(used);
        let header = if beside {
            header
        } else {
            [header[0], header[1], header[2], header[3], ""]
        };
        table_line(&mut out, header, widths);
        for (row, rule) in rows.iter().zip(&group.rules) {
            let providers = if beside {
                wrap(&row[4].join(", "), widths[4])
            } else {
                Vec::new()
            };
            let columns = [&row[0], &row[1], &row[2], &row[3], &providers];
            let height = columns.iter().map(|c| c.len()).max().unwrap_or(1);
            for line in 0..height {
                let cell = |column: usize| columns[column].get(line).map_or("", String::as_str);
                table_line(
                    &mut out,
                    [cell(0), cell(1), cell(2), cell(3), cell(4)],
                    widths,
                );
            }
            for line in wrap(&clean(&rule.title), width.saturating_sub(6).max(MIN_TITLE)) {
                let _ = writeln!(out, "      {line}");
            }
            if !beside {
                let from = format!("from {}", row[4].join(", "));
                for line in wrap(&from, width.saturating_sub(6).max(MIN_TITLE)) {
                    let _ = writeln!(out, "      {line}");
                }
            }
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

/// One line of the table: `cells` padded to `widths`, without trailing spaces.
fn table_line(out: &mut String, cells: [&str; 5], widths: [usize; 5]) {
    out.push_str("  ");
    for (cell, width) in cells.iter().zip(widths) {
        let _ = write!(out, "{cell:<width$}  ");
    }
    let trimmed = out.trim_end_matches(' ').len();
    out.truncate(trimmed);
    out.push('\n');
}

/// The providers column is never narrower than this.
const MIN_PROVIDERS: usize = 16;

/// Titles are never wrapped narrower than this.
const MIN_TITLE: usize = 30;

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
