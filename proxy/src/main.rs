//! `cachepolicy-proxy --listen 127.0.0.1:8001 --origin http://127.0.0.1:8000 [...]`

use std::process::ExitCode;

use cachepolicy_proxy::{run_per_core, Config, USAGE};

fn main() -> ExitCode {
    let config = match Config::from_args(std::env::args().skip(1)) {
        Ok(Some(c)) => c,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("cachepolicy-proxy: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let (listen, origin, profile, max_bytes) = (config.listen, config.origin.clone(), config.profile.clone(), config.max_bytes);
    let threads = config.threads;
    let ready = move || eprintln!("cachepolicy-proxy: listening on {listen}, origin http://{origin}, profile {profile}, store {max_bytes} bytes");
    match run_per_core(config, threads, ready) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cachepolicy-proxy: cannot serve on {listen}: {e}");
            ExitCode::FAILURE
        }
    }
}
