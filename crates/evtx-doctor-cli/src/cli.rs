//! Command-line arguments and the commands they run.

use crate::color::ColorChoice;
use crate::{analyze, completions, explain, formats, rules, time};
use anyhow::Context;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use evtx_doctor::render::Format;
use jiff::Timestamp;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Examples shown under `evtx-doctor analyze --help`.
const ANALYZE_EXAMPLES: &str = "\
Examples:
  evtx-doctor analyze Application.evtx
  evtx-doctor analyze logs/ customer2/Application.evtx
  evtx-doctor analyze --format json -o report.json logs/
  evtx-doctor analyze --since 2024-03-04 --until 2024-03-05T12:00:00Z Application.evtx
  evtx-doctor analyze --computer SYNC01.contoso.com --computer SYNC02.contoso.com logs/
  evtx-doctor analyze --rules site-rules.toml Application.evtx
  evtx-doctor analyze --quiet logs/ && echo 'password sync works'

Exit status:
  0  the logs show password hash sync working, or nothing wrong with it
  1  a problem: findings, a failing domain, or a stalled sync agent
  2  usage error, bad rule file, an input that could not be read at all (every
     other input is still analyzed and reported), or no input found
  3  nothing to judge by: no password sync event in the inputs, or none left
     after --since/--until/--computer (standard error says which)";

/// Examples shown under `evtx-doctor explain --help`.
const EXPLAIN_EXAMPLES: &str = "\
Examples:
  evtx-doctor explain 8453
  evtx-doctor explain 0x6ba
  evtx-doctor explain 0x80072105
  evtx-doctor explain -2147016443
  evtx-doctor explain ERROR_DS_DRA_BAD_DN
  evtx-doctor explain --format json 8439

Exit status: 0 the code is known, 2 it is not (or the command was wrong).";

/// Examples shown under `evtx-doctor rules --help`.
const RULES_EXAMPLES: &str = "\
Examples:
  evtx-doctor rules list
  evtx-doctor rules list --rules site-rules.toml
  evtx-doctor rules check site-rules.toml other.toml";

/// Examples shown under `evtx-doctor completions --help`.
const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  evtx-doctor completions bash > ~/.local/share/bash-completion/completions/evtx-doctor
  evtx-doctor completions zsh > ~/.zfunc/_evtx-doctor
  evtx-doctor completions fish > ~/.config/fish/completions/evtx-doctor.fish
  evtx-doctor completions powershell >> $PROFILE";

/// Examples shown under `evtx-doctor man --help`.
const MAN_EXAMPLES: &str = "\
Examples:
  evtx-doctor man > ~/.local/share/man/man1/evtx-doctor.1
  evtx-doctor man --dir ~/.local/share/man/man1
  evtx-doctor man | man -l -";

/// Diagnoses why Entra Connect (Azure AD Connect, DirSync) password hash sync stopped, from
/// exported Windows event logs, offline.
#[derive(Debug, Parser)]
#[command(
    name = "evtx-doctor",
    version,
    long_about = "Diagnoses why Microsoft Entra Connect (Azure AD Connect, DirSync) password \
hash synchronization stopped, from exported Windows event logs (.evtx, folders of them, \
Event Viewer XML/CSV exports), offline and on any OS.\n\nStart with `evtx-doctor analyze \
Application.evtx`.",
    propagate_version = true,
    after_help = "Exit status of analyze: 0 password sync works (or nothing is wrong with it), \
1 a problem, 2 usage or input error, 3 nothing to judge by."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Analyze event logs and report why password hash sync fails.
    ///
    /// Reads every PATH (files of any name; folders, searched recursively for .evtx logs,
    /// Event Viewer .xml/.csv/.txt exports, .log files and .zip/.7z/.gz/.tgz/.tar archives;
    /// `-` for standard input), matches the events against the knowledge base and reports one finding per diagnosis, domain and
    /// error code, with cause, resolution and sample events.
    #[command(after_help = ANALYZE_EXAMPLES)]
    Analyze(AnalyzeArgs),
    /// Decode a Win32, DS, RPC or HRESULT error code and show the rules that diagnose it.
    ///
    /// CODE is decimal (8453), hexadecimal (0x2105), an HRESULT (0x80072105, or signed
    /// -2147016443) or a winerror.h symbol (ERROR_DS_DRA_ACCESS_DENIED). Prints the value,
    /// symbol and meaning, how CODE was decoded, and the password hash sync rules that
    /// diagnose this code specifically (cause, resolution, references).
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain(ExplainArgs),
    /// List the rules of the knowledge base, or check rule files.
    #[command(subcommand, after_help = RULES_EXAMPLES)]
    Rules(RulesCommand),
    /// Print a shell completion script on standard output.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
    /// Print the man page (roff) on standard output, or write every page to a folder.
    ///
    /// `evtx-doctor man > evtx-doctor.1` writes the main page; `evtx-doctor man --dir DIR`
    /// writes it and one page per command (evtx-doctor-analyze.1, ...).
    #[command(after_help = MAN_EXAMPLES)]
    Man(ManArgs),
}

