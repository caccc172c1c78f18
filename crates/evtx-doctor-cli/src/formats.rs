//! The report formats `--format` accepts: every format the library renders
//! ([`Format::ALL`]), by [`Format::name`].

use clap::builder::{PossibleValuesParser, TypedValueParser};
use evtx_doctor::render::Format;

/// A clap parser that accepts exactly the report format names and lists them in `--help`.
pub fn parser() -> impl TypedValueParser<Value = Format> {
    PossibleValuesParser::new(Format::ALL.iter().map(|format| format.name()))
        .try_map(|name| Format::from_name(&name).ok_or_else(|| format!("unknown format {name:?}")))
}
