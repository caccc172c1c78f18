//! The normalised text that rules match: white space folded, so that CRLF, tabs and odd line
//! breaks in copies of a message do not matter.

/// Folds every run of white space into one space and trims the ends.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_crlf_and_runs() {
        assert_eq!(normalize(" a\r\n   b\tc \n"), "a b c");
    }
}
