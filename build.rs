//! Build script: gzips the extended catalog's service files (`data/catalog/services/*.json`, the
//! committed source of truth, written by `scripts/convert-services.py`) into `OUT_DIR` and writes
//! `catalog_services.rs`, the table `src/catalog/embedded.rs` includes: one
//! `(label, gzipped bytes)` pair per file, in file-name order. Compressing keeps the binary
//! about 1.6 MB smaller; the files are decompressed and parsed on first use only.

use std::error::Error;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use flate2::Compression;
use flate2::write::GzEncoder;

fn main() -> Result<(), Box<dyn Error>> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let dir = root.join("data/catalog/services");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed={}", dir.display());
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|p| p.extension().is_some_and(|e| e == "json"));
    files.sort();
    let mut table = String::from(
        "/// The embedded service files: label and gzipped AWS service-reference JSON.\n\
         pub(crate) const SERVICES: &[(&str, &[u8])] = &[\n",
    );
    for path in &files {
        println!("cargo::rerun-if-changed={}", path.display());
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or("non-UTF-8 file name under data/catalog/services")?;
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        gz.write_all(&std::fs::read(path)?)?;
        let gz_name = format!("{name}.gz");
        std::fs::write(out.join(&gz_name), gz.finish()?)?;
        writeln!(
            table,
            "    (\"embedded data/catalog/services/{name}\", \
             include_bytes!(concat!(env!(\"OUT_DIR\"), \"/{gz_name}\"))),"
        )?;
    }
    table.push_str("];\n");
    std::fs::write(out.join("catalog_services.rs"), table)?;
    Ok(())
}
