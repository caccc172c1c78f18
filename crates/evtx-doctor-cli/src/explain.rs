//! `evtx-doctor explain CODE`: decode an error code and show the rules that diagnose it.
//!
//! CODE is a Win32 code (decimal, hex, a `FACILITY_WIN32` HRESULT, signed), a `winerror.h`
//! symbol, any HRESULT a rule names (`0x80230619`), or a Microsoft Entra ID sign-in code
//! (`AADSTS50054`). Eight hex digits written without `0x` (`80072105`, as tickets do) are no
//! decimal code: they are read as the HRESULT they look like, with a "did you mean".

use crate::cli::{ExplainArgs, InfoFormat, write_stdout};
use crate::terminal::hanging;
use anyhow::bail;
use evtx_doctor::codes::{self, CodeInfo, ParsedCode};
use evtx_doctor::knowledge::Knowledge;
use evtx_doctor::render::escape_controls;
use evtx_doctor::rules::{Fields, Rule};
use serde_json::json;
use std::fmt::Write as _;
use std::process::ExitCode;

/// The rule that reports AADSTS codes no specific rule names.
const AADSTS_FALLBACK_KEYWORD: &str = "AADSTS";

/// What a code given on the command line turned out to be.
#[derive(Debug)]
struct Decoded {
    /// The Win32 code, the HRESULT (when it wraps none), or the AADSTS number.
    code: u32,
    /// What kind of code it is.
    kind: Kind,
    /// The HRESULT it came written as, if any.
    hresult: Option<u32>,
    /// The Win32 table entry, if the code is in the table.
    info: Option<CodeInfo>,
    /// The AADSTS table entry, for an AADSTS code in the table.
    aadsts: Option<codes::AadstsInfo>,
    /// How the input was read, in words.
    how: String,
    /// The form the input was taken for, when it was not the one written (`0x80072105`).
    did_you_mean: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A Win32 code (possibly written as a FACILITY_WIN32 HRESULT).
    Win32,
    /// An HRESULT of another facility, known only from the rules that name it.
    Hresult,
    /// A Microsoft Entra ID sign-in code.
    Aadsts,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Win32 => "win32",
            Kind::Hresult => "hresult",
            Kind::Aadsts => "aadsts",
        }
    }
}

