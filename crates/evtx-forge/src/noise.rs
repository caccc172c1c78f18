//! Deterministic, realistic Application-log background events from other providers.

use jiff::{SignedDuration, Timestamp};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

use crate::event::{EventData, EventRecord, Layout};

/// Which provider layouts noise events use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoiseLayout {
    /// Each event picks one at random.
    #[default]
    Mixed,
    /// All provider-literal.
    ProviderLiteral,
    /// All provider-substitution.
    ProviderSubstitution,
}

/// A source of noise events; the same seed gives the same events.
#[derive(Debug, Clone)]
pub struct NoiseGenerator {
    rng: ChaCha8Rng,
    computer: String,
    channel: String,
    layout: NoiseLayout,
}

const PRODUCTS: &[(&str, &str, &str)] = &[
    (
        "Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.38.33135",
        "14.38.33135",
        "Microsoft Corporation",
    ),
    (
        "Microsoft Azure AD Connect Health agent for sync",
        "4.5.2487.0",
        "Microsoft Corporation",
    ),
    (
        "Microsoft Online Services Sign-in Assistant",
        "7.250.4556.0",
        "Microsoft Corporation",
    ),
    (
        "Microsoft SQL Server 2019 LocalDB ",
        "15.0.4382.1",
        "Microsoft Corporation",
    ),
    ("7-Zip 23.01 (x64 edition)", "23.01.00.0", "Igor Pavlov"),
    (
        "Microsoft Monitoring Agent",
        "10.20.18069.0",
        "Microsoft Corporation",
    ),
];

const CRASHING: &[(&str, &str, &str)] = &[
    (
        "MicrosoftEdgeUpdate.exe",
        "1.3.185.17",
        "C:\\Program Files (x86)\\Microsoft\\EdgeUpdate\\MicrosoftEdgeUpdate.exe",
    ),
    (
        "AzureADConnectHealthSyncMonitor.exe",
        "4.5.2487.0",
        "C:\\Program Files\\Microsoft Azure AD Connect Health Sync Agent\\Monitor\\AzureADConnectHealthSyncMonitor.exe",
    ),
    (
        "svchost.exe_wuauserv",
        "10.0.17763.1",
        "C:\\Windows\\System32\\svchost.exe",
    ),
    (
        "MonitoringHost.exe",
        "10.20.18069.0",
        "C:\\Program Files\\Microsoft Monitoring Agent\\Agent\\MonitoringHost.exe",
    ),
];

const MODULES: &[(&str, &str, &str)] = &[
    (
        "ntdll.dll",
        "10.0.17763.5458",
        "C:\\Windows\\SYSTEM32\\ntdll.dll",
    ),
    (
        "KERNELBASE.dll",
        "10.0.17763.5458",
        "C:\\Windows\\System32\\KERNELBASE.dll",
    ),
    (
        "clr.dll",
        "4.8.4645.0",
        "C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\clr.dll",
    ),
    (
        "ucrtbase.dll",
        "10.0.17763.5458",
        "C:\\Windows\\System32\\ucrtbase.dll",
    ),
];

const ESENT_USERS: &[(&str, &str)] = &[
    ("svchost", "TILEREPOSITORYS-1-5-18: "),
    ("SearchIndexer", "Windows: "),
    ("lsass", "NTDSA: "),
    ("DataStorage", "CatalogDatabase: "),
];

const SPP_GUID: &str = "{E23B33B0-C8C9-472C-A5F9-F2BDFEA0F156}";
const RM_GUID: &str = "{0888E5EF-9B98-4695-979D-E92CE4247224}";
const PROFSVC_GUID: &str = "{89B1E9F0-5AFF-44A6-9B44-0A07A7CE5845}";

impl NoiseGenerator {
    /// A generator for events on `computer` in `channel`.
    pub fn new(seed: u64, computer: &str, channel: &str, layout: NoiseLayout) -> Self {
        NoiseGenerator {
            rng: ChaCha8Rng::seed_from_u64(seed),
            computer: computer.to_owned(),
            channel: channel.to_owned(),
            layout,
        }
    }

