//! `bisk-docs build`: render the docs tree into a static site.

use std::path::PathBuf;

use clap::Args;

use super::{Common, Failure};

#[derive(Args, Debug)]
pub struct BuildArgs {
    #[command(flatten)]
    pub common: Common,
    /// Output folder (default: `out_dir` from the config, `site/`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Absolute URL the site will be published at (enables sitemap.xml).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
}

pub fn run(_args: BuildArgs) -> Result<(), Failure> {
    Err(Failure::Usage("build: not built yet".into()))
}
