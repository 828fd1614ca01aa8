//! The command line through the real binary: every command and its error paths.

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::*;

#[test]
fn microsoft_sample_gives_oathtool_codes() {
    let tv = TestVault::new();
    tv.add("Contoso", "helga@contoso.com", MS_SECRET);
    // `oathtool --totp -b 2234567ABCDEF2234567ABCDEF -N @1700000000` prints 372551.
    tv.cmd()
        .args(["code", "helga", "--at", "1700000000"])
        .assert()
        .success()
        .stdout("372551\n");
}

#[test]
fn code_exit_statuses() {
    let tv = TestVault::new();
    tv.add("GitHub", "me", RFC_SECRET_B32);
    tv.add("GitLab", "me", RFC_SECRET_B32);
    tv.cmd()
        .args(["code", "nothing"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("no entry matches 'nothing'"));
    tv.cmd()
        .args(["code", "me"])
        .assert()
        .code(3)
        .stdout("")
        .stderr(contains("GitHub:me").and(contains("GitLab:me")));
    tv.cmd().args(["code", "gitlab"]).assert().success();
}
