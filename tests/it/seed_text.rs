//! Issue 12: a secret's text is kept as given (upper-cased, separators removed), never
//! re-encoded from its bytes; hex seeds on request; every export writes Base32.

use predicates::str::contains;

use crate::common::*;

/// Microsoft's sample carries two bits past its last whole byte: re-encoding the bytes would
/// turn its last character into an 'E'.
const MS_AS_GIVEN: &str = "2234567ABCDEF2234567ABCDEF";

#[test]
fn microsoft_sample_round_trips_through_every_text_export() {
    let tv = TestVault::new();
    tv.add(
        "Contoso",
        "helga@contoso.com",
        "2234 567a-bcde f223 4567 abcd ef",
    );
    assert!(
        tv.plaintext()
            .contains(&format!("secret: \"{MS_AS_GIVEN}\""))
    );
    for format in ["otpauth", "aegis", "entra-csv"] {
        let mut cmd = tv.cmd();
        cmd.args(["export", "--plaintext", "--format", format]);
        if format == "entra-csv" {
            // Entra needs a serial number.
            tv.cmd()
                .args(["edit", "helga", "--serial", "1234567"])
                .assert()
                .success();
        }
        cmd.assert().success().stdout(contains(MS_AS_GIVEN));
    }
}

#[test]
fn microsoft_sample_round_trips_import_to_export() {
    let tv = TestVault::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("uris.txt");
    std::fs::write(
        &file,
        "otpauth://totp/Contoso:helga?secret=2234567abcdef2234567abcdef&issuer=Contoso\n",
    )
    .unwrap();
    tv.cmd().arg("import").arg(&file).assert().success();
    tv.cmd()
        .args(["export", "--plaintext", "--format", "otpauth"])
        .assert()
        .success()
        .stdout(contains(format!("secret={MS_AS_GIVEN}&")));
}

#[test]
fn a_vault_holding_the_re_encoded_text_keeps_working() {
    // Older keyfob wrote the bytes' encoding (…ABCDEE); the codes are the same.
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.age");
    let new = dir.path().join("new.age");
    let entry = |text: &str| {
        vec![keyfob::engine::entry::Entry::new(
            "Contoso",
            "helga",
            keyfob::engine::secret::Secret::parse_base32(text).unwrap(),
        )]
    };
    library_vault(&old, entry("2234567ABCDEF2234567ABCDEE"));
    library_vault(&new, entry(MS_AS_GIVEN));
    let code = |vault: &std::path::Path| {
        let out = keyfob()
            .arg("--vault")
            .arg(vault)
            .arg("--identity")
            .arg(identity_file())
            .args(["code", "helga", "--at", "1700000000"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(code(&old), code(&new));
    // Importing the new text into the old vault is a duplicate, not a second entry.
    let file = dir.path().join("uri.txt");
    std::fs::write(
        &file,
        format!("otpauth://totp/Contoso:helga?secret={MS_AS_GIVEN}&issuer=Contoso\n"),
    )
    .unwrap();
    keyfob()
        .arg("--vault")
        .arg(&old)
        .arg("--identity")
        .arg(identity_file())
        .arg("import")
        .arg(&file)
        .assert()
        .success()
        .stdout(contains("added 0, skipped 1 duplicate"));
}
