//! `bisk-docs clean`: remove the output folder (only one that bisk-docs made).

use clap::Args;

use super::{Common, Failure, output};

#[derive(Args, Debug)]
pub struct CleanArgs {
    #[command(flatten)]
    pub common: Common,
}

pub(super) fn run(args: CleanArgs) -> Result<(), Failure> {
    let root = &args.common.root;
    let config = super::load_config(root)?;
    let out = root.join(&config.out_dir);
    let removed =
        crate::site::output::remove_site(&out).map_err(|e| Failure::Reported(e.to_string()))?;
    if !args.common.quiet {
        if removed {
            output::status(&format!("removed {}", out.display()));
        } else {
            output::status(&format!(
                "nothing to remove: {} does not exist",
                out.display()
            ));
        }
    }
    Ok(())
}
