//! Passphrase-protected identity files and plugin identities/recipients, without a plugin
//! binary (the integration tests run a real one).

use super::*;
use age::secrecy::ExposeSecret;

fn ask_with(passphrases: &'static [&'static str]) -> impl FnMut(Ask) -> Option<SecretString> {
    move |ask: Ask| {
        assert_eq!(ask.lock, KeyLock::AgeFile);
        let index = usize::try_from(ask.attempt - 1).unwrap();
        passphrases
            .get(index)
            .map(|p| SecretString::from((*p).to_string()))
    }
}

fn protected_file() -> (age::x25519::Identity, Vec<u8>) {
    let identity = age::x25519::Identity::generate();
    let file = protected::seal_new(
        &identity,
        SecretString::from("open sesame".to_string()),
        Some(4),
    )
    .unwrap();
    (identity, file)
}

#[test]
fn a_new_protected_identity_is_armored_and_opens_with_its_passphrase() {
    let (identity, file) = protected_file();
    let text = String::from_utf8(file.clone()).unwrap();
    assert!(
        text.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"),
        "{text}"
    );
    assert!(!text.contains("AGE-SECRET-KEY"));
    assert!(is_protected(&file));
    let mut asked = 0;
    let mut ask = |a: Ask| {
        asked = a.attempt;
        Some(SecretString::from(
            if a.attempt < 2 {
                "wrong"
            } else {
                "open sesame"
            }
            .to_string(),
        ))
    };
    let ids = read_identities(&file, "id.age", &mut ask).unwrap();
    assert_eq!(asked, 2);
    assert_eq!(ids.recipients(), [identity.to_public().to_string()]);
    assert_eq!(ids.locked_by(), Some(KeyLock::AgeFile));
    assert!(ids.involve_person());
    // What it unlocks opens a vault sealed to its public key: X25519, no scrypt.
    let sealed = Seal::Recipients(ids.recipients().to_vec())
        .encrypt(&pad("v"))
        .unwrap();
    assert!(decrypt(&sealed, &Key::Identities(ids)).is_ok());
}

#[test]
fn a_binary_protected_identity_opens_too() {
    let identity = age::x25519::Identity::generate();
    let inner = format!("# a comment\n{}\n", identity.to_string().expose_secret());
    let file = age::encrypt(
        &{
            let mut r = age::scrypt::Recipient::new(SecretString::from("pw".to_string()));
            r.set_work_factor(4);
            r
        },
        inner.as_bytes(),
    )
    .unwrap();
    assert!(is_protected(&file));
    let ids = read_identities(&file, "id.age", &mut ask_with(&["pw"])).unwrap();
    assert_eq!(ids.recipients(), [identity.to_public().to_string()]);
}

#[test]
fn protected_identity_failures_are_distinct() {
    let (_, file) = protected_file();
    let e = |bytes: &[u8], ask: &mut dyn FnMut(Ask) -> Option<SecretString>| {
        read_identities(bytes, "id.age", ask).err().unwrap()
    };
    // Three wrong passphrases, or none.
    assert_eq!(
        e(&file, &mut ask_with(&["a", "b", "c", "open sesame"])),
        IdentityError::Passphrase
    );
    assert_eq!(e(&file, &mut no_passphrase), IdentityError::Passphrase);
    // A vault (encrypted to recipients) passed as the identity: nobody is asked.
    let vault = Seal::Recipients(vec![
        age::x25519::Identity::generate().to_public().to_string(),
    ])
    .encrypt(b"x")
    .unwrap();
    let mut never = |_: Ask| -> Option<SecretString> { panic!("asked for a passphrase") };
    assert_eq!(e(&vault, &mut never), IdentityError::NotIdentity);
    // Cut short (armor and binary).
    let cut = &file[..file.len() / 2];
    assert!(matches!(
        e(cut, &mut ask_with(&["open sesame"])),
        IdentityError::Protected(CryptoError::Truncated | CryptoError::Tampered)
    ));
}

#[test]
fn a_protected_identity_asking_too_much_work_is_refused_before_any() {
    let identity = age::x25519::Identity::generate();
    let mut r = age::scrypt::Recipient::new(SecretString::from("pw".to_string()));
    r.set_work_factor(4);
    let file = age::encrypt(&r, identity.to_string().expose_secret().as_bytes()).unwrap();
    let stanza = file.windows(10).position(|w| w == b"-> scrypt ").unwrap();
    let line_end = stanza + file[stanza..].iter().position(|b| *b == b'\n').unwrap();
    assert_eq!(&file[line_end - 2..line_end], b" 4");
    let mut bytes = file[..line_end - 1].to_vec();
    bytes.extend_from_slice(b"30");
    bytes.extend_from_slice(&file[line_end..]);
    let err = read_identities(&bytes, "id.age", &mut ask_with(&["pw"]))
        .err()
        .unwrap();
    assert_eq!(
        err,
        IdentityError::Protected(CryptoError::ExcessiveWork(30))
    );
}

#[test]
fn plugin_identities_take_their_recipient_from_the_comment() {
    let recipient = plugin_recipient("yubikey");
    let text = format!(
        "#       Serial: 1, Slot: 1\n#    Recipient: {recipient}\n{}\n",
        plugin_identity("yubikey")
    );
    let ids = read_identities(text.as_bytes(), "yk.txt", &mut no_passphrase).unwrap();
    assert!(ids.has_plugins() && ids.involve_person());
    assert_eq!(ids.recipients(), [recipient]);
    // Without the comment the public key is unknown (init then needs --recipient).
    let bare = format!("{}\n", plugin_identity("yubikey"));
    let ids = read_identities(bare.as_bytes(), "yk.txt", &mut no_passphrase).unwrap();
    assert!(ids.lacks_recipients());
}

#[test]
fn a_missing_plugin_is_named_when_sealing_and_opening() {
    let missing = "keyfobnosuchplugin";
    let err = Seal::Recipients(vec![plugin_recipient(missing)])
        .encrypt(b"x")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("could not be encrypted: the age plugin 'age-plugin-{missing}' is not on PATH")
    );
    let sealed = Seal::Recipients(vec![
        age::x25519::Identity::generate().to_public().to_string(),
    ])
    .encrypt(&pad("v"))
    .unwrap();
    let text = format!("{}\n", plugin_identity(missing));
    let ids = read_identities(text.as_bytes(), "p.txt", &mut no_passphrase).unwrap();
    assert_eq!(
        decrypt(&sealed, &Key::Identities(ids)).unwrap_err(),
        CryptoError::Plugin(format!(
            "the age plugin 'age-plugin-{missing}' is not on PATH"
        ))
    );
}
