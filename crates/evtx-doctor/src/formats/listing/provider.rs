//! The provider of a pasted event that does not name it. `Format-List` of chosen properties
//! (`Get-WinEvent ... | Format-List TimeCreated, Id, Message`) leaves the provider out; the
//! password sync events say in their own words whose they are (their texts are not
//! localized: the sync services write them in English).

/// Words of the messages each provider writes (lower case), from Microsoft's pages on password
/// hash synchronization and the Entra Connector account.
const SIGNATURES: &[(&str, &[&str])] = &[
    (
        "Directory Synchronization",
        &[
            "password hash synchronization failed for domain",
            "password synchronization failed for domain",
            "provision credentials",
            "credential provisioning",
            "password change request - ",
            "password change result - ",
            "error while retrieving password policy sync configuration",
            "full password hash synchronization completed",
            "access to windows azure active directory has been denied",
            "password changes failed to synchronized",
        ],
    ),
    (
        "ADSync",
        &[
            "while processing a password change notification",
            "during a password set operation",
        ],
    ),
];

/// The provider whose words `message` holds, if it is one of the password sync providers.
pub(super) fn by_message(message: &str) -> Option<&'static str> {
    // The words are near the start of these messages.
    let head: String = message
        .chars()
        .take(4096)
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    SIGNATURES
        .iter()
        .find(|(_, words)| words.iter().any(|w| head.contains(w)))
        .map(|(provider, _)| *provider)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_events_name_their_provider() {
        assert_eq!(
            by_message("Password hash synchronization failed for domain: contoso.com, ..."),
            Some("Directory Synchronization")
        );
        assert_eq!(
            by_message(
                "The server encountered an unexpected error while processing a\npassword change notification:"
            ),
            Some("ADSync")
        );
        assert_eq!(by_message("The service started."), None);
    }
}
