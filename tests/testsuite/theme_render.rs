//! The default theme renders a realistic page with every context field; the result is
//! written to `$BISK_THEME_PREVIEW_DIR` when set, to look at in a browser.

use std::path::Path;

use bisk_docs::render::SearchSection;
use bisk_docs::site::search::{SearchDoc, build_index};
use bisk_docs::theme::{NavLink, NavNode, NotFoundContext, PageContext, Theme, TocEntry, nav_js};

const CONTENT: &str = r##"<h1 id="redis-cache">Redis cache<a class="anchor" href="#redis-cache" aria-label="Link to this section"></a></h1>
<p>The web process and the <strong>enforcer</strong> worker share one Django cache backed by Redis. When the enforcer stops writing its heartbeat, the web process shows stale enforcement state, so this is the first thing to check when users report that limits are not applied.</p>
<div class="callout callout-important" role="note"><p class="callout-title">Important</p>
<p>Both processes must use the same <code>KEY_PREFIX</code> and <code>VERSION</code>, or they will not see each other's keys.</p>
</div>
<h2 id="keys">Keys the enforcer writes<a class="anchor" href="#keys" aria-label="Link to this section"></a></h2>
<table>
<thead><tr><th>Key</th><th>Written when</th><th>Value</th></tr></thead>
<tbody>
<tr><td><code>bisk:1:enforcer:last_run</code></td><td>every cycle</td><td>timestamp (pickled datetime)</td></tr>
<tr><td><code>bisk:1:enforcer:last_ok</code></td><td>a cycle succeeded</td><td>timestamp</td></tr>
<tr><td><code>bisk:1:enforcer:last_error</code></td><td>a cycle failed</td><td>error text</td></tr>
<tr><td><code>bisk:1:enforcer:running_pid</code></td><td>while running</td><td>integer</td></tr>
</tbody></table>
<div class="probe" id="probe-redis-cache-0" data-probe-id="redis-cache-0" data-check="redis.ping" data-status="unchecked"><div class="probe-head"><span class="probe-chip probe-chip-unchecked" role="status"><span class="probe-icon" aria-hidden="true">○</span> <span class="probe-word">not checked</span></span> <span class="probe-title">Redis answers PING</span></div>
<p class="probe-description">Sends <code>PING</code> to Redis and expects <code>PONG</code> back, with the round-trip time.</p>
<div class="probe-result" hidden></div>
<details class="probe-declaration"><summary>Declaration</summary><pre><code class="language-toml">check = "redis.ping"</code></pre></details></div>
<div class="probe" id="probe-redis-cache-1" data-probe-id="redis-cache-1" data-check="cache.breadcrumbs" data-status="warn"><div class="probe-head"><span class="probe-chip probe-chip-warn" role="status"><span class="probe-icon" aria-hidden="true">▲</span> <span class="probe-word">warning</span></span> <span class="probe-title">Enforcer heartbeat is fresh</span></div>
<p class="probe-description">Reads <code>bisk:1:enforcer:last_run</code> and <code>bisk:1:enforcer:last_ok</code> in db 1 in one round trip.</p>
<div class="probe-result"><p class="probe-checked">WARN — checked 2026-11-25 17:02 UTC on prod</p><p class="probe-summary">The last run is 7 min old; expected under 5 min.</p><dl class="probe-compare"><dt>Expected</dt><dd>last_run newer than 5m</dd><dt>Observed</dt><dd><pre>datetime.datetime(2026, 11, 25, 16, 55, 3, tzinfo=utc)</pre></dd></dl><p class="probe-hint">Check the service. <a href="#check-by-hand">How to fix</a></p><p class="probe-duration">3.2 ms</p></div>
<details class="probe-declaration"><summary>Declaration</summary><pre><code class="language-toml">check = "cache.breadcrumbs"</code></pre></details></div>
<h2 id="check-by-hand">Check by hand<a class="anchor" href="#check-by-hand" aria-label="Link to this section"></a></h2>
<p>Read the heartbeat directly with <kbd>redis-cli</kbd>:</p>
<div class="codeblock" data-lang="console"><button class="copy" type="button" aria-label="Copy code">Copy</button><pre><code><span class="prompt">$ </span><span class="hl-function">redis-cli</span> -n 1 <span class="hl-string">PING</span>
<span class="output">PONG</span>
<span class="prompt">$ </span><span class="hl-function">redis-cli</span> -n 1 TTL <span class="hl-string">bisk:1:enforcer:last_run</span>
<span class="output">(integer) 287</span></code></pre></div>
<h3 id="from-django">From a Django shell<a class="anchor" href="#from-django" aria-label="Link to this section"></a></h3>
<div class="codeblock" data-lang="python"><button class="copy" type="button" aria-label="Copy code">Copy</button><pre><code><span class="prompt">&gt;&gt;&gt; </span><span class="hl-keyword">from</span> django.core.cache <span class="hl-keyword">import</span> cache
<span class="prompt">&gt;&gt;&gt; </span>cache.get(<span class="hl-string">"enforcer:last_run"</span>)
<span class="output">datetime.datetime(2026, 11, 25, 18, 2, 11, tzinfo=datetime.timezone.utc)</span></code></pre></div>
<div class="callout callout-warning" role="note"><p class="callout-title">Warning</p>
<p>Never run <code>FLUSHDB</code> on database 1: it also drops every user session.</p>
</div>
<h2 id="checklist">Recovery checklist<a class="anchor" href="#checklist" aria-label="Link to this section"></a></h2>
<ul>
<li><input disabled="" type="checkbox" checked=""> Redis answers <code>PING</code></li>
<li><input disabled="" type="checkbox"> <code>last_run</code> is younger than two cycles<sup class="footnote-reference"><a href="#fn-cycle">1</a></sup></li>
<li><input disabled="" type="checkbox"> <code>systemctl status bisk-enforcer</code> shows <em>active (running)</em></li>
</ul>
<div class="callout callout-tip" role="note"><p class="callout-title">Tip</p>
<p>See <a href="../backend/CACHE_SETTINGS.html#key-prefix">cache settings</a> for how the prefix is built.</p>
</div>
<div class="footnote-definition" id="fn-cycle"><sup class="footnote-definition-label">1</sup>
<p>A cycle is 300 seconds by default.</p>
</div>
"##;

