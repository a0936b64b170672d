//! `bisk-docs init`: scaffold a config and a small docs tree.

use std::path::PathBuf;

use clap::Args;

use super::{Common, Failure};

#[derive(Args, Debug)]
pub struct InitArgs {
    #[command(flatten)]
    pub common: Common,
    /// Folder to scaffold (default: the root).
    pub dir: Option<PathBuf>,
}

pub fn run(_args: InitArgs) -> Result<(), Failure> {
    Err(Failure::Usage("init: not built yet".into()))
}
