//! The BinXML decoder (`scan/decode`) against the `evtx` crate, on one chunk made of
//! arbitrary bytes (zero-filled to 64 KiB, as a chunk read up to its free space is).
//!
//! Every record the decoder turns into an event must be one the crate reads, into the same
//! event (rendered to XML and read back); a record the decoder declines is the crate's alone.
#![no_main]

use evtx_doctor::internals::{DecodedTwice, decode_both_ways};
use libfuzzer_sys::fuzz_target;

const CHUNK_SIZE: usize = 65536;

fuzz_target!(|data: &[u8]| {
    let mut chunk = data.get(..CHUNK_SIZE).unwrap_or(data).to_vec();
    chunk.resize(CHUNK_SIZE, 0);
    for DecodedTwice {
        record_id,
        fast,
        reference,
    } in decode_both_ways(&chunk)
    {
        let Ok(fast) = fast else { continue };
        match reference {
            Ok(reference) => assert_eq!(fast, reference, "record {record_id}"),
            Err(err) => panic!("record {record_id} decoded, but the evtx crate says: {err}"),
        }
    }
});
