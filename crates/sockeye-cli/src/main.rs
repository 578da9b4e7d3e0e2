//! The `sockeye` command: `serve`, `connect`, `autobahn-client`.

mod args;
mod autobahn;
mod connect;
mod serve;

use std::process::ExitCode;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let command = match args::parse(argv) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("sockeye: {e}\n\n{}", args::USAGE);
            return ExitCode::from(2);
        }
    };
    let result = match command {
        args::Command::Help => {
            print!("{}", args::USAGE);
            Ok(())
        }
        args::Command::Version => {
            println!("sockeye {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        args::Command::Serve(s) => serve::run(&s),
        args::Command::Connect(c) => connect::run(&c),
        args::Command::Autobahn(a) => autobahn::run(&a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("sockeye: {message}");
            ExitCode::FAILURE
        }
    }
}
