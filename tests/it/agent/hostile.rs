//! What others can do to an agent: another user asking for a code, malformed and oversized
//! requests (property-tested against the real agent), a kill -9 in the middle of a save, a
//! socket folder others could enter.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;

use keyfob::agent::protocol::{self, Ask, FrameError, ProblemKind, REPLY_CAP, Reply, Request};
use predicates::str::contains;
use proptest::prelude::*;

use super::*;

/// Reads replies until the agent closes the connection; returns them.
fn replies(stream: &mut std::os::unix::net::UnixStream) -> Vec<Reply> {
    let mut out = Vec::new();
    loop {
        match protocol::read_frame(stream, REPLY_CAP) {
            Ok(body) => out.push(protocol::decode::<Reply>(&body).expect("a reply")),
            Err(FrameError::Closed | FrameError::Truncated) => return out,
            Err(FrameError::Io(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return out;
            }
            Err(e) => panic!("{e}"),
        }
    }
}

fn refused(replies: &[Reply], needle: &str) {
    match replies {
        [Reply::Refused(problem)] => {
            assert_eq!(problem.kind, ProblemKind::BadRequest, "{problem:?}");
            assert!(problem.message.contains(needle), "{problem:?}");
        }
        other => panic!("expected one refusal, got {other:?}"),
    }
}

fn sets(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Another user cannot get a code: not through keyfob (it cannot reach the socket), and not
/// by opening the way in by hand — the agent checks the peer's uid and closes the connection
/// unanswered. Needs root (to act as `nobody`); skipped with a note otherwise.
#[test]
fn another_user_cannot_get_a_code() {
    if rustix::process::geteuid().as_raw() != 0 {
        eprintln!("note: not running as root, so cannot act as another user; skipping");
        return;
    }
    let av = AgentVault::identity();
    av.unlock();
    let socket = av.sockets().remove(0);
    // The test's folder may be passed through (its contents stay private).
    sets(av.tv.dir.path(), 0o711);
    // Through the real binary, as nobody (the vault's path open to them, nothing else).
    if std::process::Command::new("setpriv")
        .arg("--version")
        .output()
        .is_ok()
    {
        sets(&av.tv.dir.path().join("data"), 0o711);
        let mut cmd = std::process::Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(assert_cmd::cargo::cargo_bin("keyfob"))
            .arg("--vault")
            .arg(&av.tv.vault)
            .args(["code", "github"]);
        clean_env(&mut cmd);
        let out = cmd.env("XDG_RUNTIME_DIR", &av.run).output().unwrap();
        sets(&av.tv.dir.path().join("data"), 0o700);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert!(out.stdout.is_empty(), "no code for another user: {out:?}");
    } else {
        eprintln!("note: setpriv (util-linux) is missing; skipping the part through keyfob");
    }
    // The way in opened by hand (as root can): the agent still refuses the other uid.
    sets(&av.run, 0o711);
    sets(&av.run.join("keyfob"), 0o711);
    sets(&socket, 0o666);
    let as_nobody = std::thread::spawn({
        let socket = socket.clone();
        move || {
            let nobody = rustix::process::Uid::from_raw(65534);
            rustix::thread::set_thread_res_uid(nobody, nobody, nobody).unwrap();
            let mut stream = raw(&socket);
            let request = protocol::frame(&Request::new(Ask::List { at: 59 }));
            let _ = stream.write_all(&request);
            replies(&mut stream)
        }
    })
    .join()
    .unwrap();
    sets(&av.run, 0o700);
    sets(&av.run.join("keyfob"), 0o700);
    sets(&socket, 0o600);
    sets(av.tv.dir.path(), 0o700);
    assert!(as_nobody.is_empty(), "answered another user: {as_nobody:?}");
    // Its own user is served as before.
    av.bare()
        .args(["code", "github", "--at", "59"])
        .assert()
        .success()
        .stdout(format!("{RFC_CODE_AT_59}\n"));
}

/// Malformed, oversized and foreign requests get an error reply and their connection
/// closes; random bytes and random frames (property-tested) never bring the agent down.
#[test]
fn bad_requests_are_refused_and_the_agent_survives() {
    let av = AgentVault::identity();
    av.unlock();
    let socket = av.sockets().remove(0);
    let send = |bytes: &[u8]| {
        let mut stream = raw(&socket);
        stream.write_all(bytes).unwrap();
        let _ = stream.shutdown(std::net::Shutdown::Write);
        replies(&mut stream)
    };
    let framed = |body: &[u8]| {
        let mut bytes = u32::try_from(body.len()).unwrap().to_be_bytes().to_vec();
        bytes.extend_from_slice(body);
        bytes
    };
    refused(
        &send(&framed(b"this is not JSON")),
        "not a keyfob agent message",
    );
    refused(&send(&u32::MAX.to_be_bytes()), "over the limit");
    let too_big = protocol::REQUEST_CAP + 1;
    refused(
        &send(&u32::try_from(too_big).unwrap().to_be_bytes()),
        "over the limit",
    );
    refused(
        &send(&framed(br#"{"v":99,"ask":{"type":"status"}}"#)),
        "this agent speaks protocol 1",
    );
    refused(
        &send(&framed(
            br#"{"v":1,"ask":{"type":"apply","sealed":"not sealed","dry_run":false}}"#,
        )),
        "could not be opened",
    );
    assert!(
        send(b"\0\0\0\x20{\"v\":1").is_empty(),
        "half a frame: no reply"
    );
    // A good request after a bad one on the same connection is never read.
    let mut both = framed(b"{}");
    both.extend(protocol::frame(&Request::new(Ask::Status)));
    assert_eq!(send(&both).len(), 1);

    let strategy = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(|body| framed(&body)),
        "[{}\\[\\]\":,a-z0-9 ]{0,120}".prop_map(|text| framed(text.as_bytes())),
    ];
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        cases: 48,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    });
    runner
        .run(&strategy, |bytes| {
            for reply in send(&bytes) {
                prop_assert!(
                    matches!(reply, Reply::Refused(_) | Reply::Status(_)),
                    "{:?}",
                    reply
                );
            }
            Ok(())
        })
        .unwrap();
    // Still there, still right.
    av.bare()
        .args(["code", "github", "--at", "59"])
        .assert()
        .success()
        .stdout(format!("{RFC_CODE_AT_59}\n"));
}

/// The agent killed (SIGKILL) at random moments while it saves an add: the vault always
/// opens, with the entries from before or after the add, never anything in between.
/// `KEYFOB_SLOW_TESTS=1` runs 60 rounds instead of 8.
#[test]
fn killing_the_agent_mid_save_loses_nothing() {
    let tv = TestVault::new();
    std::fs::remove_file(&tv.vault).unwrap();
    library_vault(&tv.vault, numbered_entries(1000));
    let av = AgentVault::wrap(tv);
    let rounds = if std::env::var_os("KEYFOB_SLOW_TESTS").is_some() {
        60
    } else {
        8
    };
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let (mut saved, mut cut) = (0, 0);
    for round in 0..rounds {
        av.unlock();
        let pid = av.pid().unwrap();
        let before = open_entries(&av.tv.vault).unwrap().len();
        let mut add = av
            .bare_std()
            .args([
                "add",
                "--issuer",
                &format!("Round{round}"),
                "--account",
                "x",
            ])
            .args(["--secret", &nth_secret(5000 + round)])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        std::thread::sleep(Duration::from_millis(5 + x % 120));
        let raw = rustix::process::Pid::from_raw(pid as i32).unwrap();
        let _ = rustix::process::kill_process(raw, rustix::process::Signal::KILL);
        let status = add.wait().unwrap();
        wait_dead(pid, Duration::from_secs(10));
        let after = open_entries(&av.tv.vault).expect("the vault opens after a kill");
        assert!(
            after.len() == before || after.len() == before + 1,
            "round {round}: {before} entries before, {} after",
            after.len()
        );
        if after.len() == before + 1 {
            saved += 1;
        } else {
            cut += 1;
            assert!(!status.success(), "round {round}: add said it saved");
        }
    }
    eprintln!("kill -9 of the agent during an add: {saved} saves finished, {cut} cut short");
}

/// An agent folder other users may enter is refused: `unlock` fails in one line naming it,
/// and other commands warn and unlock directly.
#[test]
fn a_loose_agent_folder_is_refused() {
    let av = AgentVault::identity();
    let folder = av.run.join("keyfob");
    std::fs::create_dir(&folder).unwrap();
    sets(&folder, 0o755);
    av.cmd()
        .arg("unlock")
        .assert()
        .code(1)
        .stderr(contains("mode 0755").and(contains("keyfob will not use it")));
    av.cmd()
        .args(["code", "github", "--at", "59"])
        .assert()
        .success()
        .stdout(format!("{RFC_CODE_AT_59}\n"));
}

use predicates::prelude::PredicateBooleanExt;
