//! Browser test helpers: Debian's Chromium, headless, driven over WebDriver (`chromedriver`
//! started by the test on a free port, killed with its browser when the [`Browser`] drops)
//! through the `fantoccini` crate, against the issuer served in-process on 127.0.0.1:0.
//!
//! `chromedriver` must be on PATH (`./test.sh` installs `chromium-driver`): a test that needs
//! a browser fails without it, it never skips. Browsers run one at a time per test binary
//! (a lock), so two cores shared with a build are enough.
#![allow(
    unreachable_pub,
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use fantoccini::{Client, ClientBuilder, Locator};
use issuer::http::AppState;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Phone width (an iPhone 12–15 viewport).
pub const PHONE: (u32, u32) = (390, 844);
/// Desktop width.
pub const DESKTOP: (u32, u32) = (1280, 900);

/// One browser at a time in a test binary.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The issuer's router served on a real socket (peer addresses reach `ClientNetwork`);
/// its base URL. The server task ends with the test's runtime.
pub async fn serve(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = issuer::http::router(state).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    format!("http://127.0.0.1:{}", addr.port())
}

/// Where `name` is on PATH.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A headless Chromium session and the chromedriver behind it.
pub struct Browser {
    pub client: Client,
    _driver: Reaper,
    _profile: tempfile::TempDir,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl Browser {
    /// Start chromedriver and a headless Chromium whose viewport is `size` (CSS pixels, device
    /// scale 1). Panics (fails the test) when chromedriver is not on PATH.
    pub async fn start(size: (u32, u32)) -> Browser {
        let turn = ONE_AT_A_TIME.lock().await;
        // rustls is built with two crypto providers here; fantoccini's client needs one chosen.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let driver_path = on_path("chromedriver").unwrap_or_else(|| {
            panic!("chromedriver is not on PATH: install chromium and chromium-driver (./test.sh --setup-only)")
        });
        let port = free_port();
        let driver = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group: Drop kills chromedriver and the browsers it started.
            .process_group(0)
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().unwrap();
        let mut args = vec![
            "--headless=new".to_string(),
            "--disable-gpu".to_string(),
            "--disable-dev-shm-usage".to_string(),
            "--force-device-scale-factor=1".to_string(),
            "--hide-scrollbars".to_string(),
            "--no-first-run".to_string(),
            format!("--user-data-dir={}", profile.path().display()),
            format!("--window-size={},{}", size.0, size.1),
        ];
        if is_root() {
            args.push("--no-sandbox".to_string());
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        let mut chrome = json!({ "args": args });
        if let Some(bin) = on_path("chromium") {
            chrome["binary"] = json!(bin);
        }
        caps.insert("goog:chromeOptions".into(), chrome);
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            match ClientBuilder::rustls()
                .unwrap()
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("no WebDriver session from chromedriver: {e}"),
            }
        };
        let b = Browser {
            client,
            _driver: Reaper(driver),
            _profile: profile,
            _turn: turn,
        };
        b.resize(size).await;
        b
    }

    /// Make the viewport exactly `size` (the window may add its own frame).
    pub async fn resize(&self, size: (u32, u32)) {
        self.client.set_window_size(size.0, size.1).await.unwrap();
        let (w, h) = self.viewport().await;
        let (dw, dh) = (size.0 as i64 - w, size.1 as i64 - h);
        if dw != 0 || dh != 0 {
            let (ow, oh) = self.client.get_window_size().await.unwrap();
            self.client
                .set_window_size((ow as i64 + dw) as u32, (oh as i64 + dh) as u32)
                .await
                .unwrap();
        }
        assert_eq!(self.viewport().await.0, size.0 as i64, "viewport width");
    }

    /// `innerWidth`, `innerHeight`.
    pub async fn viewport(&self) -> (i64, i64) {
        let v = self.js("return [innerWidth, innerHeight]").await;
        (v[0].as_i64().unwrap(), v[1].as_i64().unwrap())
    }

    /// Run `script` in the page (WebDriver scripts are not subject to the page's CSP).
    pub async fn js(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap()
    }

    /// Go to `url`.
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    /// The path of the current page.
    pub async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_string()
    }

    /// The full current URL.
    pub async fn url(&self) -> String {
        self.client.current_url().await.unwrap().to_string()
    }

    /// Text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    /// How many elements match `css`.
    pub async fn count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.unwrap().len()
    }

    /// Attribute `name` of the first element matching `css`.
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .attr(name)
            .await
            .unwrap()
    }

    /// Type `value` into the field called `name` (cleared first).
    pub async fn fill(&self, name: &str, value: &str) {
        let field = self
            .client
            .find(Locator::Css(&format!("[name=\"{name}\"]")))
            .await
            .unwrap();
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    /// Click the submit button matching `css` and wait until the next page has loaded (the
    /// old page is marked first, so a click that returns early is not mistaken for arrival).
    pub async fn click(&self, css: &str) {
        self.js("window.__vaxcertOldPage = true").await;
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let arrived = self
                .client
                .execute(
                    "return window.__vaxcertOldPage === undefined && document.readyState === 'complete'",
                    vec![],
                )
                .await
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            if arrived {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "no new page after clicking {css}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A computed style property of the first element matching `css`.
    pub async fn css(&self, css: &str, prop: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .css_value(prop)
            .await
            .unwrap()
    }

    /// Whether the page scrolls sideways: `scrollWidth`, `innerWidth`.
    pub async fn widths(&self) -> (i64, i64) {
        let v = self
            .js("return [document.documentElement.scrollWidth, innerWidth]")
            .await;
        (v[0].as_i64().unwrap(), v[1].as_i64().unwrap())
    }

    /// The viewport as PNG bytes.
    pub async fn screenshot(&self) -> Vec<u8> {
        self.client.screenshot().await.unwrap()
    }

    /// The whole page at the current width (the window grown to the page's height for the
    /// shot, then put back), saved as `path`.
    pub async fn save_full_page(&self, path: &Path) -> Vec<u8> {
        let (w, h) = self.viewport().await;
        let full = self
            .js("return document.documentElement.scrollHeight")
            .await
            .as_i64()
            .unwrap();
        self.resize((w as u32, full.max(h) as u32)).await;
        let png = self.screenshot().await;
        self.resize((w as u32, h as u32)).await;
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &png).unwrap();
        png
    }

    /// End the WebDriver session (the browser); chromedriver ends on drop.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

/// Kills a chromedriver's process group when dropped.
struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        kill_group(&mut self.0);
    }
}

/// Kill the process group led by `child` (chromedriver and the Chromium it started).
fn kill_group(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-s", "KILL", "--", &format!("-{}", child.id())])
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Where screenshot NAME goes: `spec/screens/NAME` in the repository when
/// `VAXCERT_SCREENSHOTS=1` (refreshing the committed screens), else a directory under the
/// system temp dir, so that a test run never changes the working tree.
pub fn screen_path(name: &str) -> PathBuf {
    let dir = match std::env::var("VAXCERT_SCREENSHOTS").as_deref() {
        Ok("1") => Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/screens"),
        _ => std::env::temp_dir().join("vaxcert-screens"),
    };
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}