fn page_context() -> PageContext {
    PageContext {
        site_title: "BISK ops".into(),
        title: "Redis cache".into(),
        description: Some("How the web process and the enforcer share the Redis cache".into()),
        extra: Default::default(),
        content: CONTENT.into(),
        toc: vec![
            TocEntry {
                level: 2,
                id: "keys".into(),
                text: "Keys the enforcer writes".into(),
            },
            TocEntry {
                level: 2,
                id: "check-by-hand".into(),
                text: "Check by hand".into(),
            },
            TocEntry {
                level: 3,
                id: "from-django".into(),
                text: "From a Django shell".into(),
            },
            TocEntry {
                level: 2,
                id: "checklist".into(),
                text: "Recovery checklist".into(),
            },
        ],
        breadcrumbs: vec![
            NavLink {
                title: "Home".into(),
                url: "../index.html".into(),
            },
            NavLink {
                title: "Ops".into(),
                url: "index.html".into(),
            },
        ],
        prev: Some(NavLink {
            title: "Deploying".into(),
            url: "DEPLOY.html".into(),
        }),
        next: Some(NavLink {
            title: "Enforcer service".into(),
            url: "ENFORCER.html".into(),
        }),
        root: "../".into(),
        page_url: "ops/REDIS_CACHE.html".into(),
        section: Some("ops".into()),
        is_home: false,
        children: vec![],
        edit_path: "ops/REDIS_CACHE.md".into(),
        generator: "bisk-docs 0.1.0".into(),
        live_reload: false,
        serve: false,
        probe_api: Some("http://127.0.0.1:8000/_probe".into()),
        walkthrough_url: Some("/runs/start?page=ops%2FA.md".into()),
        target: "default".into(),
        targets: Vec::new(),
        snapshot: None,
        default_target: "default".into(),
        target_place: String::new(),
    }
}

fn nav_tree() -> NavNode {
    let leaf = |t: &str, u: &str| NavNode {
        title: t.into(),
        url: Some(u.into()),
        children: vec![],
    };
    NavNode {
        title: "BISK ops".into(),
        url: Some("index.html".into()),
        children: vec![
            NavNode {
                title: "Ops".into(),
                url: Some("ops/index.html".into()),
                children: vec![
                    leaf("Deploying", "ops/DEPLOY.html"),
                    leaf("Redis cache", "ops/REDIS_CACHE.html"),
                    leaf("Enforcer service", "ops/ENFORCER.html"),
                    NavNode {
                        title: "Incidents".into(),
                        url: None,
                        children: vec![leaf("2026-10 cache outage", "ops/incidents/2026-10.html")],
                    },
                ],
            },
            NavNode {
                title: "Backend".into(),
                url: Some("backend/index.html".into()),
                children: vec![leaf("Cache settings", "backend/CACHE_SETTINGS.html")],
            },
        ],
    }
}

