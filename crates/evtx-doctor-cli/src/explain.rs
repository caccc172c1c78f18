//! `evtx-doctor explain CODE`: decode an error code and show the rules that diagnose it.

use crate::cli::{ExplainArgs, InfoFormat, write_stdout};
use anyhow::bail;
use evtx_doctor::codes::{self, CodeInfo, ParsedCode};
use evtx_doctor::knowledge::Knowledge;
use evtx_doctor::rules::{Fields, Rule};
use serde_json::json;
use std::fmt::Write as _;
use std::process::ExitCode;

/// What a code given on the command line turned out to be.
#[derive(Debug)]
struct Decoded {
    /// The Win32 code.
    code: u32,
    /// The HRESULT it came wrapped in, if any.
    hresult: Option<u32>,
    /// The table entry, if the code is in the table.
    info: Option<CodeInfo>,
    /// How the input was read, in words.
    how: String,
}

/// Runs `explain` and returns its exit status.
pub fn run(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let decoded = decode(&args.code)?;
    let knowledge = Knowledge::with_rule_files(&args.rules)?;
    let rules: Vec<&Rule> = knowledge.rules().rules_for_code(decoded.code).collect();
    if decoded.info.is_none() && rules.is_empty() {
        bail!(
            "{}; {} ({}) is not a known Win32 error code, and no rule diagnoses it",
            decoded.how,
            decoded.code,
            hex(decoded.code)
        );
    }
    let out = match args.format {
        InfoFormat::Text => text(&decoded, &rules),
        InfoFormat::Json => {
            let mut json = serde_json::to_string_pretty(&to_json(&args.code, &decoded, &rules))?;
            json.push('\n');
            json
        }
    };
    write_stdout(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// Reads `input` as a number (decimal, hex, HRESULT, signed HRESULT) or a winerror.h symbol.
fn decode(input: &str) -> anyhow::Result<Decoded> {
    let trimmed = input.trim();
    if let Some(parsed) = codes::parse_code(trimmed) {
        return decode_number(trimmed, parsed);
    }
    let symbol = trimmed.to_ascii_uppercase();
    if let Some(info) = codes::lookup_symbol(&symbol) {
        return Ok(Decoded {
            code: info.code,
            hresult: None,
            info: Some(info),
            how: format!("symbol {symbol} is Win32 error {}", info.code),
        });
    }
    bail!(
        "{trimmed:?} is neither a code (8453, 0x2105, 0x80072105, -2147016443) nor a known \
         winerror.h symbol (ERROR_DS_DRA_ACCESS_DENIED)"
    )
}

fn decode_number(input: &str, parsed: ParsedCode) -> anyhow::Result<Decoded> {
    let written = if input.starts_with('-') {
        format!("{input} (signed) is HRESULT {}, which", hex(parsed.raw))
    } else if input.starts_with("0x") || input.starts_with("0X") {
        match parsed.hresult {
            Some(_) => format!("HRESULT {}", hex(parsed.raw)),
            None => format!("hexadecimal {input} is Win32 error {}", parsed.raw),
        }
    } else {
        match parsed.hresult {
            Some(_) => format!(
                "decimal {} is HRESULT {}, which",
                parsed.raw,
                hex(parsed.raw)
            ),
            None => format!("decimal {} is Win32 error {}", parsed.raw, hex(parsed.raw)),
        }
    };
    let Some(code) = parsed.win32 else {
        bail!(
            "{input} is HRESULT {}, not a Win32 error wrapped in an HRESULT (0x8007xxxx, \
             FACILITY_WIN32); only Win32 codes can be decoded",
            hex(parsed.raw)
        );
    };
    let how = match parsed.hresult {
        Some(_) => format!("{written} wraps Win32 error {code} ({})", hex(code)),
        None => written,
    };
    Ok(Decoded {
        code,
        hresult: parsed.hresult,
        info: parsed.info(),
        how,
    })
}

fn hex(value: u32) -> String {
    format!("{value:#x}")
}

/// A rule's text with the code's placeholders filled in.
fn fill(text: &str, decoded: &Decoded) -> String {
    Fields::with_error_code(decoded.code).fill(text)
}

fn text(decoded: &Decoded, rules: &[&Rule]) -> String {
    let mut out = String::new();
    let symbol = decoded.info.map_or("(no symbol)", |info| info.symbol);
    let _ = writeln!(out, "{} ({})  {symbol}", decoded.code, hex(decoded.code));
    match decoded.info.map(|info| info.message) {
        Some(message) if !message.is_empty() => {
            let _ = writeln!(out, "Meaning:  {message}");
        }
        _ => {
            let _ = writeln!(out, "Meaning:  (no documented message text)");
        }
    }
    let _ = writeln!(out, "Decoded:  {}", decoded.how);
    out.push('\n');
    if rules.is_empty() {
        let _ = writeln!(
            out,
            "No password hash sync rule diagnoses error {} specifically.\nA password sync \
             failure (event 611) with RPC error {} is still reported, by the generic rule for \
             RPC errors, with the code decoded as above.",
            decoded.code, decoded.code
        );
        return out;
    }
    let _ = writeln!(
        out,
        "Rules that diagnose error {} ({}):",
        decoded.code,
        rules.len()
    );
    for rule in rules {
        out.push('\n');
        let _ = writeln!(
            out,
            "{} [{}]  {}",
            rule.id,
            rule.severity.as_str(),
            fill(&rule.title, decoded)
        );
        let _ = writeln!(out, "  Cause:      {}", fill(&rule.cause, decoded));
        let _ = writeln!(out, "  Resolution: {}", fill(&rule.resolution, decoded));
        if !rule.references.is_empty() {
            let _ = writeln!(out, "  References: {}", rule.references.join(", "));
        }
        let _ = writeln!(out, "  Pack:       {}", rule.pack);
    }
    out
}

fn to_json(input: &str, decoded: &Decoded, rules: &[&Rule]) -> serde_json::Value {
    json!({
        "input": input,
        "code": decoded.code,
        "hex": hex(decoded.code),
        "hresult": decoded.hresult.map(hex),
        "symbol": decoded.info.map(|info| info.symbol),
        "message": decoded.info.map(|info| info.message).filter(|m| !m.is_empty()),
        "decoded": decoded.how,
        "rules": rules.iter().map(|rule| json!({
            "id": rule.id,
            "title": fill(&rule.title, decoded),
            "severity": rule.severity.as_str(),
            "cause": fill(&rule.cause, decoded),
            "resolution": fill(&rule.resolution, decoded),
            "references": rule.references,
            "pack": rule.pack,
        })).collect::<Vec<_>>(),
    })
}
