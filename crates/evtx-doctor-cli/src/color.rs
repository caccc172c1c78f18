//! Whether the text report is coloured: `--color auto|always|never`, and for `auto` the
//! conventions of NO_COLOR (no-color.org), CLICOLOR_FORCE / CLICOLOR (bixense.com/clicolors)
//! and TERM=dumb, then whether standard output is a terminal.

use clap::ValueEnum;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal, unless NO_COLOR, TERM=dumb or CLICOLOR=0 say otherwise;
    /// CLICOLOR_FORCE colours a pipe too.
    #[default]
    Auto,
    /// Always colour (also a pipe or an -o file).
    Always,
    /// Never colour.
    Never,
}

/// Whether to colour, given the choice, whether the output is a terminal and the
/// environment (`var` reads a variable).
pub fn enabled(choice: ColorChoice, terminal: bool, var: impl Fn(&str) -> Option<String>) -> bool {
    let set = |name: &str| var(name).is_some_and(|value| !value.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if set("NO_COLOR") => false,
        ColorChoice::Auto
            if set("CLICOLOR_FORCE") && var("CLICOLOR_FORCE").as_deref() != Some("0") =>
        {
            true
        }
        ColorChoice::Auto => {
            terminal
                && var("TERM").as_deref() != Some("dumb")
                && var("CLICOLOR").as_deref() != Some("0")
        }
    }
}

/// Whether the terminal standard output writes to shows ANSI colours: a Windows console does
/// once asked to (virtual terminal processing, Windows 10 and later; an older console would
/// print the escape codes as text), other terminals always do.
pub fn terminal_shows_ansi() -> bool {
    anstyle_query::windows::enable_ansi_colors().unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn conventions() {
        use ColorChoice::*;
        assert!(enabled(Auto, true, env(&[])));
        assert!(!enabled(Auto, false, env(&[])));
        assert!(!enabled(Auto, true, env(&[("NO_COLOR", "1")])));
        assert!(enabled(Auto, true, env(&[("NO_COLOR", "")])));
        assert!(enabled(Auto, false, env(&[("CLICOLOR_FORCE", "1")])));
        assert!(!enabled(Auto, false, env(&[("CLICOLOR_FORCE", "0")])));
        assert!(!enabled(
            Auto,
            false,
            env(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")])
        ));
        assert!(!enabled(Auto, true, env(&[("TERM", "dumb")])));
        assert!(!enabled(Auto, true, env(&[("CLICOLOR", "0")])));
        assert!(enabled(Always, false, env(&[("NO_COLOR", "1")])));
        assert!(!enabled(Never, true, env(&[("CLICOLOR_FORCE", "1")])));
    }
}
