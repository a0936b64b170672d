//! `bisk-docs build`: render the docs tree into a static site.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::{Common, Failure, output};
use crate::config::Config;
use crate::probe::result::{ProbeResult, Status};
use crate::site::output::{StagedDir, check_out_dir};
use crate::site::{OutputOptions, Site, Snapshot};

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
    /// Run the probes now and embed each result ("PASS — checked … on prod") in its widget.
    #[arg(long)]
    pub snapshot: bool,
    /// With --snapshot: a probe that fails or errors fails the build (nothing is written).
    #[arg(long, requires = "snapshot")]
    pub fail_on_probe: bool,
    /// The target whose `[vars]` values the pages show, and with --snapshot the one
    /// checked (a `[targets.NAME]`; default `[redis]`).
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
    /// Warnings fail the build: unset values, sections still to be written by the team,
    /// broken links under `broken_links = "warn"`.
    #[arg(long)]
    pub strict: bool,
    /// With --snapshot: never run probes that write.
    #[arg(long, requires = "snapshot")]
    pub read_only: bool,
    /// URL of a running `bisk-docs serve` whose probe API the widgets call for live
    /// results (that server must list this site's origin in `[serve] allowed_origins`).
    #[arg(long, value_name = "URL")]
    pub probe_api: Option<String>,
}

pub(super) fn run(args: BuildArgs) -> Result<(), Failure> {
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
    let target = config
        .target(args.target.as_deref())
        .map_err(|e| Failure::Usage(e.to_string()))?
        .name;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| root.join(&config.out_dir));
    let docs = root.join(&config.docs_dir);
    crate::content::walk::docs_root(&docs).map_err(|e| Failure::Reported(e.to_string()))?;
    check_out_dir(&out, &docs, root).map_err(|e| Failure::Reported(e.to_string()))?;

    let mut opts = OutputOptions {
        base_url: config.base_url.clone(),
        probe_api: args.probe_api.clone(),
        ..OutputOptions::default()
    };
    // The docs walked and parsed once: the snapshot's probes and the site come from it.
    let index = crate::content::index::Index::load(&docs);
    let snapshot = if args.snapshot {
        opts.snapshot = Some(crate::theme::SnapshotTaken::at(
            jiff::Timestamp::now(),
            &target,
        ));
        Some(run_snapshot(&args, &config, &index)?)
    } else {
        None
    };
    let progress = std::sync::Arc::new(crate::site::Progress::default());
    let bar = super::progress::Bar::start(progress.clone(), args.common.quiet);
    let load = crate::site::LoadOptions {
        snapshot: snapshot.as_ref(),
        progress: Some(&progress),
        release_sources: true,
        target: Some(&target),
        ..crate::site::LoadOptions::default()
    };
    let loaded = Site::from_index(root, config, index, &load);
    drop(bar);
    let site = loaded.map_err(|diags| super::report_diagnostics(&diags, &args.common))?;
    let verbose_or_errors = super::print_diagnostics(&site.diagnostics, &args.common);
    if site.has_errors() {
        return Err(Failure::Reported(format!(
            "build failed: {}; {} left untouched",
            verbose_or_errors,
            out.display()
        )));
    }
    if !args.common.quiet {
        let (unset, todo) = site.diagnostics.iter().fold((0, 0), |(u, t), d| {
            (
                u + usize::from(d.message.starts_with("unset value")),
                t + usize::from(d.message.starts_with("to be written by the team")),
            )
        });
        if unset + todo > 0 {
            output::status(&format!(
                "{unset} use(s) of unset values for target {target} and {todo} section(s) to be written by the team (listed above; --strict fails on them)"
            ));
        }
    }
    if args.strict && !site.diagnostics.is_empty() {
        return Err(Failure::Reported(format!(
            "build failed (--strict): {}; {} left untouched",
            verbose_or_errors,
            out.display()
        )));
    }

    if args.fail_on_probe
        && let Some(results) = &snapshot
    {
        let failed: Vec<&ProbeResult> = results
            .values()
            .filter(|r| matches!(r.status, Status::Fail | Status::Error))
            .collect();
        if !failed.is_empty() {
            for r in &failed {
                output::error(&format!(
                    "probe {} ({}) on {}: {} — {}",
                    r.id,
                    r.page,
                    r.target.name,
                    r.status.word(),
                    r.summary
                ));
            }
            return Err(Failure::Reported(format!(
                "build failed: {} probe(s) failed (--fail-on-probe); {} left untouched",
                failed.len(),
                out.display()
            )));
        }
    }

    phase(&args.common, "loaded and rendered", started);
    if let Some(results) = &snapshot {
        opts.health = snapshot_health(&site, results);
    }

    let staged = StagedDir::create(&out).map_err(|e| Failure::Reported(e.to_string()))?;
    staged
        .create_dirs(crate::site::output_dirs(&site).iter().map(String::as_str))
        .map_err(|e| Failure::Reported(e.to_string()))?;
    let pages = site
        .write(&staged, &opts)
        .map_err(|diags| super::report_diagnostics(&diags, &args.common))?;
    phase(&args.common, "written", started);
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

/// Runs every declared probe once, for `--snapshot`.
fn run_snapshot(
    args: &BuildArgs,
    config: &Config,
    index: &crate::content::index::Index,
) -> Result<Snapshot, Failure> {
    config
        .target(args.target.as_deref())
        .map_err(|e| Failure::Usage(e.to_string()))?;
    let decls = crate::probe::declare::discover::discover(
        index,
        &[],
        Some((config, args.target.as_deref().unwrap_or("default"))),
    )
    .map_err(|diags| super::report_diagnostics(&diags, &args.common))?;
    let diags = crate::probe::declare::discover::config_errors(&decls, config);
    if !diags.is_empty() {
        return Err(super::report_diagnostics(&diags, &args.common));
    }
    let options = crate::probe::run::runner::RunOptions {
        target: args.target.clone(),
        read_only: args.read_only,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(e.into()))?;
    let results = runtime.block_on(crate::probe::run::runner::run_all(
        std::sync::Arc::new(config.clone()),
        options,
        &decls,
    ));
    Ok(results.into_iter().map(|r| (r.id.clone(), r)).collect())
}

/// With `--verbose`: elapsed time and peak memory so far, to see where a build spends.
fn phase(common: &super::Common, what: &str, started: Instant) {
    if !common.verbose {
        return;
    }
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "n/a".into());
    output::status(&format!(
        "  {what}: {:.2} s, peak memory {peak}",
        started.elapsed().as_secs_f64()
    ));
}

/// Each guide's health from the snapshot (output path → worst status), for the sidebar.
fn snapshot_health(
    site: &Site,
    results: &Snapshot,
) -> std::collections::BTreeMap<String, crate::probe::show::health::PageHealth> {
    site.pages
        .iter()
        .filter_map(|sp| {
            let found: Vec<&ProbeResult> = sp
                .probes
                .iter()
                .filter_map(|d| results.get(&d.id))
                .collect();
            let statuses: Vec<Status> = found.iter().map(|r| r.status).collect();
            crate::probe::show::health::PageHealth::of(sp.probes.len(), &statuses)
                .map(|h| h.checked(found.iter().map(|r| r.checked_at.as_str())))
                .map(|h| (sp.page.out_rel.clone(), h))
        })
        .collect()
}
