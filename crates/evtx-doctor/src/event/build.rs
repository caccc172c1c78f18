//! Which text of an `<Event>` lands in which [`Event`] field, whatever reads the elements: the
//! XML reader (`event/xml.rs`) and the BinXML decoder (`scan/decode.rs`) both feed an
//! [`EventBuilder`] element by element, so the two agree by construction.

use super::{DataItem, Event};

/// An element between `<Event>` and the one being read: only the names the fields depend on
/// are told apart (a stack of these, not of names, saves an allocation per element).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parent {
    System,
    EventData,
    UserData,
    RenderingInfo,
    Other,
}

impl Parent {
    fn of(local_name: &[u8]) -> Self {
        match local_name {
            b"System" => Parent::System,
            b"EventData" => Parent::EventData,
            b"UserData" => Parent::UserData,
            b"RenderingInfo" => Parent::RenderingInfo,
            _ => Parent::Other,
        }
    }
}

/// The field the text being read belongs to.
#[derive(Debug, Clone, PartialEq)]
enum Field {
    EventId,
    Level,
    Task,
    RecordId,
    Channel,
    Computer,
    Data(Option<String>),
    Message,
    Other,
}

/// Fills an [`Event`] from the elements inside `<Event>`, given in document order: starts,
/// empty elements, text, ends. Element names are local names (no prefix).
#[derive(Debug)]
pub(crate) struct EventBuilder {
    event: Event,
    /// The elements from `<Event>` (excluded) down to the current one.
    path: Vec<Parent>,
    /// How many of them are `UserData` (so that "inside UserData" is known without searching
    /// the path).
    in_user_data: usize,
    field: Field,
    text: String,
}

impl Default for EventBuilder {
    fn default() -> Self {
        EventBuilder {
            event: Event::default(),
            path: Vec::new(),
            in_user_data: 0,
            field: Field::Other,
            text: String::new(),
        }
    }
}

impl EventBuilder {
    /// How many elements are open inside `<Event>`.
    pub(crate) fn depth(&self) -> usize {
        self.path.len()
    }

    /// `<name ...>` opens, or `<name .../>` when `empty` (an empty value, still a value:
    /// `<Data Name="x"/>`); `attribute` gives the value of an attribute by its local name.
    pub(crate) fn start<E>(
        &mut self,
        name: &[u8],
        empty: bool,
        attribute: impl FnMut(&[u8]) -> Result<Option<String>, E>,
    ) -> Result<(), E> {
        self.flush();
        self.field = self.open(name, attribute)?;
        if empty {
            self.flush();
        } else {
            let parent = Parent::of(name);
            self.in_user_data += usize::from(parent == Parent::UserData);
            self.path.push(parent);
        }
        Ok(())
    }

    /// Whether the text read now is kept (it belongs to a field); text that is not may be
    /// left out of [`EventBuilder::text`].
    pub(crate) fn wants_text(&self) -> bool {
        self.field != Field::Other
    }

    /// Where text read inside the current element is appended.
    pub(crate) fn text(&mut self) -> &mut String {
        &mut self.text
    }

    /// The open element ends; `true` when it was `<Event>` itself (the event is complete).
    pub(crate) fn end(&mut self) -> bool {
        self.flush();
        match self.path.pop() {
            None => true,
            Some(Parent::UserData) => {
                self.in_user_data -= 1;
                false
            }
            Some(_) => false,
        }
    }

    /// The event filled so far; the builder starts afresh (keeping its buffers).
    pub(crate) fn finish(&mut self) -> Event {
        let event = std::mem::take(&mut self.event);
        self.reset();
        event
    }

    /// Forgets the event being filled, keeping the buffers.
    pub(crate) fn reset(&mut self) {
        self.event = Event::default();
        self.path.clear();
        self.in_user_data = 0;
        self.field = Field::Other;
        self.text.clear();
    }

    /// Records what an opening tag tells (attributes) and returns the field its text belongs to.
    fn open<E>(
        &mut self,
        name: &[u8],
        mut attribute: impl FnMut(&[u8]) -> Result<Option<String>, E>,
    ) -> Result<Field, E> {
        let event = &mut self.event;
        Ok(match (self.path.last(), name) {
            (Some(Parent::System), b"Provider") => {
                if let Some(value) = match attribute(b"Name")? {
                    Some(value) => Some(value),
                    None => attribute(b"EventSourceName")?,
                } {
                    event.provider = value;
                }
                Field::Other
            }
            (Some(Parent::System), b"EventID") => {
                event.qualifiers = attribute(b"Qualifiers")?.and_then(|q| q.trim().parse().ok());
                Field::EventId
            }
            (Some(Parent::System), b"Level") => Field::Level,
            (Some(Parent::System), b"Task") => Field::Task,
            (Some(Parent::System), b"TimeCreated") => {
                event.time = attribute(b"SystemTime")?.and_then(|t| parse_time(&t));
                Field::Other
            }
            (Some(Parent::System), b"EventRecordID") => Field::RecordId,
            (Some(Parent::System), b"Channel") => Field::Channel,
            (Some(Parent::System), b"Computer") => Field::Computer,
            (Some(Parent::EventData), b"Data") => Field::Data(attribute(b"Name")?),
            (Some(Parent::RenderingInfo), b"Message") => Field::Message,
            // UserData: keep the leaves, named after their element.
            (Some(_), leaf) if self.in_user_data > 0 && self.path.len() >= 2 => {
                Field::Data(Some(String::from_utf8_lossy(leaf).into_owned()))
            }
            _ => Field::Other,
        })
    }

    /// The text read so far goes to its field.
    fn flush(&mut self) {
        let field = std::mem::replace(&mut self.field, Field::Other);
        if field == Field::Other {
            // Nothing kept: the buffer keeps its capacity for the next text.
            self.text.clear();
            return;
        }
        // A copy of the exact size: the buffer keeps its capacity for the next text.
        let value = self.text.clone();
        self.text.clear();
        let event = &mut self.event;
        match field {
            Field::EventId => {
                if let Ok(id) = value.trim().parse::<u32>() {
                    // The low 16 bits are the id; classic sources keep severity bits above them.
                    event.event_id = (id & 0xFFFF) as u16;
                }
            }
            Field::Level => event.level = value.trim().parse().ok(),
            Field::Task => event.task = value.trim().parse().ok(),
            Field::RecordId => event.record_id = value.trim().parse().ok(),
            Field::Channel => event.channel = value,
            Field::Computer => event.computer = value,
            Field::Data(name) => event.data.push(DataItem { name, value }),
            Field::Message => event.message = Some(value),
            Field::Other => {}
        }
    }
}

/// Event times as Windows writes them: RFC 3339 with up to 7 fractional digits, UTC.
pub(crate) fn parse_time(text: &str) -> Option<jiff::Timestamp> {
    text.trim().parse().ok()
}

/// The character an entity reference `&name;` stands for, when `name` is one of XML's five
/// predefined entities: the only ones the XML reader resolves by name (and so the only ones
/// the BinXML decoder may resolve, to agree with it).
pub(crate) fn predefined_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => return None,
    })
}
