//! `peitao import taxonomy|suppliers FILE`.

use std::path::Path;

use anyhow::Context;
use peitao_app::{
    AppError,
    import::{
        ImportErrors, suppliers,
        taxonomy::{self, Format},
    },
};
use peitao_store::Store;

fn read(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8 text", path.display()))
}

/// A rejected file lists its problems with the file's name; any other failure passes through.
fn rejected(path: &Path, err: AppError) -> anyhow::Error {
    let AppError::Import(ImportErrors(errors)) = err else {
        return err.into();
    };
    let mut message = format!("{} was rejected; nothing was stored:", path.display());
    for error in &errors {
        message.push_str(&format!("\n  {}: {error}", path.display()));
    }
    anyhow::anyhow!(message)
}

pub async fn taxonomy(store: &Store, path: &Path) -> anyhow::Result<()> {
    let text = read(path)?;
    let counts = taxonomy::import(store, &text, Format::of_path(path))
        .await
        .map_err(|err| rejected(path, err))?;
    eprintln!(
        "imported {} categories, {} chains, {} links from {}",
        counts.categories,
        counts.chains,
        counts.links,
        path.display()
    );
    Ok(())
}

pub async fn suppliers(store: &Store, path: &Path) -> anyhow::Result<()> {
    let text = read(path)?;
    let ids = suppliers::import(store, &text)
        .await
        .map_err(|err| rejected(path, err))?;
    eprintln!(
        "imported {} organisations from {}",
        ids.len(),
        path.display()
    );
    Ok(())
}
