//! Every event text Microsoft's pages quote for password hash sync and the Entra Connector
//! account, as they quote it (wrapping and spacing included), pasted as an Event Viewer copy:
//! each gives the diagnosis the page gives. Sources: KB2867278 and KB2962509 (support
//! articles), "RPC errors affecting Microsoft Entra Connect", "Change the Microsoft Entra
//! Connector account password", "Troubleshoot Microsoft Entra Connect Sync application-based
//! authentication", KB2848640.

use evtx_doctor::{Knowledge, Options, Source, analyze};

/// (rule, domain, error code, DC host, DC IP) of each finding the event gives.
type Diagnosis = (
    String,
    Option<String>,
    Option<u32>,
    Option<String>,
    Option<String>,
);

/// The findings of one event of `provider` and `id` whose description is `message`.
fn diagnose(provider: &str, id: u16, level: &str, message: &str) -> Vec<Diagnosis> {
    let paste = format!(
        "Log Name:      Application\r\nSource:        {provider}\r\n\
         Date:          3/4/2024 8:00:00 AM\r\nEvent ID:      {id}\r\nTask Category: None\r\n\
         Level:         {level}\r\nKeywords:      Classic\r\nUser:          N/A\r\n\
         Computer:      SYNC01.contoso.com\r\nDescription:\r\n{}\r\n",
        message.replace('\n', "\r\n")
    );
    let report = analyze(
        [Source::bytes("paste.txt", paste.into_bytes())],
        &Knowledge::builtin().unwrap(),
        &Options::default(),
    );
    assert_eq!(report.summary.records_read, 1, "{message}");
    report
        .findings
        .iter()
        .map(|f| {
            let dc = f.domain_controllers.first();
            (
                f.rule.clone(),
                f.domain.clone(),
                f.error_code,
                dc.and_then(|dc| dc.host.clone()),
                dc.and_then(|dc| dc.ip.clone()),
            )
        })
        .collect()
}

fn found(rule: &str, domain: Option<&str>, code: Option<u32>) -> Vec<Diagnosis> {
    vec![(rule.into(), domain.map(Into::into), code, None, None)]
}

const DS: &str = "Directory Synchronization";

/// KB2867278's table, each description as the page gives it (the event has no header line
/// there), and its last row as copied from the web page (line breaks inside type names).
#[test]
fn kb2867278_descriptions() {
    let cases = [
        (
            "Microsoft.Online.PasswordSynchronization.SynchronizationManagerException: Recovery task failed. ---> Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsException: RPC Error 8439: The distinguished name specified for this replication operation is invalid. There was an error calling _IDL_DRSGetNCChanges.",
            found("phs.611.rpc-8439", None, Some(8439)),
        ),
        (
            "Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsException: RPC Error 8593: The directory service cannot perform the requested operation because the servers involved are of different replication epochs (which is related to a domain rename that is in progress).",
            found("phs.611.rpc-8593", None, Some(8593)),
        ),
        (
            "System.ArgumentOutOfRangeException: Not a valid Win32 FileTime.",
            found("phs.611.invalid-filetime", None, None),
        ),
        (
            "System.ArgumentException: An item with the same key has already been added.",
            found("phs.611.duplicate-key", None, None),
        ),
        (
            "Password synchronization failed for domain: Contoso.com. Details:\nMicrosoft.Online.PasswordSynchronization.\nDirectoryReplicationServices.DrsException: RPC Error 8453: Replication access was denied. There was an error calling _IDL_DRSGetNCChanges.\n\nat Microsoft.Online.PasswordSynchronization.\nDirectoryReplicationServices.DrsRpcConnection.OnGetChanges( ReplicationState syncState)\n\nat Microsoft.Online.PasswordSynchronization.\nSynchronizationManager.SynchronizeDomain( SynchronizationExecutionContext syncExecutionContext).",
            found("phs.611.rpc-8453", Some("Contoso.com"), Some(8453)),
        ),
        (
            "Password synchronization failed for domain: Contoso.com.",
            found("phs.611.other", Some("Contoso.com"), None),
        ),
    ];
    for (message, want) in cases {
        assert_eq!(diagnose(DS, 611, "Error", message), want, "{message}");
    }
}

