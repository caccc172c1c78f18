//! What the rules said of the last events, by provider, event id and text: a failing sync
//! server writes the same 611 (the same heartbeat, the same credential error) again and
//! again, and the rules' answer depends on nothing else. An event is looked up by its data
//! values and message as they are, before they are normalised: a hit costs a hash and a
//! comparison of its text, not the rules' work.

use super::Match;
use crate::event::Event;

/// How many answers are kept (direct-mapped by hash: a new one replaces the one in its slot).
const SLOTS: usize = 64;

/// Events whose data values and message are longer than this (bytes) are not kept: memory
/// stays bounded (~`SLOTS` × this).
const MAX_TEXT: usize = 8 << 10;

/// What is asked: which rule set, about which event.
#[derive(Debug, Clone, Copy)]
pub(super) struct Key<'a> {
    set: u64,
    event: &'a Event,
    hash: u64,
}

impl<'a> Key<'a> {
    /// The key of `event` for rule set `set`. What the rules read of an event: its provider
    /// (ASCII case ignored), event id, data values and message.
    pub(super) fn new(set: u64, event: &'a Event) -> Self {
        let mut hash = Hash::default();
        hash.word(set);
        hash.word(u64::from(event.event_id));
        hash.add_lowercase(event.provider.as_bytes());
        for item in &event.data {
            hash.add(item.value.as_bytes());
        }
        match &event.message {
            Some(message) => hash.add(message.as_bytes()),
            None => hash.word(u64::MAX),
        }
        Key {
            set,
            event,
            hash: hash.finish(),
        }
    }

    fn text_len(&self) -> usize {
        let data: usize = self.event.data.iter().map(|item| item.value.len()).sum();
        data + self.event.message.as_ref().map_or(0, String::len)
    }
}

#[derive(Debug)]
struct Entry {
    set: u64,
    hash: u64,
    event_id: u16,
    /// Lower case.
    provider: String,
    data: Vec<String>,
    message: Option<String>,
    found: Option<Match>,
}

impl Entry {
    fn answers(&self, key: &Key<'_>) -> bool {
        let event = key.event;
        self.hash == key.hash
            && self.set == key.set
            && self.event_id == event.event_id
            && self.provider.eq_ignore_ascii_case(&event.provider)
            && self.data.len() == event.data.len()
            && self
                .data
                .iter()
                .zip(&event.data)
                .all(|(kept, item)| *kept == item.value)
            && self.message == event.message
    }
}

/// The remembered answers.
#[derive(Debug, Default)]
pub(crate) struct Memo {
    slots: Vec<Option<Entry>>,
}

impl Memo {
    fn slot(hash: u64) -> usize {
        (hash % SLOTS as u64) as usize
    }

    /// The answer kept for `key`, if any.
    pub(super) fn get(&self, key: &Key<'_>) -> Option<Option<Match>> {
        let entry = self.slots.get(Self::slot(key.hash))?.as_ref()?;
        entry.answers(key).then(|| entry.found.clone())
    }

    /// Keeps `found` as the answer for `key` (unless its text is too long to keep).
    pub(super) fn put(&mut self, key: Key<'_>, found: &Option<Match>) {
        if key.text_len() > MAX_TEXT {
            return;
        }
        if self.slots.is_empty() {
            self.slots.resize_with(SLOTS, || None);
        }
        let event = key.event;
        if let Some(slot) = self.slots.get_mut(Self::slot(key.hash)) {
            *slot = Some(Entry {
                set: key.set,
                hash: key.hash,
                event_id: event.event_id,
                provider: event.provider.to_ascii_lowercase(),
                data: event.data.iter().map(|item| item.value.clone()).collect(),
                message: event.message.clone(),
                found: found.clone(),
            });
        }
    }
}

/// A fast non-cryptographic hash (the multiply-rotate step of rustc's FxHash), eight bytes a
/// step: a fraction of what normalising the text costs. Keys with equal hashes are compared
/// whole, so a collision costs only a miss.
#[derive(Debug, Default)]
pub(crate) struct Hash(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hash {
    fn word(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }

    /// `bytes`, and their length (so that the pieces' boundaries count).
    pub(crate) fn add(&mut self, bytes: &[u8]) {
        let words = bytes.chunks_exact(8);
        let rest = words.remainder();
        for word in words {
            if let Ok(word) = <[u8; 8]>::try_from(word) {
                self.word(u64::from_le_bytes(word));
            }
        }
        let mut last = [0u8; 8];
        if let Some(head) = last.get_mut(..rest.len()) {
            head.copy_from_slice(rest);
        }
        self.word(u64::from_le_bytes(last));
        self.word(bytes.len() as u64);
    }

    /// The hash of what was added.
    pub(crate) fn finish(&self) -> u64 {
        self.0
    }

    fn add_lowercase(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.word(u64::from(byte.to_ascii_lowercase()));
        }
        self.word(bytes.len() as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Fields;
    use crate::rules::test_event as event;

    fn answer(rule: usize) -> Option<Match> {
        Some(Match {
            rule,
            fields: Fields::with_error_code(8453),
        })
    }

    #[test]
    fn answers_only_the_same_question() {
        let mut memo = Memo::default();
        let text = "Password synchronization failed for domain: contoso.com.";
        let failure = event("Directory Synchronization", 611, &[text], None);
        assert_eq!(memo.get(&Key::new(1, &failure)), None);
        memo.put(Key::new(1, &failure), &answer(3));
        let noise = event("ADSync", 904, &["x"], None);
        memo.put(Key::new(1, &noise), &None);
        // Provider case does not matter to the rules, nor here; what else the event holds
        // (its time, record id, names of its data) is not read.
        let mut same = event("directory SYNCHRONIZATION", 611, &[text], None);
        same.record_id = Some(7);
        same.data[0].name = Some("Message".into());
        assert_eq!(memo.get(&Key::new(1, &same)), Some(answer(3)));
        assert_eq!(memo.get(&Key::new(1, &noise)), Some(None));
        let others = [
            event("Directory Synchronisation", 611, &[text], None),
            event("Directory Synchronization", 612, &[text], None),
            event("Directory Synchronization", 611, &["Password"], None),
            event("Directory Synchronization", 611, &[text, ""], None),
            event("Directory Synchronization", 611, &[text], Some("")),
            event("Directory Synchronization", 611, &[], Some(text)),
        ];
        assert_eq!(memo.get(&Key::new(2, &failure)), None, "another rule set");
        for other in &others {
            assert_eq!(memo.get(&Key::new(1, other)), None, "{other:?}");
        }
        // Too long to keep.
        let long = "a".repeat(MAX_TEXT + 1);
        let long = event("ADSync", 1, &[&long], None);
        memo.put(Key::new(1, &long), &answer(1));
        assert_eq!(memo.get(&Key::new(1, &long)), None);
    }
}
