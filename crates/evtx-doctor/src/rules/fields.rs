//! Fields pulled out of an event's text by extractors and rule patterns.

use super::pack::Occurrence;
use crate::codes;
use regex::{Captures, Regex};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The placeholders [`Fields::fill`] fills for every event, with a stand-in when the event did
/// not say. A rule text may also name any field an extractor or its own patterns capture.
pub(crate) const BUILTIN_PLACEHOLDERS: &[&str] = &[
    "error_code",
    "error_symbol",
    "error_message",
    "domain",
    "exception",
    "drs_call",
    "dc_host",
    "dc_ip",
    "aadsts",
    "aadsts_name",
    "aadsts_meaning",
    "aadsts_codes",
];

/// Each `{name}` (a name of letters, digits and `_`) in `text`, with its byte offset.
pub(crate) fn placeholders(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.match_indices('{').filter_map(move |(at, _)| {
        let rest = text.get(at + 1..)?;
        let end = rest.find('}')?;
        let name = rest.get(..end)?;
        let valid = !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !name.bytes().all(|b| b.is_ascii_digit());
        valid.then_some((at, name))
    })
}

/// What an event says about the failure, as far as patterns could tell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fields {
    /// The AD domain (FQDN) as written in the event.
    pub domain: Option<String>,
    /// Domain controller host name.
    pub dc_host: Option<String>,
    /// Domain controller IP address.
    pub dc_ip: Option<String>,
    /// Win32 / RPC / DS error code (HRESULTs of FACILITY_WIN32 are unwrapped).
    pub error_code: Option<u32>,
    /// The .NET exception type that identifies the failure (the innermost of a chain).
    pub exception: Option<String>,
    /// The DRS RPC call that failed, e.g. `_IDL_DRSGetNCChanges`.
    pub drs_call: Option<String>,
    /// Any other named capture.
    pub other: BTreeMap<String, String>,
}

impl Fields {
    /// Fields that say only which error code an event carries.
    pub fn with_error_code(code: u32) -> Self {
        Fields {
            error_code: Some(code),
            ..Fields::default()
        }
    }

    /// Whether `other` has the same [`Fields::group_value`] for `key` as these fields, known
    /// without building it when the values are written alike (else false: not known).
    pub(crate) fn same_group_value(&self, other: &Fields, key: &super::GroupKey) -> bool {
        match key {
            super::GroupKey::Domain => self.domain == other.domain,
            super::GroupKey::ErrorCode => self.error_code == other.error_code,
            super::GroupKey::Field(name) => self.other.get(name) == other.other.get(name),
        }
    }

    /// The value that separates findings for `key`, when the rule groups by it.
    pub(crate) fn group_value(&self, key: &super::GroupKey) -> Option<String> {
        match key {
            super::GroupKey::Domain => self.domain.as_ref().map(|d| d.to_lowercase()),
            super::GroupKey::ErrorCode => self.error_code.map(|c| c.to_string()),
            super::GroupKey::Field(name) => self.other.get(name).cloned(),
        }
    }