/// "RPC errors affecting Microsoft Entra Connect": the new header, with the DC in the header,
/// or `<not available>` and the DC in the chain (host and IP together); the page's own line
/// break inside `DirectoryReplicationServices.` `DrsException:  ...` (two spaces).
#[test]
fn rpc_errors_page() {
    let chain = "Password hash synchronization failed for domain: contoso.com, domain controller hostname: <not available>, domain controller IP address: <not available>.\nDetails:       Microsoft.Online.PasswordSynchronization.SynchronizationManagerException: Unable to open connection to domain: contoso.com. Error: There was an error establishing a connection to the directory replication service. Domain controller hostname: server1.contoso.com, domain controller IP address: 10.0.0.202 ---> Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsCommunicationException: There was an error establishing a connection to the directory replication service. Domain controller hostname: server1.contoso.com, domain controller IP address: 10.0.0.202 ---> Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.\nDrsException:  There was an error creating the connection context. ---> Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.DrsCommunicationException: RPC Error 1722 : The RPC server is unavailable. Error creating the RPC binding handle";
    assert_eq!(
        diagnose(DS, 611, "Error", chain),
        [(
            "phs.611.rpc-1722".into(),
            Some("contoso.com".into()),
            Some(1722),
            Some("server1.contoso.com".into()),
            Some("10.0.0.202".into())
        )]
    );
    let header = "Password hash synchronization failed for domain: contoso.com, domain controller hostname: server1.contoso.com, domain controller IP address: 192.168.0.0.\nDetails:       Microsoft.Online.PasswordSynchronization.SynchronizationManagerException: Recovery task failed. ---> Microsoft.Online.PasswordSynchronization.DirectoryReplicationServices.\nDrsException:  RPC Error 8333 : Directory object not found. There was an error calling _IDL_DRSGetNCChanges.";
    assert_eq!(
        diagnose(DS, 611, "Error", header),
        [(
            "phs.611.rpc-8333".into(),
            Some("contoso.com".into()),
            Some(8333),
            Some("server1.contoso.com".into()),
            Some("192.168.0.0".into())
        )]
    );
}

/// KB2962509's four events: one diagnosis each (the engine groups them as one).
#[test]
fn kb2962509_events() {
    let wrong = "The user name or password is incorrect. Verify your user name, and then type your password again.";
    let cloud = found("phs.cloud-credentials", None, None);
    assert_eq!(
        diagnose(
            DS,
            115,
            "Information",
            "Error Description: Access to Windows Azure Active Directory has been denied. Contact Technical Support."
        ),
        cloud
    );
    assert_eq!(diagnose(DS, 0, "Error", wrong), cloud);
    assert_eq!(diagnose(DS, 655, "Error", wrong), cloud);
    let fim = format!(
        "The server encountered an unexpected error while processing a password change notification:\n\"{wrong}"
    );
    assert_eq!(
        diagnose("FIMSynchronizationService", 6900, "Error", &fim),
        cloud
    );
}

/// "Change the Microsoft Entra Connector account password": 6900 and 659 with AADSTS70002 and
/// AADSTS50054, as the page writes them (the 659's exception type ends its first line).
#[test]
fn connector_account_password_page() {
    let old = found("entra.connector.old-password", None, None);
    assert_eq!(
        diagnose(
            "ADSync",
            6900,
            "Error",
            "The server encountered an unexpected error while processing a password change notification:  \nAADSTS70002: Error validating credentials. AADSTS50054: Old password is used for authentication."
        ),
        old
    );
    assert_eq!(
        diagnose(
            DS,
            659,
            "Error",
            "Error while retrieving password policy sync configuration. Microsoft.IdentityModel.Clients.ActiveDirectory.AdalServiceException:\nAADSTS70002: Error validating credentials. AADSTS50054: Old password is used for authentication.  "
        ),
        old
    );
}

/// "Troubleshoot Microsoft Entra Connect Sync application-based authentication": the 906 of
/// two servers sharing one application (its placeholders as the page has them).
#[test]
fn application_authentication_page() {
    let message = "[MSAL] AcquireTokenWithCertificate: Exception caught while acquiring token via certificate. [invalid_client] - A configuration issue is preventing authentication - check the error message from the server for details. You can modify the configuration in the application registration portal. See https://aka.ms/msal-net-invalid-client for details.  Original exception: AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '<guid>'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/<guid>']. Trace ID: <guid> Correlation ID: <guid> Timestamp: <datetime>";
    assert_eq!(
        diagnose(DS, 906, "Error", message),
        found("entra.connector.application-credential", None, None)
    );
    // The page's cause is in the rule: servers sharing one application, and its fix.
    let knowledge = Knowledge::builtin().unwrap();
    let rule = knowledge
        .rules()
        .rules()
        .iter()
        .find(|r| r.id == "entra.connector.application-credential")
        .unwrap();
    assert!(
        rule.references
            .iter()
            .any(|r| r
                == "Troubleshoot Microsoft Entra Connect Sync application-based authentication")
    );
    assert!(rule.cause.contains("share"), "{}", rule.cause);
    assert!(
        rule.resolution.contains("SyncMachineIdentifier"),
        "{}",
        rule.resolution
    );
}

/// Provisioning error 90 (KB2848640) in 652, as the sync tool writes its ProvisionException.
#[test]
fn provisioning_not_activated() {
    let message = "Failed credential provisioning batch. Error: Microsoft.Online.Coexistence.ProvisionException: An error occurred. Error Code: 90. Error Description: Password Synchronization has not been activated for this company. Tracking ID: 7a1c0e2b-3d4f-4a5b-8c6d-9e0f1a2b3c4d Server Name: .";
    assert_eq!(
        diagnose(DS, 652, "Error", message),
        found("phs.provision.not-activated", None, None)
    );
}
