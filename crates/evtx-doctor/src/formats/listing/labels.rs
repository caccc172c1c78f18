//! The labels of Event Viewer's "Copy Details as Text". Unlike `wevtutil` and PowerShell,
//! Event Viewer writes them in the language of Windows (`Protokollname:`, `Quelle:`,
//! `Ereignis-ID:`, ... on a German server), always in the same order. A label is known by its
//! name in the common languages, or else by its place in that order.

use std::collections::HashMap;
use std::sync::OnceLock;

/// What a label of an Event Viewer copy names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Label {
    LogName,
    Source,
    Date,
    EventId,
    TaskCategory,
    Level,
    Keywords,
    User,
    Computer,
    Description,
}

impl Label {
    /// The labels in the order Event Viewer writes them.
    pub(super) const ORDER: [Label; 10] = [
        Label::LogName,
        Label::Source,
        Label::Date,
        Label::EventId,
        Label::TaskCategory,
        Label::Level,
        Label::Keywords,
        Label::User,
        Label::Computer,
        Label::Description,
    ];

    /// The English label, which the reader keys on whatever language the copy is in.
    pub(super) fn english(self) -> &'static str {
        match self {
            Label::LogName => "Log Name",
            Label::Source => "Source",
            Label::Date => "Date",
            Label::EventId => "Event ID",
            Label::TaskCategory => "Task Category",
            Label::Level => "Level",
            Label::Keywords => "Keywords",
            Label::User => "User",
            Label::Computer => "Computer",
            Label::Description => "Description",
        }
    }

    /// The label named `name` (any case, spacing and punctuation), in English or one of the
    /// common Windows languages.
    pub(super) fn named(name: &str) -> Option<Label> {
        static FOLDED: OnceLock<HashMap<String, Label>> = OnceLock::new();
        let folded = FOLDED.get_or_init(|| {
            NAMES
                .iter()
                .flat_map(|(label, names)| names.iter().map(|name| (fold(name), *label)))
                .collect()
        });
        // Labels are a few words: what is longer is none of them.
        if name.len() > 64 {
            return None;
        }
        folded.get(&fold(name)).copied()
    }
}

/// Labels in English, German, French, Spanish, Italian, Portuguese, Dutch, Russian, Polish
/// and Japanese (a label in another language is read by its place in [`Label::ORDER`]).
const NAMES: &[(Label, &[&str])] = &[
    (
        Label::LogName,
        &[
            "Log Name",
            "Protokollname",
            "Nom du journal",
            "Nombre de registro",
            "Nome registro",
            "Nome do Log",
            "Logboeknaam",
            "Имя журнала",
            "Nazwa dziennika",
            "ログの名前",
        ],
    ),
    (
        Label::Source,
        &[
            "Source",
            "Quelle",
            "Origen",
            "Origine",
            "Fonte",
            "Bron",
            "Источник",
            "Źródło",
            "ソース",
        ],
    ),
    (
        Label::Date,
        &["Date", "Datum", "Fecha", "Data", "Дата", "日付"],
    ),
    (
        Label::EventId,
        &[
            "Event ID",
            "Ereignis-ID",
            "ID de l'événement",
            "Id. del evento",
            "ID evento",
            "Identificação do Evento",
            "Gebeurtenis-id",
            "Код события",
            "Identyfikator zdarzenia",
            "イベント ID",
        ],
    ),
    (
        Label::TaskCategory,
        &[
            "Task Category",
            "Aufgabenkategorie",
            "Taskkategorie",
            "Catégorie de la tâche",
            "Categoría de la tarea",
            "Categoria attività",
            "Categoria da Tarefa",
            "Taakcategorie",
            "Категория задачи",
            "Kategoria zadania",
            "タスクのカテゴリ",
        ],
    ),
    (
        Label::Level,
        &[
            "Level",
            "Ebene",
            "Niveau",
            "Nivel",
            "Livello",
            "Nível",
            "Уровень",
            "Poziom",
            "レベル",
        ],
    ),
    (
        Label::Keywords,
        &[
            "Keywords",
            "Schlüsselwörter",
            "Mots-clés",
            "Palabras clave",
            "Parole chiave",
            "Palavras-chave",
            "Trefwoorden",
            "Ключевые слова",
            "Słowa kluczowe",
            "キーワード",
        ],
    ),
    (
        Label::User,
        &[
            "User",
            "Benutzer",
            "Utilisateur",
            "Usuario",
            "Utente",
            "Usuário",
            "Gebruiker",
            "Пользователь",
            "Użytkownik",
            "ユーザー",
        ],
    ),
    (
        Label::Computer,
        &[
            "Computer",
            "Ordinateur",
            "Equipo",
            "Computador",
            "Компьютер",
            "Komputer",
            "コンピューター",
        ],
    ),
    (
        Label::Description,
        &[
            "Description",
            "Beschreibung",
            "Descripción",
            "Descrizione",
            "Descrição",
            "Beschrijving",
            "Описание",
            "Opis",
            "説明",
        ],
    ),
];

/// A label's name without case, spaces and punctuation (`ID de l’événement` and
/// `ID de l'événement` are the same label).
fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// `Label: value` of a header line (the first colon, ASCII or full-width, ends the label),
/// when the part before it can be a label: a few words, nothing a sentence or markup has.
pub(super) fn split_label(line: &str) -> Option<(&str, &str)> {
    let at = line.find([':', '：'])?;
    let label = line.get(..at)?.trim();
    let colon = line.get(at..)?.chars().next()?.len_utf8();
    let value = line.get(at + colon..)?;
    let plausible = !label.is_empty()
        && label.chars().count() <= 40
        && label.split_whitespace().count() <= 5
        && label.chars().next().is_some_and(char::is_alphabetic)
        && !label.contains(['<', '>', '=', '"', '{', '/', '\\', '(', '[', ',', '.']);
    plausible.then_some((label, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_known_in_several_languages() {
        assert_eq!(Label::named("Log Name"), Some(Label::LogName));
        assert_eq!(Label::named("Protokollname"), Some(Label::LogName));
        assert_eq!(Label::named("ID de l’événement "), Some(Label::EventId));
        assert_eq!(Label::named("ereignis-id"), Some(Label::EventId));
        assert_eq!(Label::named("Описание"), Some(Label::Description));
        assert_eq!(Label::named("Whatever"), None);
    }

    #[test]
    fn label_lines_are_told_from_prose() {
        assert_eq!(
            split_label("Date:          8/10/2020 11:00:39 AM"),
            Some(("Date", "          8/10/2020 11:00:39 AM"))
        );
        assert_eq!(
            split_label("Nom du journal : Application").unwrap().0,
            "Nom du journal"
        );
        assert_eq!(
            split_label("ログの名前：Application").unwrap().1,
            "Application"
        );
        assert_eq!(split_label("at Foo.Bar(String s): x"), None);
        assert_eq!(split_label("We see this in the log every night: 611"), None);
        assert_eq!(split_label("no colon"), None);
    }
}
