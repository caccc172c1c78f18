//! What every export fuzz target checks: events and named problems, never a panic, every event
//! counted, problems handed on at most up to the cap (plus one summary).

use evtx_doctor::internals::{MAX_EXPORT_PROBLEMS, for_each_export_event};
use evtx_doctor::report::InputKind;

pub fn read_export(kind: InputKind, data: &[u8]) {
    let (mut events, mut problems) = (0u64, 0u64);
    let stats = for_each_export_event(
        data,
        kind,
        0,
        None,
        &mut |event| {
            let _ = event.text();
            events += 1;
        },
        &mut |problem| {
            assert!(!problem.message.is_empty());
            problems += 1;
        },
    );
    assert_eq!(stats.records_read, events);
    assert!(problems <= MAX_EXPORT_PROBLEMS + 1);
}
