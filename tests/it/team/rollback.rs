//! Issue 9, item 12: a rolled-back vault re-issued used HOTP codes. Opening a vault older than
//! one this machine saw warns (on every open), and HOTP never issues a counter this machine
//! issued before.

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::*;

/// RFC 4226's HOTP values for its secret, counters 0 to 3.
const RFC_HOTP: [&str; 4] = ["755224", "287082", "359152", "969429"];

fn hotp_vault() -> TestVault {
    let tv = TestVault::new();
    tv.add_hotp("Bank", "me", RFC_SECRET_B32);
    tv
}

fn code(tv: &TestVault) -> assert_cmd::assert::Assert {
    tv.cmd().args(["code", "Bank"]).assert().success()
}

#[test]
fn a_restored_older_vault_warns_and_never_repeats_a_hotp_code() {
    let tv = hotp_vault();
    let older = tv.bytes();
    code(&tv).stdout(format!("{}\n", RFC_HOTP[0]));
    code(&tv).stdout(format!("{}\n", RFC_HOTP[1]));
    // The vault file is put back to the copy from before both codes (a restored backup).
    std::fs::write(&tv.vault, &older).unwrap();
    // Before the fix: 755224 again, silently.
    code(&tv)
        .stdout(format!("{}\n", RFC_HOTP[2]))
        .stderr(contains("rolled back?").and(contains("keyfob trust")));
    // Every open warns, reads too, until the person accepts the copy.
    tv.cmd()
        .arg("list")
        .assert()
        .success()
        .stderr(contains("is older than the copy this machine saw last"));
    tv.cmd()
        .arg("trust")
        .assert()
        .success()
        .stdout(contains("accepted the vault as it is"));
    tv.cmd()
        .arg("list")
        .assert()
        .success()
        .stderr(contains("rolled back").not());
    // Accepting the older copy forgets no code issued here.
    code(&tv).stdout(format!("{}\n", RFC_HOTP[3]));
}

#[test]
fn the_quick_read_only_path_warns_too() {
    let tv = hotp_vault();
    tv.add("Mail", "me", MS_SECRET);
    let older = tv.bytes();
    tv.add("Shop", "me", &nth_secret(3));
    std::fs::write(&tv.vault, &older).unwrap();
    // A totp look-up never builds a session; the warning comes all the same.
    tv.cmd()
        .args(["code", "Mail", "--at", "0"])
        .assert()
        .success()
        .stderr(contains("rolled back?"));
}
