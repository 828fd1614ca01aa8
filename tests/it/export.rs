//! `export` through the real binary: the --plaintext guard, private files, round trips
//! through keyfob's own importers (Aegis, QR PNG, Google transfer), and the Entra admin flow
//! (generate --add, code by serial, export, import, export).

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::*;
use crate::import::{fixture, list_json};

#[test]
fn exports_need_plaintext_and_are_private() {
    let tv = TestVault::new();
    tv.add("GitHub", "me", RFC_SECRET_B32);
    for format in ["otpauth", "aegis", "entra-csv", "qr"] {
        tv.cmd()
            .args(["export", "--format", format])
            .assert()
            .code(1)
            .stdout("")
            .stderr(contains("--plaintext"));
    }
    let out = tv.dir.path().join("export.json");
    tv.cmd()
        .args(["export", "--format", "aegis", "--plaintext", "--output"])
        .arg(&out)
        .assert()
        .success()
        .stderr(contains("wrote 1 entry"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn aegis_export_round_trips_into_another_vault() {
    let a = TestVault::new();
    a.cmd()
        .arg("import")
        .arg(fixture("aegis_plain.json"))
        .assert()
        .success();
    a.cmd()
        .arg("import")
        .arg(fixture("twofas_encrypted.2fas"))
        .arg("--password-file")
        .arg(fixture("password.txt"))
        .assert()
        .success();
    let file = a.dir.path().join("aegis.json");
    a.cmd()
        .args(["export", "--format", "aegis", "--plaintext", "-o"])
        .arg(&file)
        .assert()
        .success();
    let b = TestVault::new();
    b.cmd()
        .arg("import")
        .arg(&file)
        .assert()
        .success()
        .stdout(contains("added 3, skipped 0 duplicates, failed 0"));
    assert_eq!(list_json(&a), list_json(&b));
}

#[test]
fn qr_exports_draw_in_the_terminal_and_round_trip_as_png() {
    let a = TestVault::new();
    a.cmd()
        .arg("import")
        .arg(fixture("aegis_plain.json"))
        .assert()
        .success();
    a.cmd()
        .args(["export", "--format", "qr", "--plaintext"])
        .assert()
        .success()
        .stdout(contains("Example:alice@example.com\n").and(contains("█▀")));
    for extra in [None, Some("--migration")] {
        let png = a.dir.path().join("codes.png");
        let mut cmd = a.cmd();
        cmd.args(["export", "--format", "qr", "--plaintext", "-o"])
            .arg(&png);
        if let Some(flag) = extra {
            cmd.arg(flag);
        }
        cmd.assert().success();
        let b = TestVault::new();
        b.cmd()
            .arg("import")
            .arg(&png)
            .assert()
            .success()
            .stdout(contains("added 2, skipped 0 duplicates, failed 0"));
        // QR codes carry no entry ids: the imported entries get new ones.
        let without_ids = |mut rows: Vec<serde_json::Value>| {
            for row in &mut rows {
                row.as_object_mut().unwrap().remove("id");
            }
            rows
        };
        assert_eq!(
            without_ids(list_json(&a)),
            without_ids(list_json(&b)),
            "{extra:?}"
        );
        std::fs::remove_file(&png).unwrap();
    }
}

#[test]
fn migration_text_export_round_trips_and_lists_what_it_leaves_out() {
    let a = TestVault::new();
    a.cmd()
        .arg("import")
        .arg(fixture("aegis_plain.json"))
        .assert()
        .success();
    a.cmd()
        .args([
            "add",
            "--issuer",
            "Steam",
            "--account",
            "gabe",
            "--secret",
            RFC_SECRET_B32,
            "--steam",
        ])
        .assert()
        .success();
    let out = a
        .cmd()
        .args([
            "export",
            "--format",
            "otpauth",
            "--migration",
            "--plaintext",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("left out 'Steam:gabe': Google's transfer format has no Steam codes")
    );
    let file = a.dir.path().join("transfer.txt");
    std::fs::write(&file, &out.stdout).unwrap();
    let b = TestVault::new();
    b.cmd()
        .arg("import")
        .arg(&file)
        .assert()
        .success()
        .stdout(contains("added 2, skipped 0 duplicates, failed 0"));
}

const ENTRA_HEADER: &str = "upn,serial number,secret key,time interval,manufacturer,model\r\n";

#[test]
fn entra_csv_import_then_export_gives_the_same_rows() {
    let tv = TestVault::new();
    tv.cmd()
        .arg("import")
        .arg(fixture("entra_tokens.csv"))
        .assert()
        .code(4);
    let out = tv
        .cmd()
        .args(["export", "--format", "entra-csv", "--plaintext"])
        .output()
        .unwrap();
    assert!(out.status.success());
    // Secrets as given, upper-cased without spaces: the sample keeps its last character
    // (re-encoding its bytes would give ...ABCDEE, which is what keyfob once wrote).
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!(
            "{ENTRA_HEADER}helga@contoso.com,1234567,2234567ABCDEF2234567ABCDEF,60,Contoso,HardwareKey\r\n\
             lee@contoso.com,KF0002,JBSWY3DPEHPK3PXP,30,,\"Token, Mk II\"\r\n"
        )
    );
}

#[test]
fn entra_admin_flow_generate_add_code_export_import() {
    let tv = TestVault::new();
    let generated = tv
        .cmd()
        .args([
            "generate",
            "--count",
            "3",
            "--entra-csv",
            "--upn",
            "a@contoso.com",
            "--upn",
            "b@contoso.com",
            "--upn",
            "c@contoso.com",
            "--serial-start",
            "KF0001",
            "--manufacturer",
            "Contoso",
            "--model",
            "KF-1",
            "--add",
        ])
        .output()
        .unwrap();
    assert!(generated.status.success());
    let csv = String::from_utf8(generated.stdout).unwrap();
    assert!(csv.starts_with(ENTRA_HEADER));

    // `code <serial>` gives the token's code.
    let row: Vec<&str> = csv.lines().nth(2).unwrap().split(',').collect();
    assert_eq!(row[1], "KF0002");
    let secret = keyfob::engine::secret::Secret::parse_base32(row[2]).unwrap();
    let expected = keyfob::engine::otp::totp(
        &secret,
        keyfob::engine::otp::Algorithm::Sha1,
        6,
        30,
        1_700_000_000,
    )
    .unwrap();
    tv.cmd()
        .args(["code", "KF0002", "--at", "1700000000"])
        .assert()
        .success()
        .stdout(format!("{}\n", expected.as_str()));

    // Exporting gives back exactly what was generated.
    let exported = tv
        .cmd()
        .args(["export", "--format", "entra-csv", "--plaintext"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(exported.stdout).unwrap(), csv);

    // Importing that file into another vault and exporting again: the same rows.
    let file = tv.dir.path().join("tokens.csv");
    std::fs::write(&file, &csv).unwrap();
    let other = TestVault::new();
    other
        .cmd()
        .arg("import")
        .arg(&file)
        .assert()
        .success()
        .stdout(contains("added 3, skipped 0 duplicates, failed 0"));
    let again = other
        .cmd()
        .args(["export", "--format", "entra-csv", "--plaintext"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(again.stdout).unwrap(), csv);
    // And importing it into the first vault finds only duplicates.
    tv.cmd()
        .arg("import")
        .arg(&file)
        .assert()
        .success()
        .stdout(contains("added 0, skipped 3 duplicates, failed 0"));
}
