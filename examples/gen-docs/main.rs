//! Regenerates the man pages in `man/` and the completions in
//! `completions/` from the clap definitions: `cargo run --example gen-docs`.

use std::path::Path;

mod docs;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (path, content) in docs::generated() {
        let path = root.join(path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, content)?;
        println!("wrote {}", path.display());
    }
    println!("done: `{}`", docs::REGENERATE);
    Ok(())
}
