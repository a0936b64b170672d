//! A private nginx (Debian's `nginx-light`, installed on first use) as the reverse proxy in
//! front of a `serve`: on a free loopback port, from a config in a temporary folder, in the
//! foreground as a single process, stopped on drop.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const NGINX: &str = "/usr/sbin/nginx";

/// A running nginx.
pub struct Nginx {
    pub port: u16,
    child: Child,
    dir: tempfile::TempDir,
}

impl Nginx {
    /// Starts nginx with `server` as the body of its one `server { … }` block (after its
    /// `listen`), `{UPSTREAM}` replaced by the upstream's `host:port`. `users` become a
    /// basic-auth file at `{HTPASSWD}` (plain-text passwords: a test fixture).
    pub fn start(upstream: &str, server: &str, users: &[(&str, &str)]) -> Nginx {
        super::system::ensure_debian(&[(NGINX, "nginx-light")]).unwrap_or_else(|e| panic!("{e}"));
        let dir = tempfile::tempdir().unwrap();
        let htpasswd = dir.path().join("htpasswd");
        let lines: String = users
            .iter()
            .map(|(u, p)| format!("{u}:{{PLAIN}}{p}\n"))
            .collect();
        std::fs::write(&htpasswd, lines).unwrap();
        let port = super::free_port();
        let d = dir.path().display();
        let server = server
            .replace("{UPSTREAM}", upstream)
            .replace("{HTPASSWD}", &htpasswd.display().to_string());
        let conf = format!(
            "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log info;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
             server {{\n    listen 127.0.0.1:{port};\n{server}\n  }}\n}}\n"
        );
        let conf_path = dir.path().join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = Command::new(NGINX)
            .arg("-c")
            .arg(&conf_path)
            .arg("-p")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start nginx");
        let me = Nginx { port, child, dir };
        let until = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < until,
                "nginx did not start: {}",
                me.error_log()
            );
            std::thread::sleep(Duration::from_millis(30));
        }
        me
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        ([127, 0, 0, 1], self.port).into()
    }

    /// nginx's own log, for failure messages.
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