#[test]
fn renders_a_page_with_every_field() {
    let theme = Theme::load(None).expect("default theme loads");
    let html = theme.render_page(&page_context()).expect("page renders");

    assert!(html.starts_with("<!doctype html>"));
    assert!(
        html.contains("<title>Redis cache · BISK ops</title>"),
        "{html}"
    );
    assert!(html.contains(r#"<meta name="description" content="How the web process"#));
    assert!(html.contains(r#"<meta name="generator" content="bisk-docs 0.1.0">"#));
    assert!(
        html.contains(r#"<meta name="bisk-probe-api" content="http://127.0.0.1:8000/_probe">"#)
    );
    // Content goes in unescaped, exactly once, and the page's own H1 is not duplicated.
    assert_eq!(html.matches("<h1").count(), 1);
    assert!(html.contains(r#"data-probe-id="redis-cache-0""#));
    assert!(html.contains(r#"<body data-root="../" data-page="ops/REDIS_CACHE.html">"#));
    assert!(html.contains(r#"href="../_static/style.css""#));
    assert!(html.contains(r#"src="../_static/nav.js""#));
    assert!(html.contains(r#"<a href="../index.html">Home</a>"#));
    assert!(html.contains(r#"<li aria-current="page">Redis cache</li>"#));
    assert!(html.contains(r#"rel="prev" href="DEPLOY.html""#));
    assert!(html.contains(r#"rel="next" href="ENFORCER.html""#));
    assert!(
        html.contains(
            r##"<li class="toc-l3"><a href="#from-django">From a Django shell</a></li>"##
        )
    );
    assert!(html.contains("<code>ops/REDIS_CACHE.md</code>"));
    assert!(!html.contains("data-live-reload"));
    // The sidebar is not in the page: it is built from the shared nav.js.
    assert!(!html.contains("Enforcer service</a></li>"));
}

#[test]
fn escapes_text_fields_but_not_content() {
    let theme = Theme::load(None).unwrap();
    let mut ctx = page_context();
    ctx.title = "<script>alert(1)</script> & co".into();
    ctx.edit_path = "ops/\"quoted\".md".into();
    ctx.toc[0].text = "<b>bold</b>".into();
    let html = theme.render_page(&ctx).unwrap();
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"));
    assert!(html.contains("&quot;quoted&quot;"));
    assert!(html.contains("&lt;b&gt;bold&lt;/b&gt;"));
    // URLs keep their slashes (tera's default escaper would write &#x2F;).
    assert!(
        html.contains(r#"href="../_static/site.js""#)
            || html.contains(r#"src="../_static/site.js""#)
    );
}

#[test]
fn page_without_h1_gets_its_title_and_section_pages_list_children() {
    let theme = Theme::load(None).unwrap();
    let mut ctx = page_context();
    ctx.content = "<p>Runbooks for the people on call.</p>".into();
    ctx.title = "Ops".into();
    ctx.toc.clear();
    ctx.description = None;
    ctx.probe_api = None;
    ctx.children = vec![
        NavLink {
            title: "Deploying".into(),
            url: "DEPLOY.html".into(),
        },
        NavLink {
            title: "Redis cache".into(),
            url: "REDIS_CACHE.html".into(),
        },
    ];
    let html = theme.render_page(&ctx).unwrap();
    assert!(html.contains("<h1>Ops</h1>"));
    assert!(html.contains(r#"<li><a href="REDIS_CACHE.html">Redis cache</a></li>"#));
    assert!(!html.contains("bisk-probe-api"));
    assert!(!html.contains("name=\"description\""));
    assert!(
        !html.contains("class=\"toc\""),
        "no TOC for a page without sections"
    );
}

#[test]
fn home_page_title_is_the_site_title() {
    let theme = Theme::load(None).unwrap();
    let mut ctx = page_context();
    ctx.is_home = true;
    ctx.root = String::new();
    ctx.breadcrumbs.clear();
    ctx.prev = None;
    let html = theme.render_page(&ctx).unwrap();
    assert!(html.contains("<title>BISK ops</title>"));
    assert!(html.contains(r#"href="_static/style.css""#));
    assert!(!html.contains("class=\"breadcrumbs\""));
    assert!(!html.contains("rel=\"prev\""));
}

#[test]
fn not_found_page_uses_the_given_root() {
    let theme = Theme::load(None).unwrap();
    let html = theme
        .render_404(&NotFoundContext {
            site_title: "BISK ops".into(),
            root: "https://intra.example/docs/".into(),
        })
        .unwrap();
    assert!(html.contains(r#"href="https://intra.example/docs/index.html""#));
    assert!(html.contains("Page not found · BISK ops"));
}

#[test]
fn static_files_hold_the_assets_templates_reference() {
    let theme = Theme::load(None).unwrap();
    let files = theme.static_files();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for needed in ["style.css", "site.js", "search.js"] {
        assert!(names.contains(&needed), "{needed} missing from {names:?}");
    }
    assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted: {names:?}");
}

/// Writes a small site (two depths, nav, search index, 404) for looking at in a browser.
#[test]
fn preview_site() {
    let tmp = tempfile::tempdir().unwrap();
    let out = std::env::var_os("BISK_THEME_PREVIEW_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| tmp.path().to_path_buf());
    let theme = crate::kit::render::write_theme_static(&out);
    let write = |rel: &str, bytes: &[u8]| crate::kit::render::write_file(&out, rel, bytes);
    write("_static/nav.js", nav_js(&nav_tree()).as_bytes());
    write(
        "_static/highlight-light.css",
        b".hl-keyword{color:#cf222e}.hl-string{color:#0a3069}.hl-function{color:#8250df}\n",
    );
    write(
        "_static/highlight-dark.css",
        b":root[data-theme=dark] .hl-keyword{color:#ff7b72}:root[data-theme=dark] .hl-string{color:#a5d6ff}:root[data-theme=dark] .hl-function{color:#d2a8ff}\n@media (prefers-color-scheme:dark){:root:not([data-theme=light]) .hl-keyword{color:#ff7b72}:root:not([data-theme=light]) .hl-string{color:#a5d6ff}:root:not([data-theme=light]) .hl-function{color:#d2a8ff}}\n",
    );
    let ctx = page_context();
    write(
        "ops/REDIS_CACHE.html",
        theme.render_page(&ctx).unwrap().as_bytes(),
    );
    let mut home = page_context();
    home.is_home = true;
    home.title = "BISK ops".into();
    home.root = String::new();
    home.page_url = "index.html".into();
    home.breadcrumbs.clear();
    home.prev = None;
    home.toc.clear();
    home.content = "<h1 id=\"bisk-ops\">BISK ops</h1><p>Runbooks and references for the BISK_RFv4 platform.</p>".into();
    home.children = vec![
        NavLink {
            title: "Ops".into(),
            url: "ops/index.html".into(),
        },
        NavLink {
            title: "Backend".into(),
            url: "backend/index.html".into(),
        },
    ];
    write("index.html", theme.render_page(&home).unwrap().as_bytes());
    write(
        "404.html",
        theme
            .render_404(&NotFoundContext {
                site_title: "BISK ops".into(),
                root: String::new(),
            })
            .unwrap()
            .as_bytes(),
    );
    let sections = vec![
        SearchSection {
            anchor: "redis-cache".into(),
            heading: "Redis cache".into(),
            text: "The web process and the enforcer worker share one Django cache backed by Redis."
                .into(),
        },
        SearchSection {
            anchor: "keys".into(),
            heading: "Keys the enforcer writes".into(),
            text:
                "bisk:1:enforcer:last_run every cycle timestamp; last_ok; last_error; running_pid"
                    .into(),
        },
        SearchSection {
            anchor: "check-by-hand".into(),
            heading: "Check by hand".into(),
            text: "Read the heartbeat directly with redis-cli: redis-cli -n 1 PING".into(),
        },
    ];
    let docs = [SearchDoc {
        url: "ops/REDIS_CACHE.html",
        title: "Redis cache",
        sections: &sections,
    }];
    for (rel, text) in build_index(&docs) {
        write(&rel, text.as_bytes());
    }
    assert!(Path::new(&out.join("ops/REDIS_CACHE.html")).is_file());
}
