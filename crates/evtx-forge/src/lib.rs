//! evtx-forge: writes real, byte-exact, Windows-shaped .evtx files from readable TOML specs.
//!
//! ```
//! let spec = evtx_forge::Spec::from_toml(r#"
//!     computer = "SYNC01.contoso.com"
//!     [[event]]
//!     provider = "Directory Synchronization"
//!     event_id = 611
//!     level = "Error"
//!     qualifiers = 0
//!     time = "2024-03-04T08:00:00Z"
//!     data = "Password synchronization failed for domain: Contoso.com."
//! "#).unwrap();
//! let bytes = evtx_forge::write_evtx(&spec).unwrap();
//! assert_eq!(&bytes[..8], b"ElfFile\0");
//! ```
//!
//! The spec format is described in `docs/evtx-forge.md`.

mod binxml;
mod chunk;
pub mod corpus;
pub mod damage;
mod error;
mod event;
mod file;
pub mod fixtures;
pub mod noise;
pub mod spec;
mod time;

pub use binxml::{filetime, name_hash, sid_bytes};
pub use chunk::{CHUNK_HEADER_SIZE, CHUNK_SIZE, record_offsets, seal};
pub use damage::Damage;
pub use error::ForgeError;
pub use event::{CLASSIC_KEYWORDS, DEFAULT_COMPUTER, EventData, EventRecord, Layout};
pub use file::{EvtxStreamWriter, EvtxWriter, FILE_HEADER_SIZE, Placement, file_header};
pub use spec::{LineEndings, Spec};
pub use time::{parse_duration, parse_time};

/// Build the file a spec describes: its events in time order, then its damage.
pub fn write_evtx(spec: &Spec) -> Result<Vec<u8>, ForgeError> {
    let mut writer = EvtxWriter::with_start_record_id(spec.start_record_id);
    for record in spec.records()? {
        writer.push(&record)?;
    }
    let mut bytes = writer.finish();
    for damage in &spec.damage {
        damage.apply(&mut bytes)?;
    }
    Ok(bytes)
}
