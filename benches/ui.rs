//! Filter + draw at 10,000 entries: the cost of one keystroke in the `/` filter.
//!
//! Run with `cargo bench --bench ui`. `filter_and_draw_10k` applies a whole query at once
//! (the worst case: every entry is matched) and draws a 100×30 frame through ratatui's diff;
//! `typing_at_10k` types the query key by key, drawing after each (time per key = time /
//! items). The screen holds entry views (codes computed once, when the views are made, as the
//! vault thread or the agent makes them); drawing reads the visible rows' windows only.

use divan::Bencher;
use keyfob::engine::entry::Entry;
use keyfob::engine::secret::Secret;
use keyfob::engine::view::EntryView;
use keyfob::ui::app::{App, Effect, Msg, Settings};
use keyfob::ui::text::Edit;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const NOW: u64 = 1_700_000_000;

fn main() {
    divan::main();
}

fn views(entries: &[Entry], at: u64) -> Vec<EntryView> {
    entries
        .iter()
        .map(|e| EntryView::of(e, at).expect("view"))
        .collect()
}

fn entries(n: usize) -> Vec<Entry> {
    let issuers = [
        "GitHub",
        "Google",
        "Microsoft",
        "Contoso",
        "Bank",
        "AWS",
        "Steam",
        "Proton",
    ];
    (0..n)
        .map(|i| {
            let bytes: Vec<u8> = (0..20).map(|b| (i * 31 + b * 7) as u8).collect();
            let mut e = Entry::new(
                format!("{} {}", issuers[i % issuers.len()], i / 8),
                format!("user{i}@example.com"),
                Secret::from_bytes(bytes).expect("secret"),
            );
            if i % 5 == 0 {
                e.serial = Some(format!("{:07}", 1_000_000 + i));
                e.tags = vec!["hardware".into()];
            }
            e
        })
        .collect()
}

#[divan::bench(args = ["g", "git", "user42", "hardware 10", "zzzz"])]
fn filter_and_draw_10k(bencher: Bencher, query: &str) {
    let mut app = App::new(views(&entries(10_000), NOW), Settings::default(), NOW);
    app.update(Msg::StartFilter, NOW);
    app.update(
        Msg::Resize {
            width: 100,
            height: 30,
        },
        NOW,
    );
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
    bencher.bench_local(|| {
        app.update(Msg::Text(Edit::Clear), NOW);
        app.update(Msg::Text(Edit::Paste(query.to_string())), NOW);
        terminal
            .draw(|frame| frame.render_widget(&app, frame.area()))
            .expect("draw");
        divan::black_box(app.visible.len())
    });
}

/// Typing a query one key at a time, drawing after each key (the incremental case).
#[divan::bench(args = ["git", "hardware 10", "user4242"])]
fn typing_at_10k(bencher: Bencher, query: &str) {
    let mut app = App::new(views(&entries(10_000), NOW), Settings::default(), NOW);
    app.update(Msg::StartFilter, NOW);
    app.update(
        Msg::Resize {
            width: 100,
            height: 30,
        },
        NOW,
    );
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
    bencher
        .counter(divan::counter::ItemsCount::new(query.chars().count()))
        .bench_local(|| {
            app.update(Msg::Text(Edit::Clear), NOW);
            for c in query.chars() {
                app.update(Msg::Text(Edit::Insert(c)), NOW);
                terminal
                    .draw(|frame| frame.render_widget(&app, frame.area()))
                    .expect("draw");
            }
            divan::black_box(app.visible.len())
        });
}

#[divan::bench]
fn idle_second_20_entries(bencher: Bencher) {
    let twenty = entries(20);
    let mut app = App::new(views(&twenty, NOW), Settings::default(), NOW);
    app.update(
        Msg::Resize {
            width: 100,
            height: 30,
        },
        NOW,
    );
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
    let mut now = NOW;
    bencher.bench_local(|| {
        now += 1;
        // The vault thread's answer when a period ends (fresh windows).
        if app
            .update(Msg::Tick, now)
            .iter()
            .any(|e| matches!(e, Effect::Views))
        {
            app.update(Msg::Views(Ok(views(&twenty, now))), now);
        }
        terminal
            .draw(|frame| frame.render_widget(&app, frame.area()))
            .expect("draw");
    });
}
