//! The text export reader (Event Viewer copies, `wevtutil /f:text`, PowerShell `Format-List`)
//! on arbitrary bytes: events and named problems, never a panic, and every event counted.
#![no_main]

mod common;

use evtx_doctor::report::InputKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::read_export(InputKind::TextExport, data));
