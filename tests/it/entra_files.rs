//! Issue 12: Entra hardware-token CSVs as spreadsheets save them (`;` and tabs, UTF-16, empty
//! rows), duplicate serial numbers, hex seeds, and `code` naming serials when it is ambiguous.

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::*;

const HEADER: [&str; 6] = [
    "upn",
    "serial number",
    "secret key",
    "time interval",
    "manufacturer",
    "model",
];

fn csv(sep: &str, rows: &[[&str; 6]]) -> String {
    let mut out = HEADER.join(sep) + "\r\n";
    for row in rows {
        out.push_str(&row.join(sep));
        out.push_str("\r\n");
    }
    out
}

fn import_file(tv: &TestVault, name: &str, bytes: &[u8]) -> assert_cmd::assert::Assert {
    let path = tv.dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    tv.cmd().arg("import").arg(&path).assert()
}

const ANN: [&str; 6] = [
    "ann@contoso.com",
    "KF0001",
    "JBSWY3DPEHPK3PXP",
    "30",
    "Contoso",
    "KF-1",
];
const BOB: [&str; 6] = [
    "bob@contoso.com",
    "KF0002",
    "GEZDGNBVGY3TQOJQ",
    "60",
    "Contoso",
    "KF-1",
];
const EMPTY: [&str; 6] = ["", "", "", "", "", ""];

#[test]
fn semicolon_and_tab_files_read_like_comma_files() {
    for (sep, name) in [(";", "semicolons.csv"), ("\t", "tabs.csv")] {
        let tv = TestVault::new();
        import_file(&tv, name, csv(sep, &[ANN, BOB]).as_bytes())
            .code(0)
            .stdout(contains("added 2, skipped 0 duplicates, failed 0"));
        tv.cmd()
            .args(["code", "KF0002", "--json"])
            .assert()
            .success()
            .stdout(contains("\"serial\": \"KF0002\""));
    }
}

#[test]
fn excel_empty_rows_are_skipped_silently() {
    let tv = TestVault::new();
    import_file(
        &tv,
        "excel.csv",
        csv(",", &[ANN, EMPTY, BOB, EMPTY, EMPTY]).as_bytes(),
    )
    .code(0)
    .stdout(contains("added 2, skipped 0 duplicates, failed 0"))
    .stderr(contains("failed").not());
}

#[test]
fn utf16_unicode_text_files_are_read() {
    let text = csv("\t", &[ANN, BOB]);
    for little in [true, false] {
        let mut bytes = if little {
            vec![0xFF, 0xFE]
        } else {
            vec![0xFE, 0xFF]
        };
        for unit in text.encode_utf16() {
            bytes.extend(if little {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            });
        }
        let tv = TestVault::new();
        import_file(&tv, "unicode.txt", &bytes)
            .code(0)
            .stdout(contains("added 2, skipped 0 duplicates, failed 0"));
    }
}

#[test]
fn duplicate_serials_warn_naming_both_lines_and_code_lists_serials() {
    let tv = TestVault::new();
    let mut twin = BOB;
    twin[1] = "KF0001";
    import_file(&tv, "twins.csv", csv(",", &[ANN, twin]).as_bytes())
        .code(0)
        .stdout(contains("added 2"))
        .stderr(contains(
            "warning: line 3: serial number 'KF0001' is also on line 2",
        ));
    tv.cmd().args(["code", "KF0001"]).assert().code(3).stderr(
        contains("Contoso:ann@contoso.com (serial KF0001)")
            .and(contains("Contoso:bob@contoso.com (serial KF0001)")),
    );
    // A serial already in the vault is warned about too.
    let mut third = BOB;
    third[0] = "cy@contoso.com";
    third[1] = "KF0001";
    third[2] = "KRSXG5CTMVRXEZLU";
    import_file(&tv, "third.csv", csv(",", &[third]).as_bytes())
        .code(0)
        .stderr(contains(
            "serial number 'KF0001' is already used by 'Contoso:ann@contoso.com' in the vault",
        ));
}

#[test]
fn hex_seeds_import_on_request_and_export_as_base32() {
    let tv = TestVault::new();
    let mut hex = ANN;
    hex[2] = "48656c6c6f21deadbeef";
    let path = tv.dir.path().join("vendor.csv");
    std::fs::write(&path, csv(",", &[hex])).unwrap();
    // As Base32 the hex is refused with the character Entra would name.
    tv.cmd()
        .arg("import")
        .arg(&path)
        .assert()
        .code(1)
        .stderr(contains("'8' at position 2 is not a Base32 character"));
    tv.cmd()
        .args(["import", "--secret-encoding", "hex"])
        .arg(&path)
        .assert()
        .code(0);
    tv.cmd()
        .args(["export", "--format", "entra-csv", "--plaintext"])
        .assert()
        .success()
        .stdout(contains(
            "ann@contoso.com,KF0001,JBSWY3DPEHPK3PXP,30,Contoso,KF-1",
        ));
    // A format whose secrets are not a text column says so.
    let aegis = tv.dir.path().join("uris.txt");
    std::fs::write(&aegis, "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP\n").unwrap();
    tv.cmd()
        .args(["import", "--secret-encoding", "hex"])
        .arg(&aegis)
        .assert()
        .code(1)
        .stderr(contains("applies to entra-csv only"));
}

#[test]
fn hex_secrets_with_add_hex() {
    let tv = TestVault::new();
    tv.cmd()
        .args([
            "add",
            "--issuer",
            "Vendor",
            "--account",
            "hex",
            "--hex",
            "--secret",
            "3132333435363738393031323334353637383930",
        ])
        .assert()
        .success();
    // The RFC 4226 key "12345678901234567890": the RFC 6238 vector at 59 s.
    tv.cmd()
        .args(["code", "Vendor", "--at", "59"])
        .assert()
        .success()
        .stdout("287082\n");
    tv.cmd()
        .args(["export", "--format", "otpauth", "--plaintext"])
        .assert()
        .success()
        .stdout(contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&"));
    tv.cmd()
        .args([
            "add",
            "--issuer",
            "Vendor",
            "--account",
            "bad",
            "--hex",
            "--secret",
            "31z2",
        ])
        .assert()
        .code(1)
        .stderr(contains("'z' at position 3 is not a hexadecimal digit"));
}
