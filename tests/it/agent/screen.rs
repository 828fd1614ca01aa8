//! The screen with an agent, through a pseudo-terminal: it opens on a running agent with no
//! question and the right codes; changes go both ways (the screen's through the agent, the
//! command line's shown on the screen); the QR code asks again; `L` locks the agent; an
//! agent that ends under the screen locks it, saying why; and a screen that had to ask
//! leaves the vault in an agent, so the next command asks nothing.

use super::*;
use crate::tui_pty::{Screen, code_on_row};

const SIZE: (u16, u16) = (100, 30);
const PASSPHRASE: &str = "agent test passphrase";

/// The RFC secret's codes over the last minute (a slow machine may draw a period late).
fn recent_codes() -> Vec<String> {
    let now = keyfob::cli::Context::now(None);
    let secret = keyfob::engine::secret::Secret::parse_base32(RFC_SECRET_B32).unwrap();
    [now - 30, now, now + 30]
        .iter()
        .map(|t| {
            keyfob::engine::otp::totp(&secret, keyfob::engine::otp::Algorithm::Sha1, 6, 30, *t)
                .unwrap()
                .to_string()
        })
        .collect()
}

fn json_list(av: &AgentVault) -> String {
    let out = av.bare().args(["list", "--json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_screen_uses_a_running_agent_both_ways_and_l_locks_it() {
    let av = AgentVault::passphrase();
    av.unlock();
    let first_agent = av.pid().unwrap();
    // No key options and a terminal: only the agent can open it without asking.
    let mut screen = Screen::spawn(av.pty_command(), SIZE);
    screen.wait_text("1 entry");
    assert!(!screen.text().contains("Passphrase"), "{}", screen.text());
    let code = code_on_row(&screen, "GitHub");
    assert!(recent_codes().contains(&code), "{code}");
    // The screen's add is saved by the agent and seen by the command line...
    screen.send("a");
    screen.wait_text("Add an entry");
    screen.send("\tPtyCorp\tpat\tJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    screen.wait_text("'PtyCorp:pat' gives");
    screen.send("\r");
    screen.wait_text("added 'PtyCorp:pat'");
    assert!(json_list(&av).contains("\"PtyCorp\""));
    // ...and the command line's add shows on the screen (the agent follows the file).
    av.bare()
        .args(["add", "--issuer", "FromCli", "--account", "x"])
        .args(["--secret", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ"])
        .assert()
        .success();
    screen.wait_text("FromCli");
    screen.wait_text("3 entries");
    // The QR code needs the seed: the agent never hands it out, so the screen asks again.
    screen.send("Q");
    screen.wait_text("never hands out seeds");
    screen.send("wrong\r");
    screen.wait_text("✗");
    screen.send(&format!("{PASSPHRASE}\r"));
    screen.wait_text("is on screen. Any key hides it.");
    screen.send("x");
    screen.wait_text("3 entries");
    // L locks the agent too.
    screen.send("L");
    screen.wait_text("and so is its agent");
    av.bare().args(["agent", "--status"]).assert().code(2);
    wait_dead(first_agent, Duration::from_secs(5));
    // Unlocking from the lock screen starts a new agent.
    screen.send(&format!("{PASSPHRASE}\r"));
    screen.wait_text("an agent holds the vault");
    assert!(av.pid().is_some_and(|pid| pid != first_agent));
    let (status, _, _) = screen.quit();
    assert!(status.ends_with(", 0))"), "{status}");
}

/// Stopped (SIGTERM: it removes its socket) or killed outright (SIGKILL: the socket stays),
/// the agent's end locks the screen within a second or two, saying why.
#[test]
fn an_agent_that_ends_under_the_screen_locks_it_saying_why() {
    for signal in ["-TERM", "-KILL"] {
        let av = AgentVault::identity();
        av.unlock();
        let pid = av.pid().unwrap();
        let mut screen = Screen::spawn(av.pty_command(), SIZE);
        screen.wait_text("1 entry");
        let killed = std::process::Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let start = Instant::now();
        screen.wait_text("The agent that held the vault ended");
        assert!(start.elapsed() < Duration::from_secs(5), "{signal}");
        let text = screen.text();
        assert!(!text.contains("GitHub"), "{signal}: no entry stays: {text}");
        screen.send("\x03");
        screen.wait_exit("Ctrl-C");
    }
}

#[test]
fn a_screen_that_asked_leaves_the_vault_in_an_agent() {
    let av = AgentVault::passphrase();
    assert!(av.pid().is_none());
    let mut screen = Screen::spawn(av.pty_command(), SIZE);
    screen.wait_text("Passphrase for");
    screen.send(&format!("{PASSPHRASE}\r"));
    screen.wait_text("1 entry");
    assert!(av.pid().is_some(), "an agent holds the vault now");
    // Another terminal's command asks nothing (it has no terminal to ask on).
    let code = av.bare().args(["code", "github"]).output().unwrap();
    assert!(
        code.status.success(),
        "{}",
        String::from_utf8_lossy(&code.stderr)
    );
    // The screen's changes are the agent's saves.
    screen.send("d");
    screen.wait_text("Delete?");
    screen.send("y");
    screen.wait_text("deleted 'GitHub:me'");
    assert_eq!(json_list(&av).trim(), "[]");
    screen.quit();
}

/// A new secret is saved with the vault unlocked here after asking again; the agent follows
/// the file, and its next code is the new secret's.
#[test]
fn a_new_secret_asks_again_and_the_agent_follows() {
    let av = AgentVault::passphrase();
    av.unlock();
    let mut screen = Screen::spawn(av.pty_command(), SIZE);
    screen.wait_text("1 entry");
    // Edit: issuer, account, then the secret field.
    screen.send("e");
    screen.wait_text("Edit entry");
    screen.send("\t\tJBSWY3DPEHPK3PXP");
    screen.wait_text("'GitHub:me' gives");
    screen.send("\r");
    screen.wait_text("unlock to save it");
    screen.send(&format!("{PASSPHRASE}\r"));
    screen.wait_text("saved 'GitHub:me'");
    let out = av
        .bare()
        .args(["code", "github", "--at", "59"])
        .output()
        .unwrap();
    let code = String::from_utf8(out.stdout).unwrap();
    let secret = keyfob::engine::secret::Secret::parse_base32("JBSWY3DPEHPK3PXP").unwrap();
    let want = keyfob::engine::otp::totp(&secret, keyfob::engine::otp::Algorithm::Sha1, 6, 30, 59)
        .unwrap()
        .to_string();
    assert_eq!(code.trim(), want);
    screen.quit();
}

/// The import dialog through an agent: its preview finds the duplicate with a dry run in the
/// agent (the screen has no seed to compare), and the chosen entries are the agent's save.
#[test]
fn an_import_through_the_agent_previews_duplicates() {
    let av = AgentVault::identity();
    av.unlock();
    let file = av.tv.dir.path().join("export.txt");
    std::fs::write(
        &file,
        format!(
            "otpauth://totp/GitHub:me?secret={RFC_SECRET_B32}&issuer=GitHub\n\
             otpauth://totp/New:one?secret=JBSWY3DPEHPK3PXP&issuer=New\n"
        ),
    )
    .unwrap();
    // Everything the screen sends to and receives from the agent, to search for seeds.
    let tap = av.tv.dir.path().join("tap.bin");
    let mut cmd = av.pty_command();
    cmd.env(keyfob::agent::client::TEST_TAP_VAR, &tap);
    let mut screen = Screen::spawn(cmd, SIZE);
    screen.wait_text("1 entry");
    screen.send("i");
    screen.wait_text("The export file to read");
    screen.send(&format!("{}\r", file.display()));
    screen.wait_text("already in the vault");
    screen.wait_text("1 chosen");
    screen.send("\r");
    screen.wait_text("added 'New:one'");
    screen.wait_text("2 entries");
    assert!(json_list(&av).contains("\"New\""));
    screen.quit();
    let traffic = std::fs::read(&tap).unwrap();
    assert!(traffic.len() > 1000, "the screen talked to the agent");
    for seed in [RFC_SECRET_B32, "JBSWY3DPEHPK3PXP"] {
        let found = traffic.windows(seed.len()).any(|w| w == seed.as_bytes());
        assert!(!found, "{seed} crossed the socket");
    }
}
