//! Form validation: live errors, the URI field, editing.

use super::*;
use crate::engine::secret::Secret;

fn typed(form: &mut Form, field: Field, text: &str) {
    form.focus = field;
    form.edit_text(&Edit::Paste(text.into()));
}

#[test]
fn live_validation_names_the_bad_character() {
    let mut form = Form::add();
    assert!(matches!(form.check, Check::Empty));
    typed(&mut form, Field::Issuer, "GitHub");
    typed(&mut form, Field::Secret, "JBSW0Y3DP");
    match &form.check {
        Check::Invalid { field, message } => {
            assert_eq!(*field, Field::Secret);
            assert!(message.contains("'0' at position 5"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    form.focus = Field::Secret;
    form.edit_text(&Edit::Clear);
    typed(&mut form, Field::Secret, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    let Check::Ready { entries, warnings } = &form.check else {
        panic!("{:?}", form.check)
    };
    assert_eq!(entries[0].name(), "GitHub");
    assert!(warnings.is_empty());
    assert_eq!(form.submit(), Outcome::Submit);
}

#[test]
fn uri_field_wins_and_paths_are_read() {
    let mut form = Form::add();
    typed(
        &mut form,
        Field::Uri,
        "otpauth://totp/ACME:bob?secret=JBSWY3DPEHPK3PXP&digits=8",
    );
    let Check::Ready { entries, warnings } = &form.check else {
        panic!("{:?}", form.check)
    };
    assert_eq!(
        (entries[0].name().as_str(), entries[0].digits),
        ("ACME:bob", 8)
    );
    assert_eq!(warnings.len(), 1, "80-bit secret warns");
    form.edit_text(&Edit::Clear);
    typed(&mut form, Field::Uri, "/tmp/qr.png");
    assert_eq!(form.submit(), Outcome::ReadFile("/tmp/qr.png".into()));
    form.file_read(super::parse_file(
        b"otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\n",
    ));
    assert!(matches!(form.check, Check::Ready { .. }));
}

#[test]
fn edit_keeps_the_secret_and_checks_numbers() {
    let secret = Secret::parse_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").unwrap();
    let entry = crate::engine::entry::Entry::new("A", "b", secret.clone()).with_hotp(3);
    let mut form = Form::edit(&crate::engine::view::EntryView::of(&entry, 0).unwrap());
    assert!(form.secret.is_empty());
    assert_eq!(form.number.as_str(), "3");
    typed(&mut form, Field::Number, "x");
    assert!(matches!(
        form.check,
        Check::Invalid {
            field: Field::Number,
            ..
        }
    ));
    form.edit_text(&Edit::Backspace);
    typed(&mut form, Field::Issuer, "Z");
    let Check::Ready { entries, .. } = &form.check else {
        panic!("{:?}", form.check)
    };
    // The form never had the secret: it keeps it by leaving it out of the patch.
    assert!(form.keeps_secret());
    assert_ne!(entries[0].secret, secret);
    assert_eq!(entries[0].issuer, "AZ");
    assert!(!format!("{form:?}").contains("JBSW"));
}

#[test]
fn a_pasted_uri_fills_the_fields_with_what_will_be_saved() {
    let mut form = Form::add();
    typed(
        &mut form,
        Field::Uri,
        "otpauth://hotp/ACME%20Co:bob@acme.example?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=ACME%20Co&algorithm=SHA256&digits=8&counter=42",
    );
    assert!(form.filled);
    assert_eq!(form.issuer.as_str(), "ACME Co");
    assert_eq!(form.account.as_str(), "bob@acme.example");
    assert_eq!(form.secret.as_str(), "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    assert_eq!(form.kind, Kind::Hotp);
    assert_eq!(form.algorithm, Algorithm::Sha256);
    assert_eq!(form.digits.as_str(), "8");
    assert_eq!(form.number.as_str(), "42", "the counter");
    assert_eq!(Field::Number.label(form.kind), "Counter");
    // Changing a filled field: the fields take over, and they describe the same entry.
    let Check::Ready { entries, .. } = &form.check else {
        panic!("{:?}", form.check)
    };
    let from_uri = entries[0].clone();
    form.focus = Field::Account;
    form.edit_text(&Edit::End);
    assert!(!form.uses_uri(), "the URI handed over to the fields");
    let Check::Ready { entries, .. } = &form.check else {
        panic!("{:?}", form.check)
    };
    assert_eq!(entries[0], from_uri);
    // A period for totp; a URI holding several entries fills nothing.
    let mut form = Form::add();
    typed(
        &mut form,
        Field::Uri,
        "otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&period=60",
    );
    assert_eq!((form.kind, form.number.as_str()), (Kind::Totp, "60"));
    form.edit_text(&Edit::Clear);
    assert!(!form.filled);
}