/// Runs `explain` and returns its exit status.
pub fn run(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let knowledge = Knowledge::with_rule_files(&args.rules)?;
    let decoded = decode(&args.code, &knowledge)?;
    let rules = rules_for(&decoded, &knowledge);
    let fallback = fallback_for(&decoded, &knowledge);
    if decoded.info.is_none() && decoded.aadsts.is_none() && rules.is_empty() {
        bail!(
            "{}; {} is not a known {} code, and no rule diagnoses it",
            decoded.how,
            written(&decoded),
            match decoded.kind {
                Kind::Aadsts => "Microsoft Entra ID (AADSTS)",
                _ => "Win32 error",
            }
        );
    }
    let out = match args.format {
        InfoFormat::Text => text(&decoded, &rules, fallback, crate::terminal::stdout_width()),
        InfoFormat::Json => {
            let json = to_json(&args.code, &decoded, &rules, fallback);
            let mut json = serde_json::to_string_pretty(&json)?;
            json.push('\n');
            json
        }
    };
    write_stdout(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// Reads `input` as an AADSTS code, a number (decimal, hex, HRESULT, signed HRESULT, hex
/// without `0x`) or a winerror.h symbol.
fn decode(input: &str, knowledge: &Knowledge) -> anyhow::Result<Decoded> {
    let trimmed = input.trim();
    if let Some(code) = codes::parse_aadsts(trimmed) {
        return Ok(Decoded {
            code,
            kind: Kind::Aadsts,
            hresult: None,
            info: None,
            aadsts: codes::lookup_aadsts(code),
            how: format!("AADSTS{code} is written as a Microsoft Entra ID sign-in error code"),
            did_you_mean: None,
        });
    }
    if let Some(hex) = bare_hresult(trimmed) {
        let prefixed = format!("0x{hex}");
        if let Some(parsed) = codes::parse_code(&prefixed) {
            let mut decoded = decode_number(&prefixed, parsed, knowledge)?;
            decoded.how = format!(
                "{trimmed} is no error code as a decimal number; read as {prefixed}: {}",
                decoded.how
            );
            decoded.did_you_mean = Some(prefixed);
            return Ok(decoded);
        }
    }
    if let Some(parsed) = codes::parse_code(trimmed) {
        return decode_number(trimmed, parsed, knowledge);
    }
    let symbol = trimmed.to_ascii_uppercase();
    if let Some(info) = codes::lookup_symbol(&symbol) {
        return Ok(Decoded {
            code: info.code,
            kind: Kind::Win32,
            hresult: None,
            info: Some(info),
            aadsts: None,
            how: format!("symbol {symbol} is Win32 error {}", info.code),
            did_you_mean: None,
        });
    }
    bail!(
        "{trimmed:?} is neither a code (8453, 0x2105, 0x80072105, -2147016443, AADSTS50054) nor \
         a known winerror.h symbol (ERROR_DS_DRA_ACCESS_DENIED)"
    )
}

/// Eight hex digits without `0x` whose value has the HRESULT severity bit: `80072105`,
/// `8007052e`. As a decimal number such a value is never an error code (Win32 codes fit 16
/// bits, failure HRESULTs written in decimal have 10 digits).
fn bare_hresult(text: &str) -> Option<&str> {
    let hex = text.len() == 8 && text.bytes().all(|b| b.is_ascii_hexdigit());
    let value = u32::from_str_radix(text, 16).ok().filter(|_| hex)?;
    (value >= 0x8000_0000).then_some(text)
}

fn decode_number(
    input: &str,
    parsed: ParsedCode,
    knowledge: &Knowledge,
) -> anyhow::Result<Decoded> {
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
        // An HRESULT of another facility: explained by the rules that name it, if any.
        let named = knowledge
            .rules()
            .rules_for_code(parsed.raw)
            .next()
            .is_some();
        if !named {
            bail!(
                "{input} is HRESULT {}, not a Win32 error wrapped in an HRESULT (0x8007xxxx, \
                 FACILITY_WIN32), and no rule names it",
                hex(parsed.raw)
            );
        }
        return Ok(Decoded {
            code: parsed.raw,
            kind: Kind::Hresult,
            hresult: Some(parsed.raw),
            info: None,
            aadsts: None,
            how: format!(
                "{written} (facility {:#x}) wraps no Win32 error; rules name it",
                (parsed.raw >> 16) & 0x7FF
            ),
            did_you_mean: None,
        });
    };
    let how = match parsed.hresult {
        Some(_) => format!("{written} wraps Win32 error {code} ({})", hex(code)),
        None => written,
    };
    Ok(Decoded {
        code,
        kind: Kind::Win32,
        hresult: parsed.hresult,
        info: parsed.info(),
        aadsts: None,
        how,
        did_you_mean: None,
    })
}

/// The rules that diagnose the decoded code specifically.
fn rules_for<'k>(decoded: &Decoded, knowledge: &'k Knowledge) -> Vec<&'k Rule> {
    match decoded.kind {
        Kind::Aadsts => knowledge
            .rules()
            .rules_with_keyword(&format!("AADSTS{}", decoded.code))
            .collect(),
        Kind::Win32 | Kind::Hresult => knowledge.rules().rules_for_code(decoded.code).collect(),
    }
}

/// For an AADSTS code no rule names: the rule that reports any AADSTS code.
fn fallback_for<'k>(decoded: &Decoded, knowledge: &'k Knowledge) -> Option<&'k Rule> {
    (decoded.kind == Kind::Aadsts)
        .then(|| {
            knowledge
                .rules()
                .rules_with_keyword(AADSTS_FALLBACK_KEYWORD)
                .next()
        })
        .flatten()
}

fn hex(value: u32) -> String {
    format!("{value:#x}")
}

/// The code as one would write it: `8453 (0x2105)`, `0x80230619`, `AADSTS50054`.
fn written(decoded: &Decoded) -> String {
    match decoded.kind {
        Kind::Win32 => format!("{} ({})", decoded.code, hex(decoded.code)),
        Kind::Hresult => format!("{:#010x} ({})", decoded.code, decoded.code),
        Kind::Aadsts => format!("AADSTS{}", decoded.code),
    }
}

fn symbol(decoded: &Decoded) -> Option<&'static str> {
    match decoded.kind {
        Kind::Aadsts => decoded.aadsts.map(|a| a.name).filter(|n| !n.is_empty()),
        _ => decoded.info.map(|info| info.symbol),
    }
}

fn message(decoded: &Decoded) -> Option<&'static str> {
    match decoded.kind {
        Kind::Aadsts => decoded.aadsts.map(|a| a.message),
        _ => decoded.info.map(|info| info.message),
    }
    .filter(|m| !m.is_empty())
}

/// The fields an event with this code would give, to fill a rule's placeholders.
fn fields(decoded: &Decoded) -> Fields {
    match decoded.kind {
        Kind::Aadsts => {
            let mut fields = Fields::default();
            fields
                .other
                .insert("aadsts".into(), format!("AADSTS{}", decoded.code));
            if let Some(name) = symbol(decoded) {
                fields.other.insert("aadsts_name".into(), name.into());
            }
            if let Some(meaning) = message(decoded) {
                fields.other.insert("aadsts_meaning".into(), meaning.into());
            }
            fields
        }
        _ => Fields::with_error_code(decoded.code),
    }
}

