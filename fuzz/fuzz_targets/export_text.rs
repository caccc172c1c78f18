//! The text export reader (Event Viewer copies, `wevtutil /f:text`, PowerShell `Format-List`)
//! on arbitrary bytes: events and named problems, never a panic, and every event counted.
#![no_main]

use evtx_doctor::formats::for_each_export_event;
use evtx_doctor::report::InputKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut events = 0u64;
    let stats = for_each_export_event(data, InputKind::TextExport, 0, None, &mut |event| {
        let _ = event.text();
        events += 1;
    });
    assert_eq!(stats.records_read, events);
});
