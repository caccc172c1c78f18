//! The xml export reader on arbitrary bytes: events and named problems, never a panic, and every
//! event counted.
#![no_main]

mod common;

use evtx_doctor::report::InputKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::read_export(InputKind::XmlExport, data));
