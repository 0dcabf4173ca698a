//! The shopper's wasm-split loader, `__wasm_split.<hash>.js`, which the shopper's js
//! imports: storefront pages name it in their head (`shell.rs`), so the browser fetches it
//! with the js rather than once the js has been parsed.
//!
//! Its name is read here from the build's hash file (`hash.txt` beside the binary, written by
//! cargo-leptos) rather than taken from Leptos' `WasmSplitManifest`: Leptos reads that once
//! per process, with the options of the first page it renders, and when that is a staff page
//! (the console's own files, see `console_bundle`) it stays empty until a restart.

use std::path::Path;
use std::sync::OnceLock;

use leptos::config::LeptosOptions;

/// `/pkg/__wasm_split.<hash>.js`, if the build has a loader and it is in the site's `pkg`.
/// Found once; while it is not found (a build still running), it is looked for again at the
/// next page.
pub fn href(site: &LeptosOptions) -> Option<&'static str> {
    static HREF: OnceLock<String> = OnceLock::new();
    if let Some(href) = HREF.get() {
        return Some(href);
    }
    let found = find(site)?;
    Some(HREF.get_or_init(|| found))
}

fn find(site: &LeptosOptions) -> Option<String> {
    let name = if site.hash_files {
        let hash_file = std::env::current_exe()
            .ok()?
            .parent()?
            .join(site.hash_file.as_ref());
        loader_name(&std::fs::read_to_string(hash_file).ok()?)?
    } else {
        // Leptos' name for an unhashed loader.
        "__wasm_split.______________________.js".to_string()
    };
    let pkg = &site.site_pkg_dir;
    Path::new(&*site.site_root)
        .join(&**pkg)
        .join(&name)
        .is_file()
        .then(|| format!("/{pkg}/{name}"))
}

/// The loader's file name from the hash file's `split: <hash>` line.
fn loader_name(hashes: &str) -> Option<String> {
    hashes.lines().find_map(|line| {
        let (file, hash) = line.split_once(':')?;
        let hash = hash.trim();
        let plain = !hash.is_empty()
            && hash
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        (file.trim() == "split" && plain).then(|| format!("__wasm_split.{hash}.js"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loader_is_named_by_the_split_line_of_the_hash_file() {
        let hashes = "js: HLzoYsRrCZmYHisrDErjhA\nwasm: XSSnHe7ijkXbz8AiSQJLuw\n\
                      css: kwAaEmw9uj2glPta9UBzNw\nmanifest: o9UupKHXTE8_y2YBBjeHOQ\n\
                      split: xvAIoOXz_4BlxjYWzObIFg\n";
        assert_eq!(
            loader_name(hashes).as_deref(),
            Some("__wasm_split.xvAIoOXz_4BlxjYWzObIFg.js")
        );
    }

    #[test]
    fn a_hash_file_without_a_plain_split_line_names_no_loader() {
        assert_eq!(loader_name("js: abc\nwasm: def\n"), None);
        assert_eq!(loader_name("split: \n"), None);
        assert_eq!(loader_name("split: ../../etc\n"), None);
        assert_eq!(loader_name("split: a\"b\n"), None);
    }
}
