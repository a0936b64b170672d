//! `bisk-docs build`: render the docs tree into a static site.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::{Common, Failure, output};
use crate::site::output::{StagedDir, check_out_dir};
use crate::site::{OutputOptions, Site};

#[derive(Args, Debug)]
pub struct BuildArgs {
    #[command(flatten)]
    pub common: Common,
    /// Output folder (default: `out_dir` from the config, `site/` under the root).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Absolute URL the site will be published at (enables sitemap.xml).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// URL of a running `bisk-docs serve` whose probe API the widgets call for live
    /// results (that server must list this site's origin in `[serve] allowed_origins`).
    #[arg(long, value_name = "URL")]
    pub probe_api: Option<String>,
}

pub fn run(args: BuildArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let root = &args.common.root;
    let mut config = super::load_config(root)?;
    if let Some(url) = &args.base_url {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Failure::Usage(format!(
                "--base-url must be an absolute http(s) URL, got {url:?}"
            )));
        }
        config.base_url = Some(url.clone());
    }
    if let Some(url) = &args.probe_api
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(Failure::Usage(format!(
            "--probe-api must be an absolute http(s) URL, got {url:?}"
        )));
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| root.join(&config.out_dir));
    let docs = root.join(&config.docs_dir);
    check_out_dir(&out, &docs, root).map_err(|e| Failure::Reported(e.to_string()))?;

    let opts = OutputOptions {
        base_url: config.base_url.clone(),
        probe_api: args.probe_api.clone(),
        ..OutputOptions::default()
    };
    let site = Site::load(root, config).map_err(|diags| super::report_diagnostics(&diags, &args.common))?;
    let verbose_or_errors = super::print_diagnostics(&site.diagnostics, &args.common);
    if site.has_errors() {
        return Err(Failure::Reported(format!(
            "build failed: {}; {} left untouched",
            verbose_or_errors,
            out.display()
        )));
    }

    let staged = StagedDir::create(&out).map_err(|e| Failure::Reported(e.to_string()))?;
    staged
        .create_dirs(crate::site::output_dirs(&site).iter().map(String::as_str))
        .map_err(|e| Failure::Reported(e.to_string()))?;
    let pages = site
        .write(&staged, &opts)
        .map_err(|diags| super::report_diagnostics(&diags, &args.common))?;
    staged
        .commit()
        .map_err(|e| Failure::Reported(e.to_string()))?;

    if !args.common.quiet {
        let secs = started.elapsed().as_secs_f64();
        let probes = site.all_probes().count();
        output::status(&format!(
            "built {pages} pages ({} assets, {probes} probes) in {secs:.2} s → {}",
            site.assets.len(),
            out.display()
        ));
    }
    Ok(())
}