    /// A uniform number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.rng.next_u64()) * u128::from(n)) >> 64) as u64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn hex(&mut self, digits: usize) -> String {
        let v = self.rng.next_u64();
        let s = format!("{v:016x}");
        s[16 - digits.min(16)..].to_owned()
    }

    /// A random GUID, lower case without braces.
    pub(crate) fn guid(&mut self) -> String {
        let a = self.rng.next_u64();
        let b = self.rng.next_u64();
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xffff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    }

    fn base(&mut self, provider: &str, event_id: u16, time: Timestamp) -> EventRecord {
        let mut e = EventRecord::new(provider, event_id, time);
        e.computer = self.computer.clone();
        e.channel = self.channel.clone();
        e.layout = match self.layout {
            NoiseLayout::ProviderLiteral => Layout::ProviderLiteral,
            NoiseLayout::ProviderSubstitution => Layout::ProviderSubstitution,
            NoiseLayout::Mixed => {
                if self.below(2) == 0 {
                    Layout::ProviderLiteral
                } else {
                    Layout::ProviderSubstitution
                }
            }
        };
        e.process_id = 400 + 4 * self.below(4000) as u32;
        e
    }

    fn data(e: &mut EventRecord, values: Vec<String>) {
        e.data = EventData::Unnamed(values);
    }

    /// The next noise event, at `time`.
    pub fn event_at(&mut self, time: Timestamp) -> EventRecord {
        match self.below(20) {
            0..=2 => self.msi(time),
            3..=6 => self.esent(time),
            7..=9 => self.spp(time),
            10 => self.app_error(time),
            11 => self.wer(time),
            12 => {
                let mut e = self.base("VSS", 8224, time);
                e.data = EventData::Unnamed(Vec::new());
                e
            }
            13 | 14 => self.restart_manager(time),
            15 => {
                let mut e = self.base("SecurityCenter", 15, time);
                let product = self
                    .pick(&["Windows Defender", "Microsoft Defender Antivirus"])
                    .to_string();
                Self::data(&mut e, vec![product, "SECURITY_PRODUCT_STATE_ON".into()]);
                e
            }
            16 => self.profile_service(time),
            _ => self.adsync(time),
        }
    }

    fn msi(&mut self, time: Timestamp) -> EventRecord {
        let &(name, version, vendor) = self.pick(PRODUCTS);
        let pid = (1000 + 4 * self.below(3000)).to_string();
        let kind = self.below(3);
        let mut e = self.base("MsiInstaller", [1033, 1040, 11707][kind as usize], time);
        e.user_id = Some("S-1-5-18".into());
        match kind {
            0 => Self::data(
                &mut e,
                vec![
                    name.into(),
                    version.into(),
                    "1033".into(),
                    "0".into(),
                    vendor.into(),
                    "(NULL)".into(),
                    String::new(),
                ],
            ),
            1 => {
                let guid = self.guid().to_uppercase();
                Self::data(&mut e, vec![format!("{{{guid}}}"), pid]);
            }
            _ => Self::data(
                &mut e,
                vec![
                    format!("Product: {name} -- Installation completed successfully."),
                    "(NULL)".into(),
                    "(NULL)".into(),
                    "(NULL)".into(),
                    "(NULL)".into(),
                    "(NULL)".into(),
                    String::new(),
                ],
            ),
        }
        e
    }

    fn esent(&mut self, time: Timestamp) -> EventRecord {
        let &(process, instance) = self.pick(ESENT_USERS);
        let id = *self.pick(&[102u16, 103, 105, 326, 327]);
        let mut e = self.base("ESENT", id, time);
        e.task = if id >= 326 { 3 } else { 1 };
        let pid = 600 + 4 * self.below(3000);
        let session = format!("{pid},{},{}", self.pick(&["R", "D"]), self.below(120));
        let db = format!(
            "C:\\WINDOWS\\system32\\config\\systemprofile\\AppData\\Local\\TileDataLayer\\Database\\{}",
            self.pick(&["vuiddbs.edb", "EDB.chk", "tiledb.edb"])
        );
        let values = match id {
            102 | 103 => vec![
                process.into(),
                session,
                instance.into(),
                "10.00.17763.0000".into(),
            ],
            105 => vec![
                process.into(),
                session,
                instance.into(),
                "10.00.17763.0000".into(),
                "0".into(),
                "0".into(),
                "[1] 0.000, [2] 0.000, [3] 0.000, [4] 0.000, [5] 0.000, [6] 0.000, [7] 0.000, [8] 0.000, [9] 0.000, [10] 0.000, [11] 0.000, [12] 0.000.".into(),
            ],
            _ => vec![
                process.into(),
                session,
                instance.into(),
                db,
                "0".into(),
                "[1] 0.000, [2] 0.000, [3] 0.016, [4] 0.000, [5] 0.000, [6] 0.000, [7] 0.000, [8] 0.000, [9] 0.000, [10] 0.000, [11] 0.000, [12] 0.000.\r\nSaved Cache: 1 0".into(),
            ],
        };
        Self::data(&mut e, values);
        e
    }

    fn spp(&mut self, time: Timestamp) -> EventRecord {
        let id = *self.pick(&[8198u16, 16384, 16384, 16394]);
        let mut e = self.base("Microsoft-Windows-Security-SPP", id, time);
        e.provider_guid = Some(SPP_GUID.into());
        e.event_source_name = Some("Software Protection Platform Service".into());
        match id {
            8198 => {
                e.qualifiers = Some(49152);
                e.level = 2;
                let app = self.guid();
                let sku = self.guid();
                Self::data(
                    &mut e,
                    vec![
                        "hr=0x8007232B".into(),
                        format!(
                            "RuleId=31e71c49-8da7-4a2f-ad92-45d98a1c79ba;Action=AutoActivate;AppId={app};SkuId={sku};NotificationInterval=1440;Trigger=TimerEvent"
                        ),
                    ],
                );
            }
            16384 => {
                e.qualifiers = Some(16384);
                let later = time + SignedDuration::from_hours(24 * 36_500);
                Self::data(
                    &mut e,
                    vec![
                        later.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
                        self.pick(&["RulesEngine", "TBL"]).to_string(),
                    ],
                );
            }
            _ => {
                e.qualifiers = Some(16384);
            }
        }
        e
    }

    fn app_error(&mut self, time: Timestamp) -> EventRecord {
        let &(app, app_version, app_path) = self.pick(CRASHING);
        let &(module, module_version, module_path) = self.pick(MODULES);
        let mut e = self.base("Application Error", 1000, time);
        e.level = 2;
        e.task = 100;
        let values = vec![
            app.into(),
            app_version.into(),
            self.hex(8),
            module.into(),
            module_version.into(),
            self.hex(8),
            self.pick(&["c0000005", "e0434352", "c0000409"]).to_string(),
            format!("0x{}", self.hex(16)),
            format!("0x{:x}", 400 + 4 * self.below(4000)),
            format!("0x01da{}", self.hex(12)),
            app_path.into(),
            module_path.into(),
            self.guid(),
            String::new(),
            String::new(),
        ];
        Self::data(&mut e, values);
        e
    }

    fn wer(&mut self, time: Timestamp) -> EventRecord {
        let &(app, app_version, _) = self.pick(CRASHING);
        let &(module, module_version, _) = self.pick(MODULES);
        let mut e = self.base("Windows Error Reporting", 1001, time);
        let report = self.guid();
        let archive = format!(
            "C:\\ProgramData\\Microsoft\\Windows\\WER\\ReportArchive\\AppCrash_{}_{}_{}",
            &app[..app.len().min(20)],
            self.hex(16),
            self.hex(8)
        );
        let attached = format!(
            "\r\nC:\\ProgramData\\Microsoft\\Windows\\WER\\Temp\\WER{0}.tmp.dmp\r\nC:\\ProgramData\\Microsoft\\Windows\\WER\\Temp\\WER{1}.tmp.WERInternalMetadata.xml\r\nC:\\ProgramData\\Microsoft\\Windows\\WER\\Temp\\WER{2}.tmp.xml",
            self.hex(4).to_uppercase(),
            self.hex(4).to_uppercase(),
            self.hex(4).to_uppercase()
        );
        let values = vec![
            self.below(u64::MAX / 2).to_string(),
            "4".into(),
            "APPCRASH".into(),
            "Not available".into(),
            "0".into(),
            app.into(),
            app_version.into(),
            self.hex(8),
            module.into(),
            module_version.into(),
            self.hex(8),
            self.pick(&["c0000005", "e0434352"]).to_string(),
            self.hex(16),
            String::new(),
            String::new(),
            attached,
            archive,
            String::new(),
            "0".into(),
            report,
            "268435456".into(),
            String::new(),
            String::new(),
        ];
        Self::data(&mut e, values);
        e
    }

    fn restart_manager(&mut self, time: Timestamp) -> EventRecord {
        let id = *self.pick(&[10000u16, 10001]);
        let mut e = self.base("Microsoft-Windows-RestartManager", id, time);
        e.provider_guid = Some(RM_GUID.into());
        e.qualifiers = None;
        e.keywords = 0x8000_0000_0000_0000;
        e.thread_id = 4 * self.below(4000) as u32;
        e.user_id = Some("S-1-5-18".into());
        let started = time - SignedDuration::from_millis(self.below(5_000) as i64);
        e.data = EventData::Named(vec![
            ("RmSessionId".into(), self.below(4).to_string()),
            (
                "UTCStartTime".into(),
                started.strftime("%Y-%m-%dT%H:%M:%S%.7fZ").to_string(),
            ),
        ]);
        e
    }

    fn profile_service(&mut self, time: Timestamp) -> EventRecord {
        let id = *self.pick(&[1531u16, 1532]);
        let mut e = self.base("Microsoft-Windows-User Profiles Service", id, time);
        e.provider_guid = Some(PROFSVC_GUID.into());
        e.qualifiers = None;
        e.keywords = 0x8000_0000_0000_0000;
        e.thread_id = 4 * self.below(4000) as u32;
        e.user_id = Some("S-1-5-18".into());
        e
    }

    fn adsync(&mut self, time: Timestamp) -> EventRecord {
        let mut e = self.base("ADSync", 904, time);
        let text = self
            .pick(&[
                "Scheduler::SchedulerThreadMain : Started an AAD sync cycle (Delta).",
                "Scheduler::SchedulerThreadMain : Completed configured scheduler operations.",
                "Scheduler::SchedulerThreadMain : Next sync cycle scheduled in 30 minutes.",
                "Scheduler::SchedulerThreadMain : Scheduler is Enabled and the next scheduled sync cycle is at the expected time.",
            ])
            .to_string();
        Self::data(&mut e, vec![text]);
        e
    }
}