    /// Fills a rule text's placeholders from these fields: `{error_code}`, `{error_symbol}`,
    /// `{error_message}`, `{domain}`, `{exception}`, `{drs_call}`, `{dc_host}`, `{dc_ip}`, the
    /// `{aadsts...}` ones (each with a stand-in when the event did not say), and `{name}` for
    /// any other captured field.
    pub fn fill(&self, text: &str) -> String {
        let info = self.error_code.and_then(codes::lookup);
        // Win32 codes read best in decimal, HRESULTs in hex.
        let code = self.error_code.map(|code| {
            if code > 0xFFFF {
                format!("{code:#010x}")
            } else {
                code.to_string()
            }
        });
        let mut text = text.to_owned();
        for (name, value) in &self.other {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        // AADSTS placeholders of an event that held no (known) code.
        text = text
            .replace("{aadsts}", "an Entra ID sign-in error")
            .replace("{aadsts_name}", "no name")
            .replace(
                "{aadsts_meaning}",
                "the AADSTS table does not describe this code.",
            )
            .replace("{aadsts_codes}", "");
        text.replace("{error_code}", code.as_deref().unwrap_or("unknown"))
            .replace("{error_symbol}", info.map_or("unknown code", |c| c.symbol))
            .replace(
                "{error_message}",
                info.map_or("no description known", |c| c.message),
            )
            .replace(
                "{domain}",
                self.domain.as_deref().unwrap_or("unknown domain"),
            )
            .replace(
                "{exception}",
                self.exception.as_deref().unwrap_or("unrecognised error"),
            )
            .replace(
                "{drs_call}",
                self.drs_call.as_deref().unwrap_or("unknown call"),
            )
            .replace(
                "{dc_host}",
                self.dc_host
                    .as_deref()
                    .unwrap_or("unknown domain controller"),
            )
            .replace(
                "{dc_ip}",
                self.dc_ip.as_deref().unwrap_or("unknown address"),
            )
    }

    /// Sets field `name` from the first (or last) match of `regex` in `text`: its capture group
    /// of that name, else the whole match.
    pub(crate) fn capture_named(
        &mut self,
        name: &str,
        regex: &Regex,
        text: &str,
        occurrence: Occurrence,
    ) {
        if is_dc_pair(regex) {
            self.capture_dc_pair(regex, text);
            return;
        }
        let Some(caps) = pick(regex, text, occurrence) else {
            return;
        };
        let value = caps.name(name).or_else(|| caps.get(0));
        if let Some(value) = value {
            self.set(name, value.as_str());
        }
    }

    /// Sets host and IP of the domain controller from ONE match of `regex` (which has both
    /// groups): the first that names either. A 611 header saying `<not available>` for both is
    /// passed over for the chain's `Domain controller hostname: H, domain controller IP
    /// address: I`, and a host is never paired with an IP read from another place.
    fn capture_dc_pair(&mut self, regex: &Regex, text: &str) {
        let available = |caps: &Captures<'_>, group: &str| {
            caps.name(group)
                .map(|m| m.as_str().trim())
                .filter(|value| !value.is_empty() && !value.starts_with('<'))
                .map(str::to_owned)
        };
        for caps in regex.captures_iter(text) {
            let host = available(&caps, "dc_host");
            let ip = available(&caps, "dc_ip");
            if host.is_some() || ip.is_some() {
                self.dc_host = host;
                self.dc_ip = ip;
                return;
            }
        }
    }

    /// Decodes every `AADSTSnnnnn` code in `text` from the AADSTS table. The last one is the
    /// specific reason (Entra ID writes a generic code such as AADSTS70002 first): it becomes
    /// `aadsts`, with `aadsts_name` and `aadsts_meaning` when the table knows them; when the
    /// text holds more than one, `aadsts_codes` lists each with its name and meaning.
    pub(crate) fn note_aadsts(&mut self, text: &str) {
        let found = codes::find_aadsts(text);
        let Some(&last) = found.last() else {
            return;
        };
        let info = codes::lookup_aadsts(last);
        self.set("aadsts", &format!("AADSTS{last}"));
        if let Some(info) = info {
            self.set("aadsts_name", info.name);
            self.set("aadsts_meaning", info.message);
        }
        if found.len() > 1 {
            let all: Vec<String> = found.iter().map(|&code| describe_aadsts(code)).collect();
            self.set("aadsts_codes", &all.join("; "));
        }
    }

    /// Sets a field from every named group of `caps`, a match of `regex`.
    pub(crate) fn apply_captures(&mut self, regex: &Regex, caps: &Captures<'_>) {
        for name in regex.capture_names().flatten() {
            if let Some(value) = caps.name(name) {
                self.set(name, value.as_str());
            }
        }
    }

    /// Sets one field; placeholders like `<not available>` and empty values are ignored.
    pub(crate) fn set(&mut self, name: &str, value: &str) {
        let value = value.trim();
        if value.is_empty() || value.starts_with('<') {
            return;
        }
        let value = value.to_owned();
        match name {
            "domain" => self.domain = Some(value),
            "dc_host" => self.dc_host = Some(value),
            "dc_ip" => self.dc_ip = Some(value),
            "exception" => self.exception = Some(value),
            "drs_call" => self.drs_call = Some(value),
            // A distinguished name: its DC= parts name the domain, when nothing else did.
            "dn" => {
                if self.domain.is_none() {
                    self.domain = domain_of_dn(&value);
                }
                self.other.insert(name.to_owned(), value);
            }
            "error_code" => {
                if let Some(parsed) = codes::parse_code(&value) {
                    self.error_code = Some(parsed.win32.unwrap_or(parsed.raw));
                }
            }
            // Hex digits without `0x`, as in `hr=80230626`.
            "error_code_hex" => {
                let parsed = u32::from_str_radix(value.trim_start_matches("0x"), 16)
                    .ok()
                    .map(codes::ParsedCode::from_raw);
                if let Some(parsed) = parsed {
                    self.error_code = Some(parsed.win32.unwrap_or(parsed.raw));
                }
            }
            _ => {
                self.other.insert(name.to_owned(), value);
            }
        }
    }
}

