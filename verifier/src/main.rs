//! `vaxcert-verify`: a thin shell over [`verifier::cli::run`].
fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(verifier::cli::run(std::env::args_os().collect()))
}
