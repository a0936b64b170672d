//! `redis.scan`: keys matching a raw glob, e.g. the guide's leftover `:1:*` keys.

use super::{key_text, scan};
use crate::probe::connect::ProbeError;
use crate::probe::decl::{ScanExpect, ScanParams};
use crate::probe::hint;
use crate::probe::result::{Outcome, Status};
use crate::probe::runner::Ctx;

const SCAN_CALLS: usize = 1000;

pub async fn run(p: &ScanParams, ctx: &Ctx<'_>) -> Result<Outcome, ProbeError> {
    let ep = ctx.session.endpoint()?;
    let db = p.db.map(i64::from).unwrap_or(ep.db);
    let mut conn = if db == ep.db {
        ctx.session.conn().await?
    } else {
        ep.connect(Some(db)).await?
    };
    let found = scan(ep, &mut conn, &p.pattern, p.limit, SCAN_CALLS).await?;
    let count = if found.complete {
        found.total.to_string()
    } else {
        format!("at least {}", found.total)
    };
    let listed: Vec<String> = found.keys.iter().map(|k| key_text(k)).collect();
    let mut out = Outcome::pass("")
        .evidence("pattern", p.pattern.clone())
        .evidence("db", db.to_string())
        .evidence("matches", count.clone());
    if !listed.is_empty() {
        out = out.evidence(
            if found.total > listed.len() {
                format!("first {} keys", listed.len())
            } else {
                "keys".into()
            },
            listed.join("\n"),
        );
    }
    out.observed = Some(format!("{count} keys"));
    match (p.expect, found.total) {
        (ScanExpect::Some, 0) => {
            out.status = Status::Fail;
            out.summary = format!("no keys match {} in db {db}", p.pattern);
            out.hint = hint::keys_missing();
        }
        (ScanExpect::Some, _) => {
            out.summary = format!("{count} keys match {} in db {db}", p.pattern)
        }
        (ScanExpect::None, 0) => out.summary = format!("no keys match {} in db {db}", p.pattern),
        (ScanExpect::None, _) => {
            out.status = Status::Warn;
            out.summary = format!("{count} keys match {} in db {db}, expected none", p.pattern);
            out.hint = hint::cleanup(db, &p.pattern);
        }
    }
    out.expected = Some(match p.expect {
        ScanExpect::Some => "at least one key".into(),
        ScanExpect::None => "no keys".into(),
    });
    Ok(out)
}
