//! Like `from_memory`, with one more rule pack given as TOML text on top of the built-in packs:
//! it names crashes of the Entra Connect Health agent for sync (Application Error 1000 of
//! `AzureADConnectHealthSyncMonitor.exe`), which the built-in packs leave aside.
//!
//! ```sh
//! cargo run -p evtx-doctor --example custom_rules -- fixtures/healthy.evtx
//! ```

mod common;

use evtx_doctor::{Engine, Knowledge, Options, Source};

/// A pack of our own: one rule, citing its source as every rule must.
const PACK: &str = r#"
schema = 1

[pack]
id = "example"
title = "An example pack given as a string"
sources = ["https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-health-agent-install"]

[[rule]]
id = "example.health-agent-crash"
title = "The Entra Connect Health agent for sync crashed"
severity = "info"
cause = "AzureADConnectHealthSyncMonitor.exe, the Connect Health agent for sync, stopped on an unhandled error; sync itself goes on, but Connect Health stops reporting on it."
resolution = "Restart the Azure AD Connect Health Sync Monitoring service; if it keeps crashing, update the agent (reinstall the latest Microsoft Entra Connect)."
references = ["https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-health-agent-install"]

[[rule.when]]
providers = ["Application Error"]
event_ids = [1000]
keywords = ["azureadconnecthealthsyncmonitor.exe"]
"#;

fn main() -> std::process::ExitCode {
    common::run(analyze)
}

fn analyze() -> Result<(), Box<dyn std::error::Error>> {
    let Some(path) = std::env::args_os().nth(1) else {
        return Err("usage: custom_rules FILE".into());
    };
    let bytes = common::read(&path)?;
    let name = std::path::Path::new(&path).display().to_string();
    let knowledge = Knowledge::builder()?.pack("example.toml", PACK)?.build();
    let engine = Engine::new(knowledge, Options::default());
    let report = engine.analyze([Source::bytes(name, bytes)]);
    common::print(&common::finding_lines(&report))
}