/// Arguments of `analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Files and folders to read (`-`: standard input); folders are searched recursively for
    /// .evtx, .xml, .csv, .txt and .log files and .zip, .7z, .gz, .tgz and .tar archives.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Report format [default: text, or the one -o FILE's extension names: .html, .json,
    /// .jsonl, .csv, .md].
    #[arg(long, short = 'f', value_name = "FORMAT", value_parser = formats::parser())]
    pub format: Option<Format>,
    /// Write the report to FILE instead of standard output; its extension chooses the
    /// format when --format is not given (a --format that contradicts it is an error).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Colour the text report: auto (on a terminal, unless NO_COLOR or TERM=dumb;
    /// CLICOLOR_FORCE forces it), always, never.
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Worker threads (default: one per core); the report is the same for any number.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Do not draw a progress bar (it is only drawn on a terminal, for runs that last over a
    /// second).
    #[arg(long)]
    pub no_progress: bool,
    /// Parse every chunk, even those that cannot match (for checking; same report, slower).
    #[arg(long)]
    pub no_prefilter: bool,
    /// Add or override rules from a rule pack file (repeatable; a rule with the id of a
    /// built-in rule replaces it).
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Only count events at or after TIME: RFC 3339 (2024-03-04T08:00:00Z), the report's
    /// own form (2024-03-04 08:00:00 UTC) or a date (2024-03-04, the start of that day, UTC).
    #[arg(long, value_name = "TIME", value_parser = time::parse_since)]
    pub since: Option<Timestamp>,
    /// Only count events at or before TIME: RFC 3339 (2024-03-04T18:00:00Z), the report's
    /// own form (2024-03-04 18:00:00 UTC) or a date (2024-03-04, the end of that day, UTC).
    #[arg(long, value_name = "TIME", value_parser = time::parse_until)]
    pub until: Option<Timestamp>,
    /// Only count events logged by computer NAME (case-insensitive; repeatable).
    #[arg(long = "computer", value_name = "NAME")]
    pub computers: Vec<String>,
    /// The time zone of the machine that exported CSV or text exports, for the local times
    /// they hold: an offset (+02:00, -05:30) or an IANA name (Europe/Berlin). Without it they
    /// are read as UTC, and each such export says so.
    #[arg(long, value_name = "ZONE", value_parser = time::parse_timezone)]
    pub timezone: Option<jiff::tz::TimeZone>,
    /// Print nothing: no progress, no report on standard output (unless -o is given); only
    /// the exit status tells the result.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Output formats of `explain` and `rules list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InfoFormat {
    /// For people.
    Text,
    /// One JSON document.
    Json,
}

/// Arguments of `explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The code: 8453, 0x2105, 0x80072105, -2147016443 or ERROR_DS_DRA_ACCESS_DENIED.
    #[arg(value_name = "CODE", allow_negative_numbers = true)]
    pub code: String,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = InfoFormat::Text)]
    pub format: InfoFormat,
    /// Also use the rules in this rule pack file (repeatable).
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
}

/// `rules` subcommands.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List every rule, grouped by pack: id, severity, providers, event ids, error codes,
    /// title.
    List(RulesListArgs),
    /// Check rule pack files: prints "ok: N rules" for each, or the problem with file:line.
    Check(RulesCheckArgs),
}

/// Arguments of `rules list`.
#[derive(Debug, Args)]
pub struct RulesListArgs {
    /// Also load this rule pack file, to see what it adds and overrides (repeatable).
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = InfoFormat::Text)]
    pub format: InfoFormat,
}

/// Arguments of `rules check`.
#[derive(Debug, Args)]
pub struct RulesCheckArgs {
    /// Rule pack files (TOML, docs/rules.md).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Arguments of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Arguments of `man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write evtx-doctor.1 and a page for every command (evtx-doctor-analyze.1, ...) into DIR
    /// instead of printing the main page.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Runs the command and returns the exit status.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Analyze(args) => analyze::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Rules(RulesCommand::List(args)) => rules::list(&args),
        Command::Rules(RulesCommand::Check(args)) => Ok(rules::check(&args)),
        Command::Completions(args) => {
            write_stdout(&completions::script(args.shell))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man(args) => {
            match args.dir {
                Some(dir) => {
                    std::fs::create_dir_all(&dir)
                        .with_context(|| format!("cannot create {}", dir.display()))?;
                    clap_mangen::generate_to(Cli::command(), &dir)
                        .with_context(|| format!("cannot write man pages to {}", dir.display()))?;
                }
                None => {
                    let mut out = Vec::new();
                    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
                    write_stdout(&out)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Writes `bytes` to standard output; a closed pipe (`| head`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => Err(anyhow::Error::new(err).context("cannot write to standard output")),
        Ok(()) => Ok(()),
    }
}
