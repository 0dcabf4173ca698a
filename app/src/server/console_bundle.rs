//! The staff console's own wasm and js (see `pages::admin::console`): staff pages load it
//! instead of the shopper's. `build_console_bundle` in `scripts/lib.sh` writes it beside
//! the site root (`target/site` → `target/console`, where cargo-leptos does not clean) as
//! `console.<content hash>.js` and `.wasm`, and names it in `console.txt` beside the server
//! binary (as cargo-leptos names the shopper's files in `hash.txt`), so a binary always
//! names the console built with it, whatever older or newer files the directory keeps.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use leptos::config::LeptosOptions;

/// Where the console's files are sent from: `/console/console.<hash>.wasm`.
pub const URL_DIR: &str = "console";

/// The file beside the server binary naming the console built with it.
const NAME_FILE: &str = "console.txt";

/// The directory holding the console's files: `console` beside the site root.
pub fn dir(site: &LeptosOptions) -> PathBuf {
    let root = Path::new(&*site.site_root);
    root.parent().unwrap_or(Path::new(".")).join(URL_DIR)
}

/// What staff pages hand to `HydrationScripts`: the site's options, naming the console's
/// files (already hashed, so the hash file is not read for them).
pub fn hydration_options(site: &LeptosOptions) -> LeptosOptions {
    let mut options = site.clone();
    options.output_name = current_stem(site);
    options.site_pkg_dir = Arc::from(URL_DIR);
    options.hash_files = false;
    options
}

/// `console.<hash>`: from `console.txt` beside the binary, else (a binary not built by
/// `build_release`, such as `cargo run`) the newest complete pair in [`dir`]. Found once;
/// while there is none, staff pages name a file that is not there (they work as without
/// JavaScript) and it is looked for again at the next one.
fn current_stem(site: &LeptosOptions) -> Arc<str> {
    static STEM: OnceLock<Arc<str>> = OnceLock::new();
    static REPORTED: AtomicBool = AtomicBool::new(false);
    if let Some(stem) = STEM.get() {
        return stem.clone();
    }
    let dir = dir(site);
    let beside_binary = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join(NAME_FILE)));
    let found = beside_binary
        .and_then(|file| std::fs::read_to_string(file).ok())
        .and_then(|name| is_bundle_stem(name.trim()).then(|| name.trim().to_string()))
        .or_else(|| newest_bundle(&dir));
    match found {
        Some(stem) => STEM.get_or_init(|| Arc::from(stem)).clone(),
        None => {
            if !REPORTED.swap(true, Ordering::Relaxed) {
                tracing::error!(dir = %dir.display(), "no staff console wasm: staff pages will not hydrate (run build_release)");
            }
            Arc::from(URL_DIR)
        }
    }
}

/// `console.` and a content hash of letters, digits, `-` and `_`.
fn is_bundle_stem(stem: &str) -> bool {
    stem.strip_prefix("console.").is_some_and(|hash| {
        hash.len() >= 8
            && hash
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// `console.<hash>` of the newest `console.<hash>.wasm` in `dir` that has its `.js`.
fn newest_bundle(dir: &Path) -> Option<String> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let stem = name.strip_suffix(".wasm")?.to_string();
            let modified = entry.metadata().and_then(|meta| meta.modified()).ok()?;
            let complete = is_bundle_stem(&stem) && dir.join(format!("{stem}.js")).is_file();
            complete.then_some((modified, stem))
        })
        .max()
        .map(|(_, stem)| stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_complete_console_bundle_is_found_and_other_files_are_not() {
        let dir =
            std::env::temp_dir().join(format!("tandem-console-bundle-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in [
            "tandem.abcdefgh12.wasm",
            "console.oldhash01.wasm.br",
            "console.js",
            "console.newhash02.js",
            "console.stale.wasm",
        ] {
            std::fs::write(dir.join(name), b"").unwrap();
        }
        assert_eq!(newest_bundle(&dir), None);
        for name in ["console.oldhash01.wasm", "console.oldhash01.js"] {
            std::fs::write(dir.join(name), b"").unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(dir.join("console.newhash02.wasm"), b"").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        // Newer, but without its js: not a bundle.
        std::fs::write(dir.join("console.orphan003.wasm"), b"").unwrap();
        assert_eq!(newest_bundle(&dir).as_deref(), Some("console.newhash02"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_bundle_name_is_console_and_a_hash() {
        assert!(is_bundle_stem("console.1a43cf367fc2d982cd6d4f"));
        assert!(!is_bundle_stem("console.stale"));
        assert!(!is_bundle_stem("console"));
        assert!(!is_bundle_stem("console.../../etc"));
        assert!(!is_bundle_stem("tandem.1a43cf367fc2d982cd6d4f"));
    }
}
