//! Diagnose: group matched events into findings, one per (diagnosis, domain, error code); say
//! per domain whether password hash sync is failing, recovered, healthy or stalled; count
//! failures and heartbeats over time.

mod builder;
mod dedup;
mod findings;
mod health;
mod timeline;

pub use builder::ReportBuilder;
pub(crate) use dedup::drop_duplicates;
pub(crate) use findings::build_findings;
pub(crate) use health::build_verdicts;
pub(crate) use timeline::build_timeline;

/// `items` in the order of their keys: `index_of` maps each key to its item's index (items
/// are built in a `Vec` as events come, and found again by key; the report lists them in key
/// order, as a map of keys to items would).
fn in_key_order<K, T>(index_of: std::collections::BTreeMap<K, usize>, items: Vec<T>) -> Vec<T> {
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    index_of
        .into_values()
        .filter_map(|index| slots.get_mut(index).and_then(Option::take))
        .collect()
}