/// Whether `regex` captures a domain controller's host and IP together.
fn is_dc_pair(regex: &Regex) -> bool {
    let names: Vec<&str> = regex.capture_names().flatten().collect();
    names.contains(&"dc_host") && names.contains(&"dc_ip")
}

/// `AADSTS50126 InvalidUserNameOrPassword: Error validating credentials ...`, as far as the
/// table knows it.
fn describe_aadsts(code: u32) -> String {
    match codes::lookup_aadsts(code) {
        Some(info) if !info.name.is_empty() && !info.message.is_empty() => {
            format!("AADSTS{code} {}: {}", info.name, info.message)
        }
        Some(info) if !info.name.is_empty() => format!("AADSTS{code} {}", info.name),
        Some(info) => format!("AADSTS{code}: {}", info.message),
        None => format!("AADSTS{code} (not in the table)"),
    }
}

/// `CN=Alice,OU=Users,DC=contoso,DC=com` → `contoso.com`.
fn domain_of_dn(dn: &str) -> Option<String> {
    let labels: Vec<&str> = dn
        .split(',')
        .filter_map(|part| {
            let (key, value) = part.trim().split_once('=')?;
            key.trim().eq_ignore_ascii_case("DC").then(|| value.trim())
        })
        .collect();
    (!labels.is_empty()).then(|| labels.join("."))
}

fn pick<'t>(regex: &Regex, text: &'t str, occurrence: Occurrence) -> Option<Captures<'t>> {
    match occurrence {
        Occurrence::First => regex.captures(text),
        // The last match of a scan from the start, found without its groups (resolving
        // groups is most of a match's cost, e.g. for the innermost exception of a chain),
        // then its groups alone: the search from its start finds it again.
        Occurrence::Last => {
            let last = regex.find_iter(text).last()?;
            regex.captures_at(text, last.start())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_fills_every_builtin_placeholder() {
        let text: String = BUILTIN_PLACEHOLDERS
            .iter()
            .map(|name| format!("{{{name}}} "))
            .collect();
        for fields in [Fields::default(), Fields::with_error_code(8453)] {
            let filled = fields.fill(&text);
            assert!(!filled.contains('{'), "{filled}");
        }
        let names: Vec<_> = placeholders("a {x_1} {4} {4,9} { y } {}").collect();
        assert_eq!(names, [(2, "x_1")]);
    }

    #[test]
    fn the_last_match_has_the_groups_of_the_last_of_all_matches() {
        let patterns = [
            r"(?P<exception>(?:[A-Za-z_][A-Za-z0-9_]*\.)+[A-Za-z_][A-Za-z0-9_]*Exception)\s*:",
            r"(?P<x>a*)(?P<y>b?)",
            r"\b(?P<w>\w+)\b",
            r"(?P<d>\d)(?P<e>\d)?",
        ];
        let texts = [
            "",
            "A.BException: x ---> C.D.EException : y ---> F.GException:",
            "aab ab b aaa ba",
            "1 22 333 4444 x",
            "no match here",
        ];
        for pattern in patterns {
            let regex = Regex::new(pattern).unwrap();
            for text in texts {
                let reference = regex.captures_iter(text).last();
                let picked = pick(&regex, text, Occurrence::Last);
                let groups = |caps: Option<Captures<'_>>| -> Option<Vec<Option<(usize, usize)>>> {
                    caps.map(|c| c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect())
                };
                assert_eq!(groups(picked), groups(reference), "{pattern} in {text:?}");
            }
        }
    }

    #[test]
    fn domain_from_distinguished_name() {
        assert_eq!(
            domain_of_dn("CN=Alice,OU=Users,DC=contoso,DC=com").as_deref(),
            Some("contoso.com")
        );
        assert_eq!(domain_of_dn("CN=Bob"), None);
        let mut fields = Fields::default();
        fields.set("dn", "CN=A,DC=child, dc=Contoso,DC=Com");
        assert_eq!(fields.domain.as_deref(), Some("child.Contoso.Com"));
    }
}