/// `count` noise events at random times in `[from, to]`, sorted by time.
pub fn noise_events(
    seed: u64,
    count: u64,
    from: Timestamp,
    to: Timestamp,
    computer: &str,
    channel: &str,
    layout: NoiseLayout,
) -> Vec<EventRecord> {
    let mut generator = NoiseGenerator::new(seed, computer, channel, layout);
    let span_ms = to.duration_since(from).as_millis().max(0) as u64;
    let mut times: Vec<Timestamp> = (0..count)
        .map(|_| {
            let ms = generator.below(span_ms + 1);
            from + SignedDuration::from_millis(ms as i64)
        })
        .collect();
    times.sort();
    times.into_iter().map(|t| generator.event_at(t)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_events() {
        let from: Timestamp = "2024-01-01T00:00:00Z".parse().unwrap();
        let to: Timestamp = "2024-01-02T00:00:00Z".parse().unwrap();
        let a = noise_events(7, 50, from, to, "A", "Application", NoiseLayout::Mixed);
        let b = noise_events(7, 50, from, to, "A", "Application", NoiseLayout::Mixed);
        assert_eq!(a, b);
        assert!(a.windows(2).all(|w| w[0].time <= w[1].time));
        assert!(a.iter().all(|e| e.provider != "Directory Synchronization"));
    }
}
