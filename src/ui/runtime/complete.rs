//! File-name completion for the import dialog's path (Tab): a folder listing, small and
//! bounded (at most 200 names). Split from `runtime.rs`, which performs it as an effect.

/// File names that complete `prefix` (folders end in `/`).
pub fn complete(prefix: &str) -> Vec<String> {
    let expanded = crate::ui::first_run::expand_home(prefix);
    let (dir, start) = match expanded.rfind('/') {
        Some(i) => (&expanded[..=i], &expanded[i + 1..]),
        None => ("", expanded.as_str()),
    };
    let Ok(read) = std::fs::read_dir(if dir.is_empty() { "." } else { dir }) else {
        return Vec::new();
    };
    let typed_dir = &prefix[..prefix.len() - start.len().min(prefix.len())];
    let mut out: Vec<String> = read
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with(start) || (start.is_empty() && name.starts_with('.')) {
                return None;
            }
            let slash = if entry.path().is_dir() { "/" } else { "" };
            Some(format!("{typed_dir}{name}{slash}"))
        })
        .collect();
    out.sort();
    out.truncate(200);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_file_names_and_marks_folders() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("export-a.json"), "").unwrap();
        std::fs::write(dir.path().join("export-b.txt"), "").unwrap();
        std::fs::create_dir(dir.path().join("exports")).unwrap();
        let base = format!("{}/", dir.path().display());
        let got = complete(&format!("{base}exp"));
        assert_eq!(
            got,
            [
                format!("{base}export-a.json"),
                format!("{base}export-b.txt"),
                format!("{base}exports/"),
            ]
        );
        assert!(complete(&format!("{base}zzz")).is_empty());
    }
}
