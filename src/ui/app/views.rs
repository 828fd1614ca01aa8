//! Comparing entry views and timing their refresh: pure functions of views. Split from
//! `app.rs`.

use crate::engine::view::EntryView;

/// Whether two views show the same entry the same way (all but their codes).
pub fn same_shown(a: &EntryView, b: &EntryView) -> bool {
    let EntryView {
        id,
        changed,
        issuer,
        account,
        kind,
        algorithm,
        digits,
        period,
        counter,
        note,
        tags,
        serial,
        manufacturer,
        model,
        upn,
        conflict,
        short_secret,
        codes: _,
    } = a;
    *id == b.id
        && *changed == b.changed
        && *issuer == b.issuer
        && *account == b.account
        && *kind == b.kind
        && *algorithm == b.algorithm
        && *digits == b.digits
        && *period == b.period
        && *counter == b.counter
        && *note == b.note
        && *tags == b.tags
        && *serial == b.serial
        && *manufacturer == b.manufacturer
        && *model == b.model
        && *upn == b.upn
        && *conflict == b.conflict
        && *short_secret == b.short_secret
}

/// When the earliest current period among `views` ends: then each window is on its last
/// period, and fresh ones are asked for.
pub fn views_due(views: &[EntryView]) -> Option<u64> {
    views
        .iter()
        .filter_map(|v| {
            let left = v.codes.remaining?;
            v.codes.at.checked_add(u64::from(left))
        })
        .min()
}
