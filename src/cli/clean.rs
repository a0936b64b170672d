//! `bisk-docs clean`: remove the output folder.

use clap::Args;

use super::{Common, Failure};

#[derive(Args, Debug)]
pub struct CleanArgs {
    #[command(flatten)]
    pub common: Common,
}

pub fn run(_args: CleanArgs) -> Result<(), Failure> {
    Err(Failure::Usage("clean: not built yet".into()))
}
