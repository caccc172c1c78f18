//! Large realistic files streamed to disk: mostly noise, with password hash sync events in
//! every Nth chunk, either as one heartbeat/failure triple at the chunk's start or, in the
//! dense mix, as a failing sync server writes them: several signal records spread among the
//! noise of every chunk.

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
    /// What the signal chunks hold.
    pub mix: SignalMix,
}

/// What goes into a signal chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignalMix {
    /// A 653 heartbeat, one 611 failure and a 654 heartbeat, first in the chunk.
    #[default]
    Triple,
    /// A sync server that has been failing for a while: each signal chunk holds one of four
    /// scenes in turn, its records spread among the noise: a 611 burst (three domains, RPC
    /// 8453/8439/8593 chains as KB2867278 quotes them, old and new headers) with a heartbeat
    /// pair; two heartbeat pairs around a 611; a credential burst (ADSync 6900 and 659 with
    /// AADSTS50054, then 115, 0 and 655 as KB2962509 describes them); a 611 burst again.
    /// About five signal records a chunk.
    Dense,
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
            mix: SignalMix::Triple,
        }
    }

    /// The same options with signal mix `mix`.
    pub fn with_mix(mut self, mix: SignalMix) -> Self {
        self.mix = mix;
        self
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
    /// Signal records (611s, heartbeats, credential events) among them.
    pub signal_records: u64,
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

/// The provider of the password sync agent's events.
const SYNC: &str = "Directory Synchronization";

fn provider_event(
    provider: &str,
    event_id: u16,
    level: u8,
    text: String,
    time: Timestamp,
    computer: &str,
) -> EventRecord {
    let mut e = EventRecord::new(provider, event_id, time);
    e.level = level;
    e.computer = computer.to_owned();
    e.layout = Layout::ProviderSubstitution;
    e.data = EventData::Unnamed(vec![text]);
    e
}

/// The domains of the dense mix's 611 bursts, as customers write them, each with its domain
/// controller (new header form) or `None` (old form).
const DOMAINS: &[(&str, Option<(&str, &str)>)] = &[
    ("Contoso.com", None),
    (
        "ChildDomain.Contoso.Com",
        Some(("DC01.ChildDomain.Contoso.Com", "10.0.0.12")),
    ),
    (
        "fabrikam.local",
        Some(("<not available>", "<not available>")),
    ),
    ("Corp.Woodgrove.net", None),
];

/// A 611 of the dense mix: domain `domain` of [`DOMAINS`], chain `chain` of [`CHAINS`].
fn failure_611(domain: usize, chain: usize, time: Timestamp, computer: &str) -> EventRecord {
    let (name, dc) = DOMAINS[domain % DOMAINS.len()];
    let chain = CHAINS[chain % CHAINS.len()];
    let text = match dc {
        None => format!(
            "Password synchronization failed for domain: {name}. Details: \r\n{chain}\r\n{FRAMES}"
        ),
        Some((host, ip)) => format!(
            "Password hash synchronization failed for domain: {name}, domain controller hostname: {host}, domain controller IP address: {ip}.\r\nDetails: {chain}\r\n{FRAMES}"
        ),
    };
    provider_event(SYNC, 611, 2, text, time, computer)
}

fn heartbeat_pair(time: Timestamp, computer: &str) -> [EventRecord; 2] {
    [
        provider_event(
            SYNC,
            653,
            4,
            "Provision credentials ping start.".into(),
            time,
            computer,
        ),
        provider_event(
            SYNC,
            654,
            4,
            "Provision credentials ping end.".into(),
            time,
            computer,
        ),
    ]
}

/// Texts of the credential burst: Entra ID's AADSTS50054 as "Change the Microsoft Entra
/// Connector account password" quotes it (6900, 659; each names its own trace and correlation
/// ids and time, filled in per event), and KB2962509's 115, 0 and 655.
const AADSTS_50054: &str = "AADSTS70002: Error validating credentials. AADSTS50054: Old password is used for authentication.\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {time}";
const POLICY_659: &str = "Error while retrieving password policy sync configuration. Microsoft.IdentityModel.Clients.ActiveDirectory.AdalServiceException: AADSTS70002: Error validating credentials. AADSTS50054: Old password is used for authentication.\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {time} ---> System.Net.WebException: The remote server returned an error: (401) Unauthorized.\r\n   at System.Net.HttpWebRequest.GetResponse()\r\n   --- End of inner exception stack trace ---\r\n   at Microsoft.Online.PasswordSynchronization.CloudProvisioningProxy.GetPasswordPolicySyncConfiguration()";
const DENIED_115: &str = "An error occurred. Error Code: 7. Error Description: Access to Windows Azure Active Directory has been denied. Contact Technical Support. Tracking ID: 6c5d4b3a-1f2e-4d3c-9b8a-7f6e5d4c3b2a Server Name: .";
const INCORRECT_0: &str = "The user name or password is incorrect. Verify your user name, and then type your password again.";
const PING_655: &str = "Failed credential provisioning ping. Error: System.Security.Authentication.AuthenticationException: The user name or password is incorrect. Verify your user name, and then type your password again.";

/// `template` with `{trace}` and `{correlation}` filled with fresh GUIDs and `{time}` with
/// `time` as Entra ID writes it (`2024-11-04 08:00:00Z`).
fn sign_in_error(template: &str, time: Timestamp, noise: &mut NoiseGenerator) -> String {
    let (trace, correlation) = (noise.guid(), noise.guid());
    template
        .replace("{trace}", &trace)
        .replace("{correlation}", &correlation)
        .replace("{time}", &time.strftime("%Y-%m-%d %H:%M:%SZ").to_string())
}

/// The dense mix's signal events of chunk `index` (its scene), in order.
fn dense_scene(
    index: u64,
    time: Timestamp,
    computer: &str,
    noise: &mut NoiseGenerator,
) -> Vec<EventRecord> {
    let i = index as usize;
    let burst = |first: usize| -> Vec<EventRecord> {
        (0..3)
            .map(|k| failure_611(first + k, i + k, time, computer))
            .collect()
    };
    match index % 4 {
        0 | 3 => {
            let [start, end] = heartbeat_pair(time, computer);
            let mut events = vec![start];
            events.extend(burst(i));
            events.push(end);
            events
        }
        1 => {
            let [a, b] = heartbeat_pair(time, computer);
            let [c, d] = heartbeat_pair(time, computer);
            vec![a, b, failure_611(i, i, time, computer), c, d]
        }
        _ => {
            let text = sign_in_error(AADSTS_50054, time, noise);
            let mut credentials = provider_event("ADSync", 6900, 2, text, time, computer);
            credentials.qualifiers = Some(49152);
            credentials.task = 3;
            let policy = sign_in_error(POLICY_659, time, noise);
            vec![
                credentials,
                provider_event(SYNC, 659, 2, policy, time, computer),
                provider_event(SYNC, 115, 4, DENIED_115.into(), time, computer),
                provider_event(SYNC, 0, 2, INCORRECT_0.into(), time, computer),
                provider_event(SYNC, 655, 2, PING_655.into(), time, computer),
            ]
        }
    }
}

/// How many noise records at most go before each signal record of the dense mix (drawn
/// uniformly from 1 up to it), so that a scene spreads over most of a chunk of ~90 records.
const DENSE_MAX_GAP: u64 = 28;

/// Signal records still queued past which the dense mix starts no new scene.
const DENSE_MAX_QUEUED: usize = 5;

/// The signal events of chunk `index`: a heartbeat pair around one 611 failure (old and new
/// header forms alternate, the chains rotate).
fn signal_events(index: u64, time: Timestamp, computer: &str) -> Vec<EventRecord> {
    let [start, end] = heartbeat_pair(time, computer);
    let domain = (index % 2) as usize;
    let chain = (index % CHAINS.len() as u64) as usize;
    vec![start, failure_611(domain, chain, time, computer), end]
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
    // Signal events to write, each after how many more noise records.
    let mut queue: VecDeque<(u64, EventRecord)> = VecDeque::new();
    let mut signalled: Option<u64> = None;
    let mut summary = CorpusSummary {
        chunks: 0,
        records: 0,
        signal_611: 0,
        signal_records: 0,
        signal_chunks: 0,
    };
    loop {
        let chunk = writer.chunks_started() - 1;
        if chunk % options.signal_every == 0 && signalled != Some(chunk) {
            signalled = Some(chunk);
            summary.signal_chunks += 1;
            match options.mix {
                SignalMix::Triple => queue.extend(
                    signal_events(chunk, time, &options.computer)
                        .into_iter()
                        .map(|e| (0, e)),
                ),
                // A scene left over from the last chunk (it did not fit) is finished first;
                // a new one waits while a whole scene is still queued, so the queue stays short.
                SignalMix::Dense if queue.len() <= DENSE_MAX_QUEUED => {
                    for e in dense_scene(chunk, time, &options.computer, &mut noise) {
                        queue.push_back((1 + noise.below(DENSE_MAX_GAP), e));
                    }
                }
                SignalMix::Dense => {}
            }
        }
        let due = match queue.front_mut() {
            Some((0, _)) => queue.pop_front().map(|(_, e)| e),
            Some((gap, _)) => {
                *gap -= 1;
                None
            }
            None => None,
        };
        let signal = due.is_some();
        let event = match due {
            Some(mut e) => {
                e.time = time;
                e
            }
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
        summary.signal_records += u64::from(signal);
        if event.event_id == 611 && event.provider == SYNC {
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
