//! `redis.ping`: PONG and the round-trip latency.

use std::time::Instant;

use super::{ms_since, query};
use crate::probe::result::{Outcome, Status};
use crate::probe::run::connect::{ErrorKind, ProbeError};
use crate::probe::run::runner::Ctx;
use crate::probe::show::hint;

pub async fn run(ctx: &Ctx<'_>) -> Result<Outcome, ProbeError> {
    let ep = ctx.session.endpoint()?;
    let connecting = Instant::now();
    let mut conn = ctx.session.conn().await?;
    let connect_ms = ms_since(connecting);
    let t = Instant::now();
    let reply: redis::Value = query(ep, &mut conn, &redis::cmd("PING")).await?;
    let rtt = ms_since(t);
    let ok = matches!(&reply, redis::Value::SimpleString(s) if s == "PONG");
    let out = if ok {
        Outcome::pass(format!("PONG in {rtt}"))
    } else {
        Outcome::new(Status::Fail, "the server did not answer PONG").hint(hint::not_redis())
    };
    if !ok && !matches!(reply, redis::Value::SimpleString(_)) {
        return Err(ProbeError::new(
            ErrorKind::NotRedis,
            format!(
                "{} answered PING with something other than PONG: not Redis",
                ep.display
            ),
            hint::not_redis(),
        ));
    }
    Ok(out
        .expected("PONG")
        .observed(match &reply {
            redis::Value::SimpleString(s) => s.clone(),
            _ => "(no PONG)".into(),
        })
        .evidence("round trip", rtt)
        .evidence("connection (shared per run)", connect_ms)
        .evidence("target", ep.display.clone())
        .evidence("db", ep.db_shown.clone()))
}
