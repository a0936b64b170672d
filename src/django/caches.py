# Asks Django for its cache settings on behalf of bisk-docs.
#
# Embedded in the bisk-docs binary and run as `python -c <this file> PROJECT_DIR SETTINGS
# ANSWER` with the project's own interpreter (never through a shell). Writes exactly one JSON
# object to the file ANSWER (in a folder private to bisk-docs), whole: into ANSWER.part,
# then renamed, so the file's appearance means the answer is complete. Not stdout: a
# settings module may print anything there, at import or at exit, and a daemon it forks may
# keep it open. It reads settings only: no django.setup(), no app import, no connection.
#
# Secrets: LOCATION is printed as Django holds it, because `target = "django"` connects
# there, and so is the cache database's PASSWORD (a DatabaseCache target connects there);
# bisk-docs redacts both wherever it shows them. Nothing else that may hold a secret is
# printed: no OPTIONS but the two cull numbers and `db`, no other database.
import json
import os
import sys


def text(value, limit=2000):
    value = "%s" % (value,)
    return value[:limit]


def error_of(exc):
    return {"type": type(exc).__name__, "message": text(exc)}


def number_or_none(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) or (isinstance(value, float) and value == value and abs(value) != float("inf")):
        return value
    return text(value, 200)


def dotted(value):
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return text("%s.%s" % (getattr(value, "__module__", "?"), getattr(value, "__qualname__", value)))


def cache_of(conf):
    if not isinstance(conf, dict):
        return {"invalid": text(type(conf).__name__)}
    options = conf.get("OPTIONS") or {}
    if not isinstance(options, dict):
        options = {}
    location = conf.get("LOCATION", "")
    if isinstance(location, (list, tuple)):
        location = [text(x) for x in location]
    else:
        location = text(location)
    backend = text(conf.get("BACKEND", ""))
    out = {
        "backend": backend,
        "location": location,
        "key_prefix": text(conf.get("KEY_PREFIX", "")),
        "version": number_or_none(conf.get("VERSION", 1)),
        "timeout_set": "TIMEOUT" in conf,
        "timeout": number_or_none(conf.get("TIMEOUT", 300)),
        "key_function": dotted(conf.get("KEY_FUNCTION")),
        # BaseCache reads these two from the params first, then OPTIONS.
        "max_entries": number_or_none(conf.get("max_entries", options.get("MAX_ENTRIES", 300))),
        "cull_frequency": number_or_none(
            conf.get("cull_frequency", options.get("CULL_FREQUENCY", 3))
        ),
    }
    if "db" in options:
        # redis-py takes OPTIONS as the pool's keyword arguments: its `db` is the db when
        # the URL names none (the URL's `?db=` or path wins). A db number is no secret.
        out["redis_db"] = number_or_none(options.get("db"))
    if backend.endswith("FileBasedCache") and isinstance(location, str):
        # FileBasedCache does the same: a relative LOCATION is relative to the working folder.
        out["location_abs"] = os.path.abspath(location)
    return out


def database_of(conf):
    conf = conf if isinstance(conf, dict) else {}
    engine = text(conf.get("ENGINE", ""))
    name = text(conf.get("NAME", ""))
    if "sqlite3" in engine and name and name != ":memory:" and not name.startswith("file:"):
        name = os.path.abspath(name)
    return {
        "engine": engine,
        "name": name,
        "host": text(conf.get("HOST", "") or ""),
        "port": text(conf.get("PORT", "") or ""),
        "user": text(conf.get("USER", "") or ""),
        # Only so that `target = "django"` can connect; bisk-docs never shows it.
        "password": text(conf.get("PASSWORD", "") or ""),
    }


def ask(out):
    try:
        import django
    except Exception as exc:
        out["failed"] = {"stage": "django", "error": error_of(exc)}
        return
    out["django_version"] = django.get_version()
    try:
        from django.conf import settings

        caches = settings.CACHES
        if not isinstance(caches, dict):
            raise TypeError("CACHES is a %s, not a dict" % type(caches).__name__)
    except Exception as exc:
        out["failed"] = {"stage": "settings", "error": error_of(exc)}
        return
    # How the app's naive datetimes read: USE_TZ (Django's default True since 5.0) and
    # TIME_ZONE (None: the host's own zone).
    try:
        out["use_tz"] = bool(settings.USE_TZ)
        zone = settings.TIME_ZONE
        out["time_zone"] = None if zone is None else text(zone, 200)
    except Exception as exc:
        out["clock_error"] = error_of(exc)
    out["aliases"] = [text(a, 200) for a in list(caches)[:50]]
    if "default" not in caches:
        return
    default = cache_of(caches["default"])
    out["default"] = default
    backend = default.get("backend", "")
    if "redis" in backend.lower():
        try:
            import redis

            out["redis_client"] = {"version": text(getattr(redis, "__version__", "?"), 50)}
        except Exception as exc:
            out["redis_client"] = {"error": error_of(exc)}
    if backend.endswith("DatabaseCache"):
        try:
            from django.core.cache import caches as handler
            from django.db import router

            entry = handler["default"].cache_model_class
            alias = router.db_for_write(entry) or "default"
            out["cache_database"] = {
                "alias": text(alias, 200),
                **database_of(settings.DATABASES.get(alias)),
            }
        except Exception as exc:
            out["cache_database"] = {"error": error_of(exc)}


def main():
    project_dir, settings_module, answer_path = sys.argv[1], sys.argv[2], sys.argv[3]
    if project_dir:
        sys.path.insert(0, project_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    out = {"python": sys.executable, "python_version": "%d.%d.%d" % sys.version_info[:3]}
    # stdout is /dev/null: whatever the settings print goes nowhere and breaks nothing.
    ask(out)
    part = answer_path + ".part"
    with open(part, "w", encoding="utf-8") as f:
        f.write(json.dumps(out))
    os.replace(part, answer_path)


main()
