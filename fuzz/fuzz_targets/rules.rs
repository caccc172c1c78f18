//! The rule-pack loader on arbitrary text: an error naming file and line, never a panic.
#![no_main]

use evtx_doctor::event::{DataItem, Event};
use evtx_doctor::rules::RuleSetBuilder;
use evtx_doctor::internals::Prefilter;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut builder = RuleSetBuilder::new();
    match builder.add_pack(Path::new("fuzz.toml"), text) {
        Ok(_) => {
            let rules = builder.build();
            if let Some(plan) = rules.literal_plan() {
                let _ = Prefilter::new(&plan);
            }
            // The compiled rules run over an event that looks like a 611.
            let event = Event {
                provider: "Directory Synchronization".into(),
                event_id: 611,
                data: vec![DataItem {
                    name: None,
                    value: "Password synchronization failed for domain: Contoso.com. Details: \
                            DrsException: RPC Error 8453 : Replication access was denied."
                        .into(),
                }],
                ..Event::default()
            };
            let _ = rules.evaluate(&event);
        }
        Err(err) => {
            let message = err.to_string();
            assert!(
                message.starts_with("fuzz.toml"),
                "the error names the file: {message}"
            );
        }
    }
});
