//! The staff console's own wasm and js (see `pages::admin::console`): staff pages load it
//! instead of the shopper's. `build_console_bundle` in `scripts/lib.sh` writes it beside
//! the site root (`target/site` → `target/console`, where cargo-leptos does not clean) as
//! `console.<content hash>.js` and `.wasm`; the server sends that directory at [`URL_DIR`]
//! and finds the name there once, at the first staff page.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use leptos::config::LeptosOptions;

/// Where the console's files are sent from: `/console/console.<hash>.wasm`.
pub const URL_DIR: &str = "console";

/// The directory holding the console's files: `console` beside the site root.
pub fn dir(site: &LeptosOptions) -> PathBuf {
    let root = Path::new(&*site.site_root);
    root.parent().unwrap_or(Path::new(".")).join(URL_DIR)
}

/// What staff pages hand to `HydrationScripts`: the site's options, naming the console's
/// files (already hashed, so the hash file is not read for them).
pub fn hydration_options(site: &LeptosOptions) -> LeptosOptions {
    static STEM: OnceLock<Arc<str>> = OnceLock::new();
    let stem = STEM.get_or_init(|| {
        let dir = dir(site);
        newest_bundle(&dir).map(Arc::from).unwrap_or_else(|| {
            tracing::error!(dir = %dir.display(), "no console.*.wasm: staff pages will not hydrate (run build_release)");
            Arc::from("console")
        })
    });
    let mut options = site.clone();
    options.output_name = stem.clone();
    options.site_pkg_dir = Arc::from(URL_DIR);
    options.hash_files = false;
    options
}

/// `console.<hash>` of the newest `console.<hash>.wasm` in `pkg`.
fn newest_bundle(pkg: &Path) -> Option<String> {
    std::fs::read_dir(pkg)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let stem = name.strip_suffix(".wasm")?.to_string();
            let modified = entry.metadata().and_then(|meta| meta.modified()).ok()?;
            stem.starts_with("console.").then_some((modified, stem))
        })
        .max()
        .map(|(_, stem)| stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_console_bundle_is_found_and_other_files_are_not() {
        let dir =
            std::env::temp_dir().join(format!("tandem-console-bundle-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in [
            "tandem.abc.wasm",
            "console.old.wasm.br",
            "console.js",
            "console.new.js",
        ] {
            std::fs::write(dir.join(name), b"").unwrap();
        }
        assert_eq!(newest_bundle(&dir), None);
        std::fs::write(dir.join("console.old.wasm"), b"").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(dir.join("console.new.wasm"), b"").unwrap();
        assert_eq!(newest_bundle(&dir).as_deref(), Some("console.new"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
