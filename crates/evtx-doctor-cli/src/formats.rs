//! The report formats `--format` accepts: every format the library renders
//! ([`Format::ALL`]), by [`Format::name`].

use clap::builder::{PossibleValuesParser, TypedValueParser};
use evtx_doctor::render::Format;

/// A clap parser that accepts exactly the report format names and lists them in `--help`.
pub fn parser() -> impl TypedValueParser<Value = Format> {
    PossibleValuesParser::new(Format::ALL.iter().map(|format| format.name()))
        .try_map(|name| Format::from_name(&name).ok_or_else(|| format!("unknown format {name:?}")))
}

/// The report format a file name's extension stands for (`.html`, `.htm`, `.json`, `.jsonl`,
/// `.ndjson`, `.csv`, `.md`, `.markdown`; ASCII case ignored), or `None`.
pub fn from_extension(path: &std::path::Path) -> Option<Format> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    match extension.as_str() {
        "html" | "htm" => Some(Format::Html),
        "json" => Some(Format::Json),
        "jsonl" | "ndjson" => Some(Format::Jsonl),
        "csv" => Some(Format::Csv),
        "md" | "markdown" => Some(Format::Markdown),
        _ => None,
    }
}

/// The format to write: `--format` when given, else the one `-o FILE`'s extension names,
/// else text. A `--format` that contradicts the extension is an error (a `.html` file holding
/// JSON helps nobody).
pub fn choose(format: Option<Format>, output: Option<&std::path::Path>) -> Result<Format, String> {
    let implied = output.and_then(from_extension);
    match (format, implied, output) {
        (Some(asked), Some(implied), Some(path)) if asked != implied => Err(format!(
            "--format {asked} does not match {}, whose extension means {implied}: drop \
             --format, or name the file for {asked} (.{})",
            evtx_doctor::render::escape_controls(&path.to_string_lossy()),
            asked.extension()
        )),
        (Some(asked), _, _) => Ok(asked),
        (None, Some(implied), _) => Ok(implied),
        (None, None, _) => Ok(Format::Text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn the_extension_names_the_format() {
        fn out(name: &str) -> Option<&Path> {
            Some(Path::new(name))
        }
        assert_eq!(choose(None, out("r.html")), Ok(Format::Html));
        assert_eq!(choose(None, out("R.HTM")), Ok(Format::Html));
        assert_eq!(choose(None, out("r.json")), Ok(Format::Json));
        assert_eq!(choose(None, out("r.jsonl")), Ok(Format::Jsonl));
        assert_eq!(choose(None, out("r.csv")), Ok(Format::Csv));
        assert_eq!(choose(None, out("r.md")), Ok(Format::Markdown));
        assert_eq!(choose(None, out("r.txt")), Ok(Format::Text));
        assert_eq!(choose(None, out("report")), Ok(Format::Text));
        assert_eq!(choose(None, None), Ok(Format::Text));
        assert_eq!(choose(Some(Format::Json), out("r.json")), Ok(Format::Json));
        assert_eq!(choose(Some(Format::Csv), out("r.out")), Ok(Format::Csv));
        assert!(choose(Some(Format::Json), out("r.html")).is_err());
    }
}
