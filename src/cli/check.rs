//! `bisk-docs check`: run declared probes headlessly.

use clap::Args;

use super::{Common, Failure};

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: Common,
}

pub fn run(_args: CheckArgs) -> Result<(), Failure> {
    Err(Failure::Usage("check: not built yet".into()))
}
