//! Large realistic files streamed to disk: mostly noise, with password hash sync events in
//! every Nth chunk.

use std::collections::VecDeque;
use std::io::{Seek, Write};

use jiff::{SignedDuration, Timestamp};

use crate::chunk::CHUNK_SIZE;
use crate::error::ForgeError;
use crate::event::{EventData, EventRecord, Layout};
use crate::file::{EvtxStreamWriter, FILE_HEADER_SIZE};
use crate::noise::{NoiseGenerator, NoiseLayout};

/// What to generate.
#[derive(Debug, Clone)]
pub struct CorpusOptions {
    /// Target file size in bytes; the file is the header plus as many whole chunks as fit
    /// (at least one).
    pub size: u64,
    /// Signal events go into every chunk whose index is a multiple of this (1 = every chunk).
    pub signal_every: u64,
    /// Random seed.
    pub seed: u64,
    /// `Computer` of every event.
    pub computer: String,
    /// Time of the first event.
    pub start: Timestamp,
}

impl CorpusOptions {
    /// Options with computer `SYNC01.contoso.com` and start 2024-01-01T00:00:00Z.
    pub fn new(size: u64, signal_every: u64, seed: u64) -> Self {
        CorpusOptions {
            size,
            signal_every,
            seed,
            computer: "SYNC01.contoso.com".into(),
            start: Timestamp::from_second(1_704_067_200).unwrap_or(Timestamp::UNIX_EPOCH),
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorpusSummary {
    /// Chunks in the file.
    pub chunks: u64,
    /// Records in the file.
    pub records: u64,
    /// Directory Synchronization 611 records among them.
    pub signal_611: u64,
    /// Chunks that hold signal events.
    pub signal_chunks: u64,
}

/// Parse a size such as `1GiB`, `256MiB`, `10MB`, `64KiB`, `4096` (bytes).
pub fn parse_size(text: &str) -> Result<u64, ForgeError> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let number: u64 = t[..digits]
        .parse()
        .map_err(|_| ForgeError::spec(format!("not a size: {text:?}")))?;
    let unit: u64 = match t[digits..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "k" => 1000,
        "mb" | "m" => 1000 * 1000,
        "gb" | "g" => 1000 * 1000 * 1000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        _ => return Err(ForgeError::spec(format!("unknown size unit in {text:?}"))),
    };
    number
        .checked_mul(unit)
        .ok_or_else(|| ForgeError::spec(format!("size too large: {text:?}")))
}

const FRAMES: &str = "   at Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsRpcConnection.OnGetChanges(ReplicationState syncState)\r\n   at Microsoft.Online.PasswordSynchronization.RetryUtility.ExecuteWithRetry[T](Func`1 operation, Func`1 shouldAbort, RetryPolicyHandler retryPolicy)\r\n   at Microsoft.Online.PasswordSynchronization.SynchronizationManager.SynchronizeDomain(SynchronizationExecutionContext syncExecutionContext)";

const CHAINS: &[&str] = &[
    "Microsoft.Online.PasswordSynchronization.SynchronizationManagerException: Recovery task failed. ---> Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsException: RPC Error 8439 : The distinguished name specified for this replication operation is invalid. There was an error calling _IDL_DRSGetNCChanges.",
    "Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsException: RPC Error 8453 : Replication access was denied. There was an error calling _IDL_DRSGetNCChanges.",
    "Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsException: RPC Error 8593 : The directory service cannot perform the requested operation because the servers involved are of different replication epochs (which is related to a domain rename that is in progress). There was an error calling _IDL_DRSGetNCChanges.",
];

fn sync_event(
    event_id: u16,
    level: u8,
    text: String,
    time: Timestamp,
    computer: &str,
) -> EventRecord {
    let mut e = EventRecord::new("Directory Synchronization", event_id, time);
    e.level = level;
    e.computer = computer.to_owned();
    e.layout = Layout::ProviderSubstitution;
    e.data = EventData::Unnamed(vec![text]);
    e
}

/// The signal events of chunk `index`: a heartbeat pair around one 611 failure.
fn signal_events(index: u64, time: Timestamp, computer: &str) -> Vec<EventRecord> {
    let chain = CHAINS[(index % CHAINS.len() as u64) as usize];
    let text = if index.is_multiple_of(2) {
        format!(
            "Password synchronization failed for domain: Contoso.com. Details: \r\n{chain}\r\n{FRAMES}"
        )
    } else {
        format!(
            "Password hash synchronization failed for domain: ChildDomain.Contoso.Com, domain controller hostname: DC01.ChildDomain.Contoso.Com, domain controller IP address: 10.0.0.12.\r\nDetails: {chain}\r\n{FRAMES}"
        )
    };
    vec![
        sync_event(
            653,
            4,
            "Provision credentials ping start.".into(),
            time,
            computer,
        ),
        sync_event(611, 2, text, time, computer),
        sync_event(
            654,
            4,
            "Provision credentials ping end.".into(),
            time,
            computer,
        ),
    ]
}

/// Stream a corpus to `out`. Memory use does not grow with the size.
pub fn write_corpus<W: Write + Seek>(
    out: W,
    options: &CorpusOptions,
) -> Result<(W, CorpusSummary), ForgeError> {
    if options.signal_every == 0 {
        return Err(ForgeError::spec("signal-every must be at least 1"));
    }
    let target_chunks =
        (options.size.saturating_sub(FILE_HEADER_SIZE as u64) / CHUNK_SIZE as u64).max(1);
    let mut writer = EvtxStreamWriter::new(out, 1)?;
    let mut noise = NoiseGenerator::new(
        options.seed,
        &options.computer,
        "Application",
        NoiseLayout::Mixed,
    );
    let mut time = options.start;
    let mut queue: VecDeque<EventRecord> = VecDeque::new();
    let mut signalled: Option<u64> = None;
    let mut summary = CorpusSummary {
        chunks: 0,
        records: 0,
        signal_611: 0,
        signal_chunks: 0,
    };
    loop {
        let chunk = writer.chunks_started() - 1;
        if chunk % options.signal_every == 0 && signalled != Some(chunk) {
            signalled = Some(chunk);
            summary.signal_chunks += 1;
            queue.extend(signal_events(chunk, time, &options.computer));
        }
        let event = match queue.pop_front() {
            Some(e) => e,
            None => {
                time += SignedDuration::from_millis(1000 + noise.below(120_000) as i64);
                noise.event_at(time)
            }
        };
        if writer.push_in_current_chunk(&event)?.is_none() {
            if writer.chunks_started() >= target_chunks {
                break;
            }
            writer.push(&event)?;
        }
        summary.records += 1;
        if event.event_id == 611 && event.provider == "Directory Synchronization" {
            summary.signal_611 += 1;
        }
    }
    summary.chunks = writer.chunks_started();
    Ok((writer.finish()?, summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1GiB").unwrap(), 1 << 30);
        assert_eq!(parse_size("256MiB").unwrap(), 256 << 20);
        assert_eq!(parse_size("10MB").unwrap(), 10_000_000);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert!(parse_size("12XB").is_err());
    }
}
