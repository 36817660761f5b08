//! `vaxcert-issuer`: see `issuer::cli`.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Logs go to stderr: coloured text on a terminal; JSON lines without ANSI codes otherwise
    // (a file, journald, a log shipper).
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        fmt.init();
    } else {
        fmt.json().with_ansi(false).init();
    }
    let cli = issuer::cli::Cli::parse();
    match issuer::cli::run(cli).await {
        Ok(code) => std::process::ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(e) => {
            eprintln!("error [{}]: {e}", e.code());
            std::process::ExitCode::from(2)
        }
    }
}
