//! `evtx-doctor explain CODE`.

mod common;

use common::*;

#[test]
fn decimal_8453_with_its_rule() {
    let (code, stdout, stderr) = run(&["explain", "8453"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("8453 (0x2105)"), "{stdout}");
    assert!(stdout.contains("ERROR_DS_DRA_ACCESS_DENIED"), "{stdout}");
    assert!(stdout.contains("Replication access was denied"), "{stdout}");
    assert!(stdout.contains("phs.611.rpc-8453"), "{stdout}");
    assert!(stdout.contains("Replicating Directory Changes"), "{stdout}");
    assert!(stdout.contains("KB2867278"), "{stdout}");
}

#[test]
fn hresult_wraps_win32() {
    let (code, stdout, stderr) = run(&["explain", "0x80072105"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("HRESULT 0x80072105 wraps Win32 error 8453"),
        "{stdout}"
    );
    assert!(stdout.contains("ERROR_DS_DRA_ACCESS_DENIED"), "{stdout}");
    assert!(stdout.contains("phs.611.rpc-8453"), "{stdout}");
    // The same HRESULT written as a signed decimal.
    let (code, stdout, _) = run(&["explain", "-2147016443"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("HRESULT 0x80072105"), "{stdout}");
    assert!(stdout.contains("ERROR_DS_DRA_ACCESS_DENIED"), "{stdout}");
}

#[test]
fn hex_6ba_is_rpc_server_unavailable() {
    let (code, stdout, stderr) = run(&["explain", "0x6ba"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("1722 (0x6ba)"), "{stdout}");
    assert!(stdout.contains("RPC_S_SERVER_UNAVAILABLE"), "{stdout}");
    assert!(stdout.contains("phs.611.rpc-1722"), "{stdout}");
}

#[test]
fn a_code_without_a_specific_rule_says_so() {
    // 8524 ERROR_DS_DNS_LOOKUP_FAILURE: decoded, reported generically in 611 events.
    let (code, stdout, stderr) = run(&["explain", "0x214c"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("8524 (0x214c)"), "{stdout}");
    assert!(stdout.contains("ERROR_DS_DNS_LOOKUP_FAILURE"), "{stdout}");
    assert!(stdout.contains("No password hash sync rule"), "{stdout}");
    assert!(stdout.contains("still reported"), "{stdout}");
}

#[test]
fn symbol() {
    let (code, stdout, stderr) = run(&["explain", "ERROR_DS_DRA_BAD_DN"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("8439 (0x20f7)"), "{stdout}");
    assert!(stdout.contains("phs.611.rpc-8439"), "{stdout}");
    // Symbols are not case-sensitive on the command line.
    assert_eq!(run(&["explain", "error_ds_dra_bad_dn"]).0, 0);
}

#[test]
fn json() {
    let (code, stdout, _) = run(&["explain", "--format", "json", "0x80072105"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["code"], 8453);
    assert_eq!(json["hex"], "0x2105");
    assert_eq!(json["hresult"], "0x80072105");
    assert_eq!(json["symbol"], "ERROR_DS_DRA_ACCESS_DENIED");
    assert_eq!(json["rules"][0]["id"], "phs.611.rpc-8453");
    let (_, stdout, _) = run(&["explain", "-f", "json", "8524"]);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["rules"].as_array().map(Vec::len), Some(0));
}

#[test]
fn unknown_codes_exit_2() {
    for code in ["nonsense", "ERROR_NOT_A_THING", "0x80004005", "65000", "0x"] {
        let (status, stdout, stderr) = run(&["explain", code]);
        assert_eq!(status, 2, "{code}: {stdout}");
        assert!(stdout.is_empty(), "{code}: {stdout}");
        assert!(stderr.contains("evtx-doctor:"), "{code}: {stderr}");
    }
    assert_eq!(run(&["explain"]).0, 2);
}

#[test]
fn aadsts_codes_are_explained_like_win32_codes() {
    let (code, stdout, stderr) = run(&["explain", "AADSTS50054"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("AADSTS50054  (no name documented)\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Meaning:  Old password is used for authentication."),
        "{stdout}"
    );
    assert!(stdout.contains("entra.connector.old-password"), "{stdout}");
    assert!(stdout.contains("Add-ADSyncAADServiceAccount"), "{stdout}");
    assert!(!stdout.contains('{'), "unfilled placeholder: {stdout}");
    // Any case; a name from the table; a code only the generic rule reports.
    let (code, stdout, _) = run(&["explain", "aadsts50126"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("AADSTS50126  InvalidUserNameOrPassword"),
        "{stdout}"
    );
    assert!(
        stdout.contains("entra.connector.invalid-credentials"),
        "{stdout}"
    );
    let (code, stdout, _) = run(&["explain", "AADSTS90002"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("InvalidTenantName"), "{stdout}");
    assert!(
        stdout.contains("No rule diagnoses AADSTS90002 specifically")
            && stdout.contains("entra.connector.sign-in-other"),
        "{stdout}"
    );
    // Both MFA codes name the same rule.
    for mfa in ["AADSTS50076", "AADSTS50079"] {
        let (_, stdout, _) = run(&["explain", mfa]);
        assert!(
            stdout.contains("entra.connector.interaction-required"),
            "{mfa}: {stdout}"
        );
    }
    let (code, stdout, _) = run(&["explain", "-f", "json", "AADSTS700027"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["kind"], "aadsts");
    assert_eq!(json["aadsts"], "AADSTS700027");
    assert_eq!(json["code"], 700027);
    assert_eq!(
        json["message"],
        "Client assertion failed signature validation."
    );
    assert_eq!(
        json["rules"][0]["id"],
        "entra.connector.application-credential"
    );
    assert!(
        json["rules"][0]["title"]
            .as_str()
            .is_some_and(|t| t.contains("AADSTS700027")),
        "{json}"
    );
    // Not in the table and no rule names it.
    let (code, stdout, stderr) = run(&["explain", "AADSTS1"]);
    assert_eq!(code, 2, "{stdout}");
    assert!(stderr.contains("AADSTS1"), "{stderr}");
}

#[test]
fn hresults_a_rule_names_are_explained_from_the_rule() {
    let (code, stdout, stderr) = run(&["explain", "0x80230619"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("0x80230619 (2149778969)"), "{stdout}");
    assert!(stdout.contains("wraps no Win32 error"), "{stdout}");
    assert!(
        stdout.contains("writeback.6329.password-policy"),
        "{stdout}"
    );
    assert!(!stdout.contains("only Win32 codes"), "{stdout}");
    let (code, stdout, _) = run(&["explain", "-f", "json", "0x8023061F"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["kind"], "hresult");
    assert_eq!(json["hresult"], "0x8023061f");
    assert_eq!(json["rules"][0]["id"], "writeback.6329.ma-not-enabled");
}

#[test]
fn an_hresult_without_0x_gets_a_did_you_mean() {
    let (code, stdout, stderr) = run(&["explain", "80072105"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("Did you mean 0x80072105?\n"), "{stdout}");
    assert!(
        stdout.contains("8453 (0x2105)  ERROR_DS_DRA_ACCESS_DENIED"),
        "{stdout}"
    );
    assert!(stdout.contains("phs.611.rpc-8453"), "{stdout}");
    // Hex letters too, and the JSON form says what it was taken for.
    let (code, stdout, _) = run(&["explain", "-f", "json", "8007052e"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["did_you_mean"], "0x8007052e");
    assert_eq!(json["code"], 1326);
    assert_eq!(json["symbol"], "ERROR_LOGON_FAILURE");
    // A plain decimal is not second-guessed.
    let (_, stdout, _) = run(&["explain", "8453"]);
    assert!(!stdout.contains("Did you mean"), "{stdout}");
}

/// The explanation fits 100 columns when piped (a URL longer than a line stays whole), and
/// text from a `--rules` file cannot drive the terminal.
#[test]
fn explanations_fit_the_width_and_rule_texts_are_cleaned() {
    for code in [
        "0x80072105",
        "80072105",
        "AADSTS50054",
        "0x80230619",
        "8439",
    ] {
        let (status, stdout, stderr) = run(&["explain", code]);
        assert_eq!(status, 0, "{stderr}");
        for line in stdout.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            let one_long_url = words.len() <= 2 && words.last().is_some_and(|w| w.contains("://"));
            assert!(
                line.chars().count() <= 100 || one_long_url,
                "{code}: {line}"
            );
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let pack = dir.path().join("site.toml");
    std::fs::write(
        &pack,
        "schema = 1\n[pack]\nid = \"site\"\ntitle = \"Site\"\n\n[[rule]]\nid = \"site.8453\"\n\
         title = \"8453 \\u001b[2J here\"\nseverity = \"error\"\npriority = 30\n\
         cause = \"A cause \\u001b]0;pwned\\u0007 with controls.\"\nresolution = \"Fix.\"\n\
         [[rule.when]]\nproviders = [\"Directory Synchronization\"]\nkeywords = [\"RPC Error\"]\n\
         error_codes = [8453]\n",
    )
    .expect("write pack");
    let (status, stdout, stderr) =
        run(&["explain", "8453", "--rules", pack.to_str().expect("utf-8")]);
    assert_eq!(status, 0, "{stderr}");
    assert!(stdout.contains("site.8453"), "{stdout}");
    assert!(
        !stdout.contains('\x1b') && !stdout.contains('\x07'),
        "{stdout:?}"
    );
    assert!(stdout.contains(r"\x1b]0;pwned\x07"), "{stdout}");
}
