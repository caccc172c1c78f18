//! Where a finding's reference points: the formats that make links (HTML, Markdown) ask here.
//!
//! References come from rule packs: KB ids (`KB2867278`), URLs, and titles of Microsoft
//! documents (`Troubleshoot RPC errors affecting Azure AD Connect`). Only http and https URLs
//! are ever returned, so no reference can become a `javascript:` or `data:` link.

use std::fmt::Write;

/// The address of the Microsoft support article for a KB id.
const KB_ARTICLE: &str = "https://support.microsoft.com/help/";

/// A search of Microsoft Learn, for documents cited by title.
const LEARN_SEARCH: &str = "https://learn.microsoft.com/search/?terms=";

/// Words that make a title a Microsoft document's (other titles, e.g. `Internal runbook
/// PHS-12` from a site's own pack, stay text).
const MICROSOFT_WORDS: [&str; 9] = [
    "microsoft",
    "entra",
    "azure",
    "aad",
    "active directory",
    "dirsync",
    "windows",
    "password hash sync",
    "password sync",
];

/// The http(s) address `reference` points to: a KB id's support article, a URL itself, a
/// Microsoft document title's search on Microsoft Learn; `None` for other text.
pub(super) fn reference_url(reference: &str) -> Option<String> {
    let reference = reference.trim();
    if let Some(number) = kb_number(reference) {
        return Some(format!("{KB_ARTICLE}{number}"));
    }
    if is_web_url(reference) {
        return Some(reference.to_owned());
    }
    let lower = reference.to_lowercase();
    let microsoft = MICROSOFT_WORDS.iter().any(|word| lower.contains(word));
    let words = reference.split_whitespace().count();
    (microsoft && words >= 3 && !reference.contains("://"))
        .then(|| format!("{LEARN_SEARCH}{}", query_encode(reference)))
}

/// `2867278` for `KB2867278` (any case, 5 to 8 digits).
fn kb_number(reference: &str) -> Option<&str> {
    let prefix = reference.get(..2)?;
    let digits = reference.get(2..)?;
    (prefix.eq_ignore_ascii_case("kb")
        && (5..=8).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit()))
    .then_some(digits)
}

/// An http or https URL with a host and nothing that could end an attribute or a link early.
fn is_web_url(text: &str) -> bool {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    rest.is_some_and(|rest| {
        !rest.is_empty()
            && !rest.starts_with('/')
            && !text.chars().any(|c| {
                c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '\'' | '`')
            })
    })
}

/// `text` for a URL's query: unreserved ASCII as is, spaces as `+`, the rest percent-encoded.
fn query_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kb_ids_link_to_the_support_article() {
        assert_eq!(
            reference_url("KB2867278").as_deref(),
            Some("https://support.microsoft.com/help/2867278")
        );
        assert_eq!(
            reference_url(" kb2962509 ").as_deref(),
            Some("https://support.microsoft.com/help/2962509")
        );
        assert_eq!(reference_url("KB"), None);
        assert_eq!(reference_url("KB12ab567"), None);
    }

    #[test]
    fn only_web_urls_are_links() {
        let url = "https://learn.microsoft.com/entra/identity-platform/reference-error-codes";
        assert_eq!(reference_url(url).as_deref(), Some(url));
        for bad in [
            "javascript:alert(1)",
            "data:text/html,<script>",
            "https://",
            "https:///x",
            "https://a\"onmouseover=x",
            "https://a b",
            "ftp://example.com/Microsoft Entra doc",
            "file:///C:/Windows/Microsoft Entra",
        ] {
            assert_eq!(reference_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn microsoft_document_titles_link_to_a_search() {
        assert_eq!(
            reference_url("Troubleshoot RPC errors affecting Azure AD Connect").as_deref(),
            Some(
                "https://learn.microsoft.com/search/?terms=Troubleshoot+RPC+errors+affecting+Azure+AD+Connect"
            )
        );
        assert_eq!(
            reference_url("DirSync: Password Sync failing in FIPS-compliant systems").as_deref(),
            Some(
                "https://learn.microsoft.com/search/?terms=DirSync%3A+Password+Sync+failing+in+FIPS-compliant+systems"
            )
        );
        assert_eq!(reference_url("Internal runbook PHS-12"), None);
        assert_eq!(reference_url("Azure"), None, "a word is not a title");
    }
}
