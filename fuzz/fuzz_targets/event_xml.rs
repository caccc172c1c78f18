//! The `<Event>` XML reader on arbitrary bytes: an event or an error, never a panic.
#![no_main]

use evtx_doctor::internals::parse_event_xml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(event) = parse_event_xml(data) {
        let _ = event.text();
        let _ = event.first_line();
    }
});