/// The explanation for people, laid out for `width` columns. Rule texts (which `--rules`
/// files may hold) are cleaned for the terminal.
fn text(decoded: &Decoded, rules: &[&Rule], fallback: Option<&Rule>, width: usize) -> String {
    let mut out = String::new();
    let fields = fields(decoded);
    if let Some(meant) = &decoded.did_you_mean {
        let _ = writeln!(out, "Did you mean {meant}?");
    }
    let _ = writeln!(
        out,
        "{}  {}",
        written(decoded),
        symbol(decoded).unwrap_or(match decoded.kind {
            Kind::Aadsts => "(no name documented)",
            _ => "(no symbol)",
        })
    );
    match message(decoded) {
        Some(message) => {
            let _ = writeln!(out, "Meaning:  {message}");
        }
        None if decoded.kind == Kind::Hresult => {
            let _ = writeln!(
                out,
                "Meaning:  (not in the Win32 table; see the rules below)"
            );
        }
        None => {
            let _ = writeln!(out, "Meaning:  (no documented message text)");
        }
    }
    out.push_str(&hanging("Decoded:  ", &clean(&decoded.how), width, 10));
    out.push('\n');
    let name = written(decoded);
    if rules.is_empty() {
        match (decoded.kind, fallback) {
            (Kind::Aadsts, Some(rule)) => {
                let _ = writeln!(
                    out,
                    "No rule diagnoses {name} specifically.\nIn an event of the sync server it \
                     is still reported, by the rule {} for any Entra ID sign-in error, with the \
                     code decoded as above.",
                    rule.id
                );
            }
            (Kind::Aadsts, None) => {
                let _ = writeln!(out, "No rule diagnoses {name}.");
            }
            _ => {
                let _ = writeln!(
                    out,
                    "No password hash sync rule diagnoses error {} specifically.\nA password sync \
                     failure (event 611) with RPC error {} is still reported, by the generic rule \
                     for RPC errors, with the code decoded as above.",
                    decoded.code, decoded.code
                );
            }
        }
        return out;
    }
    let _ = writeln!(out, "Rules that diagnose {name} ({}):", rules.len());
    for rule in rules {
        out.push('\n');
        let lead = format!("{} [{}]  ", clean(&rule.id), rule.severity.as_str());
        // The title under itself, unless the id leaves it too little room.
        let indent = match lead.chars().count() {
            wide if wide + 40 > width => 2,
            wide => wide,
        };
        out.push_str(&hanging(
            &lead,
            &clean(&fields.fill(&rule.title)),
            width,
            indent,
        ));
        for (label, value) in [
            ("Cause", fields.fill(&rule.cause)),
            ("Resolution", fields.fill(&rule.resolution)),
            ("References", rule.references.join(", ")),
            ("Pack", rule.pack.clone()),
        ] {
            if !value.is_empty() {
                let lead = format!("  {:<12}", format!("{label}:"));
                out.push_str(&hanging(&lead, &clean(&value), width, 14));
            }
        }
    }
    out
}

fn to_json(
    input: &str,
    decoded: &Decoded,
    rules: &[&Rule],
    fallback: Option<&Rule>,
) -> serde_json::Value {
    let fields = fields(decoded);
    json!({
        "input": input,
        "kind": decoded.kind.as_str(),
        "code": decoded.code,
        "hex": (decoded.kind != Kind::Aadsts).then(|| hex(decoded.code)),
        "hresult": decoded.hresult.map(hex),
        "aadsts": (decoded.kind == Kind::Aadsts).then(|| format!("AADSTS{}", decoded.code)),
        "symbol": symbol(decoded),
        "message": message(decoded),
        "decoded": decoded.how,
        "did_you_mean": decoded.did_you_mean,
        "fallback_rule": fallback.filter(|_| rules.is_empty()).map(|rule| rule.id.clone()),
        "rules": rules.iter().map(|rule| json!({
            "id": rule.id,
            "title": fields.fill(&rule.title),
            "severity": rule.severity.as_str(),
            "cause": fields.fill(&rule.cause),
            "resolution": fields.fill(&rule.resolution),
            "references": rule.references,
            "pack": rule.pack,
        })).collect::<Vec<_>>(),
    })
}

/// `text` on one line, every control or bidirectional character shown escaped.
fn clean(text: &str) -> String {
    escape_controls(text).into_owned()
}
